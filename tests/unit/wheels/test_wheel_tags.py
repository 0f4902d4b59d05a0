from __future__ import annotations

import pytest
from pants_rust_python.wheels.tags import (
    TagError,
    abi3_tag,
    cpython_tag,
    platform_tag,
    platform_tag_linux,
    py3_none_tag,
    split_tag,
)


@pytest.mark.parametrize(
    "machine, expected",
    [
        ("x86_64", "linux_x86_64"),
        ("AMD64", "linux_x86_64"),
        ("aarch64", "linux_aarch64"),
        ("arm64", "linux_aarch64"),
        ("armv7l", "linux_armv7l"),
        ("x86", "linux_i686"),
        ("i686", "linux_i686"),
        ("powerpc64le", "linux_ppc64le"),
        ("ppc64le", "linux_ppc64le"),
        ("s390x", "linux_s390x"),
        ("riscv64gc", "linux_riscv64"),
    ],
)
def test_platform_tag_linux(machine: str, expected: str) -> None:
    assert platform_tag_linux(machine) == expected


def test_platform_tag_linux_rejects_empty() -> None:
    with pytest.raises(TagError):
        platform_tag_linux(" ")


def test_platform_tag_from_sysconfig() -> None:
    assert platform_tag("linux-x86_64") == "linux_x86_64"
    assert platform_tag("macosx-11.0-arm64") == "macosx_11_0_arm64"


def test_tags_as_maturin_writes_them() -> None:
    # The tags of wheels maturin 1.16 built with `--compatibility linux` on x86_64.
    assert cpython_tag(3, 11, "linux_x86_64") == "cp311-cp311-linux_x86_64"
    assert abi3_tag(3, 9, "linux_x86_64") == "cp39-abi3-linux_x86_64"
    assert py3_none_tag("linux_x86_64") == "py3-none-linux_x86_64"


def test_free_threaded_abiflags() -> None:
    assert cpython_tag(3, 13, "linux_x86_64", abiflags="t") == "cp313-cp313t-linux_x86_64"


def test_split_tag() -> None:
    assert split_tag("cp39-abi3-linux_x86_64") == ("cp39", "abi3", "linux_x86_64")
    with pytest.raises(TagError, match="not a wheel tag"):
        split_tag("cp39-linux_x86_64")
