"""Turning raw article files into canonical documents and passages."""
