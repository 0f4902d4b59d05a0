"""Every user mistake gets one clear message naming the file or target and the fix.

These run the real rules (and real cargo where the mistake is only visible to cargo).
"""
from __future__ import annotations

import re

import pytest
from pants.backend.python.util_rules import pex
from pants.engine.addresses import Address
from pants.engine.fs import EMPTY_SNAPSHOT
from pants.engine.internals.scheduler import ExecutionError
from pants.engine.target import GeneratedSources
from pants.testutil.rule_runner import QueryRule, RuleRunner
from pants_rust_python.python_interop import codegen
from pants_rust_python.subsystems import cffi as cffi_subsystem
from pants_rust_python.util_rules import cbindgen, cffi
from pants_rust_python.util_rules.extension import RustProject, RustProjectRequest
from rust_python_testutil.rules import (
    HELLO_LIB_RS,
    HELLO_MANIFEST,
    build_native_library,
    example_files,
    file_bytes,
    hello_crate,
    make_rule_runner,
    package_rules,
)

FINAL_ERROR = re.compile(r"^(?:[\w.]+\.)?(\w+(?:Error|Exception)): ", re.MULTILINE)


def expect_error(
    runner: RuleRunner, error_type: str, *fragments: str, address: Address = Address("hello")
) -> str:
    """The build fails with `error_type` last, and its own message says what and how to fix."""
    with pytest.raises(ExecutionError) as exc:
        build_native_library(runner, address)
    text = str(exc.value)
    matches = list(FINAL_ERROR.finditer(text))
    assert matches, text
    last = matches[-1]
    assert last.group(1) == error_type, text
    message = text[last.end() :]
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    return message


def test_no_cdylib() -> None:
    runner = make_rule_runner()
    runner.write_files(
        hello_crate({"Cargo.toml": HELLO_MANIFEST.replace('crate-type = ["cdylib"]', "")})
    )
    expect_error(runner, "RustPythonBuildError", "hello/Cargo.toml", "cdylib")


def test_module_name_with_dash() -> None:
    runner = make_rule_runner()
    runner.write_files(hello_crate({"BUILD": 'rust_python_extension(module_name="my-mod")\n'}))
    expect_error(runner, "RustPythonBuildError", "my-mod")


def test_module_without_pyinit() -> None:
    runner = make_rule_runner()
    runner.write_files(hello_crate({"BUILD": 'rust_python_extension(module_name="other")\n'}))
    expect_error(runner, "RustPythonBuildError", "PyInit_other", "hello/Cargo.toml")


def test_unknown_bindings() -> None:
    runner = make_rule_runner()
    runner.write_files(hello_crate({"BUILD": 'rust_python_extension(bindings="pyo4")\n'}))
    expect_error(runner, "InvalidTargetException", "pyo4", "hello", "pyo3", "cffi")


def test_rust_compile_error_shows_diagnostics() -> None:
    runner = make_rule_runner()
    runner.write_files(
        hello_crate({"src/lib.rs": HELLO_LIB_RS + '\nfn broken() -> i32 { "no" }\n'})
    )
    expect_error(runner, "CargoError", "error[E0308]", "mismatched types", "src/lib.rs")


def test_no_rust_toolchain(tmp_path) -> None:
    runner = make_rule_runner(f"--rust-toolchain-search-paths=['{tmp_path}']")
    runner.write_files(hello_crate())
    expect_error(
        runner,
        "RustToolchainError",
        "rustc",
        "[rust].toolchain_search_paths",
        "Install a Rust toolchain",
    )


@pytest.mark.parametrize("constraint", ["CPython==3.5.*", "CPython==3.1.*"])
def test_no_matching_interpreter(constraint: str) -> None:
    runner = make_rule_runner()
    runner.write_files(
        hello_crate({"BUILD": f'rust_python_extension(interpreter_constraints=["{constraint}"])\n'})
    )
    expect_error(runner, "NoMatchingInterpreterError", "No Python interpreter", constraint, "hello")


def test_malformed_cargo_toml() -> None:
    runner = make_rule_runner()
    runner.write_files(hello_crate({"Cargo.toml": HELLO_MANIFEST + "\n[broken\n"}))
    expect_error(runner, "CargoWorkspaceError", "hello/Cargo.toml", "invalid TOML")


def test_malformed_pyproject_toml() -> None:
    runner = make_rule_runner()
    runner.write_files(hello_crate({"pyproject.toml": "[project\nname = 'x'\n"}))
    expect_error(runner, "RustPythonBuildError", "hello/pyproject.toml", "invalid TOML")


def test_missing_lockfile() -> None:
    runner = make_rule_runner()
    runner.write_files(hello_crate({"Cargo.lock": None}))
    expect_error(runner, "CargoWorkspaceError", "no Cargo.lock", "cargo generate-lockfile")


def test_outdated_lockfile() -> None:
    runner = make_rule_runner()
    outdated = HELLO_MANIFEST.replace("[dependencies]", '[dependencies]\nitoa = "1"')
    runner.write_files(hello_crate({"Cargo.toml": outdated}))
    expect_error(runner, "CargoError", "Cargo.lock", "out of date", "cargo update")


# Choosing the bindings (real `cargo metadata` of the crate decides what it depends on).

PLAIN_CDYLIB = {
    "Cargo.toml": '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n\n'
    '[lib]\ncrate-type = ["cdylib"]\n',
    "Cargo.lock": 'version = 4\n\n[[package]]\nname = "hello"\nversion = "0.1.0"\n',
    "src/lib.rs": '#[no_mangle]\npub extern "C" fn add(a: i64, b: i64) -> i64 { a + b }\n',
}


def test_plain_cdylib_is_cffi_as_in_maturin() -> None:
    """Not a mistake: maturin packages a cdylib without a bindings crate as cffi."""
    runner = make_rule_runner()
    runner.write_files(hello_crate(PLAIN_CDYLIB))
    project = runner.request(RustProject, [RustProjectRequest(Address("hello"))])
    assert project.spec.bindings == "cffi"


def test_requested_bindings_missing_from_the_crate() -> None:
    runner = make_rule_runner()
    runner.write_files(hello_crate({"BUILD": 'rust_python_extension(bindings="rust-cpython")\n'}))
    expect_error(runner, "RustPythonBuildError", "hello/Cargo.toml", "`cpython` crate")
    runner.write_files(
        hello_crate({**PLAIN_CDYLIB, "BUILD": 'rust_python_extension(bindings="pyo3")\n'})
    )
    expect_error(runner, "RustPythonBuildError", "does not depend on pyo3")


def test_cffi_requested_without_cdylib() -> None:
    runner = make_rule_runner()
    runner.write_files(
        hello_crate(
            {
                "BUILD": 'rust_python_extension(bindings="cffi")\n',
                "Cargo.toml": HELLO_MANIFEST.replace(
                    'crate-type = ["cdylib"]', 'crate-type = ["rlib"]'
                ),
            }
        )
    )
    expect_error(runner, "RustPythonBuildError", "hello/Cargo.toml", "cdylib")


def test_path_crate_without_a_target() -> None:
    """A repo crate the extension uses but no `rust_crate()` owns would be compiled from an
    empty placeholder (unresolved imports, or a library that fails at import)."""
    runner = make_rule_runner()
    runner.write_files(example_files("geometry", with_build_files=False))
    runner.write_files(
        {
            "geometry/BUILD": "cargo_workspace()\n",
            "geometry/crates/shapes_py/BUILD": "rust_python_extension()\n",
        }
    )
    expect_error(
        runner,
        "RustPythonBuildError",
        "geometry/crates/shapes",
        "rust_crate()",
        "tailor",
        address=Address("geometry/crates/shapes_py"),
    )


BUILD_RS_RUNNING_PERL = """\
use std::process::Command;

fn main() {
    // The host's other programs are not on a build's PATH...
    assert!(Command::new("sed").arg("--version").output().is_err(), "sed was found");
    // ...and a declared tool is.
    let out = Command::new("perl").args(["-e", "print 6 * 7"]).output().expect("perl");
    if !out.status.success() {
        panic!("{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(out.stdout, b"42");
}
"""


def test_build_script_running_an_undeclared_tool() -> None:
    runner = make_rule_runner()
    manifest = HELLO_MANIFEST.replace('edition = "2021"', 'edition = "2021"\nbuild = "build.rs"')
    runner.write_files(hello_crate({"Cargo.toml": manifest, "build.rs": BUILD_RS_RUNNING_PERL}))
    expect_error(runner, "CargoError", "`perl`", "[rust].build_tools")

    runner = make_rule_runner("--rust-build-tools=['perl']")
    runner.write_files(hello_crate({"Cargo.toml": manifest, "build.rs": BUILD_RS_RUNNING_PERL}))
    _, library = build_native_library(runner, Address("hello"))
    assert b"PyInit_hello\x00" in file_bytes(runner, library.digest)


def _generate_python(runner: RuleRunner) -> None:
    target = runner.get_target(Address("hello"))
    runner.request(
        GeneratedSources, [codegen.GeneratePythonFromRustRequest(EMPTY_SNAPSHOT, target)]
    )


def _codegen_runner(*extra_args: str) -> RuleRunner:
    return make_rule_runner(
        *extra_args,
        extra_rules=[
            *codegen.rules(),
            *cffi.rules(),
            *cffi_subsystem.rules(),
            *cbindgen.rules(),
            *pex.rules(),
            QueryRule(GeneratedSources, [codegen.GeneratePythonFromRustRequest]),
        ],
    )


def test_module_directory_that_is_no_source_root() -> None:
    """Without `Cargo.toml` among the source markers, `hello/hello.so` would be `hello.hello`."""
    runner = _codegen_runner("--source-root-patterns=['/']")
    runner.write_files(hello_crate())
    with pytest.raises(ExecutionError) as exc:
        _generate_python(runner)
    message = str(exc.value)
    assert "RustModuleSourceRootError" in message, message
    for fragment in ("hello", "`hello`", "not a source root", 'marker_filenames = ["Cargo.toml"]'):
        assert fragment in message, message


def _package_error(runner: RuleRunner, address: Address) -> str:
    from pants.core.goals.package import BuiltPackage
    from pants_rust_python.goals.package import RustPythonExtensionFieldSet

    with pytest.raises(ExecutionError) as exc:
        runner.request(
            BuiltPackage, [RustPythonExtensionFieldSet.create(runner.get_target(address))]
        )
    return str(exc.value)


def _sdist_runner() -> RuleRunner:
    return make_rule_runner(extra_rules=package_rules())


def test_sdist_of_a_workspace_member_with_a_python_layout_is_refused_before_compiling() -> None:
    runner = _sdist_runner()
    files = example_files("geometry")
    files["geometry/crates/shapes_py/BUILD"] = "rust_python_extension(sdist=True)\n"
    files["geometry/crates/shapes_py/shapes_py.pyi"] = "def circle_area(r: float) -> float: ...\n"
    runner.write_files(files)
    message = _package_error(runner, Address("geometry/crates/shapes_py"))
    assert (
        "geometry/crates/shapes_py:shapes_py: `sdist=True` moves geometry/crates/shapes_py/pyproject.toml "
        "to the sdist's root (`geometry`, which holds the workspace), and the project has a "
        "type stub" in message
    ), message
    assert "Compile" not in message


def test_a_crate_that_maturin_builds_from_the_directory_above_is_refused() -> None:
    """maturin's `src` layout: pyproject.toml (and the Python package) above `rust/`. A target
    on the crate alone would build a wheel without them, so it is refused, naming the layout."""
    runner = make_rule_runner()
    crate = {f"proj/rust/{path[len('hello/'):]}": text for path, text in hello_crate().items()}
    runner.write_files(
        {
            **crate,
            "proj/pyproject.toml": '[build-system]\nbuild-backend = "maturin"\n\n'
            '[project]\nname = "proj"\nversion = "0.1.0"\n',
        }
    )
    expect_error(
        runner,
        "RustPythonBuildError",
        "proj/pyproject.toml builds proj/rust/Cargo.toml with maturin",
        "does not support yet",
        "Put pyproject.toml and the Python package beside proj/rust/Cargo.toml",
        address=Address("proj/rust"),
    )
