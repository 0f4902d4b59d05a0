"""`pants tailor`: a target beside every Cargo.toml that has none yet."""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from pants.core.goals.tailor import (
    AllOwnedSources,
    PutativeTarget,
    PutativeTargets,
    PutativeTargetsRequest,
)
from pants.engine.fs import DigestContents, PathGlobs
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import Target
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel
from pants_rust_python.cargo.graph import BINDING_CRATES
from pants_rust_python.cargo.manifest import ManifestError, dependency_entries, parse_toml
from pants_rust_python.maturin.project import BIN, tool_maturin
from pants_rust_python.target_types import (
    CargoWorkspaceTarget,
    RustCrateTarget,
    RustPythonBinaryTarget,
    RustPythonExtensionTarget,
)

# Crates whose presence makes a crate a Python extension (as maturin detects bindings).
_BINDINGS_CRATES = frozenset(crate for crate, _ in BINDING_CRATES)


@dataclass(frozen=True)
class PutativeRustTargetsRequest(PutativeTargetsRequest):
    pass


def _dependency_names(manifest: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for key, spec in dependency_entries(manifest):
        # `alias = { package = "pyo3", ... }` renames a dependency.
        package = spec.get("package") if isinstance(spec, Mapping) else None
        names.add(package if isinstance(package, str) else key)
    return names


def _maturin_bindings(pyproject: Optional[Mapping[str, Any]]) -> Optional[str]:
    """`[tool.maturin] bindings` ("" when unset) of a pyproject.toml built by maturin, else None."""
    build_system = (pyproject or {}).get("build-system")
    if not isinstance(build_system, Mapping) or build_system.get("build-backend") != "maturin":
        return None
    bindings = tool_maturin(pyproject).get("bindings")
    return bindings if isinstance(bindings, str) else ""


def classify_manifest(
    manifest: Mapping[str, Any], pyproject: Optional[Mapping[str, Any]] = None
) -> Optional[type[Target]]:
    """The target type that owns a crate with this Cargo.toml and, beside it, this
    pyproject.toml: a maturin project is a Python package (a `bin` one ships programs), and so is
    a crate that depends on a bindings crate."""
    if not isinstance(manifest.get("package"), Mapping):
        return CargoWorkspaceTarget if isinstance(manifest.get("workspace"), Mapping) else None
    bindings = _maturin_bindings(pyproject)
    if bindings == BIN:
        return RustPythonBinaryTarget
    if bindings is not None or _dependency_names(manifest) & _BINDINGS_CRATES:
        return RustPythonExtensionTarget
    return RustCrateTarget


@rule(level=LogLevel.DEBUG, desc="Determine candidate Rust targets to create")
async def find_putative_rust_targets(
    request: PutativeRustTargetsRequest, all_owned_sources: AllOwnedSources
) -> PutativeTargets:
    manifests = await Get(DigestContents, PathGlobs, request.path_globs("Cargo.toml"))
    unowned = [fc for fc in manifests if fc.path not in all_owned_sources]
    pyprojects = {
        fc.path: fc.content
        for fc in await Get(
            DigestContents,
            PathGlobs(
                [posixpath.join(posixpath.dirname(fc.path), "pyproject.toml") for fc in unowned]
            ),
        )
    }
    putative = []
    for fc in unowned:
        pyproject_path = posixpath.join(posixpath.dirname(fc.path), "pyproject.toml")
        try:
            pyproject = (
                parse_toml(pyprojects[pyproject_path], pyproject_path)
                if pyproject_path in pyprojects
                else None
            )
        except ManifestError:
            pyproject = None  # The target's own build reports a broken pyproject.toml.
        try:
            target_type = classify_manifest(parse_toml(fc.content, fc.path), pyproject)
        except ManifestError:
            continue
        if target_type is None:
            continue
        putative.append(
            PutativeTarget.for_target_type(
                target_type,
                path=posixpath.dirname(fc.path),
                name=None,
                triggering_sources=["Cargo.toml"],
            )
        )
    return PutativeTargets(putative)


def rules():
    return [*collect_rules(), UnionRule(PutativeTargetsRequest, PutativeRustTargetsRequest)]
