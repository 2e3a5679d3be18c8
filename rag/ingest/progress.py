"""Counts and time left of a long ingest stage, on stderr: one line rewritten in place on a
terminal, otherwise a line at every tenth of the work (logs stay readable)."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class Progress:
    """`advance(n)` from the thread doing the main work; `count(name, n)` from any thread
    for work running beside it (shown, not used for the estimate)."""

    def __init__(self, label: str, total: int, unit: str, *, stream: TextIO | None = None):
        self.label, self.total, self.unit = label, total, unit
        self._stream = stream or sys.stderr
        self._tty = self._stream.isatty()
        self._done = 0
        self._side: dict[str, int] = {}
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._last_shown = -1.0
        self._last_tenth = 0
        self._shown: tuple[int, tuple[tuple[str, int], ...]] | None = None

    def count(self, name: str, n: int) -> None:
        with self._lock:
            self._side[name] = self._side.get(name, 0) + n

    def advance(self, n: int) -> None:
        self._done = min(self.total, self._done + n)
        now = time.monotonic()
        tenth = self._done * 10 // max(self.total, 1)
        if self._tty and (now - self._last_shown >= 0.5 or self._done == self.total):
            self._show()
        elif not self._tty and tenth > self._last_tenth:
            self._show()
        self._last_tenth = tenth

    def close(self) -> None:
        """The final counts (work beside the main work may have ended after it)."""
        if self._shown != self._counts():
            self._show()
        if self._tty and self._shown is not None:
            self._write("\n")

    def _counts(self) -> tuple[int, tuple[tuple[str, int], ...]]:
        with self._lock:
            return self._done, tuple(self._side.items())

    def _show(self) -> None:
        self._shown = self._counts()
        self._last_shown = time.monotonic()
        self._write("\r" + self.line() + "\033[K" if self._tty else self.line() + "\n")

    def line(self) -> str:
        elapsed = time.monotonic() - self._started
        share = self._done / max(self.total, 1)
        text = f"{self.label}: {self._done:,}/{self.total:,} {self.unit} ({share:.0%})"
        text += f", {duration(elapsed)}"
        if 0 < self._done < self.total:
            text += f", about {duration(elapsed / self._done * (self.total - self._done))} left"
        with self._lock:
            side = ", ".join(f"{name} {n:,}/{self.total:,}" for name, n in self._side.items())
        return f"{text}; {side}" if side else text

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()
