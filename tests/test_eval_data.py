"""The BBC evaluation data stays what its README says: every quote an exact substring of
its article, samples reproducible from their seeds, splits exactly their question files
(the data's own stdlib checkers, run against the corpus beside the repository)."""

import subprocess
import sys

import pytest

from tests.support import ROOT

BBC = ROOT.parent / "shared" / "datasets" / "bbc-news"
DATA = ROOT / "tests" / "data" / "bbc"


@pytest.mark.parametrize(
    "checker",
    [["check.py"], ["fresh_check.py", "fresh"], ["fresh_check.py", "fresh2"]],
    ids=["first-sample", "fresh", "fresh2"],
)
def test_the_bbc_question_sets_check_out_against_the_corpus(checker):
    if not BBC.is_dir():
        pytest.skip(f"the BBC evaluation corpus is not at {BBC}")
    script, *args = checker
    run = subprocess.run(
        [sys.executable, str(DATA / script), *args, str(BBC)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "all checks passed" in run.stdout
