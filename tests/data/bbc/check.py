#!/usr/bin/env python3
"""Validate the BBC evaluation data (stdlib only).

Usage:
    python tests/data/bbc/check.py [CORPUS_DIR]

Checks, and exits non-zero on any failure:
  * questions.jsonl (and dev.jsonl / heldout.jsonl if present): schema,
    allowed kind/type values, unique ids, every supporting quote is an
    exact substring of its article (UTF-8, Latin-1 fallback), unanswerable
    items have no gold answers or quotes and carry a "checked" note,
    follow-ups carry a user+assistant history, the document is in
    sample.txt;
  * dev.jsonl + heldout.jsonl together are exactly questions.jsonl;
  * disagreement/questions.jsonl: every true quote is in the original
    article, every altered quote is in the altered copy, the altered copy
    has the same line layout as the original (headline, blank, body), and
    no true answer string survives in the altered quote.
Prints counts per type, kind and split.
"""
import collections
import importlib.util
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/datasets/bbc-news"
KINDS = {"person", "organisation", "place", "date", "number", "money",
         "percentage", "reason", "method", "quote", "yesno", "other"}
TYPES = {"factual", "why_how", "number", "followup", "unanswerable"}
errors = []


# The articles' decoding (UTF-8, Latin-1 for the one file that is not) is sample.py's.
_spec = importlib.util.spec_from_file_location("bbc_sample", os.path.join(HERE, "sample.py"))
_sample = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_sample)
read_text = _sample.read_text


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def err(msg):
    errors.append(msg)


sample = {l.strip() for l in open(os.path.join(HERE, "sample.txt")) if l.strip()}


def check_questions(rows, name):
    ids = set()
    for r in rows:
        rid = r.get("id")
        if rid in ids:
            err(f"{name}: duplicate id {rid}")
        ids.add(rid)
        for key in ("id", "kind", "type", "question", "gold_answers",
                    "supporting_quotes", "document", "answerable"):
            if key not in r:
                err(f"{name} {rid}: missing {key}")
        if r["kind"] not in KINDS:
            err(f"{name} {rid}: bad kind {r['kind']}")
        if r["type"] not in TYPES:
            err(f"{name} {rid}: bad type {r['type']}")
        if r["document"] not in sample:
            err(f"{name} {rid}: document {r['document']} not in sample.txt")
        text = read_text(os.path.join(CORPUS, r["document"]))
        if r["type"] == "unanswerable":
            if r["answerable"] or r["gold_answers"] or r["supporting_quotes"]:
                err(f"{name} {rid}: unanswerable item has answers/quotes")
            if not r.get("checked"):
                err(f"{name} {rid}: unanswerable item lacks a 'checked' note")
        else:
            if not r["answerable"] or not r["gold_answers"] or not r["supporting_quotes"]:
                err(f"{name} {rid}: answerable item lacks answers or quotes")
            for q in r["supporting_quotes"]:
                if q not in text:
                    err(f"{name} {rid}: quote not in {r['document']}: {q!r}")
        if r["type"] == "followup":
            h = r.get("history") or []
            if len(h) < 2 or h[0].get("role") != "user" or h[-1].get("role") != "assistant":
                err(f"{name} {rid}: follow-up needs user+assistant history")
        elif "history" in r:
            err(f"{name} {rid}: history on a non-follow-up")
    return ids


def summary(rows, label):
    print(f"{label}: {len(rows)} questions")
    print("  by type:", dict(sorted(collections.Counter(r["type"] for r in rows).items())))
    print("  by kind:", dict(sorted(collections.Counter(r["kind"] for r in rows).items())))


qpath = os.path.join(HERE, "questions.jsonl")
questions = load(qpath)
check_questions(questions, "questions.jsonl")
summary(questions, "questions.jsonl")
split_rows = {}
for split in ("dev", "heldout"):
    p = os.path.join(HERE, f"{split}.jsonl")
    if os.path.exists(p):
        split_rows[split] = load(p)
        check_questions(split_rows[split], f"{split}.jsonl")
        summary(split_rows[split], f"{split}.jsonl")
if split_rows:
    joined = sorted(json.dumps(r, sort_keys=True) for rows in split_rows.values() for r in rows)
    if joined != sorted(json.dumps(r, sort_keys=True) for r in questions):
        err("dev.jsonl + heldout.jsonl is not exactly questions.jsonl")

dpath = os.path.join(HERE, "disagreement", "questions.jsonl")
if os.path.exists(dpath):
    drows = load(dpath)
    ids = set()
    for r in drows:
        rid = r["id"]
        if rid in ids:
            err(f"disagreement: duplicate id {rid}")
        ids.add(rid)
        if r.get("type") != "disagreement":
            err(f"disagreement {rid}: type must be 'disagreement'")
        if r["kind"] not in KINDS:
            err(f"disagreement {rid}: bad kind")
        if r["original_document"] not in sample:
            err(f"disagreement {rid}: original not in sample.txt")
        orig = read_text(os.path.join(CORPUS, r["original_document"]))
        alt_path = os.path.join(HERE, "disagreement", "articles", r["altered_document"])
        if not os.path.exists(alt_path):
            err(f"disagreement {rid}: missing {alt_path}")
            continue
        alt = read_text(alt_path)
        if alt == orig:
            err(f"disagreement {rid}: altered copy is identical to the original")
        ol, al = orig.split("\n"), alt.split("\n")
        if len(ol) != len(al) or al[1] != "" or not al[0].strip():
            err(f"disagreement {rid}: altered copy breaks the headline/blank/body layout")
        if set(r["true_answers"]) & set(r["altered_answers"]):
            err(f"disagreement {rid}: true and altered answers overlap")
        for q in r["true_quotes"]:
            if q not in orig:
                err(f"disagreement {rid}: true quote not in original: {q!r}")
            if q in alt:
                err(f"disagreement {rid}: true quote still present in altered copy: {q!r}")
        for q in r["altered_quotes"]:
            if q not in alt:
                err(f"disagreement {rid}: altered quote not in altered copy: {q!r}")
        if not any(a in " ".join(r["altered_quotes"]) for a in r["altered_answers"]):
            err(f"disagreement {rid}: no altered answer appears in the altered quotes")
        if not any(a in " ".join(r["true_quotes"]) for a in r["true_answers"]):
            err(f"disagreement {rid}: no true answer appears in the true quotes")
    print(f"disagreement/questions.jsonl: {len(drows)} items,",
          dict(collections.Counter(r["kind"] for r in drows)))

if errors:
    print(f"\n{len(errors)} problem(s):")
    for e in errors:
        print("  -", e)
    sys.exit(1)
print("\nall checks passed")
