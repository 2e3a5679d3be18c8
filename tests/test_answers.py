"""The extractive Answerer over the real seeds: exact citations, corroboration, abstention,
follow-ups, and the evaluation figures as a regression guard."""

import pytest

from rag.answer.coref import speaker_names
from rag.answer.evidence import EvidenceEngine
from rag.answer.extractive import NOT_COVERED, ExtractiveAnswerer
from rag.answer.questions import content_terms
from rag.answer.relations import expresses, possessives
from rag.answer.sentence_bank import _is_citable
from rag.evaluation import evaluate, read_questions, supports
from rag.retrieval.retriever import HybridRetriever
from rag.text.sentences import split_sentences
from rag.wire.answers import Turn
from tests.support import DATA


@pytest.fixture(scope="module")
def answerer(seed_store, embedder):
    return ExtractiveAnswerer(EvidenceEngine(HybridRetriever(seed_store, embedder), embedder))


def assert_citations_exact(answer, store):
    for citation in answer.citations:
        document = store.documents[citation.document_id]
        assert document.text[citation.start : citation.end] == citation.quote
        spans = split_sentences(document.text)
        assert citation.start in {s for s, _ in spans} and citation.end in {e for _, e in spans}
        assert len(citation.quote) < len(citation.passage_text)  # sentences, not the passage
        assert citation.passage_text in document.text
        for other in citation.also_reported_by:
            assert other.document_id != citation.document_id
            assert store.documents[other.document_id].text[other.start : other.end] == other.quote


def test_tehran_answer_cites_their_own_decision_in_several_outlets(answerer, seed_store):
    answer = answerer.answer("Why did Tehran rebuff Baghdad?")
    assert not answer.abstained and answer.mode == "extractive"
    assert "their own decision" in answer.answer
    cited = {c.document_id for c in answer.citations} | {
        o.document_id for c in answer.citations for o in c.also_reported_by
    }
    assert {"000_9333b7dd7e7da588", "001_6496a68bacad4bea"} <= cited
    assert_citations_exact(answer, seed_store)


def test_every_sentence_carries_a_citation_and_markers_match(answerer):
    answer = answerer.answer("When was Kataib Hezbollah founded?")
    assert answer.sentences and all(s.citations for s in answer.sentences)
    numbers = {c.n for c in answer.citations}
    for sentence in answer.sentences:
        assert set(sentence.citations) <= numbers
        assert all(f"[{n}]" in answer.answer for n in sentence.citations)
    assert len(answer.answer.split()) <= 90


@pytest.mark.parametrize(
    "question",
    [
        "What was Iraq's GDP growth rate in 2024?",
        "Who is the governor of the Central Bank of Iraq?",
        "How many people were killed in Israel's October 26 strikes on Iran?",
        "How do I reverse a list in Python?",
    ],
)
def test_questions_the_articles_do_not_answer_are_declined(answerer, question):
    answer = answerer.answer(question)
    assert answer.abstained and answer.answer == NOT_COVERED
    assert answer.citations == [] and answer.sentences[0].citations == []


FOLLOW_UPS = {
    q.id: q for q in read_questions(DATA / "eval_questions.jsonl") if q.type == "followup"
}


@pytest.mark.parametrize("qid", ["q37", "q38", "q39", "q40", "q42", "q44", "q45", "q46"])
def test_follow_up_questions_are_answered_in_context(answerer, seed_store, qid):
    question = FOLLOW_UPS[qid]
    answer = answerer.answer(question.question, question.history)
    assert not answer.abstained, answer.standalone_question
    assert any(supports(c.quote, question.supporting_quotes) for c in answer.citations), (
        answer.answer
    )
    assert_citations_exact(answer, seed_store)


def test_first_one_resolves_to_the_first_group_named(answerer):
    history = [
        Turn(role="user", content="Which Iraqi groups are leading the attacks on Israel?"),
        Turn(
            role="assistant",
            content="Kata’ib Hizbollah and Harakat Hizbollah al-Nujaba are leading them [1].",
        ),
    ]
    answer = answerer.answer("When was the first one founded?", history)
    assert answer.standalone_question == "When was Kata’ib Hizbollah founded?"
    assert "2003" in answer.answer


@pytest.mark.parametrize("name", ["Kataeb Hezbollah", "Kataib Hezbollah", "Kata'ib Hizbollah"])
def test_spelling_variants_reach_the_same_sentence(answerer, name):
    answer = answerer.answer(f"When was {name} founded?")
    assert "Kata’ib Hizbollah was established in 2003" in answer.answer


def test_follow_up_on_our_own_previous_answer(answerer):
    """The history holds what this answerer said, names and all ("Four sources ... said")."""
    first = answerer.answer("Which Iraqi groups are leading the attacks on Israel?")
    history = [
        Turn(role="user", content="Which Iraqi groups are leading the attacks on Israel?"),
        Turn(role="assistant", content=first.answer),
    ]
    follow_up = answerer.answer("When was the first one founded?", history)
    assert "2003" in follow_up.answer, (first.answer, follow_up.standalone_question)


def test_a_he_said_sentence_refers_to_the_last_named_speaker():
    texts = [
        "Mohammed Shummary, chairman of the Sumeria Foundation, said the conflict grew.",
        "“They are torn,” he told Reuters.",
        "“If the confrontation escalates… more factions join,” he said.",
        "The Pentagon said nothing.",
    ]
    found = speaker_names(texts)
    assert "Shummary" in found[1] and "Shummary" in found[2]
    assert found[0] == found[3] == ""


def test_a_possessive_question_needs_the_same_relation_in_the_evidence():
    asked = possessives("What is the name of Prime Minister Sudani's national security adviser?")
    assert expresses(asked, "a visit from Sudani’s National Security Adviser, Qasim al-Araji")
    assert expresses(asked, "Qasim al-Araji, the security adviser to Prime Minister Sudani")
    assert not expresses(asked, "US National Security Advisor Jake Sullivan spoke to al-Sudani")


def test_a_phrasal_verb_is_found_by_its_one_word_equivalent():
    (unit,) = [u for u in content_terms("When was al-Nujaba set up?") if "set" in u.terms]
    assert unit.degree(frozenset({"establish"})) == 0.5
    assert unit.degree(frozenset({"set"})) == 1.0


def test_a_question_in_the_article_is_not_an_answer():
    text = "After all, how many Iraqis actually support them and want to get involved?"
    assert not _is_citable(text, 0, len(text))


def test_timings_are_reported(answerer):
    timings = answerer.answer("Who is Ahmed Kenani?").timings_ms
    assert {"embed", "retrieve", "score", "total"} <= set(timings)
    assert timings["total"] >= timings["embed"]


@pytest.mark.slow
def test_evaluation_figures_do_not_regress(answerer):
    """Floors at the issue 3 quality targets (precision and recall were 0.79 and 0.80)."""
    questions = read_questions(DATA / "eval_questions.jsonl")
    assert len(questions) >= 40
    report = evaluate(questions, answerer.answer, answerer.retriever)
    assert report.support_at_5 >= 0.95
    assert report.citation_precision >= 0.90
    assert report.answer_support_recall >= 0.90
    assert report.abstention_accuracy >= 0.90
    assert report.false_abstention_rate <= 0.05
    for result in report.results:
        assert result.latency_ms < 2000  # sanity, not a speed target
