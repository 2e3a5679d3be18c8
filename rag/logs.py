"""Logging of a process the package starts: the CLI, and each worker of `rag serve`."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: str) -> None:
    """Our own messages at `level`; third-party libraries only when they warn."""
    logging.basicConfig(
        level=logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("rag").setLevel(level.upper())
    logging.getLogger("bm25s").setLevel(logging.WARNING)
