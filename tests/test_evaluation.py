"""`rag eval` scoring: gold short answers, per-type figures, disagreement items."""

from __future__ import annotations

from rag.evaluation import EvalQuestion, _disagreement, contains_answer, replayed, same_answer
from rag.wire.answers import Answer, AnswerSentence, Citation, Conflict, Corroboration, Turn


def test_a_gold_answer_must_match_whole_words():
    assert contains_answer("Growth was 5.5% in May [1]", ["5.5%"])
    assert not contains_answer("Growth was 15.5% in May [1]", ["5.5%"])
    assert contains_answer("It was bought by “Glazer” [1]", ['"glazer"'])
    assert not contains_answer("Anything", [])


def test_a_short_answer_names_a_gold_answer_when_either_holds_the_other():
    assert same_answer("Doe", ["Jane Doe"]) and same_answer("some 12.4 million", ["12.4 million"])
    assert not same_answer("15%", ["5%"]) and not same_answer("Doe", ["Joe Dow"])


def citation(n: int, quote: str, also: list[str]) -> Citation:
    return Citation(
        n=n,
        passage_id=f"p{n}",
        document_id=f"d{n}",
        title="t",
        outlet=None,
        published=None,
        quote=quote,
        start=0,
        end=len(quote),
        passage_text=quote,
        also_reported_by=[
            Corroboration(document_id="x", outlet=None, title="t", quote=q, start=0, end=len(q))
            for q in also
        ],
    )


def test_a_different_answer_listed_as_corroboration_is_counted():
    question = EvalQuestion(
        id="d1",
        type="disagreement",
        question="Which minister announced it?",
        true_answers=["Kamal Nath"],
        altered_answers=["Arvind Rao"],
        true_quotes=["Kamal Nath announced it."],
        altered_quotes=["Arvind Rao announced it."],
    )
    assert question.answerable and question.gold_answers == ["Kamal Nath"]
    answer = Answer(
        question=question.question,
        standalone_question=question.question,
        answer="Kamal Nath announced it. [1]",
        abstained=False,
        mode="extractive",
        sentences=[AnswerSentence(text="Kamal Nath announced it.", citations=[1])],
        citations=[citation(1, "Kamal Nath announced it.", ["Arvind Rao announced it."])],
        timings_ms={},
    )
    reported, false = _disagreement(question, answer)
    assert (reported, false) == (False, True)
    clean = answer.model_copy(
        update={"citations": [citation(1, "Kamal Nath announced it.", ["Nath announced it."])]}
    )
    assert _disagreement(question, clean) == (False, False)
    shown = clean.model_copy(
        update={
            "citations": [
                citation(1, "Kamal Nath announced it.", []),
                citation(2, "Arvind Rao announced it.", []),
            ],
            "conflicts": [
                Conflict(answer="Kamal Nath", citations=[1]),
                Conflict(answer="Arvind Rao", citations=[2]),
            ],
        }
    )
    assert _disagreement(question, shown) == (True, False)


def test_replayed_history_carries_the_system_s_own_answers():
    asked: list[tuple[str, list[str]]] = []

    def ask(question: str, history) -> Answer:
        asked.append((question, [t.content for t in history]))
        text = f"Answer to {question} [1]"
        return Answer(
            question=question,
            standalone_question=question,
            answer=text,
            abstained=False,
            mode="extractive",
            sentences=[AnswerSentence(text=text, citations=[1])],
            citations=[],
            timings_ms={},
        )

    written = [
        Turn(role="user", content="Q1"),
        Turn(role="assistant", content="the file's answer 1"),
        Turn(role="user", content="Q2"),
        Turn(role="assistant", content="the file's answer 2"),
    ]
    turns = replayed(written, ask)
    assert [t.content for t in turns] == ["Q1", "Answer to Q1 [1]", "Q2", "Answer to Q2 [1]"]
    assert asked == [("Q1", []), ("Q2", ["Q1", "Answer to Q1 [1]"])]  # each with what came before
