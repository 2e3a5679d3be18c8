"""Typed answers (issue 13): the sentence that states the asked kind of thing, not the one
that restates the question; an honest decline when no sentence states it; and sources that
disagree are shown as such, never listed as corroboration. Real model, real spaCy."""

from __future__ import annotations

import json

import pytest

from rag.answer.constraints import counted_words, counts, states_age_of, tied
from rag.answer.countries import is_country
from rag.answer.reasons import explains
from rag.answer.typed import (
    abbreviates,
    distinctive_words,
    expected_answer,
    fresh_answers,
    in_full,
    measures,
    names_kind,
    same_telling_but,
)
from rag.config import Settings
from rag.ingest.entities import SpacyAnnotator, ner_pipeline, whole_amount
from rag.ingest.loaders import document_from_text
from rag.services import Services
from rag.types import DocumentMeta
from tests.support import DATA, ROOT, SEEDS

ADVISER = "What is the name of Prime Minister Sudani's national security adviser?"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Which minister announced the reform?", "person"),
        ("Who bought the club?", "person"),
        ("Which company bought Yukos?", "organisation"),
        ("Where was the final played?", "place"),
        ("When was it founded?", "date"),
        ("How many jobs were created?", "number"),
        ("How much did Glazer pay for the club?", "money"),
        ("How much did profits rise?", "percentage"),
        ("What percentage of voters backed it?", "percentage"),
        ("How old is Masoud Barzani?", "age"),
        ("Why did Tehran rebuff Baghdad?", "reason"),
        ("How did the firm cut costs?", "method"),
        ("What did the report say?", None),
        ("What was the budget of the film?", "money"),
        ("What net profit did the firm report?", "money"),
        ("How long will the ban last?", "date"),
        ("How far from schools must net cafes be?", "number"),
        ("Which constituency does she represent?", "place"),
        ("What did the carmaker blame for the fall in profits?", None),
        ("And when did he leave?", "date"),
        # "when" joining a clause does not make a date question.
        ("What was the score when Ireland beat England?", None),
        ("Who scored when United won?", "person"),
        ("Which bishop criticised the novel?", "person"),
        ("Which partner pulled out of the deal?", "person"),
        ("How often will the prize be awarded?", "date"),
        ("What is the new rule meant to prevent?", "reason"),
        ("What was the purpose of the visit?", "reason"),
        ("To what age would the pension age rise?", "number"),
        ("At what age did she start dancing?", "age"),
        ("Who wants to raise the pension age?", "person"),
        ("How often have Arsenal won the FA Cup?", "number"),
        ("What was the company supposed to deliver?", None),
        ("What is the stadium designed to hold?", None),
        ("From what distance did he score?", "measure"),
        ("Over what range does the radio work?", "measure"),
        ("What range of products does it sell?", None),
        ("By what margin did Labour win?", "number"),
    ],
)
def test_the_question_says_what_kind_of_answer_it_wants(question, expected):
    assert expected_answer(question) == expected


def test_no_country_or_firm_answers_which_city_or_constituency():
    assert is_country("Poland") and is_country("the UK") and is_country("U.S.")
    assert is_country("Iran") and is_country("South Korea") and is_country("Europe")
    assert is_country("Turkey") and is_country("Britain's") and is_country("UAE")
    assert not is_country("Warsaw") and not is_country("Ealing North")
    # A city as well as a country answers "which city?".
    assert not is_country("Singapore") and not is_country("Hong Kong")
    # Not "which states" or "which region": countries and continents answer those.
    states = [("place", "France"), ("place", "Germany"), ("place", "Brussels")]
    member_states = "Which EU member states opposed the plan?"
    assert [a.text for a in fresh_answers(states, "place", member_states)] == [
        "France",
        "Germany",
        "Brussels",
    ]
    # spaCy's small model often tags a town as an organisation ("Coventry-born"): kept.
    spans = [("place", "Poland"), ("organisation", "Coventry"), ("place", "Warsaw")]
    city = "Which Polish city is the band from?"
    assert [a.text for a in fresh_answers(spans, "place", city)] == ["Warsaw", "Coventry"]
    # A country may answer "where".
    where = [a.text for a in fresh_answers(spans, "place", "Where is the band from?")]
    assert where == ["Poland", "Warsaw", "Coventry"]


def test_a_measure_is_a_number_with_its_unit():
    text = "Three goals came before his 20-yard drive; the radio works up to 10 metres."
    spans = [("number", "Three"), ("number", "20"), ("number", "10 metres"), ("date", "2004")]
    assert measures(spans, text) == ["20-yard", "10 metres"]
    answers = fresh_answers(spans, "measure", "From what distance did he score?", text)
    assert [a.text for a in answers] == ["20-yard", "10 metres"]
    assert measures([("number", "three")], "He scored three goals.") == []
    # Units written against the number, the longer unit, the whole number.
    assert measures([("number", "61km/h")], "lifts at 61km/h") == ["61km/h"]
    assert measures([("number", "10")], "a range of 10km.") == ["10km"]
    assert measures([("number", "100")], "a 1,100 metres climb") == []
    # The kind of measure asked: a speed is not a height.
    tower = [("number", "508m"), ("number", "61km/h")]
    text = "the 508m tower, its lifts at 61km/h"
    assert measures(tower, text, "What speed can the lifts reach?") == ["61km/h"]
    assert measures(tower, text, "What height is the tower?") == ["508m"]


def test_a_name_already_in_the_question_is_not_its_answer():
    spans = [("person", "Kamal Nath"), ("place", "Delhi"), ("person", "Manmohan Singh")]
    found = fresh_answers(spans, "person", "Did Kamal Nath announce it?")
    assert [a.text for a in found] == ["Manmohan Singh"]
    assert fresh_answers([("date", "six years")], "age", "How old is he?", "for six years") == []
    assert [a.text for a in fresh_answers([], "age", "How old?", "the 28-year-old striker")] == [
        "28-year-old"
    ]


def test_by_how_much_is_answered_in_money_as_well_as_per_cent():
    question = "By how much has Berlusconi pledged to cut taxes this year?"
    assert expected_answer(question) == "percentage"
    spans = [("person", "Berlusconi"), ("money", "6.5bn euros")]
    assert [a.text for a in fresh_answers(spans, "percentage", question)] == ["6.5bn euros"]


def test_a_name_with_a_title_or_possessive_is_still_the_question_s_own():
    question = "At which university did Cherie Blair give her speech on Biogen Idec?"
    spans = [("person", "Mrs Blair's"), ("organisation", "Biogen Idec’s"), ("place", "Harvard")]
    assert [a.text for a in fresh_answers(spans, "organisation", question)] == []
    assert [a.text for a in fresh_answers(spans, "place", question)] == ["Harvard"]


def test_a_count_must_count_what_is_asked():
    question = "How many listeners voted in the radio poll?"
    assert counted_words(question) == ["listeners", "voted"]
    assert not counts(
        "It was voted for by listeners of the station, which compiled a top 10.", ["listeners"]
    )
    assert counts("The survey was voted for by nearly 4,000 listeners.", ["listeners"])
    assert counted_words("How many times did officials travel to Iran?") == []  # any count


def test_an_age_must_be_the_asked_person_s():
    text = "Those charged included Otis Ferry, the 22-year-old son of rock star Bryan Ferry."
    assert states_age_of(text, distinctive_words("How old is Otis Ferry?"))
    assert not states_age_of(text, distinctive_words("How old is Bryan Ferry, whose son is Otis?"))
    assert not states_age_of("The 31-year-old scrum-half joined Wasps.", [["Gatland"]])


def test_who_leads_is_answered_by_someone_in_a_role_and_money_by_a_currency():
    question = "Who heads Standard Trust Bank?"
    assert tied(
        question, "person", "said chief executive Alan Lovell.", [("person", "Alan Lovell")], []
    )
    assert not tied(
        question, "person", "Banca Nazionale del Lavoro has a stake.", [("person", "Banca")], []
    )
    envoy = "Who is the US ambassador to Iraq?"
    assert not tied(
        envoy, "person", "Prime Minister al-Sudani met US officials.", [("person", "al-Sudani")], []
    )
    assert tied(envoy, "person", "said Ambassador Alina Romanowski.", [("person", "Alina")], [])
    assert not tied(
        "How much did they pay?", "money", "They won 13 of 15 games.", [("number", "13")], []
    )
    assert tied(
        "How much did they pay?", "money", "It took a 475m euro hit.", [("number", "475m")], []
    )
    how_long = "How long must the building be finished within?"
    assert not tied(how_long, "date", "It was announced on Thursday.", [("date", "Thursday")], [])
    assert tied(how_long, "date", "It must be built within two years.", [("date", "two years")], [])


def test_a_role_held_before_does_not_answer_who_holds_it():
    trump = "It could benefit former President Donald J. Trump in his re-election campaign."
    answers = [("person", "Donald J. Trump")]
    assert not tied("Who is the US president?", "person", trump, answers, [])
    assert tied("Who was the US president?", "person", trump, answers, [])
    biden = [("person", "Joe Biden")]
    assert tied("Who is the US president?", "person", "said President Joe Biden.", biden, [])
    banker = "said chief executive John Smith, a former banker."
    assert tied("Who runs the bank?", "person", banker, [("person", "John Smith")], [])
    assert not tied(
        "Who runs the bank?", "person", "its ex-chief executive John Smith", answers, []
    )


def test_a_role_must_be_the_asked_one_and_held_by_the_answer():
    zebari = (
        "Hoshyar Zebari, a long-time Kurdish opposition figure with the KDP, who became "
        "Iraq’s first post-Saddam Foreign Minister and then Deputy Prime Minister and "
        "Finance Minister, has issued similar warnings."
    )
    places = ["Kurdish", "Iraq’s", "Saddam"]
    answers = [("person", "Hoshyar Zebari")]
    # Another country's office, however near: Iraq's foreign minister is not Iran's.
    assert not tied("Who is Iran's foreign minister?", "person", zebari, answers, [], "", places)
    assert tied("Who was Iraq's foreign minister?", "person", zebari, answers, [], "", places)
    # Another office of the same country: not the foreign minister.
    assert not tied(
        "Who is the foreign minister?",
        "person",
        "Finance Minister Jon Doe said.",
        [("person", "Jon Doe")],
        [],
    )
    assert not tied(
        "Who is the US president?",
        "person",
        "Iran’s ally, Syrian President Bashar al-Assad, in Syria’s civil war.",
        [("person", "Bashar al-Assad")],
        [],
        "",
        ["Iran’s", "Syrian", "Syria’s"],
    )
    # The role is named, but not as the answer's: the prime minister is not Sullivan.
    pressed = "Sullivan and Blinken pressed the Iraqi prime minister to stop the attacks."
    people = [("person", "Sullivan"), ("person", "Blinken")]
    assert not tied("Who is the Iraqi prime minister?", "person", pressed, people, [])
    spoke = "Sullivan spoke to Iraqi Prime Minister Mohammed Shia al-Sudani on Sunday."
    sudani = [("person", "Mohammed Shia al-Sudani")]
    assert tied("Who is the Iraqi prime minister?", "person", spoke, sudani, [], "", ["Iraqi"])
    said = "said Simon Jones, the Labs' managing director."
    assert tied("Who runs the lab?", "person", said, [("person", "Simon Jones")], [])
    # A role the question gives with a name is not the one it asks about.
    official = "Which White House official spoke to Prime Minister al-Sudani on Sunday?"
    assert tied(official, "person", spoke, [("person", "Sullivan")], [])
    # Stated in the sentence before, of someone not yet named: the span's person.
    leigh = "Committee chairman Edward Leigh was giving his reaction."
    before = "A senior Tory MP has criticised Defra."
    assert tied(
        "Which Tory MP criticised Defra?", "person", leigh, [("person", "Edward Leigh")], [], before
    )


@pytest.fixture
def services(tmp_path, index_dir, embedder) -> Services:
    settings = Settings(index_dir=index_dir, seeds_dir=SEEDS)
    return Services.load(settings, embedder=embedder, annotator=SpacyAnnotator())


def add(services: Services, title: str, text: str) -> None:
    services.add([document_from_text(text, DocumentMeta(title=title))])


def test_the_answer_names_the_minister_rather_than_restating_the_lead(services):
    add(
        services,
        "Ownership rules eased",
        "India will allow full foreign ownership of construction projects, a government "
        "minister has said.\nKamal Nath, the commerce minister, announced the decision in "
        "Delhi on Thursday after a cabinet meeting. The change is expected to draw billions "
        "of dollars of investment into housing and roads.",
    )
    answer = services.answerer().answer(
        "Which minister said India will allow foreign ownership of construction projects?"
    )
    assert not answer.abstained and "Kamal Nath" in answer.answer


def test_no_sentence_of_the_asked_type_means_an_honest_decline(services):
    answer = services.answerer().answer("How old is Masoud Barzani?")
    assert answer.abstained and not answer.citations


def test_sources_that_disagree_are_shown_and_never_listed_as_corroboration(services):
    original = (SEEDS / "000_9333b7dd7e7da588.txt").read_text("utf-8")
    altered = original.replace("Qasim al-Araji", "Faleh al-Fayyadh")
    assert altered != original
    add(services, "An altered copy", altered)
    answer = services.answerer().answer(ADVISER)
    assert {c.answer for c in answer.conflicts} == {"Qasim al-Araji", "Faleh al-Fayyadh"}
    assert answer.answer.startswith("Sources disagree:")
    assert answer.sentences[0].role == "disagreement"
    assert all(s.role != "short_answer" for s in answer.sentences)  # the box is the lead
    for citation in answer.citations:
        stated = "Qasim al-Araji" if "Qasim al-Araji" in citation.quote else "Faleh al-Fayyadh"
        other = ({"Qasim al-Araji", "Faleh al-Fayyadh"} - {stated}).pop()
        assert all(other not in c.quote for c in citation.also_reported_by)


def test_a_short_quote_told_with_another_name_is_a_disagreement(services):
    """Two copies of a short quote that differ only in the name: the quotes' embeddings are
    far apart (0.75: the name is most of them), the wording around the name is the same."""
    story = (
        "Chelsea boss Jose Mourinho has tried to pile the pressure on title rivals Arsenal.\n"
        '"All my players are tired, especially {}."'
    )
    add(services, "Mourinho says his players are tired", story.format("John Terry"))
    add(services, "Mourinho: my players are tired", story.format("Frank Lampard"))
    question = "Which Chelsea player did Mourinho single out as particularly tired?"
    answerer = services.answerer()
    quotes = [
        s
        for s in answerer.engine.find(question).ranked
        if len(s.span.rows) == 1 and s.span.text.startswith('"All my players')
    ]
    assert len(quotes) == 2
    rival = answerer.disagreeing(quotes, "person", question)
    assert rival is not None and {rival[1], rival[2]} == {"John Terry", "Frank Lampard"}


def test_the_conflict_reaches_api_and_openai_clients(services):
    from fastapi.testclient import TestClient

    from rag.api.app import create_app

    original = (SEEDS / "000_9333b7dd7e7da588.txt").read_text("utf-8")
    add(services, "An altered copy", original.replace("Qasim al-Araji", "Faleh al-Fayyadh"))
    with TestClient(create_app(services.settings, services=services)) as client:
        asked = client.post("/api/ask", json={"question": ADVISER}).json()
        chat = client.post(
            "/v1/chat/completions", json={"messages": [{"role": "user", "content": ADVISER}]}
        ).json()
        streamed = client.post("/api/ask/stream", json={"question": ADVISER}).text
    names = {"Qasim al-Araji", "Faleh al-Fayyadh"}
    assert {c["answer"] for c in asked["conflicts"]} == names
    assert {c["answer"] for c in chat["conflicts"]} == names
    assert chat["choices"][0]["message"]["content"].startswith("Sources disagree:")
    assert '"conflicts": [{"answer"' in streamed


def test_two_tellings_that_differ_in_a_place_or_figure_disagree_but_sources_do_not():
    from rag.answer.typed import differing_facts

    born = "The Birmingham-born singer was signed to a record label at the age of 15."
    assert differing_facts(born, born.replace("Birmingham", "Coventry")) == (
        ["Birmingham-born"],
        ["Coventry-born"],
    )
    fee = "Campaigners want the pension raised from £79.60 to £105.45 a week."
    assert differing_facts(fee, fee.replace("105.45", "109.45")) == (["£105.45"], ["£109.45"])
    quote = "Leaders met twice in October to discuss the risk of retaliation"
    assert (
        differing_facts(f"{quote}, said Ahmed Kenani.", f"{quote}, a lawmaker told Reuters.")
        is None
    )
    assert differing_facts(fee, "An entirely different sentence about Coventry.") is None


BBC = ROOT.parent / "shared" / "datasets" / "bbc-news"
DISAGREEMENT = DATA / "bbc" / "disagreement"


@pytest.mark.slow
def test_no_source_stating_another_answer_is_ever_listed_as_corroboration(embedder, tmp_path):
    """The disagreement set: 34 BBC articles, each beside a copy with one fact changed."""
    if not BBC.is_dir():
        pytest.skip(f"the BBC evaluation corpus is not at {BBC}")
    from rag.evaluation import evaluate, read_questions
    from rag.index.maintain import IndexTarget, rebuild
    from rag.ingest.chunking import ChunkerParams

    questions = read_questions(DISAGREEMENT / "questions.jsonl")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for line in (DISAGREEMENT / "questions.jsonl").read_text("utf-8").splitlines():
        item = json.loads(line)
        original = BBC / item["original_document"]
        (seeds / item["original_document"].replace("/", "_")).write_bytes(original.read_bytes())
        altered = DISAGREEMENT / "articles" / item["altered_document"]
        (seeds / item["altered_document"]).write_bytes(altered.read_bytes())
    target = IndexTarget(tmp_path / "index", embedder, ChunkerParams(), annotator=SpacyAnnotator())
    rebuild(target, seeds)
    services = Services.load(
        Settings(index_dir=target.directory, seeds_dir=seeds), embedder=embedder
    )
    answerer = services.answerer()
    report = evaluate(questions, answerer.answer, answerer.retriever)
    assert report.false_corroborations == 0
    assert report.disagreement_reported is not None and report.disagreement_reported >= 0.5


def test_a_why_answer_gives_a_reason_and_a_how_answer_a_method():
    assert explains("reason", "The decision was taken because no one would fund it.")
    assert not explains("reason", "The research laboratory is to shut down.")
    assert not explains("reason", "Officials met after the talks, working to avoid a war.")
    assert explains("method", "A man used a ladder to get into the house.")
    assert explains(None, "Anything answers a question that asks for neither.")


def test_amounts_keep_their_currency_and_multiplier():
    """spaCy tags "£6m" as "6"; the stored span is the whole amount, and a number with a
    currency is money."""
    texts = [
        "The firm made a profit of £6m last year.",
        "It cost 300m euros (£200m) and sold 2 million copies.",
    ]
    found = [
        {text[a:b]: kind for a, b, kind in spans}
        for text, spans in zip(texts, SpacyAnnotator().annotate(texts), strict=True)
    ]
    assert found[0]["£6m"] == "money"
    assert found[1]["300m euros"] == "money" and found[1]["£200m"] == "money"
    assert found[1]["2 million"] == "number"


def test_ner_alone_finds_the_entities_of_the_whole_pipeline():
    """The annotator loads `ner` without the components it does not need (the shared
    `tok2vec` among them): over the seeds it must find what the full pipeline finds."""
    import spacy

    from rag.ingest.entities import PIPELINE

    texts = [
        p for seed in sorted(SEEDS.glob("*.txt")) for p in seed.read_text("utf-8").split("\n\n")
    ]
    texts = [t for t in texts if t.strip()]
    full = spacy.load(PIPELINE)
    expected = [
        [(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in full.pipe(texts)
    ]
    ner_alone = ner_pipeline()
    assert ner_alone.pipe_names == ["ner"]
    found = [
        [(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in ner_alone.pipe(texts)
    ]
    assert sum(map(len, expected)) > 100 and found == expected


def test_widening_an_amount_is_idempotent_and_leaves_other_spans_alone():
    text = "Shell paid US$ 40m to Jane Doe on Monday."
    widened = whole_amount(text, 15, 17, "number")
    assert text[widened[0] : widened[1]] == "US$ 40m" and widened[2] == "money"
    assert whole_amount(text, *widened) == widened
    assert whole_amount(text, 22, 30, "person") == (22, 30, "person")


def test_the_asked_person_named_in_full_is_not_the_answer():
    spans = [("person", "Frederic Michalak"), ("person", "Yann Delaigue")]
    question = "Who keeps the France fly-half shirt ahead of Michalak?"
    assert [a.text for a in fresh_answers(spans, "person", question)] == ["Yann Delaigue"]


def test_a_factual_answer_leads_with_the_short_answer_and_its_citation(services):
    answer = services.answerer().answer("When was Kataib Hezbollah founded?")
    lead, quote = answer.sentences[0], answer.sentences[1]
    assert (lead.role, lead.text, lead.citations) == ("short_answer", "2003", [1])
    assert "2003" in quote.text and quote.role == "statement"
    assert answer.answer.startswith(f"2003 [1]: {quote.text} [1]")
    assert answer.citations[0].n == 1 and "2003" in answer.citations[0].quote


def test_no_short_answer_for_a_reason_or_when_the_quote_names_several(services):
    why = services.answerer().answer("Why did Tehran rebuff Baghdad?")
    assert not why.abstained and all(s.role == "statement" for s in why.sentences)
    leader = services.answerer().answer("Who was Kata'ib Hizbollah's first leader?")
    # The quote names the leader by two names and Saddam Hussein: it tells, not a lead.
    assert not leader.abstained and all(s.role == "statement" for s in leader.sentences)


def test_roles_found_in_review_are_read_as_news_writes_them():
    def holds(question, text, person, places=()):
        return tied(question, "person", text, [("person", person)], [], "", list(places))

    # Whose office, however the country is named.
    assert holds(
        "Who is the Iranian foreign minister?",
        "Iran's Foreign Minister Kamal Kharrazi said.",
        "Kamal Kharrazi",
        ["Iran's"],
    )
    assert holds(
        "Who is the UK prime minister?",
        "British Prime Minister Tony Blair",
        "Tony Blair",
        ["British"],
    )
    assert holds(
        "Who chairs the Mobile Data Association?",
        "the MDA's chairman Mike Short, said",
        "Mike Short",
        ["MDA's"],
    )
    # An office's kind only when it is one: "rugby captain", "sports minister".
    assert holds(
        "Who is the England rugby captain?",
        "England's new rugby union captain Jason Robinson",
        "Jason Robinson",
        ["England's"],
    )
    assert holds(
        "Who is the sport minister?", "Sports Minister Richard Caborn said", "Richard Caborn"
    )
    assert holds(
        "Who is the EU ambassador to the WTO?",
        "EU ambassador to the WTO, Carlo Trojan, said",
        "Carlo Trojan",
    )
    # Someone else's role, a clause of one's own, a list, a role before: not theirs.
    assert not holds("Who is the chancellor?", "the chancellor's adviser Ed Balls", "Ed Balls")
    assert not holds(
        "Who is the Iraqi prime minister?",
        "Mr Blair, speaking after his talks with the Iraqi prime minister, said",
        "Blair",
    )
    rice = "US Secretary of State Condoleezza Rice, UN Secretary General Kofi Annan and others"
    assert not holds("Who is the UN secretary general?", rice, "Condoleezza Rice", ["US", "UN"])
    assert holds("Who is the UN secretary general?", rice, "Kofi Annan", ["US", "UN"])
    predecessor = (
        "Mr Bell took over as chief executive after his predecessor as CEO, Jim Cantalupo, died"
    )
    assert not holds("Who is the chief executive of McDonald's?", predecessor, "Jim Cantalupo")
    # "then" and "late" alone are no past: "a late penalty. Manager Arsene Wenger said".
    wenger = "Pires scored a late penalty. Manager Arsene Wenger said"
    assert holds("Who is the Arsenal manager?", wenger, "Arsene Wenger")
    assert not holds("Who is the chairman?", "the late chairman John Smith", "John Smith")
    assert not holds("Who is the chairman?", "Chairman John Smith", "")


def test_a_long_run_of_hyphens_between_role_and_name_is_read_in_linear_time():
    import time

    text = "Chairman " + "-" * 200 + " (John Smith) said."
    clock = time.perf_counter()
    tied("Who is the chairman?", "person", text, [("person", "John Smith")], [])
    assert time.perf_counter() - clock < 0.5


def test_who_holds_a_role_is_the_one_named_in_it_and_no_other_country_s(services):
    answerer = services.answerer()
    premier = answerer.answer("Who is the Iraqi prime minister?")
    # "Jake Sullivan spoke to Iraqi Prime Minister Mohammed Shia al-Sudani": not Sullivan.
    assert premier.sentences[0].role == "short_answer"
    assert premier.sentences[0].text == "Mohammed Shia al-Sudani"
    # The seeds name Iraq's foreign minister and Syria's president, not these.
    assert answerer.answer("Who is Iran's foreign minister?").abstained
    assert answerer.answer("Who is the US president?").abstained


def test_a_short_telling_that_differs_only_in_its_answer_is_the_same_fact():
    # The names dominate these two sentences' embeddings; the words around them agree.
    lampard = '"All my players are tired, especially Frank Lampard."'
    terry = '"All my players are tired, especially John Terry."'
    assert same_telling_but(lampard, terry, ["Frank Lampard"], ["John Terry"])
    other = "John Terry was booked in the first half for a late tackle."
    assert not same_telling_but(lampard, other, ["Frank Lampard"], ["John Terry"])
    assert not same_telling_but("Frank Lampard.", "John Terry.", ["Frank Lampard"], ["John Terry"])
    # One word in common beside the names is no telling.
    assert not same_telling_but(
        "Frank Lampard scored.", "John Terry scored.", ["Frank Lampard"], ["John Terry"]
    )


def test_an_acronym_of_the_question_s_words_is_not_its_answer():
    question = "Where is the IAAF taking its appeal against the Community Support Officers?"
    assert abbreviates("The International Association of Athletics Federations", question)
    assert abbreviates("CSOs", question)
    assert not abbreviates("the Court of Arbitration for Sport", question)
    # Initials of lower-case words make no acronym: "until Sunday" is not the US.
    assert not abbreviates("US", "Who met until Sunday?")
    # Nor a part of a run of names, nor a person's initials.
    assert not abbreviates("UK", "Where did Ulster Unionist Kenneth Maginnis speak?")
    assert not abbreviates("Frank Arnesen", "Who did the FA charge?", "person")
    spans = [("organisation", "International Association of Athletics Federations")]
    assert fresh_answers(spans + [("organisation", "CAS")], "place", question)[0].text == "CAS"


def test_the_asked_person_named_by_first_name_is_not_the_answer():
    spans = [("person", "Ozzy Osbourne"), ("person", "Paul Miller")]
    question = "Which police officer praised Ozzy for tackling the intruder?"
    assert [a.text for a in fresh_answers(spans, "person", question)] == ["Paul Miller"]


def test_a_person_named_by_surname_is_given_in_full_as_the_article_names_them():
    people = ["Tony Blair", "Nicholas Lee Jacobsen's", "Jacobsen", "Nicholas Jacobsen"]
    assert in_full("Mr Jacobsen", people) == "Nicholas Lee Jacobsen"
    assert in_full("Jacobsen", ["Jacobsen"]) == "Jacobsen"
    assert in_full("Ken Jacobsen", people) == "Ken Jacobsen"  # named in full already
    # Two people of that name in the article: which one is not for us to guess.
    assert in_full("Mrs Blair", ["Tony Blair", "Cherie Blair", "Blair"]) == "Mrs Blair"
    # A woman named by the surname of the man named in full; a longer surname.
    assert in_full("Blair", ["Tony Blair"], "Mrs Blair bought two flats.") == "Blair"
    assert in_full("Jones", ["Catherine Zeta-Jones"]) == "Jones"


def test_a_first_name_within_a_full_name_of_the_question_is_not_someone_asked():
    spans = [("person", "Michael Ancram"), ("person", "Michael Howard")]
    question = "Who did Michael Howard appoint as his deputy leader?"
    assert [a.text for a in fresh_answers(spans, "person", question)] == ["Michael Ancram"]


def test_a_figure_that_differs_is_no_rival_to_the_name_asked_for(services):
    story = (
        "US tycoon Malcolm Glazer has bought Manchester United for {}, the club said.\n"
        "The takeover ends a long battle with supporters' groups."
    )
    add(services, "Glazer buys United", story.format("£790m"))
    add(services, "United sold to Glazer", story.format("£800m"))
    answer = services.answerer().answer("Who bought Manchester United?")
    assert not answer.abstained and not answer.conflicts
    assert "Malcolm Glazer" in answer.answer


def test_a_title_is_not_a_first_name_the_question_already_names():
    spans = [("person", "Mr Jones"), ("person", "Ozzy Osbourne")]
    question = "Whom did Mr Smith tell about Ozzy?"
    assert [a.text for a in fresh_answers(spans, "person", question)] == ["Mr Jones"]


def test_which_newspaper_names_its_kind_and_who_does_not():
    assert names_kind("Which newspaper printed the details?", "organisation")
    assert names_kind("In which town did they meet?", "place")
    assert not names_kind("Who bought the club?", "person")
    assert not names_kind("Which partner pulled out?", "person")  # a firm as well


def test_which_newspaper_is_answered_by_the_newspaper_not_the_person_beside_it(services):
    add(
        services,
        "Budget leak",
        "Chancellor Gordon Brown faces questions after details of his spending plans were "
        "printed before his speech.\nThe plans were printed by the Daily Mirror, which said "
        "it had been sent a copy by a Treasury official. Mr Brown said he was angry.",
    )
    question = "Which newspaper printed the chancellor's spending plans?"
    answering = services.answerer().engine.find(question).answering
    assert "Daily Mirror" in answering[0].span.text
    # The span naming only the chancellor scores higher than one naming the paper, and
    # comes after it: the question names the kind of thing it asks for.
    chancellor = next(i for i, s in enumerate(answering) if "Mirror" not in s.span.text)
    paper_first = answering[:chancellor]
    assert any(s.score < answering[chancellor].score for s in paper_first)
    assert "Daily Mirror" in services.answerer().answer(question).answer


def test_the_short_answer_names_in_full_whom_the_quote_names_by_surname(services):
    add(
        services,
        "Hacker charged",
        "A Californian man, Nicholas Lee Jacobsen, was arrested in October over attacks "
        "on a mobile network.\nPolice said Mr Jacobsen broke into the network's servers "
        "at least twice and copied the details of 400 customers.",
    )
    answer = services.answerer().answer("Who broke into the mobile network's servers?")
    assert not answer.abstained
    lead = answer.sentences[0]
    assert (lead.role, lead.text) == ("short_answer", "Nicholas Lee Jacobsen")
