#!/usr/bin/env python3
"""Build the disagreement set (stdlib only).

Usage:
    python tests/data/bbc/disagreement/make.py [CORPUS_DIR]

Picks PICK articles from ../sample.txt with random.Random(SEED), and for
each writes articles/<category>_<nnn>_alt.txt: the original article (same
headline line, blank line, body) with ONE answer fact changed everywhere it
occurs (the replacements listed in SPEC, applied to the whole text), plus
questions.jsonl with one question per altered fact. The altered quotes are
the true quotes with the same replacements applied. The script asserts
that every replacement matches, that no true answer string is left in the
altered copy, and that every quote is found verbatim.

The articles are BBC text, licensed for evaluation and testing only.
"""
import importlib.util
import json
import os
import random
import sys

SEED = 1313
PICK = 34
HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/datasets/bbc-news"

# doc, kind, question, true answers, altered answers, [(old, new), ...], true quotes
SPEC = [
("business/068.txt","person","Which minister announced that India will allow full foreign ownership in construction?",
 ["Kamal Nath"],["Arvind Rao"],[("Kamal Nath","Arvind Rao"),("Mr Nath","Mr Rao")],
 ["Kamal Nath, Commerce and Industry Minister, announced the decision in Delhi on Thursday following a cabinet meeting."]),
("business/365.txt","money","How much does Nasdaq plan to raise from its share sale?",
 ["$100m","£52m"],["$150m","£78m"],[("$100m (£52m)","$150m (£78m)"),("$100m-share","$150m-share")],
 ["Nasdaq Stock Market plans to raise $100m (£52m) from the sale."]),
("business/391.txt","person","Which US judge is hearing the Yukos motions?",
 ["Letitia Clark"],["Marion Hartley"],[("Letitia Clark","Marion Hartley")],
 ["Judge Letitia Clark will hear different motions"]),
("business/463.txt","place","Which region got only a 'mixed' rating in the Fed's Beige Book?",
 ["Cleveland"],["Dallas"],[("Cleveland","Dallas")],
 ["with only the Cleveland area falling behind with a \"mixed\" rating"]),
("business/473.txt","percentage","What stake does Global Depository Receipts hold in United Bank of Africa?",
 ["32.8%"],["27.5%"],[("32.8%","27.5%")],
 ["including New York-based Global Depository Receipts (32.8%)"]),
("entertainment/017.txt","money","How much is the new international Booker Prize worth?",
 ["£60,000"],["£75,000"],[("£60,000","£75,000")],
 ["The new £60,000 award is open to writers of all nationalities who write in English or are widely translated."]),
("entertainment/050.txt","person","Who directed Tears of the Sun?",
 ["Antoine Fuqua"],["Daniel Mercer"],[("Antoine Fuqua","Daniel Mercer")],
 ["Directed by Antoine Fuqua, the film was poorly received by critics and did not perform strongly at the box office."]),
("entertainment/128.txt","number","How many listeners voted in Virgin Radio's gig of the year poll?",
 ["4,000"],["6,000"],[("4,000 listeners","6,000 listeners")],
 ["The annual survey was voted for by nearly 4,000 listeners."]),
("entertainment/155.txt","number","How many unreleased Nirvana tracks are on the With the Lights Out box set?",
 ["68"],["81"],[("68 unreleased","81 unreleased")],
 ["A box set featuring 68 unreleased Nirvana tracks has gone on sale in the US, after years of legal wrangles."]),
("entertainment/209.txt","money","How much is the Fear Factor viewer suing NBC for?",
 ["$2.5m","£1.3m"],["$4m","£2.1m"],[("$2.5m (£1.3m)","$4m (£2.1m)")],
 ["A US TV network is being sued for $2.5m (£1.3m) by a viewer who says he was disgusted by watching contestants eat dead rats in a stunt show."]),
("entertainment/254.txt","place","Which city was Jamelia born in?",
 ["Birmingham"],["Coventry"],[("Birmingham-born","Coventry-born")],
 ["The Birmingham-born singer, full name Jamelia Davis, was signed to a record label at the age of 15 and released her first single So High at 18."]),
("entertainment/262.txt","person","Which manager noticed U2 after they won a talent contest?",
 ["Paul McGuinness"],["Paul Fitzgerald"],[("McGuinness","Fitzgerald")],
 ["By 1978, they had won a talent contest and got noticed by a manager, Paul McGuinness."]),
("politics/150.txt","date","On what date was Margaret Hassan abducted?",
 ["19 October"],["27 October"],[("19 October","27 October")],
 ["Mrs Hassan, 59, who led Care International operations in Iraq, was abducted in Baghdad on 19 October."]),
("politics/194.txt","place","In which US state did Cherie Blair give the speech that criticised Bush's policies?",
 ["Massachusetts"],["Connecticut"],[("Massachusetts","Connecticut")],
 ["Mrs Blair's remarks are said to have been made in a speech to law students in Massachusetts."]),
("politics/250.txt","money","To what level do pensioner campaigners want the state pension raised?",
 ["£105.45"],["£109.45"],[("£105.45","£109.45")],
 ["We've called for the state pension to be increased from £79.60 to the pensioner credit guarantee level of £105.45."]),
("politics/315.txt","money","How much in outstanding payments is the Child Support Agency chasing?",
 ["£720m"],["£860m"],[("£720m","£860m")],
 ["It is currently chasing outstanding payments of more than £720m, while a further £947m has been designated as \"unrecoverable\"."]),
("politics/320.txt","money","How much did William Hague earn outside Parliament, according to the register?",
 ["£820,000"],["£740,000"],[("£820,000","£740,000")],
 ["The register shows former Tory leader William Hague earning up to £820,000 on top of his MPs' salary, much of it from speaking fees."]),
("politics/365.txt","number","How many civil service jobs does Gordon Brown plan to cut in total?",
 ["104,000"],["96,000"],[("104,000","96,000")],
 ["He plans to axe 104,000 jobs to free up money for education, health, defence, housing and overseas aid."]),
("sport/073.txt","number","How far did Jade Johnson jump to win the AAAs title?",
 ["6.50m"],["6.62m"],[("6.50m","6.62m")],
 ["The 24-year-old delivered a personal best of 6.50m to win the European trials but had to wait until her final jump after four failures."]),
("sport/134.txt","date","When do the Republic of Ireland play Switzerland in their final qualifier?",
 ["12 October 2005"],["8 October 2005"],[("12 October 2005","8 October 2005")],
 ["Ireland will close their bid to reach the 2006 finals by playing Switzerland in Dublin on 12 October 2005."]),
("sport/139.txt","number","Which Premiership goal milestone did Robbie Fowler miss against Chelsea?",
 ["150th"],["160th"],[("150th","160th")],
 ["the last chance of a frenetic spell should have resulted in Fowler celebrating his 150th Premiership goal"]),
("sport/155.txt","person","Who scored Bayer Leverkusen's last-minute goal at Anfield?",
 ["Franca"],["Berndt"],[("Franca","Berndt")],
 ["Benitez defended goalkeeper Jerzy Dudek, whose failure to hold on to Dimitar Berbatov's weak drive allowed Franca to score with the last kick of the game"]),
("sport/236.txt","number","From what distance did Steven Gerrard score his winner against Olympiakos?",
 ["20-yard","20 yards"],["25-yard","25 yards"],[("20-yard","25-yard")],
 ["The Reds scored three second-half goals in a sensational comeback capped by Gerrard's 20-yard drive."]),
("sport/244.txt","person","Whose departure led to Stuart Pearce becoming joint assistant manager at Manchester City?",
 ["Arthur Cox"],["Alan Rowley"],[("Arthur Cox","Alan Rowley")],
 ["He was promoted to joint assistant-manager following the departure of Arthur Cox last summer."]),
("sport/280.txt","person","Which Chelsea player did Mourinho single out as particularly tired?",
 ["John Terry"],["Frank Lampard"],[("John Terry","Frank Lampard")],
 ["\"All my players are tired, especially John Terry.\""]),
("sport/400.txt","person","Who is England's sevens coach?",
 ["Mike Friday"],["Martin Haddon"],[("Mike Friday","Martin Haddon")],
 ["said England sevens coach Mike Friday"]),
("tech/002.txt","number","How many net cafes did Chinese authorities close at the end of 2004?",
 ["12,575"],["14,310"],[("12,575","14,310")],
 ["Chinese authorities closed 12,575 net cafes in the closing months of 2004, the country's government said."]),
("tech/109.txt","percentage","What share of UK respondents said they use their landline because it is cheaper?",
 ["69%"],["58%"],[("69%","58%")],
 ["In the UK 69% of those questioned said they turned to their fixed phone because it was still cheaper to use than a mobile."]),
("tech/114.txt","number","How many people did Argonaut employ at the start of the year?",
 ["268"],["312"],[("268 people","312 people")],
 ["At the start of the year, the company employed 268 people."]),
("tech/150.txt","organisation","Which net provider commissioned the Demos broadband report?",
 ["AOL"],["Tiscali"],[("AOL","Tiscali")],
 ["The Demos report, entitled Broadband Britain: The End Of Asymmetry?, was commissioned by net provider AOL."]),
("tech/181.txt","place","In which German town will Nokia trial mobile phones as bus tickets?",
 ["Hanau"],["Offenbach"],[("Hanau","Offenbach")],
 ["Early next year travellers in the city of Hanau, near Frankfurt, will be able to pay for tickets by passing their phone over a smart-card reader already installed on the buses."]),
("tech/282.txt","money","How much did Media Lab Europe need each year from corporate sponsors?",
 ["10 million euros","US$13 million"],["14 million euros","US$18 million"],[("about 10 million euros (US$13 million)","about 14 million euros (US$18 million)")],
 ["The Labs needed about 10 million euros (US$13 million) a year from corporate sponsors to survive."]),
("tech/287.txt","number","How many text messages were sent in the UK in 2004?",
 ["26 billion"],["24 billion"],[("26 billion","24 billion")],
 ["UK mobile owners continue to break records with their text messaging, with latest figures showing that 26 billion texts were sent in total in 2004."]),
("tech/336.txt","person","Who described the Mac Mini as a laptop in a biscuit tin?",
 ["Mark Sparrow"],["Mark Sutton"],[("Mark Sparrow","Mark Sutton")],
 ["said Mark Sparrow, technical and reviews editor at Mac Format magazine"]),
]


# The articles' decoding (UTF-8, Latin-1 for the one file that is not) is sample.py's.
_spec = importlib.util.spec_from_file_location("bbc_sample", os.path.join(HERE, os.pardir, "sample.py"))
_sample = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sample)
read_text = _sample.read_text


def main():
    sample = [l.strip() for l in open(os.path.join(HERE, "..", "sample.txt")) if l.strip()]
    picked = sorted(random.Random(SEED).sample(sample, PICK))
    spec_docs = [s[0] for s in SPEC]
    assert spec_docs == picked, (sorted(set(picked) - set(spec_docs)), sorted(set(spec_docs) - set(picked)))
    os.makedirs(os.path.join(HERE, "articles"), exist_ok=True)
    rows = []
    for i, (doc, kind, question, true_a, alt_a, repl, true_q) in enumerate(SPEC, 1):
        orig = read_text(os.path.join(CORPUS, doc))
        alt = orig
        for old, new in repl:
            assert old in alt, (doc, old)
            alt = alt.replace(old, new)
        for a in true_a:
            assert a not in alt, (doc, "true answer left in altered copy", a)
        alt_q = []
        for q in true_q:
            assert q in orig, (doc, q)
            for old, new in repl:
                q = q.replace(old, new)
            assert q in alt, (doc, q)
            alt_q.append(q)
        name = doc.replace("/", "_").replace(".txt", "_alt.txt")
        with open(os.path.join(HERE, "articles", name), "w", encoding="utf-8", newline="\n") as f:
            f.write(alt)
        rows.append({"id": f"bbc-dis-{i:03d}", "kind": kind, "type": "disagreement",
                     "question": question, "original_document": doc, "altered_document": name,
                     "true_answers": true_a, "altered_answers": alt_a,
                     "true_quotes": true_q, "altered_quotes": alt_q})
    with open(os.path.join(HERE, "questions.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(rows)} altered articles and questions written")


if __name__ == "__main__":
    main()
