"""Print dense-only, lexical-only and hybrid hit rates on the seed retrieval questions.

A question is a hit at k when one of the top-k passages contains its expected text.
Usage: python -m benchmarks.retrieval_hit_rates [--index DIR] [--questions FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from rag.retrieval.hit_rates import DEPTHS, hit_rates

__all__ = ["DEPTHS", "hit_rates", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    from rag.config import Settings
    from rag.services import Services

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument(
        "--questions", type=Path, default=Path("tests/data/retrieval_questions.jsonl")
    )
    args = parser.parse_args(argv)
    settings = Settings(**({"index_dir": args.index} if args.index else {}))
    retriever = Services.load(settings).snapshot.retriever
    questions = [
        json.loads(line) for line in args.questions.read_text("utf-8").splitlines() if line
    ]
    rates = hit_rates(retriever, questions)
    sys.stdout.write(
        f"{len(questions)} questions\nmode      " + "".join(f"  hit@{k}" for k in DEPTHS) + "\n"
    )
    for mode, by_depth in rates.items():
        sys.stdout.write(f"{mode:<10}" + "".join(f"  {by_depth[k]:.3f}" for k in DEPTHS) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
