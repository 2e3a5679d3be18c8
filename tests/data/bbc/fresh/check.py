#!/usr/bin/env python3
"""Validate the fresh BBC question set (stdlib only).

Usage:
    python tests/data/bbc/fresh/check.py [CORPUS_DIR]

Checks, and exits non-zero on any failure:
  * sample.txt is exactly what sample.py draws, and shares no article with
    the first sample (../sample.txt);
  * questions.jsonl: schema (same fields as ../questions.jsonl), allowed
    kind/type values, unique ids of the form fresh-NNN, every supporting
    quote is an exact substring of its article (UTF-8, Latin-1 fallback),
    the document is in sample.txt, unanswerable items have no gold answers
    or quotes and carry a "checked" note, answerable items have both,
    follow-ups carry a user+assistant history (and only follow-ups do).
Prints counts per type, per kind and per answerability.
"""
import collections
import importlib.util
import json
import os
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/datasets/bbc-news"
KINDS = {"person", "organisation", "place", "date", "number", "money",
         "percentage", "reason", "method", "quote", "yesno", "other"}
TYPES = {"factual", "why_how", "number", "followup", "unanswerable"}
REQUIRED = ("id", "kind", "type", "question", "gold_answers",
            "supporting_quotes", "document", "answerable")
errors = []


def err(msg):
    errors.append(msg)


def read_text(path):
    data = open(path, "rb").read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_list(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


# --- the sample --------------------------------------------------------------
sample_list = read_list(os.path.join(HERE, "sample.txt"))
sample = set(sample_list)
spec = importlib.util.spec_from_file_location("fresh_sample", os.path.join(HERE, "sample.py"))
sample_mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sample_mod)
if sample_mod.sample(CORPUS) != sample_list:
    err("sample.txt differs from the output of sample.py")
old = set(read_list(os.path.join(HERE, os.pardir, "sample.txt")))
if sample & old:
    err(f"sample.txt overlaps the first sample: {sorted(sample & old)}")
if len(sample) != len(sample_list):
    err("sample.txt has duplicate lines")

# --- the questions -----------------------------------------------------------
with open(os.path.join(HERE, "questions.jsonl"), encoding="utf-8") as f:
    rows = [json.loads(line) for line in f if line.strip()]

ids = set()
texts = {}
for r in rows:
    rid = r.get("id")
    if rid in ids:
        err(f"duplicate id {rid}")
    ids.add(rid)
    if not (isinstance(rid, str) and rid.startswith("fresh-") and rid[6:].isdigit()):
        err(f"{rid}: id must look like fresh-NNN")
    missing = [k for k in REQUIRED if k not in r]
    if missing:
        err(f"{rid}: missing {missing}")
        continue
    if r["kind"] not in KINDS:
        err(f"{rid}: bad kind {r['kind']}")
    if r["type"] not in TYPES:
        err(f"{rid}: bad type {r['type']}")
    if not isinstance(r["question"], str) or not r["question"].strip():
        err(f"{rid}: empty question")
    if r["document"] not in sample:
        err(f"{rid}: document {r['document']} not in fresh/sample.txt")
        continue
    if r["document"] not in texts:
        texts[r["document"]] = read_text(os.path.join(CORPUS, r["document"]))
    text = texts[r["document"]]
    if r["type"] == "unanswerable":
        if r["answerable"] or r["gold_answers"] or r["supporting_quotes"]:
            err(f"{rid}: unanswerable item has answers/quotes or answerable=true")
        if not r.get("checked"):
            err(f"{rid}: unanswerable item lacks a 'checked' note")
    else:
        if r["answerable"] is not True or not r["gold_answers"] or not r["supporting_quotes"]:
            err(f"{rid}: answerable item lacks answers or quotes")
        if "checked" in r:
            err(f"{rid}: 'checked' on an answerable item")
        for q in r["supporting_quotes"]:
            if q not in text:
                err(f"{rid}: quote not in {r['document']}: {q!r}")
    if r["type"] == "followup":
        h = r.get("history") or []
        if (len(h) < 2 or h[0].get("role") != "user" or h[-1].get("role") != "assistant"
                or not all(t.get("content") for t in h)):
            err(f"{rid}: follow-up needs user+assistant history")
    elif "history" in r:
        err(f"{rid}: history on a non-follow-up")

print(f"fresh/sample.txt: {len(sample_list)} articles,",
      dict(sorted(collections.Counter(p.split("/")[0] for p in sample_list).items())))
print(f"fresh/questions.jsonl: {len(rows)} questions")
print("  by type:", dict(sorted(collections.Counter(r.get("type") for r in rows).items())))
print("  by kind:", dict(sorted(collections.Counter(r.get("kind") for r in rows).items())))
print("  by type/kind:", dict(sorted(collections.Counter(
    f"{r.get('type')}/{r.get('kind')}" for r in rows).items())))
print("  answerable:", sum(1 for r in rows if r.get("answerable")),
      " unanswerable:", sum(1 for r in rows if not r.get("answerable")))
uncovered = sorted(sample - {r.get("document") for r in rows})
print("  sampled articles without a question:", uncovered or "none")

if errors:
    print(f"\n{len(errors)} problem(s):")
    for e in errors:
        print("  -", e)
    sys.exit(1)
print("\nall checks passed")
