"""Rules that run cargo: vendor, metadata, the compiled-dependencies layer, and the final build.

Each is its own cached process, keyed by what truly determines it:
  vendor        stub tree (manifests, Cargo.lock) + toolchain
  metadata      stub tree + vendored sources + feature selection
  deps layer    stub tree + vendored sources + toolchain + profile/features + interpreter facts
                (+ the previous interpreter's deps layer, whose target directory it starts from)
  repo layers   one per repo crate the crate depends on, in dependency order: the layer before
                it (or the deps layer) + the real sources of that crate and the earlier ones
  build         the crate's own sources + the last repo layer (or the deps layer)
so editing a `.rs` file of the repo never recompiles a third-party crate, editing a repo crate
recompiles it and what uses it, and editing the crate itself recompiles only that crate.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import posixpath
from dataclasses import dataclass
from typing import Optional

from pants.engine.engine_aware import EngineAwareParameter
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import (
    EMPTY_DIGEST,
    AddPrefix,
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
    MergeDigests,
    PathGlobs,
    RemovePrefix,
    Snapshot,
)
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap
from pants_rust_python.cargo.graph import (
    CargoMetadata,
    apply_tree_features,
    is_local,
    parse_metadata,
)
from pants_rust_python.cargo.layers import (
    GOAL_COMMANDS,
    has_other_crates,
    profile_dir_name,
    repo_crate_layers,
    split_layer_sources,
)
from pants_rust_python.cargo.manifest import cargo_config_paths
from pants_rust_python.cargo.shared_layer import (
    SHARED_PACKAGE_DIR,
    SHARED_PACKAGE_NAME,
    SharedCrate,
    interpreter_free_crates,
    shared_package,
)
from pants_rust_python.maturin.zig import ZigLink
from pants_rust_python.parsed import ParsedDocument
from pants_rust_python.subsystems.rust import RustSubsystem
from pants_rust_python.util_rules.cargo_driver import REFUSED_EXIT
from pants_rust_python.util_rules.cargo_process import (
    OUT,
    TARGET_DIR,
    VENDOR_OUT,
    CargoError,
    CargoProcess,
    SecretEnvFile,
    SecretEnvRequest,
    VendoredCrates,
    failure,
    split_secrets,
)
from pants_rust_python.util_rules.toolchain import RustToolchain
from pants_rust_python.util_rules.workspace import CargoWorkspace
from pants_rust_python.util_rules.zig import ZigDistribution, ZigLinker

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Vendoring


@dataclass(frozen=True)
class VendorRequest(EngineAwareParameter):
    # Manifests and Cargo.lock (sources may be stubs: vendoring reads only the manifests).
    digest: Digest
    root_dir: str
    lockfile: str

    def debug_hint(self) -> str:
        return self.lockfile


@rule
async def vendor_workspace_crates(workspace: CargoWorkspace) -> VendoredCrates:
    return await Get(
        VendoredCrates,
        VendorRequest(workspace.stub_digest, workspace.root_dir, workspace.lockfile),
    )


async def _fetch_env(rust: RustSubsystem) -> tuple[FrozenDict[str, str], Optional[str]]:
    """The variables of a networked step, and the file of those that are secret."""
    fetch_env, secrets = split_secrets(
        await Get(EnvironmentVars, EnvironmentVarsRequest(rust.fetch_env_vars))
    )
    # Proxy credentials and registry tokens must not reach the remote cache with the Command.
    secret_file = None
    if secrets:
        secret_file = (await Get(SecretEnvFile, SecretEnvRequest(secrets))).path
    return FrozenDict(fetch_env), secret_file


@rule(desc="Vendor third-party crates from Cargo.lock", level=LogLevel.DEBUG)
async def vendor_crates(request: VendorRequest, rust: RustSubsystem) -> VendoredCrates:
    # The vendored sources are content-addressed: every later step keeps its remote-cache key.
    fetch_env, secret_file = await _fetch_env(rust)
    root = request.root_dir or "."
    result = await Get(
        FallibleProcessResult,
        CargoProcess(
            mode="vendor",
            root_dir=request.root_dir,
            cargo_args=("--locked", "--versioned-dirs", "--respect-source-config"),
            description=f"Vendor crates of Cargo.lock in {root}",
            sources=request.digest,
            env=fetch_env,
            networked=True,
            secret_env_file=secret_file,
        ),
    )
    if result.exit_code == REFUSED_EXIT:
        raise failure(f"Vendoring the crates of {request.lockfile}", result)
    if result.exit_code != 0:
        stderr = result.stderr.decode("utf-8", "replace")
        hint = ""
        if "--locked" in stderr or "needs to be updated" in stderr:
            hint = softwrap(
                f"""
                Cargo.lock in `{root}` is out of date with the manifests.
                Run `cargo update --workspace` (or `cargo generate-lockfile`) there and commit
                the new Cargo.lock.
                """
            )
        raise CargoError(
            f"Vendoring the crates of {request.lockfile} failed. {hint}\ncargo said:\n\n{stderr.rstrip()}\n"
        )
    return VendoredCrates(await Get(Digest, RemovePrefix(result.output_digest, VENDOR_OUT)))


@dataclass(frozen=True)
class CargoLockRequest(EngineAwareParameter):
    """A new Cargo.lock for a workspace: `cargo generate-lockfile`, or `cargo update` of
    `crates` alone (the rest stays as locked)."""

    # Manifests and Cargo.lock, as vendoring gets them.
    digest: Digest
    root_dir: str
    lockfile: str
    crates: tuple[str, ...] = ()

    def debug_hint(self) -> str:
        return self.lockfile


@dataclass(frozen=True)
class CargoLockfile:
    # The new Cargo.lock, at its repo path.
    digest: Digest


@rule(desc="Resolve a Cargo.lock", level=LogLevel.DEBUG)
async def resolve_cargo_lock(request: CargoLockRequest, rust: RustSubsystem) -> CargoLockfile:
    # Networked like vendoring, with the same variables (the caller's CARGO_HOME: registries,
    # mirrors, credentials); never cached, as the registry's answer changes.
    fetch_env, secret_file = await _fetch_env(rust)
    command = (
        ("update", *(arg for crate in request.crates for arg in ("--package", crate)))
        if request.crates
        else ("generate-lockfile",)
    )
    result = await Get(
        FallibleProcessResult,
        CargoProcess(
            mode="lock",
            root_dir=request.root_dir,
            cargo_args=command,
            description=f"cargo {' '.join(command)} in {request.root_dir or '.'}",
            sources=request.digest,
            env=fetch_env,
            networked=True,
            secret_env_file=secret_file,
            cache_scope=ProcessCacheScope.PER_SESSION,
        ),
    )
    if result.exit_code != 0:
        raise failure(f"Resolving {request.lockfile} (cargo {' '.join(command)})", result)
    lockfile = await Get(
        Digest,
        DigestSubset(result.output_digest, PathGlobs([f"{VENDOR_OUT}/Cargo.lock"])),
    )
    moved = await Get(Digest, RemovePrefix(lockfile, VENDOR_OUT))
    return CargoLockfile(
        await Get(Digest, AddPrefix(moved, request.root_dir)) if request.root_dir else moved
    )


# --------------------------------------------------------------------------------------------
# Shared process set-up


@dataclass(frozen=True)
class FeatureSelection:
    features: tuple[str, ...] = ()
    default_features: bool = True
    all_features: bool = False

    def cargo_args(self) -> tuple[str, ...]:
        args: list[str] = []
        if self.all_features:
            args.append("--all-features")
        if self.features:
            args.append(f"--features={','.join(self.features)}")
        if not self.default_features:
            args.append("--no-default-features")
        return tuple(args)


# --------------------------------------------------------------------------------------------
# cargo metadata


@dataclass(frozen=True)
class CargoMetadataRequest(EngineAwareParameter):
    workspace: CargoWorkspace
    package: str
    features: FeatureSelection

    def debug_hint(self) -> str:
        return self.package


@dataclass(frozen=True)
class CargoMetadataResult:
    """`cargo metadata`, with each package's features as a build of `package` resolves them."""

    # The JSON as cargo printed it (features applied), and the graph parsed from it.
    document: ParsedDocument
    metadata: CargoMetadata
    # The third-party crates of that build that no interpreter reaches (see shared_layer.py).
    shared_crates: tuple[SharedCrate, ...] = ()


@rule(desc="Read the Cargo dependency graph", level=LogLevel.DEBUG)
async def cargo_metadata(
    request: CargoMetadataRequest,
    toolchain: RustToolchain,
) -> CargoMetadataResult:
    workspace = request.workspace
    vendored = await Get(VendoredCrates, CargoWorkspace, workspace)
    result = await Get(
        FallibleProcessResult,
        CargoProcess(
            root_dir=workspace.root_dir,
            vendored=vendored,
            mode="metadata",
            sources=workspace.stub_digest,
            cargo_args=(
                "metadata",
                "--format-version=1",
                "--frozen",
                f"--filter-platform={toolchain.host_triple}",
                f"--manifest-path={workspace.crate_manifest_from_root}",
                *request.features.cargo_args(),
            ),
            driver_args=(f"--tree-package={request.package}",),
            description=f"cargo metadata for {workspace.root_dir or '.'}",
        ),
    )
    if result.exit_code != 0:
        raise failure(f"`cargo metadata` in {workspace.root_dir or '.'}", result)
    contents = await Get(DigestContents, Digest, result.output_digest)
    by_name = {posixpath.basename(fc.path): fc.content.decode() for fc in contents}
    raw = json.loads(by_name["metadata.json"])
    meta = parse_metadata(raw)
    root_id = next(p.id for p in meta.packages if p.name == request.package and is_local(p.id))
    shared = interpreter_free_crates(
        meta, raw, root_id, by_name["tree.txt"], by_name["tree-target.txt"]
    )
    resolved = apply_tree_features(raw, by_name["tree.txt"])
    document = ParsedDocument("metadata.json", json.dumps(resolved, sort_keys=True), resolved)
    return CargoMetadataResult(document, parse_metadata(resolved), shared)


# --------------------------------------------------------------------------------------------
# Compilation


@dataclass(frozen=True)
class CargoBuildRequest(EngineAwareParameter):
    workspace: CargoWorkspace
    # The repo's real sources for the crates being built (missing crates are stubbed).
    sources: Digest
    package: str
    target_args: tuple[str, ...]  # e.g. ("--lib",) or ("--bins",)
    features: FeatureSelection
    profile: str
    env: FrozenDict[str, str]
    rustc_args: tuple[str, ...]
    description: str
    # Sandbox paths where a build script may leave a C header for cffi; the first found is kept.
    header_candidates: tuple[str, ...] = ()
    # The repo crates the crate depends on, each after the ones it uses (one layer each).
    repo_crate_order: tuple[str, ...] = ()
    # The same crate's builds for other interpreters, earliest first, as (env, description):
    # its dependency layer is compiled on top of theirs (see _DepsLayerRequest.base).
    earlier_interpreters: tuple[tuple[FrozenDict[str, str], str], ...] = ()
    # The third-party crates no interpreter reaches, compiled first in a layer of their own that
    # every build of the workspace with the same resolution shares (CargoMetadataResult), and
    # the crate types of the library being built (None: programs).
    shared_crates: tuple[SharedCrate, ...] = ()
    crate_types: Optional[tuple[str, ...]] = None
    # Link through zig (`zig=True`): every layer of the build, third-party crates included.
    zig: Optional[ZigLink] = None
    # Packages whose build script's OUT_DIR the wheel takes files from.
    out_dir_packages: tuple[str, ...] = ()

    def debug_hint(self) -> str:
        return self.description


@dataclass(frozen=True)
class CargoArtifact:
    kind: str  # "cdylib" or "bin"
    target: str
    file: str
    # The file alone, at `file`.
    digest: Digest


@dataclass(frozen=True)
class CargoLayer:
    # A target directory to build on.
    digest: Digest
    # Package ids cargo compiled when this layer was built (a cached layer keeps its list).
    compiled: tuple[str, ...]


@dataclass(frozen=True)
class CargoBuildResult:
    artifacts: tuple[CargoArtifact, ...]
    # Package ids cargo compiled in the final step (everything else came from the deps layer).
    compiled: tuple[str, ...]
    # cffi: the C header a build script left (see header_candidates), alone at `header.h`.
    header: Optional[Digest] = None
    # The layers the final step built on (third-party crates, then one per repo crate it
    # depends on), each with what cargo compiled when that layer was built.
    layers: tuple[CargoLayer, ...] = ()
    # The layer of third-party crates no interpreter reaches, under the first of those.
    shared_layer: Optional[CargoLayer] = None
    # The OUT_DIR of each package of `out_dir_packages` that has a build script, at
    # `<package>/...`, and those packages.
    out_dirs: Digest = EMPTY_DIGEST
    out_dir_packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class _DepsLayerRequest(EngineAwareParameter):
    """A CargoBuildRequest without what only the repo's own crates depend on.

    With a `base` (the same build for the previous interpreter), cargo starts from that layer's
    target directory: only what the interpreter reaches (pyo3's or python3-sys's build script and
    the crates above them) is compiled again, every other third-party crate is fresh. The first
    interpreter's layer starts from the `shared` layer, if there is one.
    """

    workspace: CargoWorkspace
    package: str
    target_args: tuple[str, ...]
    features: FeatureSelection
    profile: str
    env: FrozenDict[str, str]
    description: str
    base: Optional["_DepsLayerRequest"] = None
    shared: Optional["_SharedLayerRequest"] = None
    # The cargo subcommand compiling it: `rustc` for builds (its extra flags reach the built
    # crate only), `test --no-run` or `check` for the layers of `pants test` / `check` / `lint`.
    command: tuple[str, ...] = ("rustc",)
    zig: Optional[ZigLinker] = None

    def debug_hint(self) -> str:
        return self.description


async def _layer(output: Digest) -> CargoLayer:
    target_dir, listing = await MultiGet(
        Get(Digest, DigestSubset(output, PathGlobs([f"{TARGET_DIR}/**"]))),
        Get(DigestContents, DigestSubset(output, PathGlobs([f"{OUT}/compiled.json"]))),
    )
    return CargoLayer(target_dir, tuple(json.loads(listing[0].content)["compiled"]))


def _cargo_build_args(
    request: CargoBuildRequest | _DepsLayerRequest, rustc_args: tuple[str, ...] = ()
) -> tuple[str, ...]:
    # `cargo rustc` passes the extra flags to the selected crate only, so they never
    # invalidate compiled dependencies.
    command = request.command if isinstance(request, _DepsLayerRequest) else ("rustc",)
    return (
        *command,
        "--frozen",
        "--message-format=json-render-diagnostics",
        f"--profile={request.profile}",
        f"--package={request.package}",
        *request.target_args,
        *request.features.cargo_args(),
        *(("--", *rustc_args) if rustc_args else ()),
    )


@dataclass(frozen=True)
class _SharedLayerRequest:
    """The third-party crates no interpreter reaches, compiled from a generated package.

    Keyed by the workspace's vendored sources and cargo configuration, the profile and that
    package (which names each crate's version and features, and the workspace's `[profile]`):
    never by the extension or the interpreter, so every extension of the workspace whose build
    resolves those crates alike shares it, and one that resolves other features gets its own.
    """

    root_dir: str
    vendored: VendoredCrates
    # The repo's `.cargo/config.toml` files on the way to the workspace root.
    config: Digest
    files: tuple[tuple[str, str], ...]
    profile: str
    zig: Optional[ZigLinker] = None


@rule(desc="Compile the third-party crates no interpreter reaches", level=LogLevel.DEBUG)
async def build_shared_layer(request: _SharedLayerRequest) -> CargoLayer:
    package_dir = posixpath.join(request.root_dir, SHARED_PACKAGE_DIR)
    package = await Get(
        Digest,
        CreateDigest(
            [
                FileContent(posixpath.join(package_dir, path), text.encode())
                for path, text in request.files
            ]
        ),
    )
    sources = await Get(Digest, MergeDigests([package, request.config]))
    root = request.root_dir or "."
    result = await Get(
        FallibleProcessResult,
        CargoProcess(
            root_dir=package_dir,
            vendored=request.vendored,
            mode="deps",
            sources=sources,
            # Not `--frozen`: the generated package has no Cargo.lock of its own. Every crate in it
            # is pinned to its locked version, and only the vendored sources are reachable.
            cargo_args=(
                "build",
                "--offline",
                "--message-format=json-render-diagnostics",
                f"--profile={request.profile}",
            ),
            driver_args=(
                f"--profile-dir={profile_dir_name(request.profile)}",
                f"--local-package={SHARED_PACKAGE_NAME}",
            ),
            output_directories=(TARGET_DIR, OUT),
            description=f"Compile the third-party crates of {root} that no interpreter reaches",
            zig=request.zig,
        ),
    )
    if result.exit_code == REFUSED_EXIT:
        raise failure(f"Compiling the interpreter-free third-party crates of {root}", result)
    if result.exit_code != 0:
        # The layer only saves time: without it each build compiles those crates itself.
        logger.warning(
            f"{failure(f'Compiling the interpreter-free third-party crates of {root}', result)}"
            "Each extension's build compiles them itself instead. Please report this to the "
            "plugin's maintainers, with the Cargo.toml files involved."
        )
        return CargoLayer(EMPTY_DIGEST, ())
    return await _layer(result.output_digest)


async def _compile_layer(
    request: _DepsLayerRequest,
    vendored: VendoredCrates,
    *,
    sources: Digest,
    inputs: tuple[Digest, ...],
    driver_args: tuple[str, ...],
    description: str,
    what: str,
) -> CargoLayer:
    """One layer of `request`'s build: cargo's target directory after compiling `sources` on
    top of `inputs`, the repo's own crates then removed from it (`--local-package`)."""
    result = await Get(
        FallibleProcessResult,
        CargoProcess(
            root_dir=request.workspace.root_dir,
            vendored=vendored,
            mode="deps",
            sources=sources,
            cargo_args=_cargo_build_args(request),
            driver_args=(f"--profile-dir={profile_dir_name(request.profile)}", *driver_args),
            extra_inputs=inputs,
            env=request.env,
            output_directories=(TARGET_DIR, OUT),
            description=description,
            zig=request.zig,
        ),
    )
    if result.exit_code != 0:
        raise failure(f"Compiling {what}", result)
    return await _layer(result.output_digest)


@rule(desc="Compile third-party crates", level=LogLevel.DEBUG)
async def build_deps_layer(
    request: _DepsLayerRequest,
) -> CargoLayer:
    workspace = request.workspace
    vendored = await Get(VendoredCrates, CargoWorkspace, workspace)
    if request.base:
        base: Optional[CargoLayer] = await Get(CargoLayer, _DepsLayerRequest, request.base)
    elif request.shared:
        base = await Get(CargoLayer, _SharedLayerRequest, request.shared)
    else:
        base = None
    local_packages = []
    for crate_dir in workspace.crate_dirs:
        package = workspace.manifest(crate_dir).get("package") or {}
        if isinstance(package.get("name"), str):
            local_packages.append(package["name"])
    return await _compile_layer(
        request,
        vendored,
        sources=workspace.stub_digest,
        inputs=(base.digest,) if base else (),
        driver_args=tuple(f"--local-package={name}" for name in sorted(local_packages)),
        description=f"Compile third-party crates for {request.description}",
        what=f"the third-party crates of {request.description}",
    )


def _stub_tree_complement(workspace: CargoWorkspace, real_files: set[str]) -> list[str]:
    """Stub-tree files the real sources do not provide: other members' manifests and stubs."""
    kept = [path for path in workspace.real_paths if path not in real_files]
    for crate_dir, paths in workspace.stub_paths.items():
        if posixpath.join(crate_dir, "Cargo.toml") in real_files:
            continue
        kept.extend(p for p in paths if p not in real_files)
    return sorted(kept)


@dataclass(frozen=True)
class CargoSourceTreeRequest:
    workspace: CargoWorkspace
    # The repo's real sources for the crates being built.
    sources: Digest


@dataclass(frozen=True)
class CargoSourceTree:
    """The real sources, completed with the stub tree's manifests and stubs for the rest."""

    digest: Digest


@rule
async def cargo_source_tree(request: CargoSourceTreeRequest) -> CargoSourceTree:
    real_snapshot = await Get(Snapshot, Digest, request.sources)
    kept = _stub_tree_complement(request.workspace, set(real_snapshot.files))
    complement = await Get(Digest, DigestSubset(request.workspace.stub_digest, PathGlobs(kept)))
    return CargoSourceTree(await Get(Digest, MergeDigests([request.sources, complement])))


@dataclass(frozen=True)
class CargoBuildOutput:
    digest: Digest


_STABLE_SOURCES = "__stable_sources.txt"


def _listing(files: tuple[str, ...]) -> bytes:
    return "".join(f"{f}\n" for f in files).encode()


@dataclass(frozen=True)
class _RepoLayerRequest(EngineAwareParameter):
    """One repo crate the built crate depends on, compiled on top of the layers of the crates it
    uses (or of the third-party layer); the crates after it, and the built crate, are stubs.

    Keyed by the sources of that crate and of the ones before it, so editing the built crate
    reuses every such layer, and editing a repo crate recompiles it and the crates that use it,
    never a crate it uses nor a third-party crate.
    """

    deps: _DepsLayerRequest
    crate_dir: str
    # The real sources of this crate and the earlier ones, and their paths.
    sources: Digest
    files: tuple[str, ...]
    base: Optional["_RepoLayerRequest"] = None

    def debug_hint(self) -> str:
        return f"{self.crate_dir or '.'} for {self.deps.description}"


@rule(desc="Compile a repo crate a crate depends on", level=LogLevel.DEBUG)
async def build_repo_layer(
    request: _RepoLayerRequest,
) -> CargoLayer:
    deps = request.deps
    workspace = deps.workspace
    # The earlier crates come compiled in the base layer: their sources get the old mtime so
    # cargo finds those artifacts fresh. This crate's own sources keep fresh mtimes, so its
    # stub from the base layer is replaced.
    earlier = request.base.files if request.base else ()
    vendored, tree, stable = await MultiGet(
        Get(VendoredCrates, CargoWorkspace, workspace),
        Get(CargoSourceTree, CargoSourceTreeRequest(workspace, request.sources)),
        Get(Digest, CreateDigest([FileContent(_STABLE_SOURCES, _listing(earlier))])),
    )
    if request.base:
        base = await Get(CargoLayer, _RepoLayerRequest, request.base)
    else:
        base = await Get(CargoLayer, _DepsLayerRequest, deps)
    description = f"the repo crate {request.crate_dir or '.'} for {deps.description}"
    return await _compile_layer(
        deps,
        vendored,
        sources=tree.digest,
        inputs=(base.digest, stable),
        driver_args=(f"--local-package={deps.package}", f"--stable-sources={_STABLE_SOURCES}"),
        description=f"Compile {description}",
        what=description,
    )


async def _shared_layer_request(
    request: CargoBuildRequest, zig: Optional[ZigLinker]
) -> _SharedLayerRequest:
    workspace = request.workspace
    vendored, config = await MultiGet(
        Get(VendoredCrates, CargoWorkspace, workspace),
        Get(
            Digest,
            DigestSubset(
                workspace.stub_digest,
                PathGlobs(cargo_config_paths(workspace.root_dir)),
            ),
        ),
    )
    package = shared_package(
        request.shared_crates,
        root_manifest=workspace.manifest(workspace.root_dir),
        crate_types=request.crate_types,
    )
    return _SharedLayerRequest(
        root_dir=workspace.root_dir,
        vendored=vendored,
        config=config,
        files=package.files,
        profile=request.profile,
        zig=zig,
    )


@rule(desc="Compile Rust crate", level=LogLevel.DEBUG)
async def cargo_build(
    request: CargoBuildRequest,
) -> CargoBuildResult:
    workspace = request.workspace
    zig = ZigLinker(await Get(ZigDistribution), request.zig) if request.zig is not None else None
    shared_request = await _shared_layer_request(request, zig) if request.shared_crates else None
    deps_request: Optional[_DepsLayerRequest] = None
    for env, description in (*request.earlier_interpreters, (request.env, request.description)):
        deps_request = _DepsLayerRequest(
            workspace=workspace,
            package=request.package,
            target_args=request.target_args,
            features=request.features,
            profile=request.profile,
            env=env,
            description=description,
            base=deps_request,
            shared=shared_request if deps_request is None else None,
            zig=zig,
        )
    assert deps_request is not None
    real = await Get(Snapshot, Digest, request.sources)
    others, _ = split_layer_sources(real.files, workspace.crate_dirs, workspace.crate_dir)
    deps_layer = await Get(CargoLayer, _DepsLayerRequest, deps_request)
    layers = [deps_layer]
    if has_other_crates(others, workspace.crate_dirs, workspace.crate_dir):
        repo_request: Optional[_RepoLayerRequest] = None
        for crate_dir, files in repo_crate_layers(
            others, workspace.crate_dirs, request.repo_crate_order
        ):
            repo_request = _RepoLayerRequest(
                deps=deps_request,
                crate_dir=crate_dir,
                sources=await Get(Digest, DigestSubset(request.sources, PathGlobs(files))),
                files=files,
                base=repo_request,
            )
            layers.append(await Get(CargoLayer, _RepoLayerRequest, repo_request))
    else:
        others = ()
    vendored, sources, stable = await MultiGet(
        Get(VendoredCrates, CargoWorkspace, workspace),
        Get(CargoSourceTree, CargoSourceTreeRequest(workspace, request.sources)),
        Get(Digest, CreateDigest([FileContent(_STABLE_SOURCES, _listing(others))])),
    )
    result = await Get(
        FallibleProcessResult,
        CargoProcess(
            root_dir=workspace.root_dir,
            vendored=vendored,
            mode="build",
            sources=sources.digest,
            cargo_args=_cargo_build_args(request, request.rustc_args),
            driver_args=(
                f"--stable-sources={_STABLE_SOURCES}",
                *(f"--header-candidate={c}" for c in request.header_candidates),
                *(f"--out-dir-package={p}" for p in request.out_dir_packages),
            ),
            extra_inputs=(layers[-1].digest, stable),
            env=request.env,
            description=f"Compile {request.description}",
            zig=zig,
        ),
    )
    if result.exit_code != 0:
        raise failure(f"Compiling {request.description}", result)
    built = await Get(CargoBuildResult, CargoBuildOutput(result.output_digest))
    shared_layer = (
        await Get(CargoLayer, _SharedLayerRequest, shared_request) if shared_request else None
    )
    return dataclasses.replace(built, layers=tuple(layers), shared_layer=shared_layer)


# --------------------------------------------------------------------------------------------
# Pants's Rust goals: test, check, lint (clippy)


@dataclass(frozen=True)
class CargoGoalRequest(EngineAwareParameter):
    """A crate's `cargo test`, `check` or `clippy` (GOAL_COMMANDS), over the real sources of it
    and the repo crates it uses, on top of a cached layer of its third-party crates compiled for
    that goal; the repo's crates are compiled in the step itself."""

    goal: str
    workspace: CargoWorkspace
    sources: Digest
    package: str
    features: FeatureSelection
    env: FrozenDict[str, str]
    description: str
    # After the subcommand's own arguments, and after `--` (test filters, clippy's `-D ...`).
    args: tuple[str, ...] = ()
    trailing_args: tuple[str, ...] = ()
    # A subcommand's own program run in cargo's place (`cargo-clippy`).
    cargo_program: Optional[str] = None
    # cargo's output straight to the terminal, for an interactive run.
    stream_output: bool = False
    # Variables of the goal's step alone, not of its layer (a tool's identity for its key).
    step_env: FrozenDict[str, str] = FrozenDict()

    def debug_hint(self) -> str:
        return self.description


@rule
async def cargo_goal_process(request: CargoGoalRequest) -> Process:
    workspace = request.workspace
    command = GOAL_COMMANDS[request.goal]
    layer_request = _DepsLayerRequest(
        workspace=workspace,
        package=request.package,
        target_args=command.target_args,
        features=request.features,
        profile=command.profile,
        env=request.env,
        description=f"{request.description} ({' '.join(command.layer)})",
        command=command.layer,
    )
    layer, vendored, tree = await MultiGet(
        Get(CargoLayer, _DepsLayerRequest, layer_request),
        Get(VendoredCrates, CargoWorkspace, workspace),
        Get(CargoSourceTree, CargoSourceTreeRequest(workspace, request.sources)),
    )
    return await Get(
        Process,
        CargoProcess(
            root_dir=workspace.root_dir,
            vendored=vendored,
            mode="goal",
            sources=tree.digest,
            cargo_args=(
                *command.command,
                "--frozen",
                f"--profile={command.profile}",
                f"--package={request.package}",
                *command.target_args,
                *request.features.cargo_args(),
                *request.args,
                *(("--", *request.trailing_args) if request.trailing_args else ()),
            ),
            driver_args=(
                *((f"--cargo-program={request.cargo_program}",) if request.cargo_program else ()),
                *(("--stream-output",) if request.stream_output else ()),
            ),
            extra_inputs=(layer.digest,),
            env=FrozenDict({**request.env, **request.step_env}),
            output_directories=(),
            description=f"cargo {request.goal} {request.description}",
        ),
    )


@rule
async def parse_build_output(output: CargoBuildOutput) -> CargoBuildResult:
    """What the driver's build mode wrote: artifacts.json, the artifacts, maybe header.h."""
    files = await Get(Digest, RemovePrefix(output.digest, OUT))
    snapshot, listing_contents = await MultiGet(
        Get(Snapshot, Digest, files),
        Get(DigestContents, DigestSubset(files, PathGlobs(["artifacts.json"]))),
    )
    listing = json.loads(listing_contents[0].content)
    artifacts = listing["artifacts"]
    digests = await MultiGet(
        Get(Digest, DigestSubset(files, PathGlobs([a["file"]]))) for a in artifacts
    )
    header = (
        await Get(Digest, DigestSubset(files, PathGlobs(["header.h"])))
        if "header.h" in snapshot.files
        else None
    )
    out_dir_packages = tuple(listing.get("out_dirs", ()))
    out_dirs = (
        await Get(
            Digest,
            RemovePrefix(
                await Get(Digest, DigestSubset(files, PathGlobs(["out-dirs/**"]))), "out-dirs"
            ),
        )
        if out_dir_packages
        else EMPTY_DIGEST
    )
    return CargoBuildResult(
        artifacts=tuple(
            CargoArtifact(kind=a["kind"], target=a["target"], file=a["file"], digest=digest)
            for a, digest in zip(artifacts, digests)
        ),
        compiled=tuple(listing["compiled"]),
        header=header,
        out_dirs=out_dirs,
        out_dir_packages=out_dir_packages,
    )


def rules():
    return collect_rules()
