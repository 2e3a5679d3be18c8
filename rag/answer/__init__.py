"""Answers: the evidence engine (`evidence.py`: question + history -> scored, typed spans
and whether to abstain) and the two answerers that compose from it, cited sentences
(`extractive.py`) or a checked generation (`generative.py`)."""
