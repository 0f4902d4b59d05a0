"""Real servers for end-to-end tests: pinned tools in cached virtualenvs, run on loopback.

Each tool comes from the package index, pinned by hash in a lockfile under 3rdparty/, and is
installed once per version of that lockfile into a CPython 3.11 virtualenv beside the launcher's
cached Pants.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterator, Sequence

from rust_python_testutil.e2e import find_python, make_venv, source_checkout


def _cache_root() -> Path:
    """Where ./pants keeps its own virtualenv (see the launcher)."""
    if os.environ.get("PANTS_RUST_PYTHON_CACHE"):
        return Path(os.environ["PANTS_RUST_PYTHON_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "pants-rust-python"


def tool_venv(name: str, lockfile: str) -> Path:
    """A CPython 3.11 virtualenv with exactly the wheels `lockfile` (repo-relative) pins."""
    lock = source_checkout() / lockfile
    key = hashlib.sha256(lock.read_bytes()).hexdigest()[:16]
    cache = _cache_root()
    root = cache / f"{name}-{key}-py311"
    if (root / ".complete").exists():
        return root
    cache.mkdir(parents=True, exist_ok=True)
    # Parallel test processes wait for one install instead of racing.
    with open(cache / f".{name}.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        if not (root / ".complete").exists():
            shutil.rmtree(root, ignore_errors=True)
            venv = make_venv(find_python("3.11"), root)
            venv.pip_install(
                "--require-hashes", "--only-binary=:all:", "-r", str(lock), no_deps=True
            )
            (root / ".complete").touch()
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def serving(
    argv: Sequence[str], *, port: int, cwd: Path, log: Path, startup_timeout: float = 180
) -> Iterator[None]:
    """`argv` running until the block ends, once something listens on loopback `port`."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group: stopping it stops whatever it spawned, and nothing else.
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while not _listening(port):
            name = Path(argv[0]).name
            if proc.poll() is not None:
                raise AssertionError(
                    f"{name} exited ({proc.returncode}):\n{log.read_text()[-5000:]}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} not listening on {port}:\n{log.read_text()[-5000:]}")
            time.sleep(0.2)
        yield
    finally:
        _signal_group(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass
