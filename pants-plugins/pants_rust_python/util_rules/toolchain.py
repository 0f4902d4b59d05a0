"""Find cargo, rustc and the C linker, and describe them precisely enough to key caches on."""
from __future__ import annotations

import json
import os
import pkgutil
from dataclasses import dataclass

from pants.core.util_rules.adhoc_binaries import PythonBuildStandaloneBinary
from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths, BinaryPathTest
from pants.engine.fs import CreateDigest, Digest, FileContent
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap
from pants_rust_python.subsystems.rust import RustSubsystem
from pants_rust_python.util_rules.cargo_driver import REFUSED_EXIT


class RustToolchainError(Exception):
    pass


# The driver's interpreter is part of every cargo step's cache key: prefer one at a system path,
# the same on every machine, over the Python running Pants.
_DRIVER_PYTHON_SEARCH_PATH = ("/usr/bin", "/bin", "/usr/local/bin")
DRIVER_SCRIPT = "__pants_cargo_driver.py"


@dataclass(frozen=True)
class CargoDriverScript:
    """The script that runs cargo in sandboxes (cargo_driver.py), and the Python that runs it."""

    digest: Digest
    python: str


@rule
async def cargo_driver_script(python: PythonBuildStandaloneBinary) -> CargoDriverScript:
    content = pkgutil.get_data("pants_rust_python.util_rules", "cargo_driver.py")
    assert content is not None
    digest, system_pythons = await MultiGet(
        Get(Digest, CreateDigest([FileContent(DRIVER_SCRIPT, content)])),
        Get(
            BinaryPaths,
            BinaryPathRequest(
                binary_name="python3",
                search_path=_DRIVER_PYTHON_SEARCH_PATH,
                test=BinaryPathTest(["-c", "import sys; assert sys.version_info >= (3, 6)"]),
            ),
        ),
    )
    path = system_pythons.first_path.path if system_pythons.first_path else python.path
    return CargoDriverScript(digest, path)


@dataclass(frozen=True)
class ToolchainComponent:
    """A program of the toolchain that only Pants's goals run (rustfmt), outside builds' PATH."""

    path: str
    # Its `--version` line and binary digest: part of the keys of the processes that run it.
    identity: str


@dataclass(frozen=True)
class RustToolchain:
    """The toolchain as builds see it: links named by its identity, and its exact versions."""

    # `<store>/toolchains/<fingerprint>/bin`, linking cargo, rustc, rustdoc, cc and its
    # companions (ar, ld, ...) and `[rust].build_tools`: the whole PATH of a build.
    bin_dir: str
    # sha256 of `rustc -vV`, `cargo -V`, the driver's Python version, the C library's version,
    # and each linked tool's `--version` line and binary digest.
    fingerprint: str
    rustc_version: str
    cargo_version: str
    host_triple: str
    cc: str
    cc_version: str
    # Components found beside rustc, by name ("rustfmt").
    components: FrozenDict[str, ToolchainComponent] = FrozenDict()

    @property
    def cargo(self) -> str:
        return os.path.join(self.bin_dir, "cargo")

    @property
    def rustc(self) -> str:
        return os.path.join(self.bin_dir, "rustc")

    def env(self) -> FrozenDict[str, str]:
        """The whole environment of a build, apart from per-process variables.

        Nothing here names where the toolchain is installed, so machines that install the same
        toolchain in different directories share cache entries.
        """
        return FrozenDict(
            {
                # Only the toolchain, the linker and its companions, `[rust].build_tools` and
                # shims that name the option for other common tools (see cargo_driver.py).
                "PATH": self.bin_dir,
                "CARGO": self.cargo,
                "RUSTC": self.rustc,
                "RUSTDOC": os.path.join(self.bin_dir, "rustdoc"),
                # Not read by cargo: it names the toolchain's versions in Pants's cache keys.
                "PANTS_RUST_TOOLCHAIN": self.fingerprint,
                "CARGO_TERM_COLOR": "never",
                "LC_ALL": "C.UTF-8",
            }
        )


@rule(desc="Find the Rust toolchain", level=LogLevel.DEBUG)
async def find_rust_toolchain(
    rust: RustSubsystem, rust_env: RustSubsystem.EnvironmentAware, driver: CargoDriverScript
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
    cc = cc_paths.first_path.path
    result = await Get(
        FallibleProcessResult,
        Process(
            (
                driver.python,
                DRIVER_SCRIPT,
                "--mode=toolchain",
                f"--store={rust.store_dir}",
                f"--rustc={rustc_paths.first_path.path}",
                f"--cc={cc}",
                f"--store-max-unused-days={rust.store_max_unused_days}",
                f"--tool-search-path={os.pathsep.join(rust_env.linker_search_paths)}",
                *(f"--build-tool={name}" for name in rust.build_tools),
            ),
            input_digest=driver.digest,
            description="Identify the Rust toolchain",
            level=LogLevel.DEBUG,
            # Never cached: the links must exist on this machine, and a toolchain replaced in
            # place must change the keys on the next run, even under pantsd.
            cache_scope=ProcessCacheScope.PER_SESSION,
        ),
    )
    if result.exit_code == REFUSED_EXIT:
        raise RustToolchainError(result.stderr.decode("utf-8", "replace").strip())
    if result.exit_code != 0:
        raise RustToolchainError(
            f"Probing the Rust toolchain at {rustc_paths.first_path.path} failed:\n"
            + result.stderr.decode("utf-8", "replace").strip()
        )
    info = json.loads(result.stdout)
    rustc_version = info["rustc_version"]
    host = next(
        (
            line.split(":", 1)[1].strip()
            for line in rustc_version.splitlines()
            if line.startswith("host:")
        ),
        "",
    )
    return RustToolchain(
        bin_dir=info["bin_dir"],
        fingerprint=info["fingerprint"],
        rustc_version=rustc_version,
        cargo_version=info["cargo_version"],
        host_triple=host,
        cc=cc,
        cc_version=info["cc_version"],
        components=FrozenDict(
            {
                name: ToolchainComponent(c["path"], c["identity"])
                for name, c in info.get("components", {}).items()
            }
        ),
    )


def rules():
    return collect_rules()
