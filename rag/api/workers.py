"""`rag serve` with several worker processes, each with its own listening socket on the
same port (SO_REUSEPORT), so the kernel spreads connections over the workers.

Uvicorn's own workers share one socket: whichever worker wakes first accepts, and with a
few long-lived (keep-alive) connections one worker took all of them while the other idled
(measured on the BBC archive with 8 clients: 86-89 questions/s with two such workers, as
with one; 99-103 with these). Each worker reads the same RAG_
environment; host and port come from the parent. Every worker follows the index on disk
(Services.current), so a write taken by one is seen by the others' next request."""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import socket
import time
from types import FrameType

from rag.errors import RagError

logger = logging.getLogger(__name__)
# A worker that stops after this long is restarted; one that stops sooner did not start
# (port taken, index unreadable in a way that kills the process): every worker is stopped.
STARTED_AFTER_SECONDS = 30.0
POLL_SECONDS = 0.5
PR_SET_PDEATHSIG = 1  # prctl(2)


def _listening_socket(host: str, port: int, *, shared: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def check_port_free(host: str, port: int) -> None:
    """Fail before starting workers when anything listens there already (another server
    with SO_REUSEPORT would otherwise silently share the port with these workers)."""
    try:
        _listening_socket(host, port, shared=False).close()
    except OSError as exc:
        raise RagError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _die_with_parent(parent: int) -> None:
    """Have the kernel send SIGTERM to this worker when the supervisor dies (even by
    SIGKILL), so no worker keeps serving the port on its own."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(0)


def _worker(host: str, port: int, parent: int) -> None:
    _die_with_parent(parent)
    # Ctrl-C reaches the whole process group: the supervisor stops the workers with
    # SIGTERM instead (uvicorn takes over both signals once it serves).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import uvicorn

    from rag.api.app import worker_app

    sock = _listening_socket(host, port, shared=True)
    sock.listen(2048)
    config = uvicorn.Config(worker_app(), log_level="info")
    uvicorn.Server(config).run(sockets=[sock])


def serve_workers(host: str, port: int, count: int) -> int:
    """Run `count` workers until SIGINT or SIGTERM; the exit status (0: asked to stop)."""
    check_port_free(host, port)
    context = multiprocessing.get_context("spawn")  # no threads or model copied across
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    def start() -> tuple[multiprocessing.process.BaseProcess, float]:
        process = context.Process(target=_worker, args=(host, port, os.getpid()), name="rag-worker")
        process.start()
        return process, time.monotonic()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    workers: list[tuple[multiprocessing.process.BaseProcess, float]] = []
    status = 0
    try:
        workers = [start() for _ in range(count)]
        while not stopping:
            time.sleep(POLL_SECONDS)
            if stopping:  # a worker stopped by the same Ctrl-C is not a failure
                break
            for i, (process, started) in enumerate(workers):
                if process.is_alive():
                    continue
                if time.monotonic() - started < STARTED_AFTER_SECONDS:
                    logger.error("a worker stopped while starting (exit %s)", process.exitcode)
                    stopping, status = True, 1
                    break
                logger.warning(
                    "worker %s stopped (exit %s); starting another", process.pid, process.exitcode
                )
                workers[i] = start()
    finally:
        for process, _ in workers:
            if process.is_alive():
                process.terminate()  # uvicorn shuts down gracefully on SIGTERM
        for process, _ in workers:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return status
