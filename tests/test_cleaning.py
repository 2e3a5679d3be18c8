from pathlib import Path

from rag.ingest.cleaning import clean_article, fold_for_matching
from tests.support import SEEDS


def seed_text(name: str) -> str:
    return (SEEDS / name).read_text("utf-8")


def test_photo_caption_and_read_more_teaser_are_dropped():
    text = clean_article(seed_text("000_9333b7dd7e7da588.txt")).text
    assert "(Photo: AP)" not in text
    assert "Read More" not in text
    assert "Kata’ib Hizbollah was established in 2003" in text


def test_check_also_trailer_and_everything_after_it_are_dropped():
    text = clean_article(seed_text("002_c02815b7b97e770d.txt")).text
    assert "Check Also" not in text
    assert "Ecocide in Gaza" not in text
    assert text.endswith("the gates of hell will open for everyone,” he concluded.")


def test_repeated_title_and_section_label_are_dropped():
    article = clean_article(seed_text("003_776f0d7c82938cec.txt"))
    assert article.title == "Iraq Caught Between Regional Tensions as Militias Target Israel"
    assert article.text.count(article.title) == 1
    assert "\n\nMiddle East\n\n" not in article.text


def test_a_lede_is_not_mistaken_for_a_title():
    assert clean_article(seed_text("004_e552daac84679f61.txt")).title is None


def test_whitespace_is_normalised_but_typography_kept():
    article = clean_article("Title Here\r\n\r\n  A   line\twith\u00a0spaces and “quotes”.  \n\n\n")
    assert article.text == "Title Here\n\nA line with spaces and “quotes”."


def test_subheadings_inside_the_body_are_kept():
    text = clean_article(seed_text("000_9333b7dd7e7da588.txt")).text
    assert "\n\nKurdish Warnings\n\n" in text


def test_folding_for_matching():
    assert fold_for_matching("Kata’ib  “Hizbollah” —") == 'kata\'ib "hizbollah" -'


def test_every_seed_cleans_to_nonempty_paragraphs(tmp_path: Path):
    for path in sorted(SEEDS.glob("*.txt")):
        text = clean_article(path.read_text("utf-8")).text
        paragraphs = text.split("\n\n")
        assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
        assert len(paragraphs) == len(set(paragraphs))
