"""Rule tests: the real rules, real cargo and rustc, on small crates in a RuleRunner build root."""
from __future__ import annotations

import os
import textwrap

import pytest
from pants.backend.python.subsystems.setup import PythonSetup
from pants.core.subsystems import python_bootstrap
from pants.core.util_rules import adhoc_binaries, source_files, system_binaries
from pants.engine.addresses import Address
from pants.testutil.rule_runner import QueryRule, RuleRunner

from pants_rust_python import register
from pants_rust_python.util_rules.extension import (
    NativeLibrary,
    NativeLibraryRequest,
    RustProject,
    RustProjectRequest,
)

PYO3_CRATE = {
    "hello/BUILD": "rust_python_extension()\n",
    "hello/Cargo.toml": textwrap.dedent(
        """\
        [package]
        name = "hello"
        version = "0.1.0"
        edition = "2021"

        [lib]
        crate-type = ["cdylib"]

        [dependencies]
        pyo3 = { version = "0.23", features = ["extension-module", "abi3-py39"] }
        """
    ),
    "hello/src/lib.rs": textwrap.dedent(
        """\
        use pyo3::prelude::*;

        #[pyfunction]
        fn add(a: i64, b: i64) -> i64 { a + b }

        #[pymodule]
        fn hello(m: &Bound<'_, PyModule>) -> PyResult<()> {
            m.add_function(wrap_pyfunction!(add, m)?)
        }
        """
    ),
}


@pytest.fixture
def rule_runner() -> RuleRunner:
    runner = RuleRunner(
        rules=[
            *register.rules(),
            *source_files.rules(),
            *system_binaries.rules(),
            *adhoc_binaries.rules(),
            *python_bootstrap.rules(),
            *PythonSetup.rules(),
            QueryRule(RustProject, [RustProjectRequest]),
            QueryRule(NativeLibrary, [NativeLibraryRequest]),
        ],
        target_types=register.target_types(),
    )
    runner.set_options(
        ["--python-interpreter-constraints=['CPython>=3.9,<3.12']", "--rust-store-dir=/tmp/pants-rust-python-test"],
        env_inherit={"PATH", "HOME", "PYENV_ROOT", "CARGO_HOME", "SSL_CERT_FILE"},
    )
    return runner


def test_builds_pyo3_abi3_library(rule_runner: RuleRunner) -> None:
    with open(os.path.join(os.path.dirname(__file__), "hello.Cargo.lock")) as f:
        lock = f.read()
    rule_runner.write_files({**PYO3_CRATE, "hello/Cargo.lock": lock})
    project = rule_runner.request(RustProject, [RustProjectRequest(Address("hello"))])
    assert project.spec.module_name == "hello"
    assert project.spec.abi3_minimum == (3, 9)
    (interpreter,) = project.build_interpreters()
    library = rule_runner.request(NativeLibrary, [NativeLibraryRequest(project, interpreter)])
    assert b"PyInit_hello\x00" in library.content
