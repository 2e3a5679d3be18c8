#!/usr/bin/env python3
"""Seeded dev / held-out split of fresh2/questions.jsonl (stdlib only).

Usage:
    python tests/data/bbc/fresh2/split.py

Made before any system output was looked at. Stratified by question type,
and by kind within each type: within each type (factual, why_how, number,
followup, unanswerable) the ids are sorted, shuffled with
random.Random(SEED), then stably sorted by kind, and dealt alternately to
dev and heldout. So each (type, kind) cell differs by at most one between
the halves; odd-sized types give their extra question alternately to dev
and heldout (in the type order above), so the totals stay 50/50. A follow-up record
carries its own history, so a follow-up and the question it follows stay
together in one split. Writes dev.jsonl and heldout.jsonl next to this
file, with the lines of questions.jsonl unchanged, in questions.jsonl order.
"""
import json
import os
import random

SEED = 2027
TYPES = ["factual", "why_how", "number", "followup", "unanswerable"]
HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    with open(os.path.join(HERE, "questions.jsonl"), encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    rows = [json.loads(line) for line in lines]
    unknown = {r["type"] for r in rows} - set(TYPES)
    if unknown:
        raise SystemExit(f"unknown types: {unknown}")
    rng = random.Random(SEED)
    dev_ids = set()
    round_up = True
    for t in TYPES:
        kind = {r["id"]: r["kind"] for r in rows if r["type"] == t}
        ids = sorted(kind)
        rng.shuffle(ids)
        ids.sort(key=lambda i: kind[i])  # stable: shuffled order within a kind
        start = 0 if round_up else 1  # dev takes positions start, start+2, ...
        if len(ids) % 2:
            round_up = not round_up
        dev_ids.update(i for pos, i in enumerate(ids) if pos % 2 == start)
    with open(os.path.join(HERE, "dev.jsonl"), "w", encoding="utf-8") as dev, \
            open(os.path.join(HERE, "heldout.jsonl"), "w", encoding="utf-8") as held:
        for line, r in zip(lines, rows):
            (dev if r["id"] in dev_ids else held).write(line + "\n")
    print(f"dev {len(dev_ids)}, heldout {len(rows) - len(dev_ids)}")


if __name__ == "__main__":
    main()
