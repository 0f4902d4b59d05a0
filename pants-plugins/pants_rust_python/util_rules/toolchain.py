"""Find cargo, rustc and the C linker, and describe them precisely enough to key caches on."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from pants.core.util_rules.environments import EnvironmentTarget
from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths, BinaryPathTest
from pants.engine.process import Process, ProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap
from pants_rust_python.subsystems.rust import RustSubsystem


class RustToolchainError(Exception):
    pass


@dataclass(frozen=True)
class RustToolchain:
    """The real (non-rustup-proxy) toolchain binaries and their exact versions."""

    cargo: str
    rustc: str
    bin_dir: str
    rustc_version: str
    cargo_version: str
    host_triple: str
    cc: str
    cc_version: str

    @property
    def fingerprint(self) -> str:
        """Changes whenever any tool of the toolchain changes, even when installed in place."""
        text = "\n".join((self.rustc_version, self.cargo_version, self.cc_version))
        return hashlib.sha256(text.encode()).hexdigest()

    def env(self) -> FrozenDict[str, str]:
        """The whole environment of a build, apart from per-process variables."""
        path = [self.bin_dir]
        cc_dir = os.path.dirname(self.cc)
        if cc_dir not in path:
            path.append(cc_dir)
        return FrozenDict(
            {
                "PATH": os.pathsep.join(path),
                "CARGO": self.cargo,
                "RUSTC": self.rustc,
                "RUSTDOC": os.path.join(self.bin_dir, "rustdoc"),
                # Not read by cargo: it puts the toolchain's versions into Pants's cache keys.
                "PANTS_RUST_TOOLCHAIN": self.fingerprint,
                "CARGO_TERM_COLOR": "never",
                "LC_ALL": "C.UTF-8",
            }
        )


@rule(desc="Find the Rust toolchain", level=LogLevel.DEBUG)
async def find_rust_toolchain(
    rust_env: RustSubsystem.EnvironmentAware, env_target: EnvironmentTarget
) -> RustToolchain:
    rustc_request = BinaryPathRequest(
        binary_name="rustc",
        search_path=rust_env.toolchain_search_paths,
        test=BinaryPathTest(["-vV"]),
    )
    cc_request = BinaryPathRequest(
        binary_name="cc",
        search_path=rust_env.linker_search_paths,
        test=BinaryPathTest(["--version"]),
    )
    rustc_paths, cc_paths = await MultiGet(
        Get(BinaryPaths, BinaryPathRequest, rustc_request),
        Get(BinaryPaths, BinaryPathRequest, cc_request),
    )
    if not rustc_paths.first_path:
        raise RustToolchainError(
            softwrap(
                f"""
                No working `rustc` was found in `[rust].toolchain_search_paths`
                ({', '.join(rust_env.toolchain_search_paths) or 'empty'}).
                Install a Rust toolchain (cargo and rustc), for example with rustup, and make sure
                one of those directories holds it, or set `[rust].toolchain_search_paths`.
                """
            )
        )
    if not cc_paths.first_path:
        raise RustToolchainError(
            softwrap(
                f"""
                No C compiler `cc` was found in `[rust].linker_search_paths`
                ({', '.join(rust_env.linker_search_paths) or 'empty'}). rustc needs it to link
                Python extensions: install gcc or clang, or set `[rust].linker_search_paths`.
                """
            )
        )
    cache_scope = env_target.executable_search_path_cache_scope()
    sysroot_result = await Get(
        ProcessResult,
        Process(
            (rustc_paths.first_path.path, "--print", "sysroot"),
            description="Locate the Rust toolchain",
            level=LogLevel.DEBUG,
            cache_scope=cache_scope,
        ),
    )
    # Through a rustup proxy, `rustc` depends on rustup's state; the sysroot's own binaries do not.
    bin_dir = os.path.join(sysroot_result.stdout.decode().strip(), "bin")
    cargo = os.path.join(bin_dir, "cargo")
    rustc = os.path.join(bin_dir, "rustc")
    rustc_v, cargo_v, cc_v = await MultiGet(
        Get(
            ProcessResult,
            Process(
                (rustc, "-vV"),
                description="rustc -vV",
                level=LogLevel.DEBUG,
                cache_scope=cache_scope,
            ),
        ),
        Get(
            ProcessResult,
            Process(
                (cargo, "-V"),
                description="cargo -V",
                level=LogLevel.DEBUG,
                cache_scope=cache_scope,
            ),
        ),
        Get(
            ProcessResult,
            Process(
                (cc_paths.first_path.path, "--version"),
                description="cc --version",
                level=LogLevel.DEBUG,
                cache_scope=cache_scope,
            ),
        ),
    )
    rustc_version = rustc_v.stdout.decode().strip()
    host = next(
        (
            line.split(":", 1)[1].strip()
            for line in rustc_version.splitlines()
            if line.startswith("host:")
        ),
        "",
    )
    return RustToolchain(
        cargo=cargo,
        rustc=rustc,
        bin_dir=bin_dir,
        rustc_version=rustc_version,
        cargo_version=cargo_v.stdout.decode().strip(),
        host_triple=host,
        cc=cc_paths.first_path.path,
        cc_version=cc_v.stdout.decode().strip().splitlines()[0],
    )


def rules():
    return collect_rules()
