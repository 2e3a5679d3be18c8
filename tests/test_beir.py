"""`rag eval-beir` on a small BEIR folder written here, and the metrics themselves."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.beir import load_beir, score_run
from rag.cli import CliContext, main
from rag.config import Settings
from rag.errors import InvalidInput

CORPUS = [
    ("d1", "Coffee and sleep", "Caffeine taken late in the day delays sleep onset in adults."),
    ("d2", "Vitamin D", "Vitamin D supplements did not reduce fractures in older women."),
    ("d3", "Exercise", "Regular aerobic exercise lowers resting blood pressure."),
    ("d4", "Statins", "Statins reduce LDL cholesterol and cardiovascular events."),
    ("d5", "Sleep and memory", "Sleep after learning strengthens memory consolidation."),
    ("d6", "Salt", "High salt intake raises blood pressure in salt-sensitive people."),
]
QUERIES = [
    ("q1", "does caffeine delay sleep"),
    ("q2", "what lowers blood pressure"),
    ("q3", "statins cholesterol"),
]
QRELS = [("q1", "d1", 1), ("q2", "d3", 1), ("q2", "d6", 1), ("q3", "d4", 1)]


@pytest.fixture
def beir_dir(tmp_path: Path) -> Path:
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(
        "\n".join(json.dumps({"_id": i, "title": t, "text": x}) for i, t, x in CORPUS)
    )
    (tmp_path / "queries.jsonl").write_text(
        "\n".join(json.dumps({"_id": i, "text": t}) for i, t in QUERIES)
    )
    (tmp_path / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "\n".join(f"{q}\t{d}\t{s}" for q, d, s in QRELS)
    )
    return tmp_path


def test_metrics_match_hand_computed_values():
    qrels = {"a": {"x": 1, "y": 1}}
    assert score_run(qrels, {"a": {"x": 2.0, "y": 1.0, "z": 0.5}}) == {
        "ndcg_at_10": 1.0,
        "recall_at_10": 1.0,
        "recall_at_100": 1.0,
    }
    # Relevant documents at ranks 2 and 3: DCG = 1/log2(3) + 1/log2(4); ideal = 1 + 1/log2(3).
    scores = score_run(qrels, {"a": {"z": 3.0, "x": 2.0, "y": 1.0}})
    assert scores["ndcg_at_10"] == pytest.approx(
        (1 / 1.5849625 + 0.5) / (1 + 1 / 1.5849625), abs=1e-4
    )


def test_recall_cut_offs_count_only_documents_ranked_above_them():
    """Relevant documents at ranks 1 and 11 of 12: found by recall@100, half found by @10."""
    qrels = {"a": {"rel1": 1, "rel2": 1}}
    ranking = ["rel1", *(f"other{i}" for i in range(9)), "rel2", "other9"]
    run = {"a": {doc: float(len(ranking) - rank) for rank, doc in enumerate(ranking)}}
    scores = score_run(qrels, run)
    assert scores["recall_at_10"] == 0.5 and scores["recall_at_100"] == 1.0
    # At 10 only rank 1 counts: DCG = 1; the ideal (both on top) is 1 + 1/log2(3).
    assert scores["ndcg_at_10"] == pytest.approx(1 / (1 + 1 / 1.5849625), abs=1e-4)


def test_loader_reads_corpus_queries_and_qrels(beir_dir):
    data = load_beir(beir_dir, "test")
    assert [d.id for d in data.documents] == [i for i, _, _ in CORPUS]
    assert data.documents[0].text.startswith("Coffee and sleep Caffeine")
    assert data.qrels["q2"] == {"d3": 1, "d6": 1} and set(data.queries) == {"q1", "q2", "q3"}
    with pytest.raises(InvalidInput, match="not found"):
        load_beir(beir_dir, "dev")


def test_eval_beir_command_reports_every_mode(beir_dir, embedder, tmp_path):
    context = CliContext(settings=Settings(index_dir=tmp_path / "unused"), embedder=embedder)
    result = CliRunner().invoke(main, ["eval-beir", str(beir_dir), "--json"], obj=context)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["documents"] == 6 and report["queries"] == 3
    modes = {row["mode"]: row for row in report["modes"]}
    assert set(modes) == {"dense", "lexical", "hybrid"}
    for row in modes.values():
        assert 0.5 <= row["ndcg_at_10"] <= 1.0
        # Recall@100 on six documents is 1.0 whatever the order; nDCG@10 is 1.0 only when each
        # query's relevant documents rank above the other three to five, so a wrong order fails.
        assert row["ndcg_at_10"] == 1.0, row
