"""Wheel tag strings, as maturin writes them with `--compatibility linux`.

Tags are built with `packaging.tags.Tag` so they are validated and lowercased the standard way.
"""

from __future__ import annotations

import re

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


def _tag(interpreter: str, abi: str, platform: str) -> str:
    if not platform:
        raise TagError("The platform tag is empty.")
    return str(Tag(interpreter, abi, _normalize_platform(platform)))


def cpython_tag(major: int, minor: int, plat: str, *, abiflags: str = "") -> str:
    """Version-specific CPython tag, e.g. cp39-cp39-linux_x86_64 (cp313-cp313t-... with abiflags="t")."""
    return _tag(f"cp{major}{minor}", f"cp{major}{minor}{abiflags}", plat)


def abi3_tag(major: int, minor: int, plat: str) -> str:
    """Stable-ABI tag for the minimum version, e.g. cp39-abi3-linux_x86_64."""
    return _tag(f"cp{major}{minor}", "abi3", plat)


def py3_none_tag(plat: str) -> str:
    """Tag for wheels with no Python extension (cffi, binaries), e.g. py3-none-linux_x86_64."""
    return _tag("py3", "none", plat)


def wheel_tag(spec: ProjectSpec, major: int, minor: int, sysconfig_platform: str) -> str:
    """The tag of a project's wheel built with a CPython `major.minor` for that platform.

    cffi loads with any Python and a program that does not embed Python needs none: py3-none.
    abi3: the minimum version the abi3 level allows (else the interpreter's). Else cpXY-cpXY.
    """
    plat = platform_tag(sysconfig_platform)
    if spec.bindings == CFFI or (spec.bindings == BIN and spec.bindings_crate is None):
        return py3_none_tag(plat)
    if spec.abi3 is not None:
        floor_major, floor_minor = spec.abi3_minimum or (major, minor)
        return abi3_tag(floor_major, floor_minor, plat)
    return cpython_tag(major, minor, plat)
