"""Wheel tags, spelled as maturin spells them."""
from __future__ import annotations


def platform_tag(sysconfig_platform: str) -> str:
    """`linux-x86_64` (sysconfig.get_platform()) -> `linux_x86_64`, maturin's `--compatibility linux`."""
    return sysconfig_platform.replace("-", "_").replace(".", "_")


def cpython_tag(major: int, minor: int, platform: str) -> str:
    return f"cp{major}{minor}-cp{major}{minor}-{platform}"


def abi3_tag(major: int, minor: int, platform: str) -> str:
    return f"cp{major}{minor}-abi3-{platform}"


def py3_none_tag(platform: str) -> str:
    return f"py3-none-{platform}"
