"""Cargo.toml says what a crate depends on; turn that into Pants dependencies.

A crate depends on the targets owning its path dependencies' Cargo.toml and on the target owning
its workspace root (Cargo.lock, shared `[workspace.*]` tables). The workspace root does not depend
on its members: editing one member must not select the others.
"""
from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass
from typing import Any, Mapping

from pants.engine.addresses import Address
from pants.engine.fs import DigestContents, PathGlobs
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import FieldSet, InferDependenciesRequest, InferredDependencies
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel
from pants_rust_python.cargo.manifest import (
    ManifestError,
    crate_path_dependencies,
    parse_toml,
    workspace_root_of,
)
from pants_rust_python.repo_paths import ancestors, inside_repo, repo_path
from pants_rust_python.target_types import CargoDependenciesField

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CargoDependenciesInferenceFieldSet(FieldSet):
    required_fields = (CargoDependenciesField,)

    dependencies: CargoDependenciesField


class InferCargoDependenciesRequest(InferDependenciesRequest):
    infer_from = CargoDependenciesInferenceFieldSet


def _manifest_path(directory: str) -> str:
    return posixpath.join(directory, "Cargo.toml") if directory else "Cargo.toml"


@rule(desc="Infer dependencies from Cargo.toml", level=LogLevel.DEBUG)
async def infer_cargo_dependencies(request: InferCargoDependenciesRequest) -> InferredDependencies:
    address = request.field_set.address
    crate_dir = address.spec_path
    dirs = ancestors(crate_dir)
    contents = await Get(DigestContents, PathGlobs([_manifest_path(d) for d in dirs]))
    manifests: dict[str, Mapping[str, Any]] = {}
    for fc in contents:
        try:
            manifests[repo_path(posixpath.dirname(fc.path))] = parse_toml(fc.content, fc.path)
        except ManifestError as e:
            # Building reports the malformed file with its full error; inference stays quiet.
            logger.debug(f"Skipping dependency inference for {address}: {e}")
            if fc.path == _manifest_path(crate_dir):
                return InferredDependencies([])
    if crate_dir not in manifests:
        return InferredDependencies([])

    root = workspace_root_of(crate_dir, manifests.get)
    root_manifest = manifests.get(root) if root is not None else manifests[crate_dir]
    deps = crate_path_dependencies(
        manifests[crate_dir], crate_dir, root_manifest, root or crate_dir
    )
    # A path dependency that leaves the repository is the build's to report.
    wanted = [_manifest_path(d) for d in deps if inside_repo(d)]
    if root is not None and root != crate_dir:
        wanted.append(_manifest_path(root))
    owners_per_path = await MultiGet(Get(Owners, OwnersRequest((path,))) for path in wanted)
    inferred: set[Address] = set()
    for owners in owners_per_path:
        inferred.update(owner for owner in owners if owner != address)
    return InferredDependencies(sorted(inferred))


def rules():
    return [*collect_rules(), UnionRule(InferDependenciesRequest, InferCargoDependenciesRequest)]
