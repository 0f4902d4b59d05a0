"""zig as the linker of cargo steps: its distribution, and how a build names it.

The two distributions (`ziglang`, `cargo-zigbuild`) come from the `[zig]` lockfile as the
installed wheels of a packed PEX: a few zip files, not zig's twenty thousand. The cargo driver
unpacks them once per key into `[rust].store_dir`, the same path on every machine that shares a
cache, and points cargo's linker and the cc crate's compiler at a wrapper there.
"""
from __future__ import annotations

from dataclasses import dataclass

from pants.backend.python.target_types import PexLayout
from pants.backend.python.util_rules.pex import Pex, PexRequest
from pants.engine.fs import Digest, DigestSubset, PathGlobs, RemovePrefix, Snapshot
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel
from pants_rust_python.maturin.zig import ZigLink
from pants_rust_python.subsystems.zig import Zig

_PEX = "zig.pex"
# Where a cargo step finds the wheels (an immutable input: linked, not copied, per sandbox).
ZIG_WHEELS = "__zig_wheels"


@dataclass(frozen=True)
class ZigDistribution:
    # The installed wheels of ziglang and cargo-zigbuild, each a zip file at the root.
    digest: Digest
    # Names the unpacked copy in the store: equal wheels give equal keys everywhere.
    key: str
    wheels: tuple[str, ...]


@dataclass(frozen=True)
class ZigLinker:
    """A cargo step's zig: the distribution and how the build links with it."""

    distribution: ZigDistribution
    link: ZigLink

    def driver_args(self) -> tuple[str, ...]:
        # In every step's command line, so in its key: zig's and cargo-zigbuild's wheels (by
        # their digest) and the glibc the build links against.
        return (
            f"--zig-wheels={ZIG_WHEELS}",
            f"--zig-key={self.distribution.key}",
            f"--zig-target={self.link.zig_target}",
            f"--zig-rust-triple={self.link.rust_triple}",
        )


@rule(desc="Resolve zig and cargo-zigbuild", level=LogLevel.DEBUG)
async def zig_distribution(zig: Zig) -> ZigDistribution:
    pex = await Get(
        Pex,
        PexRequest(
            output_filename=_PEX,
            internal_only=True,
            requirements=zig.pex_requirements(),
            interpreter_constraints=zig.interpreter_constraints,
            layout=PexLayout.PACKED,
            description="Resolve zig and cargo-zigbuild",
        ),
    )
    wheels = await Get(
        Snapshot,
        RemovePrefix(
            await Get(Digest, DigestSubset(pex.digest, PathGlobs([f"{_PEX}/.deps/*"]))),
            f"{_PEX}/.deps",
        ),
    )
    return ZigDistribution(wheels.digest, wheels.digest.fingerprint, wheels.files)


def rules():
    return collect_rules()
