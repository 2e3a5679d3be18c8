from rag.answer.abstain import (
    AbstentionPolicy,
    abstention_reason,
    missing_quantity,
    numbers_agree,
    quantities,
)
from rag.answer.corroborate import _numbers_conflict
from rag.answer.questions import QuestionType, classify


def test_question_types():
    assert classify("How many soldiers were killed?") == QuestionType.QUANTITY
    assert classify("In what year was it founded?") == QuestionType.WHEN
    assert classify("Which US officials spoke to him?") == QuestionType.WHO
    assert classify("Why did Tehran rebuff Baghdad?") == QuestionType.WHY


def test_dates_are_not_quantities():
    assert quantities("erupted with the October 7, 2023, onslaught") == set()
    assert quantities("killed two soldiers and wounded over 20 on Oct. 4") == {"two", "20"}


def test_a_how_many_question_needs_a_new_number():
    assert missing_quantity(QuestionType.QUANTITY, "How many died since 2023?", "It began in 2023.")
    assert not missing_quantity(QuestionType.QUANTITY, "How many visits?", "Two visits failed.")
    assert not missing_quantity(QuestionType.WHO, "Who went?", "Nobody.")


def test_numbers_named_by_the_question_must_be_in_the_evidence():
    assert not numbers_agree("killed in the October 26 strikes", "the Oct. 4 assault killed two")
    assert numbers_agree("the October 4 attack", "an Oct. 4 assault")


def test_low_scores_abstain_with_a_reason():
    policy = AbstentionPolicy(min_score=0.5)
    reason = abstention_reason(
        "Who?", QuestionType.WHO, score=0.3, sentence="x", passage="x", policy=policy
    )
    assert reason and "0.30" in reason
    assert (
        abstention_reason(
            "Who?",
            QuestionType.WHO,
            score=0.9,
            sentence="Al said.",
            passage="Al said.",
            policy=policy,
        )
        is None
    )


def test_different_numbers_are_different_facts():
    assert _numbers_conflict("established in 2003", "established in 2013")
    assert not _numbers_conflict("two meetings in October", "two meetings")
