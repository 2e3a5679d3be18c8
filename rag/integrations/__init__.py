"""Adapters that let other frameworks use our retrieval."""
