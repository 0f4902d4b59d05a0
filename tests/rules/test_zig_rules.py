"""`zig=True`, by the rules with real cargo, zig and auditwheel: the zig_abi3 example, whose C code
the cc crate compiles, linked against glibc 2.17 on a machine with a newer one."""
from __future__ import annotations

import re
import zipfile

import pytest
from pants.engine.addresses import Address
from pants.engine.fs import DigestContents, DigestSubset, PathGlobs
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import QueryRule, RuleRunner
from pants_rust_python.util_rules.extension import (
    NativeLibrary,
    NativeLibraryRequest,
    RustProject,
    RustProjectRequest,
)
from rust_python_testutil.rules import (
    example_files,
    make_rule_runner,
    package_rules,
    package_wheel,
    pex_cli_options,
)

SO = "zig_abi3/zig_abi3.abi3.so"


def _runner(build_file: str, *options: str) -> RuleRunner:
    runner = make_rule_runner(
        *pex_cli_options(),
        *options,
        extra_rules=[*package_rules(), QueryRule(DigestContents, [DigestSubset])],
    )
    files = example_files("zig_abi3")
    files["zig_abi3/BUILD"] = build_file
    runner.write_files(files)
    return runner


def _package(runner: RuleRunner) -> tuple[str, zipfile.ZipFile]:
    return package_wheel(runner, Address("zig_abi3"))


def _newest_glibc(elf: bytes) -> tuple[int, int]:
    return max((2, int(minor)) for minor in re.findall(rb"GLIBC_2\.(\d+)", elf))


def _linked_by_zig(elf: bytes) -> bool:
    # rustc links with LLD either way; through the host's cc, the C runtime's start files (GCC's
    # crtbeginS.o) name GCC in `.comment`, through zig they are zig's own, compiled by clang.
    return b"GCC: (" not in elf and b"clang version" in elf


def test_every_layer_links_against_glibc_2_17() -> None:
    runner = _runner("rust_python_extension(zig=True)\n")
    name, wheel = _package(runner)
    assert name == "zig_abi3-0.1.0-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
    extension = wheel.read(SO)
    assert _newest_glibc(extension) <= (2, 17) and _linked_by_zig(extension)
    assert b"Tag: cp39-abi3-manylinux2014_x86_64\nTag: cp39-abi3-manylinux_2_17_x86_64\n" in (
        wheel.read("zig_abi3-0.1.0.dist-info/WHEEL")
    )
    # The third-party layer's build scripts (pyo3's, the cc crate's callers) were linked by zig
    # as well: the layers are keyed by the zig linker, not shared with the host's.
    project = runner.request(RustProject, [RustProjectRequest(Address("zig_abi3"))])
    assert project.zig is not None and project.zig.zig_target == "x86_64-linux-gnu.2.17"
    library = runner.request(NativeLibrary, [NativeLibraryRequest(project, project.build_for[0])])
    scripts = runner.request(
        DigestContents,
        [
            DigestSubset(
                library.layers[0].digest,
                PathGlobs(["__cargo_target/release/build/*/build-script-build"]),
            )
        ],
    )
    assert scripts and all(_linked_by_zig(s.content) for s in scripts), [s.path for s in scripts]


def test_the_requested_policy_sets_the_glibc_and_the_option_enables_zig() -> None:
    runner = _runner('rust_python_extension(compatibility="manylinux_2_28")\n', "--zig-enabled")
    name, wheel = _package(runner)
    assert name == "zig_abi3-0.1.0-cp39-abi3-manylinux_2_28_x86_64.whl"
    assert _linked_by_zig(wheel.read(SO))


@pytest.mark.parametrize(
    "build_file, expected",
    [
        (
            'rust_python_extension(zig=True, compatibility="manylinux2010")\n',
            r"zig_abi3: compatibility `manylinux2010` needs glibc 2\.12, older than the glibc "
            r"2\.17 that Rust's standard library needs",
        ),
        (
            'rust_python_extension(zig=True, compatibility="musllinux_1_2")\n',
            r"with `zig=True` needs a musl target",
        ),
    ],
)
def test_what_zig_cannot_link_is_refused_before_compiling(build_file: str, expected: str) -> None:
    runner = _runner(build_file)
    with pytest.raises(ExecutionError, match=expected):
        runner.request(RustProject, [RustProjectRequest(Address("zig_abi3"))])
