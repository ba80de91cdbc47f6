"""`opensop serve` and its worker stop together: SIGTERM (a service manager, Ctrl-C) stops the server, which stops
its worker; a server killed without a word (SIGKILL) leaves no orphan either, the worker notices and stops."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opensop.services.runs import process_alive

TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(child) for child in text)
    return found


def _serve(workspace: Path) -> tuple[subprocess.Popen[bytes], int]:
    """The server with its worker, once both run: (server process, worker pid)."""
    assert (
        subprocess.run(
            [sys.executable, "-m", "opensop.cli.main", "--workspace", str(workspace), "init"], check=False, timeout=120
        ).returncode
        == 0
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "opensop.cli.main", "--workspace", str(workspace), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        workers = _children(server.pid) if server.poll() is None else []
        with socket.socket() as probe:
            listening = probe.connect_ex(("127.0.0.1", port)) == 0
        if workers and listening:
            return server, workers[0]
        time.sleep(0.2)
    server.kill()
    raise AssertionError("the server and its worker did not start")


def _gone(pid: int) -> bool:
    """The process ended (a zombie waiting for its new parent to reap it has ended too)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            ended = not process_alive(pid) or Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
        except FileNotFoundError:
            ended = True
        if ended:
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_stopping_serve_leaves_no_worker(tmp_path: Path, how: signal.Signals) -> None:
    server, worker = _serve(tmp_path / "ws")
    try:
        server.send_signal(how)
        server.wait(timeout=TIMEOUT)
        assert _gone(worker), f"the worker {worker} outlived its server ({how.name})"
    finally:
        if server.poll() is None:
            server.kill()
        if process_alive(worker):
            os.kill(worker, signal.SIGKILL)
