"""Answers: cited sentences chosen from retrieved passages, or a checked generation."""
