"""zig's target and the wheel's compatibility for `zig=True`, as `maturin build --zig` decides."""
from __future__ import annotations

import pytest
from pants_rust_python.maturin.compatibility import AUTO, LINUX, PYPI, CompatibilityError
from pants_rust_python.maturin.zig import zig_link

HOST = "x86_64-unknown-linux-gnu"


def test_unset_compatibility_links_against_the_oldest_policy_of_the_architecture() -> None:
    link = zig_link(HOST, AUTO, "//a:a")
    assert (link.zig_target, link.rust_triple, link.requested) == (
        "x86_64-linux-gnu.2.17",
        HOST,
        "manylinux_2_17",
    )
    assert zig_link("aarch64-unknown-linux-gnu", AUTO, "w").zig_target == "aarch64-linux-gnu.2.17"
    assert zig_link("riscv64gc-unknown-linux-gnu", AUTO, "w").zig_target == (
        "riscv64-linux-gnu.2.31"
    )


@pytest.mark.parametrize(
    "requested, target",
    [
        ("manylinux_2_28", "x86_64-linux-gnu.2.28"),
        ("manylinux2014", "x86_64-linux-gnu.2.17"),
        ("manylinux_2_17", "x86_64-linux-gnu.2.17"),
        # No policy to link for: zig's own default glibc for the target, as maturin.
        (LINUX, "x86_64-linux-gnu"),
        (PYPI, "x86_64-linux-gnu"),
    ],
)
def test_a_requested_policy_gives_its_glibc(requested: str, target: str) -> None:
    link = zig_link(HOST, requested, "w")
    assert link.zig_target == target
    assert link.requested == requested


@pytest.mark.parametrize(
    "triple, requested, message",
    [
        (HOST, "manylinux2010", "glibc 2.12, older than the glibc 2.17 that Rust"),
        (HOST, "musllinux_1_2", "no musl target installed"),
        ("x86_64-apple-darwin", AUTO, "x86_64-apple-darwin, which is not a glibc Linux target"),
        ("x86_64-unknown-linux-musl", AUTO, "not a glibc Linux target"),
    ],
)
def test_what_zig_cannot_do_is_refused(triple: str, requested: str, message: str) -> None:
    with pytest.raises(CompatibilityError, match=message) as error:
        zig_link(triple, requested, "//a:a")
    assert str(error.value).startswith("//a:a: ")
