#!/usr/bin/env python3
"""Validate a fresh BBC question set, fresh/ or fresh2/ (stdlib only).

Usage:
    python tests/data/bbc/fresh_check.py SET [CORPUS_DIR]      (SET: fresh or fresh2)

Checks, in SET's folder, and exits non-zero on any failure:
  * sample.txt is exactly what `sample.py SET` draws, and shares no article with
    the earlier samples (sample.txt, and for fresh2 also fresh/sample.txt);
  * questions.jsonl: schema (the fields of the first set's questions.jsonl), allowed
    kind/type values, unique ids of the form SET-NNN, every supporting
    quote is an exact substring of its article (UTF-8, Latin-1 fallback),
    the document is in sample.txt, unanswerable items have no gold answers
    or quotes and carry a "checked" note, answerable items have both,
    follow-ups carry a user+assistant history (and only follow-ups do);
  * for a set with a split.py: dev.jsonl + heldout.jsonl hold exactly the
    lines of questions.jsonl, unchanged, with no id in both.
Prints counts per type, per kind, per answerability and per split.
"""
import collections
import importlib.util
import json
import os
import sys

sys.dont_write_bytecode = True
# Each set and the samples drawn before it.
EARLIER = {
    "fresh": [("the first sample", "sample.txt")],
    "fresh2": [("the first sample", "sample.txt"), ("the first fresh set", "fresh/sample.txt")],
}
if len(sys.argv) < 2 or sys.argv[1] not in EARLIER:
    sys.exit(f"usage: fresh_check.py {{{','.join(EARLIER)}}} [CORPUS_DIR]")
SET = sys.argv[1]
ROOT = os.path.dirname(os.path.abspath(__file__))
HERE = os.path.join(ROOT, SET)
CORPUS = sys.argv[2] if len(sys.argv) > 2 else "/work/shared/datasets/bbc-news"
KINDS = {"person", "organisation", "place", "date", "number", "money",
         "percentage", "reason", "method", "quote", "yesno", "other"}
TYPES = {"factual", "why_how", "number", "followup", "unanswerable"}
REQUIRED = ("id", "kind", "type", "question", "gold_answers",
            "supporting_quotes", "document", "answerable")
PREFIX = f"{SET}-"
errors = []


def err(msg):
    errors.append(msg)


# --- the sample --------------------------------------------------------------
spec = importlib.util.spec_from_file_location("bbc_sample", os.path.join(ROOT, "sample.py"))
sample_mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sample_mod)
read_list, read_text = sample_mod.read_list, sample_mod.read_text
sample_list = read_list(os.path.join(HERE, "sample.txt"))
sample = set(sample_list)
if sample_mod.fresh_sample(SET, CORPUS) != sample_list:
    err(f"sample.txt differs from the output of sample.py {SET}")
if len(sample) != len(sample_list):
    err("sample.txt has duplicate lines")
for label, rel in EARLIER[SET]:
    earlier = set(read_list(os.path.join(ROOT, rel)))
    if not earlier:
        err(f"{rel} is empty")
    if sample & earlier:
        err(f"sample.txt overlaps {label}: {sorted(sample & earlier)}")

# --- the questions -----------------------------------------------------------
with open(os.path.join(HERE, "questions.jsonl"), encoding="utf-8") as f:
    lines = [line for line in f if line.strip()]
rows = [json.loads(line) for line in lines]

ids = set()
texts = {}
for r in rows:
    rid = r.get("id")
    if rid in ids:
        err(f"duplicate id {rid}")
    ids.add(rid)
    if not (isinstance(rid, str) and rid.startswith(PREFIX) and rid[len(PREFIX):].isdigit()):
        err(f"{rid}: id must look like {PREFIX}NNN")
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
        err(f"{rid}: document {r['document']} not in {SET}/sample.txt")
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

# --- the split ---------------------------------------------------------------
split = {"dev": [], "heldout": []}
has_split = os.path.exists(os.path.join(HERE, "split.py"))
for name in ("dev", "heldout") if has_split else ():
    path = os.path.join(HERE, f"{name}.jsonl")
    if not os.path.exists(path):
        err(f"{name}.jsonl missing (run split.py)")
        split[name] = []
        continue
    with open(path, encoding="utf-8") as f:
        split[name] = [line for line in f if line.strip()]
dev_ids = {json.loads(line)["id"] for line in split["dev"]}
held_ids = {json.loads(line)["id"] for line in split["heldout"]}
if dev_ids & held_ids:
    err(f"ids in both dev and heldout: {sorted(dev_ids & held_ids)}")
if has_split and collections.Counter(split["dev"] + split["heldout"]) != collections.Counter(lines):
    err("dev.jsonl + heldout.jsonl is not exactly questions.jsonl (lines must be unchanged)")

print(f"{SET}/sample.txt: {len(sample_list)} articles,",
      dict(sorted(collections.Counter(p.split("/")[0] for p in sample_list).items())))
print(f"{SET}/questions.jsonl: {len(rows)} questions")
print("  by type:", dict(sorted(collections.Counter(r.get("type") for r in rows).items())))
print("  by kind:", dict(sorted(collections.Counter(r.get("kind") for r in rows).items())))
print("  by type/kind:", dict(sorted(collections.Counter(
    f"{r.get('type')}/{r.get('kind')}" for r in rows).items())))
print("  answerable:", sum(1 for r in rows if r.get("answerable")),
      " unanswerable:", sum(1 for r in rows if not r.get("answerable")))
print("  by category:", dict(sorted(collections.Counter(
    r.get("document", "?").split("/")[0] for r in rows).items())))
uncovered = sorted(sample - {r.get("document") for r in rows})
print("  sampled articles without a question:", uncovered or "none")
by_id = {r.get("id"): r for r in rows}
for name, idset in (("dev", dev_ids), ("heldout", held_ids)) if has_split else ():
    print(f"{SET}/{name}.jsonl: {len(idset)} questions, by type:",
          dict(sorted(collections.Counter(by_id[i]["type"] for i in idset if i in by_id).items())))

if errors:
    print(f"\n{len(errors)} problem(s):")
    for e in errors:
        print("  -", e)
    sys.exit(1)
print("\nall checks passed")
