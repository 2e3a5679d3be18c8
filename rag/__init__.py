"""rag: cited answers from a corpus of news articles.

Import what you need from the submodules; nothing is loaded at import time.
"""

__all__: list[str] = []
__version__ = "0.1.0"
