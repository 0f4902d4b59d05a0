from __future__ import annotations

from typing import Any

from pants_rust_python.goals.tailor import classify_manifest
from pants_rust_python.target_types import (
    CargoWorkspaceTarget,
    RustCrateTarget,
    RustPythonBinaryTarget,
    RustPythonExtensionTarget,
)


def test_pyo3_and_cpython_crates_become_extensions() -> None:
    for deps in (
        {"pyo3": "0.30"},
        {"cpython": {"version": "0.7"}},
        {"ffi": {"package": "pyo3-ffi"}},
    ):
        manifest = {"package": {"name": "x"}, "dependencies": deps}
        assert classify_manifest(manifest) is RustPythonExtensionTarget
    workspace_dep = {"package": {"name": "x"}, "dependencies": {"pyo3": {"workspace": True}}}
    assert classify_manifest(workspace_dep) is RustPythonExtensionTarget


def test_other_crates_and_workspaces() -> None:
    assert (
        classify_manifest({"package": {"name": "lib"}, "dependencies": {"serde": "1"}})
        is RustCrateTarget
    )
    assert classify_manifest({"workspace": {"members": ["a"]}}) is CargoWorkspaceTarget
    assert classify_manifest({}) is None


def test_maturin_projects_by_their_bindings() -> None:
    crate = {"package": {"name": "x"}}
    maturin: dict[str, Any] = {"build-system": {"build-backend": "maturin"}}
    assert classify_manifest(crate, maturin) is RustPythonExtensionTarget
    cffi = {**maturin, "tool": {"maturin": {"bindings": "cffi"}}}
    assert classify_manifest(crate, cffi) is RustPythonExtensionTarget
    programs = {**maturin, "tool": {"maturin": {"bindings": "bin"}}}
    assert classify_manifest(crate, programs) is RustPythonBinaryTarget
    # A pyproject.toml that another backend builds says nothing about the crate.
    setuptools = {"build-system": {"build-backend": "setuptools.build_meta"}}
    assert classify_manifest(crate, setuptools) is RustCrateTarget
