"""Servers in their own processes on loopback, for the HTTP benchmarks.

The helpers are the test suite's (tests/support.py), shared so the two cannot drift;
benchmarks may use test helpers, tests never import benchmarks."""

from __future__ import annotations

from tests.support import Running, free_port, serving

__all__ = ["Running", "free_port", "serving"]
