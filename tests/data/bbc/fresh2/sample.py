#!/usr/bin/env python3
"""Seeded, stratified sample of BBC News articles for the second fresh set.

Stdlib only. Usage:
    python tests/data/bbc/fresh2/sample.py [CORPUS_DIR] > tests/data/bbc/fresh2/sample.txt

Draws PER_CATEGORY articles from each of the five category folders with
random.Random(SEED) (one generator, categories in the order below).
Skipped before drawing:
  * every article listed in ../sample.txt (the first evaluation sample) and
    in ../fresh/sample.txt (the first fresh set),
  * every file whose bytes occur more than once in the corpus (the exact
    copies AND the files they copy),
  * every file whose headline occurs more than once,
so this set shares no article with the earlier sets and the gold document
of each question is unambiguous.
Prints one relative path per line ("business/042.txt"), sorted.
"""
import hashlib
import os
import random
import sys

SEED = 78
PER_CATEGORY = 10
CATEGORIES = ["business", "entertainment", "politics", "sport", "tech"]
DEFAULT_CORPUS = "/work/shared/datasets/bbc-news"
HERE = os.path.dirname(os.path.abspath(__file__))
EARLIER_SAMPLES = [
    os.path.join(HERE, os.pardir, "sample.txt"),
    os.path.join(HERE, os.pardir, "fresh", "sample.txt"),
]


def _earlier_samples():
    out = set()
    for path in EARLIER_SAMPLES:
        with open(path, encoding="utf-8") as f:
            out |= {line.strip() for line in f if line.strip()}
    return out


def _index(corpus, exclude):
    """Per category, the sorted eligible files."""
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
        if path in exclude:
            continue
        if digests[digest] == 1 and headlines[headline] == 1:
            out[c].append(path)
    return out


def sample(corpus=DEFAULT_CORPUS, seed=SEED, per_category=PER_CATEGORY):
    index = _index(corpus, _earlier_samples())
    rng = random.Random(seed)
    picked = []
    for c in CATEGORIES:
        picked.extend(rng.sample(index[c], per_category))
    return sorted(picked)


if __name__ == "__main__":
    corpus = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_CORPUS
    for path in sample(corpus):
        print(path)
