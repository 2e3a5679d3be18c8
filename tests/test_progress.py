"""Progress of a long ingest (rag/ingest/progress.py) and the CLI's --progress flag."""

from __future__ import annotations

import io
import shutil

from rag.ingest.progress import Progress, duration
from tests.support import SEEDS


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_counts_and_time_left_are_written_every_tenth_when_not_a_terminal():
    stream = io.StringIO()
    meter = Progress("embedding", 40, "passages", stream=stream)
    for _ in range(10):
        meter.count("entities", 3)
        meter.advance(4)
    meter.count("entities", 10)  # finished after the main work
    meter.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 11  # one a tenth and the final counts, no carriage returns in a log
    assert lines[0].startswith("embedding: 4/40 passages (10%), ")
    assert "left; entities 3/40" in lines[0]
    assert lines[-1].startswith("embedding: 40/40 passages (100%)") and "left" not in lines[-1]
    assert lines[-1].endswith("entities 40/40")


def test_a_terminal_gets_one_line_rewritten_in_place():
    stream = Terminal()
    meter = Progress("embedding", 3, "passages", stream=stream)
    for _ in range(3):
        meter.advance(1)
    meter.close()
    text = stream.getvalue()
    assert text.startswith("\rembedding: 1/3 passages") and text.endswith("(100%), 0s\x1b[K\n")
    assert text.count("\n") == 1


def test_durations_read_as_minutes_and_hours():
    assert [duration(s) for s in (4.4, 75, 3725)] == ["4s", "1m15s", "1h02m"]


def test_rag_index_shows_progress_when_asked_and_not_by_default_in_a_pipe(run, tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    out = tmp_path / "index"
    quiet = run("index", "--seeds", str(seeds), "--out", str(out))
    assert quiet.exit_code == 0 and "embedding:" not in quiet.stderr
    shown = run("index", "--seeds", str(seeds), "--out", str(out), "--progress")
    assert shown.exit_code == 0, shown.output
    last = shown.stderr.strip().splitlines()[-1]
    assert last.startswith("embedding: ") and "passages (100%)" in last
    assert "entities 60/60" in last  # the annotation beside it is counted too
