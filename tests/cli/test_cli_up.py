"""`portal up` (what `make run` starts): a signal to it — Ctrl-C, a service manager's SIGTERM, a closed terminal's
SIGHUP — stops the web server AND the worker process group it started; nothing is left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.cli.test_cli import env, portal  # noqa: F401 - the fixture and helper of the CLI tests


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes_of(var_dir: str) -> list[int]:
    """Pids whose environment names this test's var dir (the `portal up` process and the worker it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if f"PORTAL_VAR_DIR={var_dir}".encode() in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _healthy(port: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:  # noqa: S310
                if resp.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc to find the worker")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_up_stops_the_worker_it_started(env, signum):  # noqa: F811 - the fixture imported above
    added = portal(["institution", "add", "--kind", "regulator", "--name", "监管局", "--code", "reg"], env)
    assert added.returncode == 0, added.stderr  # not empty: `up` skips the demo seeding
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "portal", "up", "--host", "127.0.0.1", "--port", str(port)],  # noqa: S603
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    var_dir = env["PORTAL_VAR_DIR"]
    try:
        assert _healthy(port, time.monotonic() + 90), "portal up never served /healthz"
        deadline = time.monotonic() + 60
        while len(_processes_of(var_dir)) < 2 and time.monotonic() < deadline:  # `up` and its worker
            time.sleep(0.5)
        assert len(_processes_of(var_dir)) >= 2, "the worker did not start"
        proc.send_signal(signum)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 30
        while _processes_of(var_dir) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _processes_of(var_dir) == [], f"left behind after {signal.Signals(signum).name}"
    finally:
        for pid in _processes_of(var_dir):
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
