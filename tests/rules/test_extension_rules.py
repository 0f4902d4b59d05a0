"""Rule tests: the real rules, real cargo and rustc, on a small crate in a RuleRunner build root."""
from __future__ import annotations

from pants.engine.addresses import Address
from rust_python_testutil.rules import build_native_library, hello_crate, make_rule_runner


def test_builds_pyo3_abi3_library_on_top_of_the_dependency_layer() -> None:
    runner = make_rule_runner()
    runner.write_files(hello_crate())
    project, library = build_native_library(runner, Address("hello"))
    assert project.spec.module_name == "hello"
    assert project.spec.abi3_minimum == (3, 9)
    assert b"PyInit_hello\x00" in library.content
    # Third-party crates come compiled from the dependency layer: only the crate itself builds.
    assert [p for p in library.compiled if "hello" not in p] == []
    assert any("hello" in p for p in library.compiled)
