"""`pants generate-lockfiles` for the repo's Cargo workspaces: each one's Cargo.lock is a resolve.

A workspace's resolve is named `cargo:<its root directory>` (`cargo:.` at the repository root),
so `pants generate-lockfiles --resolve=cargo:src/geometry` refreshes one Cargo.lock, and a bare
`pants generate-lockfiles` refreshes them all with the Python lockfiles. cargo runs with the
network and the user's CARGO_HOME, as vendoring does (util_rules/cargo_build.py), and is never
cached: `cargo generate-lockfile`, or `cargo update --package` for `[cargo-lockfile].update`.
"""
from __future__ import annotations

from dataclasses import dataclass

from pants.core.goals.generate_lockfiles import (
    GenerateLockfile,
    GenerateLockfileResult,
    KnownUserResolveNames,
    KnownUserResolveNamesRequest,
    RequestedUserResolveNames,
    UserGenerateLockfiles,
    WrappedGenerateLockfile,
)
from pants.engine.fs import DigestContents, PathGlobs, Snapshot
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import AllTargets
from pants.engine.unions import UnionRule
from pants.option.option_types import StrListOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap
from pants_rust_python.cargo.manifest import ManifestError, manifest_reader, workspace_root_of
from pants_rust_python.repo_paths import ancestors, repo_path
from pants_rust_python.target_types import CargoSourcesField, CargoWorkspaceSourcesField
from pants_rust_python.util_rules.cargo_build import CargoLockfile, CargoLockRequest
from pants_rust_python.util_rules.workspace import CargoWorkspace, CargoWorkspaceRequest

RESOLVE_PREFIX = "cargo:"


def cargo_resolve_name(root_dir: str) -> str:
    return RESOLVE_PREFIX + (root_dir or ".")


def _root_of_resolve(name: str) -> str:
    root = name[len(RESOLVE_PREFIX) :]
    return "" if root == "." else root


class CargoLockfileSubsystem(Subsystem):
    options_scope = "cargo-lockfile"
    name = "Cargo.lock"
    help = softwrap(
        f"""
        `pants generate-lockfiles` refreshes the Cargo.lock of each Cargo workspace of the repo's
        Rust targets, as the resolve `{RESOLVE_PREFIX}<workspace root>` (`{RESOLVE_PREFIX}.` at
        the repository root), with the network and your CARGO_HOME (`[rust].fetch_env_vars`).
        """
    )

    update = StrListOption(
        default=[],
        help=softwrap(
            """
            Crates to update, each with `cargo update --package <crate>` (a crate name, or
            `name@version`), keeping every other crate as locked; a workspace whose Cargo.lock
            has none of them is left as it is. Empty (the default): resolve everything anew with
            `cargo generate-lockfile`.
            """
        ),
    )


class KnownCargoResolveNamesRequest(KnownUserResolveNamesRequest):
    pass


class RequestedCargoResolveNames(RequestedUserResolveNames):
    pass


@dataclass(frozen=True)
class GenerateCargoLockfile(GenerateLockfile):
    root_dir: str


@rule
async def known_cargo_resolves(
    _: KnownCargoResolveNamesRequest, targets: AllTargets
) -> KnownUserResolveNames:
    crate_dirs = sorted(
        {
            tgt.address.spec_path
            for tgt in targets
            if tgt.has_field(CargoSourcesField) or tgt.has_field(CargoWorkspaceSourcesField)
        }
    )
    manifests = await Get(
        DigestContents,
        PathGlobs(sorted({repo_path(a, "Cargo.toml") for d in crate_dirs for a in ancestors(d)})),
    )
    manifest_of = manifest_reader({fc.path: fc.content for fc in manifests})
    roots = set()
    for crate_dir in crate_dirs:
        try:
            if manifest_of(crate_dir) is None:
                continue
            root = workspace_root_of(crate_dir, manifest_of)
        except ManifestError:
            continue  # The crate's own goals report it; other resolves still lock.
        roots.add(crate_dir if root is None else root)
    return KnownUserResolveNames(
        names=tuple(cargo_resolve_name(r) for r in sorted(roots)),
        option_name="the Cargo workspaces of the Rust targets",
        requested_resolve_names_cls=RequestedCargoResolveNames,
    )


@rule
async def setup_cargo_lockfiles(requested: RequestedCargoResolveNames) -> UserGenerateLockfiles:
    return UserGenerateLockfiles(
        GenerateCargoLockfile(
            resolve_name=name,
            lockfile_dest=repo_path(_root_of_resolve(name), "Cargo.lock"),
            diff=False,
            root_dir=_root_of_resolve(name),
        )
        for name in requested
    )


@rule
async def wrap_cargo_lockfile(request: GenerateCargoLockfile) -> WrappedGenerateLockfile:
    return WrappedGenerateLockfile(request)


@rule(desc="Generate a Cargo.lock")
async def generate_cargo_lockfile(
    request: GenerateCargoLockfile, options: CargoLockfileSubsystem
) -> GenerateLockfileResult:
    workspace = await Get(
        CargoWorkspace,
        CargoWorkspaceRequest(request.root_dir, f"the resolve {request.resolve_name}"),
    )
    locked = workspace.lockfile_document.value.get("package", [])
    names = {p.get("name") for p in locked if isinstance(p, dict)}
    crates = tuple(c for c in options.update if c.split("@")[0] in names)
    if options.update and not crates:
        # Nothing of this workspace to update: its Cargo.lock is written back as it is.
        current = await Get(Snapshot, PathGlobs([workspace.lockfile]))
        return GenerateLockfileResult(current.digest, request.resolve_name, workspace.lockfile)
    lockfile = await Get(
        CargoLockfile,
        CargoLockRequest(workspace.stub_digest, workspace.root_dir, workspace.lockfile, crates),
    )
    return GenerateLockfileResult(lockfile.digest, request.resolve_name, workspace.lockfile)


def rules():
    return [
        *collect_rules(),
        UnionRule(GenerateLockfile, GenerateCargoLockfile),
        UnionRule(KnownUserResolveNamesRequest, KnownCargoResolveNamesRequest),
        UnionRule(RequestedUserResolveNames, RequestedCargoResolveNames),
    ]
