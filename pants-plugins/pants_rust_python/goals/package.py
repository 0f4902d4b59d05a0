"""`pants package` for `rust_python_extension`: one wheel per interpreter, or one abi3 wheel."""
from __future__ import annotations

import fnmatch
import logging
import posixpath
from dataclasses import dataclass
from typing import Callable, Collection, Iterable, Optional, Sequence, Tuple

from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.engine.addresses import Address
from pants.engine.engine_aware import EngineAwareParameter
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
    GlobMatchErrorBehavior,
    MergeDigests,
    PathGlobs,
    Snapshot,
)
from pants.engine.internals.build_files import BuildFileOptions
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.unions import UnionRule
from pants_rust_python import __version__
from pants_rust_python.cargo.graph import local_dependency_order
from pants_rust_python.maturin import tags as wheel_tags
from pants_rust_python.maturin.interpreter_env import PythonInterpreter
from pants_rust_python.maturin.layout import (
    IncludedFile,
    Origin,
    data_entries,
    include_roots,
    materialize,
    out_dir_wheel_path,
    plan_binary,
    plan_extension,
    python_package_globs,
    with_generated,
)
from pants_rust_python.maturin.project import BIN, ProjectSpec
from pants_rust_python.maturin.sdist_layout import (
    SdistCrate,
    SdistLayoutError,
    archive_root,
    sdist_members,
)
from pants_rust_python.repo_paths import repo_path
from pants_rust_python.target_types import (
    RustBinarySourcesField,
    RustPythonSourcesField,
    RustSdistField,
)
from pants_rust_python.util_rules.auditwheel import decide_wheel_platforms
from pants_rust_python.util_rules.cffi import CffiFiles, CffiFilesRequest
from pants_rust_python.util_rules.extension import (
    BuildScriptOutputs,
    NativeLibrary,
    NativeLibraryRequest,
    NativePrograms,
    NativeProgramsRequest,
    RustProject,
    RustProjectRequest,
    RustPythonBuildError,
    extension_suffix,
)
from pants_rust_python.util_rules.source_date_epoch import SourceDateEpoch, SourceDateEpochRequest
from pants_rust_python.wheel.entry import WheelEntry
from pants_rust_python.wheel.metadata import (
    CoreMetadata,
    MetadataError,
    build_core_metadata,
    check_header_values,
    entry_points_txt,
    metadata_input_globs,
    render_metadata,
    require_cffi,
)
from pants_rust_python.wheel.sbom import (
    GRAFTED_SBOM_FILENAME,
    GraftedLibrary,
    SbomError,
    cyclonedx_sbom,
    grafted_libraries_sbom,
    sbom_filename,
)
from pants_rust_python.wheel.sdist import SdistError, build_sdist
from pants_rust_python.wheel.wheel import build_wheel, unpacked_entries

logger = logging.getLogger(__name__)

GENERATOR = f"pants-rust-python ({__version__})"


@dataclass(frozen=True)
class RustPythonExtensionFieldSet(PackageFieldSet):
    required_fields = (RustPythonSourcesField,)

    sources: RustPythonSourcesField
    sdist: RustSdistField


@dataclass(frozen=True)
class WheelRequest(EngineAwareParameter):
    project: RustProject
    interpreter: PythonInterpreter
    source_date_epoch: Optional[int]

    def debug_hint(self) -> str:
        return f"{self.project.address} for Python {self.interpreter.major_minor}"


@dataclass(frozen=True)
class Wheel:
    filename: str
    # The wheel alone, at `filename`.
    digest: Digest


def _project_globs(
    spec: ProjectSpec, patterns: tuple[str, ...], root: Optional[str] = None
) -> PathGlobs:
    """`[tool.maturin] include`/`exclude` patterns: relative to pyproject.toml's directory (or
    `root`); one matching nothing is no error, as in maturin."""
    return PathGlobs(
        [repo_path(spec.project_root if root is None else root, p) for p in patterns],
        glob_match_error_behavior=GlobMatchErrorBehavior.ignore,
    )


def _python_paths(python_source: str, paths: Iterable[str]) -> dict[str, str]:
    """The target's files under the python source dir: their path relative to it (= their path
    in the wheel) -> their path in the repo."""
    prefix = f"{python_source}/" if python_source else ""
    return {p[len(prefix) :]: p for p in paths if p.startswith(prefix)}


@dataclass(frozen=True)
class WheelMetadataRequest(EngineAwareParameter):
    project: RustProject

    def debug_hint(self) -> str:
        return str(self.project.address)


@dataclass(frozen=True)
class WheelMetadata:
    """The wheel's core metadata, read and checked once per target, before anything compiles."""

    metadata: CoreMetadata


@rule(desc="Read the wheel metadata of a Rust crate")
async def wheel_metadata(request: WheelMetadataRequest) -> WheelMetadata:
    project = request.project
    spec = project.spec
    pyproject = project.pyproject.value if project.pyproject else None
    cargo_package = project.cargo_package.value
    crate_dir = posixpath.dirname(spec.cargo_toml_path)
    pyproject_dir = posixpath.dirname(spec.pyproject_path) if spec.pyproject_path else crate_dir
    # Readmes and license files, the target's own and those beyond it (workspace inheritance).
    metadata_files = await Get(
        DigestContents,
        PathGlobs(
            metadata_input_globs(
                cargo_package=cargo_package,
                pyproject=pyproject,
                crate_dir=crate_dir,
                pyproject_dir=pyproject_dir,
            )
        ),
    )
    try:
        metadata = build_core_metadata(
            cargo_package=cargo_package,
            pyproject=pyproject,
            files={fc.path: fc.content for fc in metadata_files},
            crate_dir=crate_dir,
            pyproject_dir=pyproject_dir,
            workspace_dir=project.workspace.root_dir,
        )
        check_header_values(
            metadata,
            " or ".join(f"`{f}`" for f in (spec.pyproject_path, spec.cargo_toml_path) if f),
        )
    except MetadataError as e:
        raise RustPythonBuildError(f"{project.address}: {e}") from e
    if spec.bindings == "cffi":
        metadata = require_cffi(metadata)
    return WheelMetadata(metadata)


async def _wheel_includes(
    spec: ProjectSpec, excluded: frozenset[str]
) -> tuple[Tuple[IncludedFile, ...], dict[str, bytes]]:
    """The files of `[tool.maturin] include` for wheels, as maturin 1.16 finds them: each glob
    at the project root, else at the python source directory; then the exclusions."""
    roots = include_roots(spec)
    found = await MultiGet(
        Get(Snapshot, PathGlobs, _project_globs(spec, (pattern,))) for pattern in spec.include
    )
    unmatched = [p for p, snapshot in zip(spec.include, found) if not snapshot.files]
    fallback = await MultiGet(
        Get(Snapshot, PathGlobs, _project_globs(spec, (pattern,), root=roots[-1]))
        for pattern in (unmatched if len(roots) > 1 else ())
    )
    sources = sorted(
        {f for snapshot in (*found, *fallback) for f in snapshot.files if f not in excluded}
    )
    if not sources:
        return (), {}
    contents = await Get(DigestContents, PathGlobs(sources))
    return (
        tuple(IncludedFile(fc.path, fc.is_executable) for fc in contents),
        {fc.path: fc.content for fc in contents},
    )


async def _contents(digest: Digest) -> dict[str, bytes]:
    return {fc.path: fc.content for fc in await Get(DigestContents, Digest, digest)}


async def _wheel_sboms(project: RustProject) -> dict[str, bytes]:
    """The files of `<dist-info>/sboms/`: the Rust crates' SBOM and those the project includes."""
    spec = project.spec
    sboms: dict[str, bytes] = {}
    if spec.rust_sbom:
        try:
            sboms[sbom_filename(spec.crate_name)] = cyclonedx_sbom(
                project.metadata,
                project.package,
                project.workspace.lockfile_document.value,
                application=spec.bindings == "bin",
            )
        except SbomError as e:
            raise RustPythonBuildError(f"{project.address}: {e}") from e
    if spec.sbom_include:
        included = await Get(
            DigestContents,
            PathGlobs(
                spec.sbom_include,
                glob_match_error_behavior=GlobMatchErrorBehavior.error,
                description_of_origin=(
                    f"`[tool.maturin.sbom] include` of {spec.pyproject_path} ({project.address})"
                ),
            ),
        )
        for fc in included:
            name = posixpath.basename(fc.path)
            if name in sboms:
                raise RustPythonBuildError(
                    f"{project.address}: `[tool.maturin.sbom] include` lists {fc.path}, whose "
                    f"name is that of the crates' own SBOM. Rename it, or turn the crates' SBOM "
                    "off (`sbom=False` on the target or `rust = false` in [tool.maturin.sbom])."
                )
            sboms[name] = fc.content
    return sboms


async def _audited(
    project: RustProject,
    interpreter: PythonInterpreter,
    assemble: Callable[[Sequence[str], Sequence[WheelEntry]], tuple[str, bytes]],
    entries: Sequence[WheelEntry],
) -> tuple[Tuple[str, ...], Sequence[WheelEntry], Tuple[GraftedLibrary, ...]]:
    """The wheel's platform tags, as maturin decides them from auditwheel's report on a draft
    of it, its entries, repaired when libraries are grafted, and those libraries."""
    what = str(project.address)
    linux = wheel_tags.platform_tag(interpreter.platform)
    decided = await decide_wheel_platforms(
        linux_platform=linux,
        requested=project.compatibility,
        mode=project.audit_mode,
        allow_libpython=project.spec.bindings == BIN,
        what=what,
        draft=lambda platform: assemble((platform,), entries),
    )
    if decided.repaired is None:
        return decided.platforms, entries, ()
    repaired = (await _contents(decided.repaired.digest))[decided.repaired.filename]
    return decided.platforms, unpacked_entries(repaired), decided.repaired.grafted


def _is_build_file(path: str, build_file_options: BuildFileOptions) -> bool:
    """Pants's BUILD files are the repo's, never a wheel's (where maturin would ship them)."""
    name = posixpath.basename(path)
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in build_file_options.patterns)


async def _out_dir_entries(project: RustProject, outputs: BuildScriptOutputs) -> list[WheelEntry]:
    """`[tool.maturin] include` entries from a build script's OUT_DIR, as maturin 1.16: an
    error when the package has no build script, a warning when a glob matches nothing."""
    spec = project.spec
    found = await MultiGet(
        Get(
            DigestContents,
            DigestSubset(
                outputs.digest,
                PathGlobs([f"{include.crate_name or spec.crate_name}/{include.pattern}"]),
            ),
        )
        for include in spec.out_dir_includes
    )
    entries: list[WheelEntry] = []
    for include, contents in zip(spec.out_dir_includes, found):
        package = include.crate_name or spec.crate_name
        if package not in outputs.packages:
            raise RustPythonBuildError(
                f"{project.address}: `include` in {spec.pyproject_path} takes "
                f"`{include.pattern}` from the OUT_DIR of `{package}`, but no build script of "
                f"`{package}` ran in this build. Give that crate a build script (build.rs), or "
                "name a package that has one with `crate_name`."
            )
        if not contents:
            logger.warning(
                f"{project.address}: no file in the OUT_DIR of `{package}` matched "
                f"`{include.pattern}` (`include` in {spec.pyproject_path})."
            )
        entries.extend(
            WheelEntry(
                out_dir_wheel_path(include, posixpath.relpath(fc.path, package)),
                fc.content,
                fc.is_executable,
            )
            for fc in contents
        )
    return entries


def _in_data_dir(spec: ProjectSpec, path: str) -> str:
    assert spec.data_dir is not None
    return posixpath.relpath(path, spec.data_dir)


async def _data_dir_files(spec: ProjectSpec, excluded: Collection[str]) -> list[FileContent]:
    """The files of the project's data directory (`[tool.maturin] data`, else
    `<module_name>.data/`), minus `exclude`."""
    if spec.data_dir is None:
        return []
    contents = await Get(DigestContents, PathGlobs([f"{spec.data_dir}/**"]))
    return [fc for fc in contents if fc.path not in excluded]


@rule(desc="Build a wheel from a Rust crate")
async def build_extension_wheel(
    request: WheelRequest, build_file_options: BuildFileOptions
) -> Wheel:
    project = request.project
    spec = project.spec
    interpreter = request.interpreter
    metadata = (await Get(WheelMetadata, WheelMetadataRequest(project))).metadata
    excluded, package_files = await MultiGet(
        Get(Snapshot, PathGlobs, _project_globs(spec, spec.exclude)),
        # Package data: maturin ships every file of the python packages.
        Get(
            Snapshot,
            PathGlobs,
            PathGlobs(
                python_package_globs(spec),
                glob_match_error_behavior=GlobMatchErrorBehavior.ignore,
            ),
        ),
    )
    python_paths = {
        path: source
        for path, source in _python_paths(
            spec.python_source, (*project.own_paths, *package_files.files)
        ).items()
        if source not in excluded.files and not _is_build_file(source, build_file_options)
    }
    included, included_files = await _wheel_includes(spec, frozenset(excluded.files))
    try:
        # Where every file goes, then the contents of just those files.
        if spec.bindings == "bin":
            planned = plan_binary(
                spec,
                version=metadata.version,
                python_paths=python_paths,
                with_stub=spec.stub_path is not None,
                included=included,
            )
        else:
            planned = plan_extension(
                spec,
                ext_suffix=extension_suffix(spec, interpreter),
                python_paths=python_paths,
                with_stub=spec.stub_path is not None,
                included=included,
            )
    except ValueError as e:
        raise RustPythonBuildError(f"{project.address}: {e}") from e
    needed = [python_paths[f.key] for f in planned if f.origin is Origin.PYTHON_FILE]
    if any(f.origin is Origin.STUB for f in planned) and spec.stub_path:
        needed.append(spec.stub_path)
    own_paths = set(project.own_paths)
    own_digest, package_data = await MultiGet(
        Get(Digest, DigestSubset(project.own_sources, PathGlobs(needed))),
        Get(DigestContents, PathGlobs([p for p in needed if p not in own_paths])),
    )
    own = {**await _contents(own_digest), **{fc.path: fc.content for fc in package_data}}
    library: Optional[bytes] = None
    ffi_py: Optional[bytes] = None
    programs: dict[str, bytes] = {}
    if spec.bindings == "bin":
        built = await Get(NativePrograms, NativeProgramsRequest(project, interpreter))
        files = await _contents(built.digest)
        programs = {name: files[file] for name, file in built.programs.items()}
        build_outputs = built.out_dirs
    else:
        native = await Get(NativeLibrary, NativeLibraryRequest(project, interpreter))
        library = (await _contents(native.digest))[native.filename]
        build_outputs = native.out_dirs
        if spec.bindings == "cffi":
            cffi_files = await Get(CffiFiles, CffiFilesRequest(project, native.header))
            ffi_py = next(iter((await _contents(cffi_files.digest)).values()))
    pyproject = project.pyproject.value if project.pyproject else None
    sboms = await _wheel_sboms(project)
    data_files = await _data_dir_files(spec, excluded.files)
    generated = await _out_dir_entries(project, build_outputs)
    try:
        entries = materialize(
            planned,
            library=library,
            programs=programs,
            ffi_py=ffi_py,
            python_files={rel: own[path] for rel, path in python_paths.items() if path in own},
            stub=own.get(spec.stub_path) if spec.stub_path else None,
            included_files=included_files,
        )
        # The data directory lands in the wheel's `.data/`, executables kept executable.
        generated.extend(
            data_entries(
                spec,
                version=metadata.version,
                data_files={_in_data_dir(spec, fc.path): fc.content for fc in data_files},
                executable=[_in_data_dir(spec, fc.path) for fc in data_files if fc.is_executable],
            )
        )
        entries = with_generated(entries, generated)
    except ValueError as e:
        raise RustPythonBuildError(f"{project.address}: {e}") from e

    def assemble(
        platforms: Sequence[str], wheel_entries: Sequence[WheelEntry]
    ) -> tuple[str, bytes]:
        try:
            return build_wheel(
                distribution=metadata.name,
                version=metadata.version,
                tags=[wheel_tags.wheel_tag(spec, interpreter.major, interpreter.minor, platforms)],
                metadata=render_metadata(metadata),
                entries=wheel_entries,
                entry_points=entry_points_txt(pyproject) if pyproject else None,
                license_files=metadata.license_file_map(),
                sboms=sboms,
                generator=GENERATOR,
                source_date_epoch=request.source_date_epoch,
            )
        except (MetadataError, ValueError) as e:
            raise RustPythonBuildError(f"{project.address}: {e}") from e

    platforms, final_entries, grafted = await _audited(project, interpreter, assemble, entries)
    if grafted and spec.grafted_sbom:
        grafted_sbom = grafted_libraries_sbom(metadata.name, metadata.version, grafted)
        if grafted_sbom is not None:
            sboms[GRAFTED_SBOM_FILENAME] = grafted_sbom
    filename, content = assemble(platforms, final_entries)
    return Wheel(filename, await Get(Digest, CreateDigest([FileContent(filename, content)])))


@dataclass(frozen=True)
class SdistRequest(EngineAwareParameter):
    project: RustProject
    source_date_epoch: Optional[int]

    def debug_hint(self) -> str:
        return str(self.project.address)


@dataclass(frozen=True)
class Sdist:
    filename: str
    # The sdist alone, at `filename`.
    digest: Digest


def _path_dependencies(project: RustProject) -> tuple[SdistCrate, ...]:
    meta = project.metadata
    return tuple(
        SdistCrate(
            repo_path(
                project.workspace.root_dir,
                posixpath.relpath(posixpath.dirname(p.manifest_path), meta.workspace_root),
            ),
            p.readme,
            p.license_file,
        )
        for p in local_dependency_order(meta, project.package.id)
    )


def sdist_refusal(project: RustProject) -> Optional[str]:
    """Why the project's sdist cannot be laid out yet, or None (checked before compiling)."""
    spec = project.spec
    outside = sorted(d for d in project.repo_crate_order if d not in project.workspace.crate_dirs)
    if outside:
        return (
            f"`sdist=True` supports path dependencies on members of the crate's own workspace "
            f"(`{project.workspace.root_dir or '.'}`), but it depends on "
            f"{', '.join(f'`{d}`' for d in outside)}, outside it. Build its wheels only "
            "(`sdist=False`)."
        )
    root = archive_root(project.workspace.root_dir, spec.project_root, project.repo_crate_order)
    if root != spec.project_root:
        return moved_pyproject_refusal(spec, root)
    return None


def moved_pyproject_refusal(spec: ProjectSpec, root: str) -> Optional[str]:
    """What keeps pyproject.toml from moving to the sdist's root (maturin then rewrites the
    paths of the Python layout, which is not supported yet)."""
    if spec.pyproject_path is None:
        return (
            f"`sdist=True` for a crate below its workspace root (`{root or '.'}`) needs a "
            "pyproject.toml beside its Cargo.toml. Add one, or build wheels only (`sdist=False`)."
        )
    layout = [
        what
        for what, present in (
            ("a Python package", spec.python_module is not None),
            ("`python-packages`", bool(spec.python_packages)),
            ("a type stub", spec.stub_path is not None),
            ("a `.data` directory", spec.data_dir is not None),
        )
        if present
    ]
    if layout:
        return (
            f"`sdist=True` moves {spec.pyproject_path} to the sdist's root "
            f"(`{root or '.'}`, which holds the workspace), and the project has "
            f"{' and '.join(layout)}, whose paths would have to be rewritten; that is not "
            "supported yet. Build wheels only (`sdist=False`)."
        )
    return None


@rule(desc="Build a source distribution of a Rust crate")
async def build_source_distribution(request: SdistRequest) -> Sdist:
    project = request.project
    spec = project.spec
    refusal = sdist_refusal(project)
    if refusal:
        raise RustPythonBuildError(f"{project.address}: {refusal}")
    metadata = (await Get(WheelMetadata, WheelMetadataRequest(project))).metadata
    digest = await Get(Digest, MergeDigests([project.cargo_sources, project.own_sources]))

    sources, included, excluded = await MultiGet(
        Get(DigestContents, Digest, digest),
        Get(DigestContents, PathGlobs, _project_globs(spec, spec.sdist_include)),
        Get(Snapshot, PathGlobs, _project_globs(spec, spec.sdist_exclude)),
    )
    contents = {fc.path: fc for fc in (*sources, *included)}
    try:
        members = sdist_members(
            files={path: fc.content for path, fc in contents.items()},
            project_root=spec.project_root,
            pyproject_path=spec.pyproject_path,
            main=SdistCrate(
                posixpath.dirname(spec.cargo_toml_path),
                project.package.readme,
                project.package.license_file,
            ),
            path_dependencies=_path_dependencies(project),
            workspace_root=project.workspace.root_dir,
            included={fc.path: fc.content for fc in included},
            excluded=excluded.files,
        )
        root = archive_root(project.workspace.root_dir, spec.project_root, project.repo_crate_order)
        filename, content = build_sdist(
            distribution=metadata.name,
            version=metadata.version,
            pkg_info=render_metadata(metadata),
            files=members,
            executables={
                path
                for path in members
                if repo_path(root, path) in contents
                and contents[repo_path(root, path)].is_executable
            },
            source_date_epoch=request.source_date_epoch,
        )
    except (SdistError, SdistLayoutError) as e:
        raise RustPythonBuildError(f"{project.address}: {e}") from e
    return Sdist(filename, await Get(Digest, CreateDigest([FileContent(filename, content)])))


@dataclass(frozen=True)
class _WheelsRequest(EngineAwareParameter):
    address: Address
    sdist: bool

    def debug_hint(self) -> str:
        return str(self.address)


@dataclass(frozen=True)
class RustPythonBinaryFieldSet(PackageFieldSet):
    required_fields = (RustBinarySourcesField,)

    sources: RustBinarySourcesField
    sdist: RustSdistField


@rule(desc="Package Rust programs as wheels")
async def package_rust_python_binary(field_set: RustPythonBinaryFieldSet) -> BuiltPackage:
    return await Get(BuiltPackage, _WheelsRequest(field_set.address, field_set.sdist.value))


@rule(desc="Package a Rust Python extension as wheels")
async def package_rust_python_extension(field_set: RustPythonExtensionFieldSet) -> BuiltPackage:
    return await Get(BuiltPackage, _WheelsRequest(field_set.address, field_set.sdist.value))


@rule(desc="Build the wheels of a Rust crate")
async def build_wheels(request: _WheelsRequest) -> BuiltPackage:
    epoch = await Get(SourceDateEpoch, SourceDateEpochRequest())
    project = await Get(RustProject, RustProjectRequest(request.address))
    # A metadata mistake is reported before anything compiles, and once, not per interpreter.
    await Get(WheelMetadata, WheelMetadataRequest(project))
    if request.sdist:
        refusal = sdist_refusal(project)
        if refusal:
            raise RustPythonBuildError(f"{project.address}: {refusal}")
    wheels = await MultiGet(
        Get(Wheel, WheelRequest(project, interpreter, epoch.seconds))
        for interpreter in project.build_for
    )
    built: list[tuple[str, Digest]] = [(w.filename, w.digest) for w in wheels]
    if request.sdist:
        sdist = await Get(Sdist, SdistRequest(project, epoch.seconds))
        built.append((sdist.filename, sdist.digest))
    digest = await Get(Digest, MergeDigests(d for _, d in built))
    return BuiltPackage(digest, tuple(BuiltPackageArtifact(name) for name, _ in built))


def rules():
    return [
        *collect_rules(),
        UnionRule(PackageFieldSet, RustPythonExtensionFieldSet),
        UnionRule(PackageFieldSet, RustPythonBinaryFieldSet),
    ]
