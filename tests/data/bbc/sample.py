#!/usr/bin/env python3
"""Seeded, stratified sample of BBC News articles for the evaluation set.

Stdlib only. Usage:
    python tests/data/bbc/sample.py [CORPUS_DIR] > tests/data/bbc/sample.txt

Draws PER_CATEGORY articles from each of the five category folders with
random.Random(SEED). Skipped before drawing: every file whose bytes occur
more than once in the corpus (the 98 exact copies AND the originals they
copy, so a sampled article has exactly one file with its text), and every
file whose headline occurs more than once (the near-duplicate pairs), so
the gold document of a question is unambiguous.
Prints one relative path per line ("business/042.txt"), grouped by
category, sorted within each category.
"""
import hashlib
import os
import random
import sys

SEED = 13
PER_CATEGORY = 18
CATEGORIES = ["business", "entertainment", "politics", "sport", "tech"]
DEFAULT_CORPUS = "/work/shared/datasets/bbc-news"


def _index(corpus):
    """Per category, the sorted files that have no exact or headline twin."""
    files = []
    digests = {}
    headlines = {}
    for c in CATEGORIES:
        for name in sorted(os.listdir(os.path.join(corpus, c))):
            if not name.endswith(".txt"):
                continue
            with open(os.path.join(corpus, c, name), "rb") as f:
                data = f.read()
            digest = hashlib.sha256(data).hexdigest()
            headline = data.split(b"\n", 1)[0].strip()
            digests[digest] = digests.get(digest, 0) + 1
            headlines[headline] = headlines.get(headline, 0) + 1
            files.append((c, f"{c}/{name}", digest, headline))
    out = {c: [] for c in CATEGORIES}
    for c, path, digest, headline in files:
        if digests[digest] == 1 and headlines[headline] == 1:
            out[c].append(path)
    return out


def sample(corpus=DEFAULT_CORPUS, seed=SEED, per_category=PER_CATEGORY):
    index = _index(corpus)
    rng = random.Random(seed)
    picked = []
    for c in CATEGORIES:
        picked.extend(sorted(rng.sample(index[c], per_category)))
    return picked


if __name__ == "__main__":
    corpus = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CORPUS
    for path in sample(corpus):
        print(path)
