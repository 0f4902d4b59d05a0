"""The third-party crates no interpreter reaches are compiled once per workspace and resolution.

A workspace of three pyo3 extensions over memchr: `a_py` (abi3) and `b_py` (one build per
interpreter) resolve memchr alike, `c_py` turns its default features off.
"""
from __future__ import annotations

import os

from pants.engine.addresses import Address
from pants.testutil.rule_runner import RuleRunner
from pants_rust_python.util_rules.extension import (
    NativeLibrary,
    NativeLibraryRequest,
    RustProject,
    RustProjectRequest,
)
from rust_python_testutil.rules import file_bytes, make_rule_runner, package_names

MANIFEST = """\
[package]
name = "{name}"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]

[dependencies]
memchr = {memchr}
pyo3 = {{ version = "0.23", features = [{pyo3_features}] }}
"""

LIB_RS = """\
use pyo3::prelude::*;

#[pyfunction]
fn find(haystack: &str, needle: u8) -> Option<usize> {{ memchr::memchr(needle, haystack.as_bytes()) }}

#[pymodule]
fn {name}(m: &Bound<'_, PyModule>) -> PyResult<()> {{
    m.add_function(wrap_pyfunction!(find, m)?)
}}
"""

# Crates of pyo3 0.23's build that no interpreter reaches (pyo3-build-config's build script
# reads it; pyo3-ffi, pyo3, pyo3-macros-backend and pyo3-macros build on it).
INTERPRETER_FREE = {"syn", "quote", "proc-macro2", "target-lexicon", "libc", "unindent"}


def write_duo(runner: RuleRunner) -> None:
    with open(
        os.path.join(os.path.dirname(__file__), "..", "rust_python_testutil", "duo.Cargo.lock")
    ) as f:
        lockfile = f.read()
    crates = {
        "a_py": ('"2"', '"extension-module", "abi3-py39"'),
        "b_py": ('"2"', '"extension-module"'),
        "c_py": ('{ version = "2", default-features = false }', '"extension-module", "abi3-py39"'),
    }
    files = {
        "duo/BUILD": "cargo_workspace()\n",
        "duo/Cargo.toml": '[workspace]\nresolver = "2"\nmembers = ["a_py", "b_py", "c_py"]\n',
        "duo/Cargo.lock": lockfile,
    }
    for name, (memchr, pyo3_features) in crates.items():
        files[f"duo/{name}/BUILD"] = "rust_python_extension()\n"
        files[f"duo/{name}/Cargo.toml"] = MANIFEST.format(
            name=name, memchr=memchr, pyo3_features=pyo3_features
        )
        files[f"duo/{name}/src/lib.rs"] = LIB_RS.format(name=name)
    runner.write_files(files)


def build_all(runner: RuleRunner, name: str) -> list[NativeLibrary]:
    project = runner.request(RustProject, [RustProjectRequest(Address(f"duo/{name}"))])
    return [
        runner.request(NativeLibrary, [NativeLibraryRequest(project, interpreter)])
        for interpreter in project.build_for
    ]


def test_extensions_of_a_workspace_share_the_interpreter_free_crates() -> None:
    runner = make_rule_runner()
    write_duo(runner)
    (a_py,) = build_all(runner, "a_py")
    b_py = build_all(runner, "b_py")
    (c_py,) = build_all(runner, "c_py")
    assert len(b_py) >= 2  # one build per interpreter

    shared = a_py.shared_layer
    assert shared is not None
    assert {"memchr", *INTERPRETER_FREE} <= set(package_names(shared.compiled))
    assert not {"pyo3", "pyo3-ffi", "pyo3-build-config"} & set(package_names(shared.compiled))

    # Every build of a_py and b_py starts from that one layer; cargo's own report shows that
    # none of its crates is compiled again, for any extension or interpreter.
    for library in (a_py, *b_py):
        assert library.shared_layer == shared
        compiled = set(package_names(library.layers[0].compiled))
        assert {"pyo3", "pyo3-build-config"} <= compiled, compiled
        assert not ({"memchr"} | INTERPRETER_FREE) & compiled, compiled
        assert b"PyInit_" in file_bytes(runner, library.digest)

    # c_py resolves other memchr features: a layer of its own, with memchr compiled for it.
    assert c_py.shared_layer is not None
    assert c_py.shared_layer.digest != shared.digest
    assert "memchr" in package_names(c_py.shared_layer.compiled)
    assert "memchr" not in package_names(c_py.layers[0].compiled)
