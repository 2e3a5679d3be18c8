import pytest

from rag import limits
from rag.answer.followup import contextualize, entities
from rag.answer.typed import distinctive_words, expected_answer
from rag.wire.answers import Turn


def history(question: str, answer: str) -> list[Turn]:
    return [Turn(role="user", content=question), Turn(role="assistant", content=answer)]


def test_entities_keep_multiword_names_and_drop_weekdays():
    text = "National Security Advisor Jake Sullivan spoke to him on Sunday, and Harakat Hizbollah al-Nujaba."
    assert entities(text) == [
        "National Security Advisor Jake Sullivan",
        "Harakat Hizbollah al-Nujaba",
    ]


@pytest.mark.parametrize(
    ("previous", "answer", "question", "standalone"),
    [
        (
            "Which Iraqi groups are leading the attacks on Israel?",
            "Kata’ib Hizbollah and Harakat Hizbollah al-Nujaba lead them [1].",
            "When was the second one founded?",
            "When was Harakat Hizbollah al-Nujaba founded?",
        ),
        (
            "When was Kata'ib Hizbollah established?",
            "It was established in 2003 [1].",
            "Who was its first leader?",
            "Who was Kata'ib Hizbollah’s first leader?",
        ),
        (
            "What year was Kataib Hezbollah set up?",
            "In 2003 [1].",
            "And al-Nujaba?",
            "What year was al-Nujaba set up?",
        ),
        (
            "Who is Kataib Hezbollah's spokesperson?",
            "Jaafar al-Husseini is its spokesperson [1].",
            "What did he say about the Americans?",
            "What did Jaafar al-Husseini say about the Americans?",
        ),
        (
            "Which US officials spoke to al-Sudani?",
            "National Security Advisor Jake Sullivan and Secretary of State Antony Blinken [1].",
            "What did they press him to do?",
            "What did Jake Sullivan and Antony Blinken press him to do?",
        ),
        (
            "Who is Mohammed Shummary?",
            "He chairs the Sumeria Foundation [1].",
            "What did he warn about?",
            "What did Mohammed Shummary warn about?",
        ),
        (
            "How many Iraqi factions joined the Al-Aqsa Flood Operation Support Room?",
            "Only three Iraqi armed factions joined it [1].",
            "Which of them are named?",
            "Which of the Iraqi factions are named?",
        ),
    ],
)
def test_references_resolve_against_the_previous_turn(previous, answer, question, standalone):
    resolved = contextualize(question, history(previous, answer))
    assert resolved.is_followup and resolved.question == standalone


def test_bare_why_asks_about_the_previous_question_and_answer_as_a_note():
    resolved = contextualize(
        "Why?", history("What did Khamenei order?", "He ordered preparations to attack Israel [1].")
    )
    assert resolved.question == (
        "Why? (What did Khamenei order? He ordered preparations to attack Israel)"
    )
    # The note is context: the asked type and the names an answer must state are the
    # follow-up's own ("Why?": a reason, and no name beyond those of the story).
    assert expected_answer(resolved.question) == "reason"
    assert distinctive_words(resolved.question) == []
    with_brackets = contextualize("Why?", history("Who is Kenani (the aide)?", "An aide (2) [1]."))
    assert with_brackets.question == "Why? (Who is Kenani the aide ? An aide 2)"
    # Cut to the question limit inside the note: its closing bracket, and so the
    # follow-up's own type, survive a long previous question.
    long = contextualize("Why?", history("How many " + "very " * 600 + "things?", "Many [1]."))
    assert len(long.question) <= limits.QUESTION_CHARS and long.question.endswith(")")
    assert expected_answer(long.question) == "reason"


def test_follow_ups_read_the_system_s_own_full_sentence_answers():
    """The page sends back the answer as the system wrote it: whole quoted sentences with
    titles, repeated names and "U.S."."""
    answer = (
        "White House National Security Advisor Jake Sullivan spoke to Iraqi Prime Minister "
        "Mohammed Shia al-Sudani on Sunday, a U.S. official told Axios. [1] Secretary of State "
        "Antony Blinken then spoke to al-Sudani on Monday. [1]"
    )
    resolved = contextualize(
        "What did they press him to do?",
        history("Which US officials spoke to al-Sudani, according to Axios?", answer),
    )
    # Not al-Sudani under his longer name, not "U." of "U.S.".
    assert resolved.question == "What did Jake Sullivan and Antony Blinken press him to do?"
    answer = (
        "Gateshead [1]: Five public sector unions met Deputy Prime Minister John Prescott at the "
        "Labour spring conference in Gateshead. [1] John Prescott said talks would go on. [2]"
    )
    resolved = contextualize(
        "Where did they meet?",
        history("Which minister held talks with the unions over public sector pensions?", answer),
    )
    assert resolved.question == "Where did John Prescott meet?"  # once, without Labour
    assert "U." not in entities("a U.S. official") and "S" not in entities("a U.S. official")


def test_a_self_contained_question_is_left_alone():
    resolved = contextualize(
        "What did Zebari say most recently?", history("Who warned?", "Zebari [1].")
    )
    assert not resolved.is_followup and resolved.question == "What did Zebari say most recently?"


def test_no_history_means_no_rewrite():
    assert contextualize("  Who is  Kenani? ", []).question == "Who is Kenani?"


def test_a_follow_up_naming_nothing_keeps_the_previous_subject():
    resolved = contextualize(
        "Who got the second?",
        history("Who opened the scoring for United at Everton?", "Quinton Fortune [1]."),
    )
    assert resolved.is_followup
    assert resolved.question == (
        "Who got the second? (Who opened the scoring for United at Everton?)"
    )


def test_that_stands_for_what_the_last_turn_told():
    resolved = contextualize(
        "Which year's Budget was that?",
        history("Which chancellor once resigned over a Budget leak?", "Hugh Dalton [1]."),
    )
    assert resolved.is_followup
    assert resolved.question == (
        "Which year's Budget was that? (Which chancellor once resigned over a Budget leak?)"
    )


def test_a_nationality_is_not_what_they_refers_to():
    assert entities("Which Japanese company hurt DaimlerChrysler?") == ["DaimlerChrysler"]
    resolved = contextualize(
        "How much did that cost them?",
        history("Which Japanese company had a scandal that hurt DaimlerChrysler?", "Fuso."),
    )
    assert resolved.question == "How much did that cost DaimlerChrysler?"


def test_it_after_a_what_question_is_the_thing_it_was_answered_with():
    resolved = contextualize(
        "Where was its first conference held?",
        history("What is the name of George Galloway's new party?", "The Respect Coalition [1]."),
    )
    assert resolved.question == "Where was Respect Coalition’s first conference held?"
    resolved = contextualize(
        "Who is he writing it with?", history("What is Ricky Gervais's new sitcom?", "Extras [1].")
    )
    assert resolved.question == "Who is Ricky Gervais writing it with?"


def test_he_and_she_name_a_person():
    # The answer to a question asking for a person ("Which referee …?"), not the team
    # named before the coach ("England coach Andy Robinson").
    resolved = contextualize(
        "Which match has he been given next?",
        history(
            "Which referee did England coach Andy Robinson criticise?",
            "Jonathan Kaplan, the South African referee.",
        ),
    )
    assert resolved.question == "Which match has Jonathan Kaplan been given next?"
    # A full name rather than the firm, and never "Yes".
    resolved = contextualize(
        "Who is suing him?",
        history(
            "Has Parmalat's founder apologised to investors?",
            "Yes - Calisto Tanzi, the founder, apologised in a statement.",
        ),
    )
    assert resolved.question == "Who is suing Calisto Tanzi?"


def test_names_that_look_like_question_words_or_titles_survive():
    # "Will" opens a yes/no question but also a name; "Yes Minister" is a name.
    assert entities("Will Young won Pop Idol and Will Greenwood scored.") == [
        "Will Young",
        "Pop Idol",
        "Will Greenwood",
    ]
    assert entities("Has Parmalat's founder apologised?") == ["Parmalat's"]
    # Sharing a title or a club's second word with the asked name is not being it.
    resolved = contextualize(
        "What did he say?",
        history(
            "Which minister met Prime Minister Tony Blair?",
            "Deputy Prime Minister John Prescott met him.",
        ),
    )
    assert resolved.question == "What did John Prescott say?"
    resolved = contextualize(
        "Where did he meet them?",
        history(
            "Which minister held talks with the unions?",
            "Gateshead [1]: Five unions met Deputy Prime Minister John Prescott in Gateshead.",
        ),
    )
    assert resolved.question == "Where did John Prescott meet them?"  # a person, not a place


def test_it_after_a_question_for_a_person_is_not_that_person():
    resolved = contextualize(
        "When does it take effect?",
        history("Which minister announced the tax cut?", "Chancellor Gordon Brown [1]."),
    )
    assert resolved.question == "When does it take effect? (Which minister announced the tax cut?)"
