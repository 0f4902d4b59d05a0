from __future__ import annotations

from typing import Any, Mapping

import pytest
from pants_rust_python.maturin.project import ProjectSpec, resolve_project
from pants_rust_python.maturin.tags import TagError, platform_tag, wheel_tag
from rust_python_testutil.metadata import ABI3_PY38, crate_metadata


def test_platform_tag_from_sysconfig() -> None:
    assert platform_tag("linux-x86_64") == "linux_x86_64"
    assert platform_tag("macosx-11.0-arm64") == "macosx_11_0_arm64"


def test_policy_and_aliases_compress_in_order() -> None:
    # The platforms compress in the order given (maturin.compatibility decides it).
    spec = _spec("auto", dict(lib=("p", ["cdylib"]), deps={"pyo3": ABI3_PY38}))
    platforms = ["manylinux2014_x86_64", "manylinux_2_17_x86_64"]
    assert (
        wheel_tag(spec, 3, 11, platforms) == "cp38-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64"
    )
    with pytest.raises(TagError):
        wheel_tag(spec, 3, 11, [])


def _spec(bindings: str, crate: Mapping[str, Any]) -> ProjectSpec:
    meta = crate_metadata("p", **crate)
    package = meta.packages[0]
    manifest: dict[str, Any] = {"package": {"name": "p"}}
    if package.lib_target is not None:
        manifest["lib"] = {"name": package.lib_target.name}
    return resolve_project(
        meta=meta,
        package=package,
        cargo_manifest=manifest,
        cargo_toml_path="p/Cargo.toml",
        pyproject=None,
        pyproject_path=None,
        files=["p/Cargo.toml"],
        bindings=None if bindings == "auto" else bindings,
    )


@pytest.mark.parametrize(
    "bindings, crate, expected",
    [
        # Version-specific pyo3 and rust-cpython modules: the interpreter's own tag.
        ("auto", dict(lib=("p", ["cdylib"]), deps={"pyo3": []}), "cp311-cp311-linux_x86_64"),
        ("auto", dict(lib=("p", ["cdylib"]), deps={"cpython": []}), "cp311-cp311-linux_x86_64"),
        # abi3: the floor of the abi3-pyXY features, whatever builds it.
        ("auto", dict(lib=("p", ["cdylib"]), deps={"pyo3": ABI3_PY38}), "cp38-abi3-linux_x86_64"),
        # cffi and plain programs load with any Python.
        ("cffi", dict(lib=("p", ["cdylib"])), "py3-none-linux_x86_64"),
        ("auto", dict(bins=[("tool", ())]), "py3-none-linux_x86_64"),
        # A program that embeds Python through pyo3 is tied to that interpreter.
        ("auto", dict(bins=[("tool", ())], deps={"pyo3": []}), "cp311-cp311-linux_x86_64"),
    ],
)
def test_wheel_tag_per_bindings(bindings: str, crate: Mapping[str, Any], expected: str) -> None:
    assert wheel_tag(_spec(bindings, crate), 3, 11, [platform_tag("linux-x86_64")]) == expected
