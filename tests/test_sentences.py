import pytest

from rag.text.sentences import split_sentences


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in split_sentences(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Kata’ib Hizbollah was established in 2003, following the U..S.-led overthrow. Its first leader left.",
            [
                "Kata’ib Hizbollah was established in 2003, following the U..S.-led overthrow.",
                "Its first leader left.",
            ],
        ),
        (
            "It was designated by the U.S. as a terrorist group. Al-Nujaba was established in 2013.",
            [
                "It was designated by the U.S. as a terrorist group.",
                "Al-Nujaba was established in 2013.",
            ],
        ),
        (
            "Those attacks include an Oct. 4 assault. The U.S. Army said so.",
            ["Those attacks include an Oct. 4 assault.", "The U.S. Army said so."],
        ),
        (
            "They met in Sept. 2024 with Gen. Esmail Qaani. He left.",
            ["They met in Sept. 2024 with Gen. Esmail Qaani.", "He left."],
        ),
        (
            "It could benefit former President Donald J. Trump in his campaign. Nobody knows.",
            ["It could benefit former President Donald J. Trump in his campaign.", "Nobody knows."],
        ),
        (
            "He spoke with U.S. officials. The talks failed.",
            ["He spoke with U.S. officials.", "The talks failed."],
        ),
        (
            "Aid reached the U.S. The next day it rained.",
            ["Aid reached the U.S.", "The next day it rained."],
        ),
    ],
)
def test_abbreviations_and_initials_do_not_end_sentences(text, expected):
    assert sentences(text) == expected


def test_curly_quotes_stay_with_their_sentence():
    text = (
        "“The Iraqi delegation received a cold reception in Tehran,” the Iraqi official said. "
        "Tehran claimed “those groups have their own decision.” Tehran’s claim is not credible."
    )
    assert sentences(text) == [
        "“The Iraqi delegation received a cold reception in Tehran,” the Iraqi official said.",
        "Tehran claimed “those groups have their own decision.”",
        "Tehran’s claim is not credible.",
    ]


def test_question_and_exclamation_marks_end_sentences():
    assert sentences("How many support them? None! “Really?” Yes.") == [
        "How many support them?",
        "None!",
        "“Really?”",
        "Yes.",
    ]


def test_line_breaks_always_end_sentences_and_offsets_are_exact():
    text = "U.S. Says it Will Help\n\nTwice rebuffed by Tehran, it turned to Washington.  "
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "U.S. Says it Will Help",
        "Twice rebuffed by Tehran, it turned to Washington.",
    ]


def test_ellipsis_and_lower_case_continuations_do_not_split():
    text = "“If the confrontation escalates… this may not only mean more,” he said."
    assert sentences(text) == [text]


def test_no_is_an_abbreviation_only_before_a_number():
    assert sentences("He chose route No. 5 today. Tehran said no. It was final.") == [
        "He chose route No. 5 today.",
        "Tehran said no.",
        "It was final.",
    ]
