#!/usr/bin/env python3
"""Seeded, stratified sample of BBC News articles for the evaluation set.

Stdlib only. Usage:
    python tests/data/bbc/sample.py [CORPUS_DIR] > tests/data/bbc/sample.txt
    python tests/data/bbc/sample.py fresh [CORPUS_DIR] > tests/data/bbc/fresh/sample.txt
    python tests/data/bbc/sample.py fresh2 [CORPUS_DIR] > tests/data/bbc/fresh2/sample.txt

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


def read_text(path):
    """An article's text: UTF-8, or Latin-1 for the one file that is not."""
    data = open(path, "rb").read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def read_list(path):
    """The non-empty lines of a sample file."""
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def _index(corpus, exclude=frozenset()):
    """Per category, the sorted files that have no exact or headline twin and are not
    in `exclude` (paths like "business/042.txt")."""
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


def sample(corpus=DEFAULT_CORPUS, seed=SEED, per_category=PER_CATEGORY, exclude=frozenset()):
    """`per_category` paths a category, one generator over the categories in order; the
    fresh sets (fresh/, fresh2/) draw with their own seed and the earlier samples
    excluded."""
    index = _index(corpus, exclude)
    rng = random.Random(seed)
    picked = []
    for c in CATEGORIES:
        picked.extend(sorted(rng.sample(index[c], per_category)))
    return picked


# The later, fresh sets (fresh/, fresh2/): seed, articles per category, and the earlier
# sample files (relative to this folder) whose articles they must not share.
FRESH_SETS = {
    "fresh": (77, 8, ["sample.txt"]),
    "fresh2": (78, 10, ["sample.txt", "fresh/sample.txt"]),
}


def fresh_sample(name, corpus=DEFAULT_CORPUS):
    """A fresh set's sample: drawn as above with its own seed, none of the earlier
    samples' articles, sorted."""
    seed, per_category, earlier = FRESH_SETS[name]
    here = os.path.dirname(os.path.abspath(__file__))
    exclude = set()
    for path in earlier:
        exclude |= set(read_list(os.path.join(here, path)))
    return sorted(sample(corpus, seed, per_category, exclude=exclude))


if __name__ == "__main__":
    args = sys.argv[1:]
    fresh = args.pop(0) if args and args[0] in FRESH_SETS else None
    corpus = args[0] if args else DEFAULT_CORPUS
    for path in fresh_sample(fresh, corpus) if fresh else sample(corpus):
        print(path)
