"""A server in a child process on a loopback port: start `python ARGS`, wait until its
health URL answers 200, stop it on exit. Used by the crash test and the HTTP benchmarks."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Running:
    url: str
    pid: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(
    args: Sequence[str], port: int, health: str, *, env: dict[str, str] | None = None
) -> Iterator[Running]:
    """Start `python ARGS` (which must listen on `port`), wait for `health` to answer 200,
    and stop it on exit."""
    process = subprocess.Popen(
        [sys.executable, *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{' '.join(args)} exited with {process.returncode}")
            if _answers(url + health):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(args)} did not answer {health} in 300 s")
            time.sleep(0.3)
        yield Running(url=url, pid=process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


_LOOPBACK = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy


def _answers(url: str) -> bool:
    try:
        with _LOOPBACK.open(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
