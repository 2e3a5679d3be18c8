"""`rag serve` with RAG_WORKERS=2: connections reach both worker processes, every worker
sees a write whichever took it, and stopping the server stops every worker."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from rag.child_server import free_port, serving

pytestmark = pytest.mark.live
TOKEN = "workers-token"
ARTICLE = {
    "title": "Ferry service to Fao",
    "text": "A ferry service between Basra and Fao began on Thursday, the port authority said. "
    "Two boats will sail daily.",
    "outlet": "Wire",
}


def children(parent: int) -> list[int]:
    """Worker processes of `parent` (multiprocessing's resource tracker is not one)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields.get("PPid", "0")) == parent and b"resource_tracker" not in cmdline:
            found.append(int(status.parent.name))
    return found


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def fresh_requests(url: str, path: str, count: int) -> list[int]:
    """`count` requests, each on a new connection (the kernel picks a worker per one)."""
    statuses = []
    for _ in range(count):
        with httpx.Client(base_url=url, timeout=60) as client:
            statuses.append(client.get(path).status_code)
    return statuses


def test_two_workers_share_the_port_and_every_write(tmp_path: Path, seed_index_dir: Path):
    index = tmp_path / "index"
    shutil.copytree(seed_index_dir, index)
    port = free_port()
    env = {"RAG_INDEX_DIR": str(index), "RAG_WORKERS": "2", "RAG_API_TOKEN": TOKEN}
    with serving(["-m", "rag", "serve", "--port", str(port)], port, "/api/health", env=env) as s:
        workers = children(s.pid)
        assert len(workers) == 2
        # Both must be up before the writes: the health check may have reached one only.
        before = {pid: cpu_ticks(pid) for pid in workers}
        assert fresh_requests(s.url, "/api/search?q=Basra+ferry", 40) == [200] * 40
        assert all(cpu_ticks(pid) > ticks for pid, ticks in before.items()), "one worker idled"

        headers = {"Authorization": f"Bearer {TOKEN}"}
        added = httpx.post(f"{s.url}/api/documents", json=ARTICLE, headers=headers, timeout=60)
        assert added.status_code == 201
        document = added.json()["document_id"]
        assert fresh_requests(s.url, f"/api/documents/{document}", 20) == [200] * 20
        removed = httpx.delete(f"{s.url}/api/documents/{document}", headers=headers, timeout=60)
        assert removed.status_code == 200
        assert fresh_requests(s.url, f"/api/documents/{document}", 20) == [404] * 20
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)


def test_serving_on_a_taken_port_fails_with_a_message(tmp_path: Path, seed_index_dir: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "rag", "serve", "--port", str(port), "--workers", "2"],
            env={**os.environ, "RAG_INDEX_DIR": str(seed_index_dir)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_workers_stop_when_the_server_process_is_killed(tmp_path: Path, seed_index_dir: Path):
    """SIGKILL gives the supervisor no chance to stop its workers: the kernel must."""
    port = free_port()
    env = {"RAG_INDEX_DIR": str(seed_index_dir), "RAG_WORKERS": "2"}
    with serving(["-m", "rag", "serve", "--port", str(port)], port, "/api/health", env=env) as s:
        workers = children(s.pid)
        assert len(workers) == 2
        os.kill(s.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in workers), "a worker outlived the server"


def alive(pid: int) -> bool:
    """Running, not a zombie waiting for its (dead) parent's reaper."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
