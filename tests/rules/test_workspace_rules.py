"""The geometry example: a Cargo workspace whose two extensions share a library crate."""
from __future__ import annotations

from pathlib import Path

from pants.engine.addresses import Address
from pants.testutil.rule_runner import RuleRunner
from pants_rust_python.util_rules.extension import RustProject, RustProjectRequest
from rust_python_testutil.rules import (
    build_native_library,
    example_files,
    make_rule_runner,
    package_names,
)


def write_geometry(runner: RuleRunner) -> None:
    runner.write_files(example_files("geometry"))


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


def _append(runner: RuleRunner, path: str, text: str) -> None:
    """Edit a source through the runner, so that Pants sees the change."""
    runner.write_files({path: Path(runner.build_root, path).read_text() + text})


def test_editing_a_shared_crate_recompiles_only_repo_crates() -> None:
    runner = make_rule_runner()
    write_geometry(runner)
    _, first = build_native_library(runner, Address("geometry/crates/shapes_py"))
    # Three layers: third-party crates, the repo crate `shapes`, then shapes_py itself.
    assert len(first.layers) == 2
    # (The third-party layer compiles stubs of the repo crates, then drops them.)
    assert {"pyo3", "pyo3-ffi"} <= set(package_names(first.layers[0].compiled))
    assert package_names(first.layers[1].compiled) == ["shapes", "shapes_py"]  # shapes_py: a stub
    assert package_names(first.compiled) == ["shapes_py"]
    _append(runner, "geometry/crates/shapes/src/lib.rs", "\npub fn added_by_test() -> u32 { 7 }\n")
    _, second = build_native_library(runner, Address("geometry/crates/shapes_py"))
    # The third-party layer is reused; the repo layer is rebuilt on it and compiles no
    # third-party crate; the extension is compiled again on top.
    assert second.layers[0] == first.layers[0]
    assert second.layers[1] != first.layers[1]
    assert package_names(second.layers[1].compiled) == ["shapes", "shapes_py"]
    assert package_names(second.compiled) == ["shapes_py"]


def test_editing_the_extension_crate_recompiles_only_it() -> None:
    runner = make_rule_runner()
    write_geometry(runner)
    _, first = build_native_library(runner, Address("geometry/crates/shapes_py"))
    _append(
        runner, "geometry/crates/shapes_py/src/lib.rs", "\n#[allow(dead_code)]\nfn added() {}\n"
    )
    _, second = build_native_library(runner, Address("geometry/crates/shapes_py"))
    # Both layers are reused as they are: cargo compiles only shapes_py.
    assert second.layers == first.layers
    assert package_names(second.compiled) == ["shapes_py"]


def _with_units_crate(runner: RuleRunner) -> None:
    """geometry with a third repo crate under shapes: shapes_py -> shapes -> units."""
    write_geometry(runner)
    root = Path(runner.build_root, "geometry")
    manifest = (root / "Cargo.toml").read_text()
    shapes = (root / "crates/shapes/Cargo.toml").read_text()
    lock = (root / "Cargo.lock").read_text()
    header, *blocks = lock.split("\n[[package]]\n")
    blocks = [
        b.replace(
            'name = "shapes"\nversion = "0.2.0"\n',
            'name = "shapes"\nversion = "0.2.0"\ndependencies = [\n "units",\n]\n',
        )
        if b.startswith('name = "shapes"\n')
        else b
        for b in blocks
    ]
    blocks.append('name = "units"\nversion = "0.2.0"\n')
    blocks.sort(key=lambda b: b.split("\n", 1)[0])
    runner.write_files(
        {
            "geometry/Cargo.toml": manifest.replace(
                '"crates/stats_py"]', '"crates/stats_py", "crates/units"]'
            ),
            "geometry/Cargo.lock": "\n[[package]]\n".join([header, *blocks]).rstrip("\n") + "\n",
            "geometry/crates/shapes/Cargo.toml": shapes.replace(
                "[dependencies]", '[dependencies]\nunits = { path = "../units" }'
            ),
            "geometry/crates/units/BUILD": "rust_crate()\n",
            "geometry/crates/units/Cargo.toml": (
                '[package]\nname = "units"\nversion = "0.2.0"\nedition = "2021"\n'
            ),
            "geometry/crates/units/src/lib.rs": "pub const METRE: f64 = 1.0;\n",
        }
    )


def test_one_layer_per_repo_crate() -> None:
    """shapes_py uses shapes, which uses units: each repo crate is a layer on the ones it uses.
    Editing the middle crate recompiles it and shapes_py, never units; editing units
    recompiles all three; no third-party crate either time."""
    runner = make_rule_runner()
    _with_units_crate(runner)
    address = Address("geometry/crates/shapes_py")
    _, first = build_native_library(runner, address)
    deps, units, shapes = first.layers
    # Each layer also compiles stubs of the crates above it (and drops the extension's).
    assert package_names(units.compiled) == ["shapes", "shapes_py", "units"]
    assert package_names(shapes.compiled) == ["shapes", "shapes_py"]
    assert package_names(first.compiled) == ["shapes_py"]

    _append(runner, "geometry/crates/shapes/src/lib.rs", "\npub fn added_by_test() -> u32 { 7 }\n")
    _, second = build_native_library(runner, address)
    assert second.layers[:2] == (deps, units)
    assert package_names(second.layers[2].compiled) == ["shapes", "shapes_py"]
    assert package_names(second.compiled) == ["shapes_py"]

    _append(runner, "geometry/crates/units/src/lib.rs", "\npub const CENTIMETRE: f64 = 0.01;\n")
    _, third = build_native_library(runner, address)
    assert third.layers[0] == deps
    assert package_names(third.layers[1].compiled) == ["shapes", "shapes_py", "units"]
    assert package_names(third.layers[2].compiled) == ["shapes", "shapes_py"]
    assert package_names(third.compiled) == ["shapes_py"]
