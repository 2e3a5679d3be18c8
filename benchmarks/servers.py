"""Servers in their own processes on loopback, for the HTTP benchmarks (rag.child_server,
which the crash test uses too; benchmarks and tests never import each other)."""

from __future__ import annotations

from rag.child_server import Running, free_port, serving

__all__ = ["Running", "free_port", "serving"]
