"""A real package index (pypiserver) on loopback, for the end-to-end tests of `pants publish`.

pypiserver comes from the package index, pinned by hash in 3rdparty/pypiserver/lock.txt; see
servers.py. It serves only what was uploaded to it (no fallback to another index) and takes
uploads without authentication.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from rust_python_testutil.servers import free_port, serving, tool_venv

LOCKFILE = "3rdparty/pypiserver/lock.txt"


@dataclass(frozen=True)
class PackageIndex:
    port: int
    # Where the server keeps the uploaded files.
    packages: Path
    log: Path

    @property
    def upload_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def simple_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/simple/"

    def pypirc(self, *repositories: str) -> str:
        """A `.pypirc` naming this index by each of `repositories`, as twine reads it."""
        sections = "".join(
            f"\n[{name}]\nrepository = {self.upload_url}\n"
            # Unauthenticated uploads, but twine asks for credentials unless it has some.
            "username = test\npassword = test\n"
            for name in repositories
        )
        servers = "".join(f"    {name}\n" for name in repositories)
        return f"[distutils]\nindex-servers =\n{servers}{sections}"


@contextlib.contextmanager
def package_index(workdir: Path) -> Iterator[PackageIndex]:
    """`pypi-server run` on a free loopback port, serving `workdir/packages`."""
    server = tool_venv("pypiserver", LOCKFILE) / "bin" / "pypi-server"
    packages = workdir / "packages"
    packages.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = workdir / "server.log"
    argv = [
        str(server),
        "run",
        "--host=127.0.0.1",
        f"--port={port}",
        "--disable-fallback",
        # Nobody else can reach a loopback server: let uploads through without a password file.
        "--authenticate=.",
        "--passwords=.",
        str(packages),
    ]
    with serving(argv, port=port, cwd=workdir, log=log):
        yield PackageIndex(port, packages, log)
