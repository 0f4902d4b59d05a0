"""A real Remote Execution API cache (BuildGrid) on loopback, for end-to-end tests.

BuildGrid comes from the package index, pinned by hash in 3rdparty/buildgrid/lock.txt, and is
installed once into a CPython 3.11 virtualenv beside the launcher's cached Pants (0.4.4 is the
newest release that runs on 3.11).
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
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from rust_python_testutil.e2e import find_python, make_venv, source_checkout

LOCKFILE = "3rdparty/buildgrid/lock.txt"

# CAS + ActionCache + ByteStream in one instance named "", no authentication, on loopback. The
# gRPC thread pool is BuildGrid's limit on concurrent RPCs too; its default (5 per core) makes
# Pants's parallel uploads fail with "Concurrent RPC limit exceeded" on small machines.
THREAD_POOL_SIZE = 128
# Store and action-cache RPCs together stay within the server's thread pool.
PANTS_RPC_CONCURRENCY = THREAD_POOL_SIZE // 4

_CONFIG = """\
thread-pool-size: {threads}
server:
  - !channel
    address: "127.0.0.1:{port}"
    insecure-mode: true
authorization:
  method: none
storages:
  - !disk-storage &main-storage
    path: {cas}
caches:
  - !lru-action-cache &main-action
    storage: *main-storage
    max-cached-refs: 100000
    allow-updates: true
    cache-failed-actions: false
instances:
  - name: ""
    services:
      - !action-cache
        cache: *main-action
      - !cas
        storage: *main-storage
      - !bytestream
        storage: *main-storage
"""


def _cache_root() -> Path:
    """Where ./pants keeps its own virtualenv (see the launcher)."""
    if os.environ.get("PANTS_RUST_PYTHON_CACHE"):
        return Path(os.environ["PANTS_RUST_PYTHON_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "pants-rust-python"


def buildgrid_bin() -> Path:
    """`bgd` from a virtualenv made once per version of the lockfile (about a minute)."""
    lockfile = source_checkout() / LOCKFILE
    key = hashlib.sha256(lockfile.read_bytes()).hexdigest()[:16]
    cache = _cache_root()
    root = cache / f"buildgrid-{key}-py311"
    bgd = root / "bin" / "bgd"
    if (root / ".complete").exists():
        return bgd
    cache.mkdir(parents=True, exist_ok=True)
    # Parallel test processes wait for one install instead of racing.
    with open(cache / ".buildgrid.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / ".complete").exists():
            shutil.rmtree(root, ignore_errors=True)
            venv = make_venv(find_python("3.11"), root)
            venv.pip_install(
                "--require-hashes", "--only-binary=:all:", "-r", str(lockfile), no_deps=True
            )
            (root / ".complete").touch()
    return bgd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class BuildGridServer:
    port: int
    log: Path
    # The disk storage: every blob the cache holds (Commands with their environments, outputs).
    cas: Path

    @property
    def address(self) -> str:
        return f"grpc://127.0.0.1:{self.port}"

    def pants_args(self) -> list[str]:
        """Pants options that read from and write to this cache (nothing executes remotely).

        Pants opens up to `remote_store_rpc_concurrency` + `remote_cache_rpc_concurrency`
        RPCs at once (128 + 128 by default); past the server's thread pool (THREAD_POOL_SIZE)
        BuildGrid refuses them, and Pants counts a refused read as a read error and runs the
        process locally, so a fresh machine would recompile what the cache holds.
        """
        return [
            "--remote-cache-read",
            "--remote-cache-write",
            f"--remote-store-address={self.address}",
            "--remote-instance-name=",
            f"--remote-store-rpc-concurrency={PANTS_RPC_CONCURRENCY}",
            f"--remote-cache-rpc-concurrency={PANTS_RPC_CONCURRENCY}",
        ]


@contextlib.contextmanager
def buildgrid_server(workdir: Path, *, startup_timeout: float = 180) -> Iterator[BuildGridServer]:
    """`bgd server start` on a free loopback port with disk storage under `workdir`."""
    bgd = buildgrid_bin()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "cas").mkdir(exist_ok=True)
    port = _free_port()
    config = workdir / "config.yml"
    config.write_text(_CONFIG.format(port=port, cas=workdir / "cas", threads=THREAD_POOL_SIZE))
    log = workdir / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(bgd), "server", "start", str(config)],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group: stopping it stops whatever it spawned, and nothing else.
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while not _listening(port):
            if proc.poll() is not None:
                raise AssertionError(f"bgd exited ({proc.returncode}):\n{log.read_text()[-5000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"bgd not listening on {port}:\n{log.read_text()[-5000:]}")
            time.sleep(0.2)
        yield BuildGridServer(port, log, workdir / "cas")
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
