"""Paths relative to the build root, spelled as Pants spells them (pure)."""
from __future__ import annotations

import posixpath


def repo_path(*parts: str) -> str:
    """`parts` joined and normalized, POSIX, relative to the build root; the root itself is ""."""
    joined = posixpath.normpath(posixpath.join(*parts)) if parts else "."
    return "" if joined == "." else joined
