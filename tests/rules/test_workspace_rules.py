"""The geometry example: a Cargo workspace whose two extensions share a library crate."""
from __future__ import annotations

from pathlib import Path

from pants.engine.addresses import Address
from pants.testutil.rule_runner import RuleRunner
from pants_rust_python.util_rules.extension import RustProject, RustProjectRequest
from rust_python_testutil.e2e import source_checkout
from rust_python_testutil.rules import build_native_library, make_rule_runner


def write_geometry(runner: RuleRunner) -> None:
    root = source_checkout() / "src" / "geometry"
    runner.write_files(
        {
            f"geometry/{path.relative_to(root)}": path.read_text()
            for path in root.rglob("*")
            if path.is_file() and "target" not in path.parts
        }
    )


def test_features_are_resolved_per_extension() -> None:
    runner = make_rule_runner()
    write_geometry(runner)
    shapes_py, _ = build_native_library(runner, Address("geometry/crates/shapes_py"))
    stats_py = runner.request(
        RustProject, [RustProjectRequest(Address("geometry/crates/stats_py"))]
    )
    # shapes_py turns on pyo3's abi3-py39; stats_py, in the same workspace, must not get it.
    assert shapes_py.spec.abi3_minimum == (3, 9)
    assert stats_py.spec.abi3 is None
    assert stats_py.spec.module_name == "stats_py"


def test_editing_a_shared_crate_recompiles_only_repo_crates() -> None:
    runner = make_rule_runner()
    write_geometry(runner)
    _, first = build_native_library(runner, Address("geometry/crates/shapes_py"))
    lib_rs = Path(runner.build_root, "geometry/crates/shapes/src/lib.rs")
    lib_rs.write_text(lib_rs.read_text() + "\npub fn added_by_test() -> u32 { 7 }\n")
    _, second = build_native_library(runner, Address("geometry/crates/shapes_py"))
    compiled = sorted(p.split("#")[0].rsplit("/", 1)[-1] for p in second.compiled)
    assert compiled == ["shapes", "shapes_py"], second.compiled
