"""A deterministic source distribution, laid out as `maturin sdist` lays out a standalone crate.

`<name>-<version>.tar.gz` (the name normalized as PEP 625 asks) holds one directory of the same
stem: the project's files at their paths relative to the project root (pyproject.toml,
Cargo.toml, Cargo.lock, the crate and Python sources), and PKG-INFO, the core metadata. pip
builds a wheel from it with the build backend its pyproject.toml names, maturin.

Every member has the same mtime (SOURCE_DATE_EPOCH, else 1980-01-01), owner 0/0 with empty
names, mode 0644 (0755 for executables), PKG-INFO first and then in sorted order; gzip's own header carries no name and
no time. So the same inputs give the same bytes.
"""

from __future__ import annotations

import gzip
import io
import posixpath
import tarfile
from typing import Collection, Mapping, Optional, Tuple

from pants_rust_python.wheel.wheel import ZIP_MIN_EPOCH, escape_distribution, escape_version

# The build system of a project that has no pyproject.toml, as `maturin sdist` writes it.
DEFAULT_PYPROJECT = b"""\
[build-system]
requires = ["maturin>=1.0,<2.0"]
build-backend = "maturin"
"""


class SdistError(ValueError):
    """Files that cannot go into a source distribution."""


def sdist_stem(distribution: str, version: str) -> str:
    return f"{escape_distribution(distribution)}-{escape_version(version)}"


def build_sdist(
    *,
    distribution: str,
    version: str,
    pkg_info: bytes,
    files: Mapping[str, bytes],
    executables: Collection[str] = (),
    source_date_epoch: Optional[int],
) -> Tuple[str, bytes]:
    """The sdist's file name and bytes. `files`: paths relative to the project root."""
    stem = sdist_stem(distribution, version)
    members = dict(files)
    for path in members:
        parts = path.split("/")
        if posixpath.isabs(path) or ".." in parts or "" in parts or path == "PKG-INFO":
            raise SdistError(f"`{path}` cannot be a file of the source distribution.")
    members.setdefault("pyproject.toml", DEFAULT_PYPROJECT)
    members["PKG-INFO"] = pkg_info
    mtime = ZIP_MIN_EPOCH if source_date_epoch is None else source_date_epoch
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.PAX_FORMAT) as tar:
        # PKG-INFO first, as maturin writes it; then the files in sorted order.
        for path in sorted(members, key=lambda p: (p != "PKG-INFO", p)):
            info = tarfile.TarInfo(f"{stem}/{path}")
            info.size = len(members[path])
            info.mtime = mtime
            info.mode = 0o755 if path in executables else 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(members[path]))
    compressed = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, mtime=0) as gz:
        gz.write(tar_bytes.getvalue())
    return f"{stem}.tar.gz", compressed.getvalue()
