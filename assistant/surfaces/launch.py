"""``tiaoli serve`` in a child process on a free local port, ready when it answers.

For the programs that need a real server to talk to: the HTTP and browser tests
and the load test (``benchmarks/loadtest.py``). The server listens on 127.0.0.1
only and is stopped when the ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LocalServer:
    """A running ``tiaoli serve``: where it listens and its process."""

    url: str
    process: subprocess.Popen[bytes]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment of asking."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as reply:
            return int(reply.status) == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def local_server(log: Path | None = None, env: Mapping[str, str] | None = None,
                 start_timeout: float = 120.0) -> Iterator[LocalServer]:
    """Start the server with this environment (``env`` over the current one) and yield it
    once ``/healthz`` answers 200.

    Its output goes to ``log`` (discarded when None). Raises RuntimeError, with the
    log's text when there is one, if the process exits or ``start_timeout`` seconds
    pass before it is ready.
    """
    port = free_port()
    environment = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    command = [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1",
               "--port", str(port)]
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(log.open("w")) if log else subprocess.DEVNULL
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_timeout
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                said = log.read_text(encoding="utf-8", errors="replace") if log else ""
                raise RuntimeError(f"the server did not start (exit code {proc.poll()})"
                                   + (f":\n{said}" if said else ""))
            time.sleep(0.5)
        yield LocalServer(url, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
