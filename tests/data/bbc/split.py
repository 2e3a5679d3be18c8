#!/usr/bin/env python3
"""Seeded dev / held-out split of questions.jsonl (stdlib only).

Usage:
    python tests/data/bbc/split.py

Made before any system output was looked at. Within each question type
(factual, why_how, number, followup, unanswerable) the questions are
sorted by id, shuffled with random.Random(SEED) and the first half (rounded
alternately up/down across types so the totals stay near 50/50) goes to
dev, the rest to heldout. A follow-up record carries its own history, so
the follow-up and the question it follows stay together in one split.
Writes dev.jsonl and heldout.jsonl next to this file, with the lines of
questions.jsonl unchanged, in questions.jsonl order.
"""
import json
import os
import random

SEED = 2026
TYPES = ["factual", "why_how", "number", "followup", "unanswerable"]
HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    with open(os.path.join(HERE, "questions.jsonl"), encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    rows = [json.loads(line) for line in lines]
    rng = random.Random(SEED)
    dev_ids = set()
    round_up = True
    for t in TYPES:
        ids = sorted(r["id"] for r in rows if r["type"] == t)
        rng.shuffle(ids)
        n = len(ids) // 2
        if len(ids) % 2:
            n += 1 if round_up else 0
            round_up = not round_up
        dev_ids.update(ids[:n])
    unknown = {r["type"] for r in rows} - set(TYPES)
    if unknown:
        raise SystemExit(f"unknown types: {unknown}")
    with open(os.path.join(HERE, "dev.jsonl"), "w", encoding="utf-8") as dev, \
            open(os.path.join(HERE, "heldout.jsonl"), "w", encoding="utf-8") as held:
        for line, r in zip(lines, rows):
            (dev if r["id"] in dev_ids else held).write(line + "\n")
    print(f"dev {len(dev_ids)}, heldout {len(rows) - len(dev_ids)}")


if __name__ == "__main__":
    main()
