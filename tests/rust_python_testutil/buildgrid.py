"""A real Remote Execution API cache (BuildGrid) on loopback, for end-to-end tests.

BuildGrid comes from the package index, pinned by hash in 3rdparty/buildgrid/lock.txt (0.4.4 is
the newest release that runs on CPython 3.11); see servers.py.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from rust_python_testutil.servers import free_port, serving, tool_venv

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


def buildgrid_bin() -> Path:
    """`bgd` from a virtualenv made once per version of the lockfile (about a minute)."""
    return tool_venv("buildgrid", LOCKFILE) / "bin" / "bgd"


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
    port = free_port()
    config = workdir / "config.yml"
    config.write_text(_CONFIG.format(port=port, cas=workdir / "cas", threads=THREAD_POOL_SIZE))
    log = workdir / "server.log"
    with serving(
        [str(bgd), "server", "start", str(config)],
        port=port,
        cwd=workdir,
        log=log,
        startup_timeout=startup_timeout,
    ):
        yield BuildGridServer(port, log, workdir / "cas")
