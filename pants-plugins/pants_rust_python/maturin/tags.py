"""Wheel tag strings, as maturin writes them.

Tags are built with `packaging.tags.Tag` so they are validated and lowercased the standard way.
"""

from __future__ import annotations

import re
from typing import Sequence

from packaging.tags import Tag
from pants_rust_python.maturin.project import BIN, CFFI, ProjectSpec


class TagError(ValueError):
    """An impossible wheel tag input."""


def _normalize_platform(plat: str) -> str:
    return re.sub(r"[-.]", "_", plat.strip()).lower()


def platform_tag(sysconfig_platform: str) -> str:
    """`linux-x86_64` (sysconfig.get_platform()) -> `linux_x86_64`, maturin's `--compatibility linux`."""
    plat = _normalize_platform(sysconfig_platform)
    if not plat:
        raise TagError("The interpreter reported an empty platform; cannot build a platform tag.")
    return plat


def _tag(interpreter: str, abi: str, platforms: Sequence[str]) -> str:
    """`<python>-<abi>-<platform>[.<platform>...]`: several platforms (a manylinux policy and its
    aliases) compress into one tag, in the order given."""
    if not platforms or not all(platforms):
        raise TagError("The platform tag is empty.")
    normalized = [
        str(Tag(interpreter, abi, _normalize_platform(p))).split("-")[2] for p in platforms
    ]
    return f"{Tag(interpreter, abi, normalized[0])}" + "".join(f".{p}" for p in normalized[1:])


def wheel_tag(spec: ProjectSpec, major: int, minor: int, platforms: Sequence[str]) -> str:
    """The tag of a project's wheel built with a CPython `major.minor` for those platforms.

    cffi loads with any Python and a program that does not embed Python needs none: py3-none.
    abi3: the minimum version the abi3 level allows (else the interpreter's). Else cpXY-cpXY.
    """
    if spec.bindings == CFFI or (spec.bindings == BIN and spec.bindings_crate is None):
        return _tag("py3", "none", platforms)
    if spec.abi3 is not None:
        floor_major, floor_minor = spec.abi3_minimum or (major, minor)
        return _tag(f"cp{floor_major}{floor_minor}", "abi3", platforms)
    return _tag(f"cp{major}{minor}", f"cp{major}{minor}", platforms)
