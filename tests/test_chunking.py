import pytest

from rag.ingest.chunking import ChunkerParams, chunk_text
from rag.ingest.loaders import load_seeds
from rag.text.sentences import split_sentences
from tests.support import SEEDS


@pytest.fixture(scope="module")
def documents():
    return load_seeds(SEEDS).documents


def test_offsets_are_exact_for_every_passage_of_every_seed(documents):
    for document in documents:
        passages = chunk_text(document.id, document.text, ChunkerParams())
        assert passages
        for passage in passages:
            assert document.text[passage.start : passage.end] == passage.text
            for start, end in passage.sentences:
                assert passage.start <= start < end <= passage.end


def test_passages_are_whole_sentences_covering_the_document_in_order(documents):
    for document in documents:
        all_sentences = split_sentences(document.text)
        passages = chunk_text(document.id, document.text, ChunkerParams())
        assert [s for p in passages for s in p.sentences] == all_sentences
        assert [p.ordinal for p in passages] == list(range(len(passages)))


def test_passage_sizes_stay_within_bounds(documents):
    params = ChunkerParams(min_words=40, max_words=120)
    for document in documents:
        passages = chunk_text(document.id, document.text, params)
        for passage in passages:
            words = len(passage.text.split())
            single_sentence = len(passage.sentences) == 1
            assert words <= params.max_words or single_sentence
        # Only a document's last passage may fall short (when it cannot merge).
        assert (
            all(len(p.text.split()) >= params.min_words for p in passages[:-1])
            or len(passages) == 1
        )


def test_a_heading_starts_a_passage_rather_than_ending_one(documents):
    for document in documents:
        for passage in chunk_text(document.id, document.text, ChunkerParams()):
            last_start, last_end = passage.sentences[-1]
            last = document.text[last_start:last_end]
            if len(passage.sentences) > 1:
                assert last not in (
                    "Kurdish Warnings",
                    "Waiting for Hezbollah",
                    "U.S. Says it Will Help",
                )


def test_a_long_sentence_is_never_cut():
    sentence = "word " * 200 + "end."
    passages = chunk_text("d", sentence.strip(), ChunkerParams(min_words=5, max_words=20))
    assert len(passages) == 1 and passages[0].text == sentence.strip()


def test_invalid_sizes_are_refused():
    with pytest.raises(ValueError):
        ChunkerParams(min_words=50, max_words=10)
