"""What linking through zig means for a build, as `maturin build --zig` decides it.

zig links against the glibc of the wheel's manylinux policy: a build without a compatibility
asks for the oldest policy of its architecture (manylinux2014 on x86_64, as maturin with a Rust
newer than 1.64), and `linux` or `pypi` link against zig's default glibc for the target.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from pants_rust_python.maturin.compatibility import AUTO, CompatibilityError

# maturin's minimum manylinux policy per architecture (Target::get_minimum_manylinux_tag).
_MINIMUM_GLIBC = {"riscv64gc": (2, 31), "riscv64": (2, 31), "loongarch64": (2, 36)}
_DEFAULT_MINIMUM_GLIBC = (2, 17)
# Rust's standard library has needed glibc 2.17 since Rust 1.64.
_RUST_GLIBC_FLOOR = (2, 17)
_LEGACY_GLIBC = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
# Rust's architecture names that zig spells otherwise (cargo-zigbuild's table).
_ZIG_ARCH = {"i586": "x86", "i686": "x86", "riscv64gc": "riscv64", "armv7": "arm", "arm": "arm"}
_POLICY = re.compile(r"^manylinux_(\d+)_(\d+)$")


@dataclass(frozen=True)
class ZigLink:
    # zig's target for cc and the linker, e.g. `x86_64-linux-gnu.2.17`.
    zig_target: str
    # The Rust target whose linker zig becomes (the toolchain's host: builds are native).
    rust_triple: str
    # The compatibility the wheel is then checked against (maturin's default with zig).
    requested: str


def zig_link(rust_triple: str, requested: str, what: str) -> ZigLink:
    """How `what` links with zig=True for the compatibility `requested` (normalized by
    compatibility.parse_compatibility)."""
    arch, _, rest = rust_triple.partition("-")
    if "-linux-gnu" not in f"-{rest}":
        raise CompatibilityError(
            f"{what}: `zig=True` links against an older glibc, but the Rust toolchain builds for "
            f"{rust_triple}, which is not a glibc Linux target. Drop `zig=True`."
        )
    if requested.startswith("musllinux"):
        raise CompatibilityError(
            f"{what}: compatibility `{requested}` with `zig=True` needs a musl target, but the "
            "Rust toolchain builds for glibc and has no musl target installed here. Use a "
            "manylinux compatibility."
        )
    if requested == AUTO:
        glibc = _MINIMUM_GLIBC.get(arch, _DEFAULT_MINIMUM_GLIBC)
        requested = f"manylinux_{glibc[0]}_{glibc[1]}"
    match = _POLICY.match(requested)
    glibc_version = _LEGACY_GLIBC.get(requested) or (
        (int(match.group(1)), int(match.group(2))) if match else None
    )
    zig_arch = _ZIG_ARCH.get(arch, arch)
    if glibc_version is None:
        # `linux`, `pypi`: no policy to link for; zig's default glibc for the target.
        return ZigLink(f"{zig_arch}-linux-gnu", rust_triple, requested)
    if glibc_version < _RUST_GLIBC_FLOOR:
        raise CompatibilityError(
            f"{what}: compatibility `{requested}` needs glibc "
            f"{glibc_version[0]}.{glibc_version[1]}, older than the glibc 2.17 that Rust's "
            "standard library needs. Use `manylinux2014` (`manylinux_2_17`) or newer."
        )
    return ZigLink(
        f"{zig_arch}-linux-gnu.{glibc_version[0]}.{glibc_version[1]}", rust_triple, requested
    )
