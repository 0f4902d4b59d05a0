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
from pants_rust_python.target_types import (
    CargoWorkspaceTarget,
    RustCrateTarget,
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


def classify_manifest(manifest: Mapping[str, Any]) -> Optional[type[Target]]:
    """The target type that owns a crate with this Cargo.toml."""
    if not isinstance(manifest.get("package"), Mapping):
        return CargoWorkspaceTarget if isinstance(manifest.get("workspace"), Mapping) else None
    if _dependency_names(manifest) & _BINDINGS_CRATES:
        return RustPythonExtensionTarget
    return RustCrateTarget


@rule(level=LogLevel.DEBUG, desc="Determine candidate Rust targets to create")
async def find_putative_rust_targets(
    request: PutativeRustTargetsRequest, all_owned_sources: AllOwnedSources
) -> PutativeTargets:
    manifests = await Get(DigestContents, PathGlobs, request.path_globs("Cargo.toml"))
    putative = []
    for fc in manifests:
        if fc.path in all_owned_sources:
            continue
        try:
            target_type = classify_manifest(parse_toml(fc.content, fc.path))
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
