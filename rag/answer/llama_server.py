"""A local GGUF model served by llama.cpp (the prebuilt `xllamacpp` wheel) in a child process.

The child speaks the OpenAI protocol on 127.0.0.1, so the `openai` provider's client serves
local and remote models alike, and a native crash (a bad instruction, an out-of-bounds read
in a kernel) kills only the child: the caller gets ModelUnavailable naming the signal, and the
next request starts a fresh child. Our process never loads llama.cpp's native code.

The wheel is one statically linked library built with GGML_NATIVE=OFF (SSE3 to AVX2, FMA,
F16C; no AVX-512, no AMX) and no dynamically loaded backends, so what runs does not depend on
the machine that built it or on the CPU flags of the one running it. The child still refuses
to serve when the runtime reports AMX (docs/architecture.md#generative-runtime).

Child usage: python -m rag.answer.llama_server MODEL.gguf [--ctx N] [--threads N]
    [--max-tokens N]; or --system-info alone. It prints one JSON line when ready, then serves
until its stdin closes (the parent exited or closed it).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from rag.errors import ModelUnavailable

INSTALL_SCRIPT = "scripts/install_models.sh"
READY_TIMEOUT_S = 300.0  # a 1.5B model loads in seconds; a cold disk can be slow
STDERR_TAIL_LINES = 6
FORBIDDEN_FEATURES = ("AMX",)  # faults on VMs that report it (issue 11)
EXIT_FORBIDDEN = 3
EXIT_LOAD_FAILED = 4


@dataclass(frozen=True)
class Endpoint:
    """Where a running child listens, the key it expects, and what its CPU backend uses."""

    base_url: str  # ".../v1", for an OpenAI client
    api_key: str
    system_info: str


def default_threads() -> int:
    """Half the cores: holds up best on a shared machine (docs/settings.md)."""
    return max(1, (os.cpu_count() or 2) // 2)


def describe_exit(returncode: int) -> str:
    """'killed by SIGSEGV (Segmentation fault)' or 'exited with status 4'."""
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode)
        except ValueError:
            return f"killed by signal {-returncode}"
        return f"killed by {sig.name} ({signal.strsignal(sig) or 'no description'})"
    return f"exited with status {returncode}"


def system_info(python: str = sys.executable, timeout: float = 60.0) -> str:
    """llama.cpp's system_info line for the installed runtime, e.g. 'CPU : SSE3 = 1 | ...
    AVX2 = 1 | ...', read in a child process (for tests and the benchmark report)."""
    cmd = [python, "-m", "rag.answer.llama_server", "--system-info"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        tail = " ".join(done.stderr.strip().splitlines()[-STDERR_TAIL_LINES:])
        raise ModelUnavailable(
            f"the llama.cpp runtime {describe_exit(done.returncode)}: {tail or 'no message'}"
        )
    return done.stdout.strip()


class LocalModelServer:
    """Owns one child process serving `model`; restarts it on demand after it died."""

    def __init__(
        self,
        model: Path,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        max_tokens: int = 256,
        python: str = sys.executable,
        ready_timeout: float = READY_TIMEOUT_S,
    ) -> None:
        self.model = model
        self.command = [
            python, "-m", "rag.answer.llama_server", str(model),
            "--ctx", str(n_ctx),
            "--threads", str(n_threads or default_threads()),
            "--max-tokens", str(max_tokens),
        ]  # fmt: skip
        self.ready_timeout = ready_timeout
        self.endpoint: Endpoint | None = None
        self._proc: subprocess.Popen[str] | None = None
        self._stderr: IO[bytes] | None = None
        self._finalizer: weakref.finalize | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def ensure_running(self) -> Endpoint:
        """The live child's endpoint; starts a child first when there is none (or it died)."""
        if self.running() and self.endpoint is not None:
            return self.endpoint
        self.stop()
        return self._start()

    def death(self, grace: float = 2.0) -> str | None:
        """Why the child is gone ('killed by SIGSEGV ...; last log: ...'), or None if it lives.
        Waits up to `grace` seconds: a crash can close the connection before the exit."""
        if self._proc is None:
            return None
        try:
            returncode = self._proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            return None
        return f"{describe_exit(returncode)}{self._log_tail()}"

    def stop(self, *, kill: bool = False) -> None:
        """End the child: close its stdin and let it exit, or `kill` it (it hangs)."""
        if kill and self.running():
            assert self._proc is not None
            self._proc.kill()
        if self._finalizer is not None:
            self._finalizer()
        self._proc, self._stderr, self._finalizer, self.endpoint = None, None, None, None

    def _start(self) -> Endpoint:
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self._finalizer = weakref.finalize(self, _terminate, self._proc, self._stderr)
        line = _read_line(self._proc, self.ready_timeout)
        if not line:
            reason = self.death(grace=5.0) or f"was not ready after {self.ready_timeout:.0f} s"
            returncode = self._proc.returncode
            self.stop()
            if returncode == EXIT_LOAD_FAILED:
                raise ModelUnavailable(
                    f"llama.cpp could not load {self.model} (truncated or not a chat GGUF?): "
                    f"re-run `{INSTALL_SCRIPT}` to rebuild it ({reason})"
                )
            raise ModelUnavailable(f"the local model process for {self.model} {reason}")
        ready = json.loads(line)
        self.endpoint = Endpoint(ready["base_url"], ready["api_key"], ready["system_info"])
        return self.endpoint

    def _log_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        tail = " | ".join(line.strip() for line in lines[-STDERR_TAIL_LINES:])
        return f"; last log lines: {tail}" if tail else ""


def _read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """The child's ready line, or '' if it exits or stays silent for `timeout` seconds."""
    import selectors

    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        while selector.select(max(0.0, deadline - time.monotonic())):
            line = proc.stdout.readline()
            if not line or line.startswith("{"):  # EOF (it exited) or the ready line
                return line.strip()
    return ""


def _terminate(proc: subprocess.Popen[str], stderr: IO[bytes]) -> None:
    if proc.poll() is None:
        if proc.stdin is not None:
            proc.stdin.close()  # the child's cue to exit cleanly
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for stream in (proc.stdin, proc.stdout, stderr):
        if stream is not None:
            stream.close()


# --- the child --------------------------------------------------------------------------


def _serve(args: argparse.Namespace) -> int:
    import xllamacpp

    info = xllamacpp.get_system_info().strip()
    used = [f for f in FORBIDDEN_FEATURES if f in info.upper()]
    if used:
        sys.stderr.write(f"llama.cpp runtime uses {', '.join(used)}, refused: {info}\n")
        return EXIT_FORBIDDEN
    params = xllamacpp.CommonParams()
    params.model.path = str(args.model)
    params.hostnames = ["127.0.0.1"]
    params.port = 0  # any free port; the server reports which
    params.api_keys = [secrets.token_urlsafe(24)]  # other local users can't use the model
    params.verbosity = 2  # errors and warnings only: a crash's last log lines say something
    params.n_parallel = 1  # one request at a time; others wait in llama.cpp's queue
    params.n_ctx = args.ctx
    params.n_batch = min(512, args.ctx)
    params.n_predict = args.max_tokens
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.sampling.seed = 0
    # Grounded answers quote their sources; a repeat penalty pushes away from the quote.
    params.sampling.penalty_repeat = 1.0
    try:
        server = xllamacpp.Server(params)
    except RuntimeError as error:
        sys.stderr.write(
            f"llama.cpp could not load {args.model} (truncated or not a chat GGUF?): {error}\n"
        )
        return EXIT_LOAD_FAILED
    ready = {
        "base_url": f"{server.listening_address}/v1",
        "api_key": params.api_keys[0],
        "system_info": info,
        "pid": os.getpid(),
    }
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()
    sys.stdin.read()  # blocks until the parent closes stdin or exits
    os._exit(0)  # skip the slow teardown of the server's threads


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path, nargs="?")
    parser.add_argument("--ctx", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=default_threads())
    parser.add_argument("--max-tokens", type=int, default=256)
    parser.add_argument("--system-info", action="store_true", help="print it and exit")
    args = parser.parse_args(argv)
    if args.system_info:
        import xllamacpp

        sys.stdout.write(xllamacpp.get_system_info().strip() + "\n")
        return 0
    if args.model is None:
        parser.error("MODEL is required unless --system-info")
    return _serve(args)


if __name__ == "__main__":
    raise SystemExit(main())
