"""From a `rust_python_extension` target to the files of its wheel, per interpreter.

Rules here orchestrate; deciding (maturin/project.py), laying out (maturin/layout.py) and describing
(wheel/metadata.py) are plain functions.
"""
from __future__ import annotations

import dataclasses
import json
import posixpath
from dataclasses import dataclass
from typing import Mapping, Optional

from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.engine_aware import EngineAwareParameter
from pants.engine.fs import (
    EMPTY_DIGEST,
    Digest,
    DigestContents,
    DigestSubset,
    MergeDigests,
    PathGlobs,
)
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    AllTargets,
    SourcesField,
    Target,
    TransitiveTargets,
    TransitiveTargetsRequest,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.util.frozendict import FrozenDict
from pants.util.strutil import softwrap
from pants_rust_python.cargo.graph import (
    CargoMetadata,
    GraphError,
    Package,
    find_package,
    local_dependency_order,
)
from pants_rust_python.cargo.manifest import ManifestError, parse_toml
from pants_rust_python.cargo.shared_layer import SharedCrate
from pants_rust_python.maturin.compatibility import (
    CompatibilityError,
    parse_auditwheel_mode,
    parse_compatibility,
)
from pants_rust_python.maturin.interpreter_env import PythonInterpreter, interpreter_build_env
from pants_rust_python.maturin.project import (
    EXTENSION_MODULE_BINDINGS,
    ProjectError,
    ProjectSpec,
    cargo_options,
    interpreters_to_build,
    maturin_project_above,
    resolve_project,
)
from pants_rust_python.maturin.zig import ZigLink, zig_link
from pants_rust_python.parsed import ParsedDocument
from pants_rust_python.repo_paths import repo_path
from pants_rust_python.subsystems.auditwheel import Auditwheel
from pants_rust_python.subsystems.zig import Zig
from pants_rust_python.target_types import (
    NOT_CARGO_INPUT_GLOBS,
    CargoAllFeaturesField,
    CargoDefaultFeaturesField,
    CargoFeaturesField,
    CargoProfileField,
    CargoSourcesField,
    CargoWorkspaceSourcesField,
    RustAuditwheelField,
    RustBinariesField,
    RustBindingsField,
    RustCompatibilityField,
    RustInterpreterConstraintsField,
    RustModuleNameField,
    RustPythonSourceField,
    RustSbomField,
    RustStripField,
    RustZigField,
)
from pants_rust_python.util_rules.cargo_build import (
    CargoBuildRequest,
    CargoBuildResult,
    CargoLayer,
    CargoMetadataRequest,
    CargoMetadataResult,
    FeatureSelection,
)
from pants_rust_python.util_rules.interpreters import Interpreters, InterpretersRequest
from pants_rust_python.util_rules.toolchain import RustToolchain
from pants_rust_python.util_rules.workspace import CargoWorkspace, CargoWorkspaceRequest


class RustPythonBuildError(Exception):
    pass


@dataclass(frozen=True)
class RustProjectRequest(EngineAwareParameter):
    address: Address

    def debug_hint(self) -> str:
        return str(self.address)


@dataclass(frozen=True)
class RustProject:
    """Everything decided about a target before compiling anything, parsed once."""

    address: Address
    workspace: CargoWorkspace
    spec: ProjectSpec
    # The crate's dependency graph as its build resolves it, and the crate in it.
    metadata: CargoMetadata
    package: Package
    # The crate's package in `cargo metadata`, as cargo printed it (for the wheel's metadata).
    cargo_package: ParsedDocument
    pyproject: Optional[ParsedDocument]
    # The third-party crates of the crate's build that no interpreter reaches.
    shared_crates: tuple[SharedCrate, ...]
    # The directories of the repo crates the crate builds on, each after those it uses.
    repo_crate_order: tuple[str, ...]
    features: FeatureSelection
    profile: str
    # Strip the built library or programs (the target's `strip`, or `[tool.maturin] strip`),
    # and `[tool.maturin] rustc-args`: flags of the built crate's own rustc run.
    strip: bool
    # The interpreters it is built for, among those of its constraints (see
    # maturin.project.interpreters_to_build).
    build_for: tuple[PythonInterpreter, ...]
    # The cargo sources of the crate and of every repo crate it depends on (no Python files).
    cargo_sources: Digest
    # The target's own files (pyproject, readme, licenses, python files, stubs), and their paths.
    own_sources: Digest
    own_paths: tuple[str, ...]
    rustc_args: tuple[str, ...]
    # The platform compatibility the wheel is checked against and the auditwheel mode (see
    # maturin.compatibility): the target's, else pyproject.toml's, else the repo's defaults.
    compatibility: str
    audit_mode: str
    # How the build links through zig, when it does (`zig=True`).
    zig: Optional[ZigLink] = None


def _audit_settings(spec: ProjectSpec, auditwheel: Auditwheel, what: str) -> tuple[str, str]:
    """(requested compatibility, auditwheel mode): the project's, else the repo's defaults."""
    try:
        requested = spec.compatibility or parse_compatibility(
            auditwheel.compatibility, "[auditwheel].compatibility"
        )
        mode = spec.auditwheel or parse_auditwheel_mode(auditwheel.mode, "[auditwheel].mode")
    except CompatibilityError as e:
        raise RustPythonBuildError(f"{what}: {e}") from e
    return requested, mode


async def _zig_link(target: Target, zig: Zig, requested: str) -> Optional[ZigLink]:
    enabled = target[RustZigField].value
    if not (zig.enabled if enabled is None else enabled):
        return None
    toolchain = await Get(RustToolchain)
    try:
        return zig_link(toolchain.host_triple, requested, str(target.address))
    except CompatibilityError as e:
        raise RustPythonBuildError(str(e)) from e


async def _refuse_maturin_project_above(address: Address, crate_dir: str) -> None:
    """A crate that a pyproject.toml above it builds with maturin (`src` layout, `manifest-path`)
    would get a wheel without that project's Python packages and metadata here."""
    parent = posixpath.dirname(crate_dir)
    parent_pyproject = posixpath.join(parent, "pyproject.toml")
    found = await Get(
        DigestContents,
        PathGlobs([parent_pyproject, posixpath.join(parent, "Cargo.toml")]),
    )
    by_path = {fc.path: fc.content for fc in found}
    if parent_pyproject not in by_path:
        return
    try:
        value = parse_toml(by_path[parent_pyproject], parent_pyproject)
    except ManifestError:
        return  # Not this target's file: its own target reports it.
    has_cargo_toml = posixpath.join(parent, "Cargo.toml") in by_path
    if maturin_project_above(crate_dir, value, has_cargo_toml):
        raise RustPythonBuildError(
            f"{address}: {parent_pyproject} builds {crate_dir}/Cargo.toml with maturin from "
            f"{parent or 'the build root'} (maturin's `src` layout or `manifest-path`), which "
            "pants_rust_python does not support yet: a target here would build a wheel without "
            "that project's Python packages and metadata. Put pyproject.toml and the Python "
            f"package beside {crate_dir}/Cargo.toml (with `python-source` naming where the "
            "package is), or build this project with maturin."
        )


@rule(desc="Plan a Rust Python build")
async def plan_rust_project(
    request: RustProjectRequest, python_setup: PythonSetup, auditwheel: Auditwheel, zig: Zig
) -> RustProject:
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<rust_python>")
    )
    target: Target = wrapped.target
    is_binary = target.has_field(RustBinariesField)
    crate_dir = request.address.spec_path
    description = f"the target {request.address}"

    transitive, all_targets = await MultiGet(
        Get(TransitiveTargets, TransitiveTargetsRequest([request.address])),
        Get(AllTargets),
    )
    _check_one_target_per_crate(target, all_targets)
    cargo_source_fields = [
        tgt[SourcesField]
        for tgt in transitive.closure
        if tgt.has_field(CargoSourcesField) or tgt.has_field(CargoWorkspaceSourcesField)
    ]
    workspace, cargo_sources, own_sources = await MultiGet(
        Get(CargoWorkspace, CargoWorkspaceRequest(crate_dir, description)),
        Get(SourceFiles, SourceFilesRequest(cargo_source_fields)),
        Get(SourceFiles, SourceFilesRequest([target[SourcesField]])),
    )
    pyproject_path = posixpath.join(crate_dir, "pyproject.toml") if crate_dir else "pyproject.toml"
    own_paths = own_sources.snapshot.files
    pyproject_contents, cargo_inputs = await MultiGet(
        Get(
            DigestContents,
            DigestSubset(own_sources.snapshot.digest, PathGlobs([pyproject_path])),
        ),
        Get(
            Digest,
            DigestSubset(
                cargo_sources.snapshot.digest,
                PathGlobs(["**", *(f"!{glob}" for glob in NOT_CARGO_INPUT_GLOBS)]),
            ),
        ),
    )
    pyproject: Optional[ParsedDocument] = None
    try:
        for fc in pyproject_contents:
            value = parse_toml(fc.content, pyproject_path)
            pyproject = ParsedDocument(pyproject_path, fc.content.decode(), value)
        spec_options = cargo_options(pyproject.value if pyproject else None, pyproject_path)
    except (ManifestError, ProjectError) as e:
        raise RustPythonBuildError(str(e)) from e
    if not pyproject_contents and crate_dir:
        await _refuse_maturin_project_above(request.address, crate_dir)

    features = FeatureSelection(
        features=tuple(sorted({*spec_options.features, *(target[CargoFeaturesField].value or ())})),
        default_features=target[CargoDefaultFeaturesField].value
        and not spec_options.no_default_features,
        all_features=target[CargoAllFeaturesField].value or spec_options.all_features,
    )
    profile = target[CargoProfileField].value or spec_options.profile or "release"

    ics = InterpreterConstraints(
        target[RustInterpreterConstraintsField].value_or_global_default(python_setup)
    )
    metadata_result, interpreters = await MultiGet(
        Get(
            CargoMetadataResult, CargoMetadataRequest(workspace, _package_name(workspace), features)
        ),
        Get(Interpreters, InterpretersRequest(ics, description)),
    )
    meta = metadata_result.metadata
    cargo_toml_path = posixpath.join(crate_dir, "Cargo.toml") if crate_dir else "Cargo.toml"
    try:
        package = find_package(
            meta, posixpath.join(meta.workspace_root, workspace.crate_manifest_from_root)
        )
        spec = resolve_project(
            meta=meta,
            package=package,
            cargo_manifest=workspace.manifest(crate_dir),
            cargo_toml_path=cargo_toml_path,
            pyproject=pyproject.value if pyproject else None,
            pyproject_path=pyproject_path if pyproject is not None else None,
            files=own_paths,
            module_name=target.get(RustModuleNameField).value,
            bindings="bin" if is_binary else target[RustBindingsField].value,
            python_source=target.get(RustPythonSourceField).value,
            sbom=target.get(RustSbomField).value,
            compatibility=target.get(RustCompatibilityField).value,
            auditwheel=target.get(RustAuditwheelField).value,
        )
    except (GraphError, ProjectError) as e:
        raise RustPythonBuildError(f"{request.address}: {e}") from e
    try:
        build_for = interpreters_to_build(spec, interpreters.interpreters)
    except ProjectError as e:
        raise RustPythonBuildError(f"{request.address}: {e}") from e
    repo_crate_order = tuple(
        repo_path(
            workspace.root_dir,
            posixpath.relpath(posixpath.dirname(p.manifest_path), meta.workspace_root),
        )
        for p in local_dependency_order(meta, package.id)
    )
    _check_repo_crates_owned(request.address, repo_crate_order, cargo_sources.snapshot.files)

    if is_binary:
        wanted = target[RustBinariesField].value
        if wanted:
            unknown = sorted(set(wanted) - set(spec.bin_names))
            if unknown:
                raise RustPythonBuildError(
                    f"{request.address}: `bins` names {', '.join(unknown)}, but the crate's "
                    f"buildable binaries are {', '.join(spec.bin_names) or 'none'} ({cargo_toml_path})."
                )
            spec = dataclasses.replace(
                spec, bin_names=tuple(b for b in spec.bin_names if b in wanted)
            )

    compatibility, audit_mode = _audit_settings(spec, auditwheel, str(request.address))
    zig_plan = await _zig_link(target, zig, compatibility)
    return RustProject(
        address=request.address,
        workspace=workspace,
        spec=spec,
        metadata=meta,
        package=package,
        cargo_package=_package_document(request.address, metadata_result.document, package.id),
        pyproject=pyproject,
        shared_crates=metadata_result.shared_crates,
        repo_crate_order=repo_crate_order,
        features=features,
        profile=profile,
        strip=bool(target.get(RustStripField).value) or spec_options.strip,
        rustc_args=spec_options.rustc_args,
        build_for=build_for,
        cargo_sources=cargo_inputs,
        own_sources=own_sources.snapshot.digest,
        own_paths=own_paths,
        compatibility=zig_plan.requested if zig_plan else compatibility,
        audit_mode=audit_mode,
        zig=zig_plan,
    )


def _package_document(
    address: Address, document: ParsedDocument, package_id: str
) -> ParsedDocument:
    for raw in document.value["packages"]:
        if raw.get("id") == package_id:
            return ParsedDocument(
                f"{document.path}:{package_id}", json.dumps(raw, sort_keys=True), raw
            )
    raise RustPythonBuildError(f"{address}: {package_id} is missing from `cargo metadata`.")


def _check_one_target_per_crate(target: Target, all_targets: AllTargets) -> None:
    """Two extension (or two binary) targets of one crate would build the same module (or the
    same programs) into two identically named wheels."""
    kind = RustBinariesField if target.has_field(RustBinariesField) else RustModuleNameField
    same = sorted(
        str(t.address)
        for t in all_targets
        if t.has_field(kind)
        and t.address.spec_path == target.address.spec_path
        and t.address != target.address
        and not t.address.is_generated_target
    )
    if same:
        what = "programs" if kind is RustBinariesField else "Python module"
        crate = repo_path(target.address.spec_path, "Cargo.toml")
        raise RustPythonBuildError(
            softwrap(
                f"""
                {target.address} and {', '.join(same)} all build the crate {crate}: they would
                provide the same {what} in wheels of the same name. Keep one such target per
                crate (set `features` or `module_name` on it as needed), or move the other
                crate into a directory of its own.
                """
            )
        )


def _check_repo_crates_owned(
    address: Address, crate_dirs: tuple[str, ...], cargo_files: tuple[str, ...]
) -> None:
    """A repo crate no target owns would reach cargo as an empty placeholder."""
    files = set(cargo_files)
    unowned = [d for d in crate_dirs if repo_path(d, "Cargo.toml") not in files]
    if unowned:
        where = ", ".join(f"`{d or '.'}`" for d in unowned)
        raise RustPythonBuildError(
            softwrap(
                f"""
                {address}: the crate builds on the repo crate(s) in {where}, which no target
                owns, so their sources would not reach the build. Add `rust_crate()` to the
                BUILD file in each of those directories, or run `./pants tailor ::`.
                """
            )
        )


async def read_stub(project: RustProject) -> Optional[bytes]:
    """The content of the project's `.pyi` stub (`spec.stub_path`), if it has one."""
    if not project.spec.stub_path:
        return None
    contents = await Get(
        DigestContents, DigestSubset(project.own_sources, PathGlobs([project.spec.stub_path]))
    )
    return contents[0].content


def extension_suffix(spec: ProjectSpec, interpreter: PythonInterpreter) -> str:
    """The native library's file suffix inside the package."""
    if spec.abi3 is not None:
        return ".abi3.so"
    if spec.bindings == "cffi":
        return ".so"
    return interpreter.ext_suffix


def _package_name(workspace: CargoWorkspace) -> str:
    package = workspace.manifest(workspace.crate_dir).get("package")
    name = package.get("name") if isinstance(package, Mapping) else None
    if not isinstance(name, str):
        raise RustPythonBuildError(
            f"{workspace.crate_dir}/Cargo.toml has no [package] name: a Python extension must be a package."
        )
    return name


def interpreter_env(project: RustProject, interpreter: PythonInterpreter) -> FrozenDict[str, str]:
    """How the crate's build learns `interpreter` (see maturin/interpreter_env.py)."""
    spec = project.spec
    return FrozenDict(
        interpreter_build_env(
            bindings=spec.bindings,
            bindings_crate=spec.bindings_crate,
            bindings_crate_version=spec.bindings_crate_version,
            abi3=spec.abi3,
            interpreter=interpreter,
        )
    )


def _cargo_build_request(
    project: RustProject,
    interpreter: PythonInterpreter,
    target_args: tuple[str, ...],
    rustc_args: tuple[str, ...],
    header_candidates: tuple[str, ...] = (),
) -> CargoBuildRequest:
    lib = project.package.lib_target
    crate_types = lib.crate_types if "--lib" in target_args and lib else None

    def described(i: PythonInterpreter) -> tuple[FrozenDict[str, str], str]:
        return interpreter_env(project, i), f"{project.address} for Python {i.major_minor}"

    env, description = described(interpreter)
    # The builds for older interpreters come first; this one's third-party layer is compiled on
    # top of theirs, so crates the interpreter cannot reach are compiled once for all of them.
    interpreters = project.build_for
    earlier = interpreters[: interpreters.index(interpreter)] if interpreter in interpreters else ()
    return CargoBuildRequest(
        workspace=project.workspace,
        sources=project.cargo_sources,
        repo_crate_order=project.repo_crate_order,
        package=project.spec.crate_name,
        target_args=target_args,
        features=project.features,
        profile=project.profile,
        env=env,
        rustc_args=rustc_args,
        description=description,
        header_candidates=header_candidates,
        earlier_interpreters=tuple(
            dict.fromkeys(d for d in map(described, earlier) if d[0] != env)
        ),
        shared_crates=project.shared_crates,
        crate_types=crate_types,
        zig=project.zig,
        out_dir_packages=out_dir_packages(project.spec),
    )


def out_dir_packages(spec: ProjectSpec) -> tuple[str, ...]:
    """The packages whose OUT_DIR `[tool.maturin] include` takes files from."""
    return tuple(sorted({i.crate_name or spec.crate_name for i in spec.out_dir_includes}))


def cffi_header_candidates(cargo_toml_path: str, workspace_root: str) -> tuple[str, ...]:
    """Where a build script may leave the C header for cffi (maturin reads `target/header.h`):
    under the crate root, or under the workspace root, where cargo's target dir would be."""
    crate_dir = posixpath.dirname(cargo_toml_path)
    candidates = (
        posixpath.join(crate_dir, "target", "header.h"),
        posixpath.join(workspace_root, "target", "header.h"),
    )
    return tuple(dict.fromkeys(candidates))


@dataclass(frozen=True)
class NativeLibraryRequest(EngineAwareParameter):
    project: RustProject
    interpreter: PythonInterpreter

    def debug_hint(self) -> str:
        return f"{self.project.address} for Python {self.interpreter.major_minor}"


@dataclass(frozen=True)
class BuildScriptOutputs:
    """What build scripts wrote to their OUT_DIR, for `[tool.maturin] include` entries."""

    # Each package's OUT_DIR at `<package>/...`.
    digest: Digest = EMPTY_DIGEST
    # The packages whose build script ran (an empty OUT_DIR has no files in `digest`).
    packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class NativeLibrary:
    # The cdylib alone, at `filename`.
    digest: Digest
    filename: str
    # Package ids cargo compiled on top of the dependency layer.
    compiled: tuple[str, ...]
    # cffi: the C header the build script wrote to `target/header.h`, if it did (at `header.h`).
    header: Optional[Digest] = None
    # The cached layers the final step built on (see cargo_build).
    layers: tuple[CargoLayer, ...] = ()
    shared_layer: Optional[CargoLayer] = None
    # OUT_DIRs of build scripts, at `<package>/...` (see CargoBuildResult).
    out_dirs: BuildScriptOutputs = BuildScriptOutputs()


@rule(desc="Build a Rust Python extension")
async def build_native_library(request: NativeLibraryRequest) -> NativeLibrary:
    project = request.project
    rustc_args = _rustc_args(project)
    headers = (
        cffi_header_candidates(project.spec.cargo_toml_path, project.workspace.root_dir)
        if project.spec.bindings == "cffi"
        else ()
    )
    result = await Get(
        CargoBuildResult,
        CargoBuildRequest,
        _cargo_build_request(project, request.interpreter, ("--lib",), rustc_args, headers),
    )
    libraries = [
        a
        for a in result.artifacts
        if a.kind == "cdylib" and a.file.endswith((".so", ".dylib", ".dll"))
    ]
    if len(libraries) != 1:
        raise RustPythonBuildError(
            f"{project.address}: expected one cdylib from cargo, got {[a.file for a in result.artifacts]}."
        )
    library = libraries[0]
    if project.spec.bindings in EXTENSION_MODULE_BINDINGS:
        contents = await Get(DigestContents, Digest, library.digest)
        _check_exports(project, contents[0].content)
    return NativeLibrary(
        library.digest,
        library.file,
        result.compiled,
        result.header,
        result.layers,
        result.shared_layer,
        BuildScriptOutputs(result.out_dirs, result.out_dir_packages),
    )


@dataclass(frozen=True)
class NativeProgramsRequest(EngineAwareParameter):
    project: RustProject
    interpreter: PythonInterpreter

    def debug_hint(self) -> str:
        return str(self.project.address)


@dataclass(frozen=True)
class NativePrograms:
    # The executables, each at its file name.
    digest: Digest
    # Binary target name -> file name in `digest`.
    programs: FrozenDict[str, str]
    compiled: tuple[str, ...]
    out_dirs: BuildScriptOutputs = BuildScriptOutputs()


@rule(desc="Build Rust programs for a wheel")
async def build_native_programs(request: NativeProgramsRequest) -> NativePrograms:
    project = request.project
    spec = project.spec
    bins = tuple(arg for name in spec.bin_names for arg in ("--bin", name))
    rustc_args = _rustc_args(project)
    if rustc_args and len(spec.bin_names) > 1:
        raise RustPythonBuildError(
            f"{project.address}: `strip` and `[tool.maturin] rustc-args` apply to one program "
            f"at a time (`cargo rustc`), and the target ships {', '.join(spec.bin_names)}. Give "
            "each program a target of its own (`bins=[...]`), or drop the flags."
        )
    result = await Get(
        CargoBuildResult,
        CargoBuildRequest,
        _cargo_build_request(project, request.interpreter, bins, rustc_args),
    )
    built = [a for a in result.artifacts if a.kind == "bin"]
    programs = {a.target: a.file for a in built}
    missing = sorted(set(spec.bin_names) - set(programs))
    if missing:
        raise RustPythonBuildError(
            f"{project.address}: cargo built no program for {', '.join(missing)}."
        )
    digest = await Get(Digest, MergeDigests(a.digest for a in built))
    return NativePrograms(
        digest,
        FrozenDict(programs),
        result.compiled,
        BuildScriptOutputs(result.out_dirs, result.out_dir_packages),
    )


def _rustc_args(project: RustProject) -> tuple[str, ...]:
    """The built crate's own rustc flags (`cargo rustc -- ...`), which no dependency layer
    sees: stripping, as `maturin build --strip` links, then `[tool.maturin] rustc-args`."""
    return (*(("-C", "link-arg=-s") if project.strip else ()), *project.rustc_args)


def _check_exports(project: RustProject, library: bytes) -> None:
    """A module that does not export `PyInit_<name>` imports as an ImportError at runtime."""
    spec = project.spec
    symbol = f"PyInit_{spec.extension_name}".encode()
    if symbol + b"\x00" not in library:
        raise RustPythonBuildError(
            softwrap(
                f"""
                {project.address}: the library built from {spec.cargo_toml_path} does not export
                `PyInit_{spec.extension_name}`, so `import {spec.module_name}` would fail. The
                module name must match the Rust module: name the `#[pymodule]` function
                `{spec.extension_name}` (or give it `#[pyo3(name = "{spec.extension_name}")]`),
                or set `module_name` / `[tool.maturin] module-name` to the name it has.
                """
            )
        )


def rules():
    return collect_rules()
