"""Paths relative to the build root, spelled as Pants spells them (pure)."""
from __future__ import annotations

import posixpath


def repo_path(*parts: str) -> str:
    """`parts` joined and normalized, POSIX, relative to the build root; the root itself is ""."""
    joined = posixpath.normpath(posixpath.join(*parts)) if parts else "."
    return "" if joined == "." else joined


def ancestors(path: str) -> list[str]:
    """`a/b/c` -> [`a/b/c`, `a/b`, `a`, ``]: the directory itself, then up to the root."""
    result = [path]
    while path:
        path = posixpath.dirname(path)
        result.append(path)
    return result


def inside_repo(path: str) -> bool:
    """Whether a normalized `path` (see repo_path) stays inside the build root."""
    return not posixpath.isabs(path) and path != ".." and not path.startswith("../")
