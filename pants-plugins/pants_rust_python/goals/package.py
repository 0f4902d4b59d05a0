"""`pants package` for `rust_python_extension`: one wheel per interpreter, or one abi3 wheel."""
from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass
from typing import Mapping, Optional

from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.engine.addresses import Address
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, PathGlobs
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.frozendict import FrozenDict
from pants_rust_python import __version__
from pants_rust_python.interpreter_env import PythonInterpreter
from pants_rust_python.layouts import CffiFiles, binary_entries, extension_entries
from pants_rust_python.target_types import RustBinarySourcesField, RustPythonSourcesField
from pants_rust_python.util_rules.cffi import CffiFilesRequest
from pants_rust_python.util_rules.extension import (
    NativeLibrary,
    NativeLibraryRequest,
    NativePrograms,
    NativeProgramsRequest,
    RustProject,
    RustProjectRequest,
    RustPythonBuildError,
    extension_suffix,
    thaw,
)
from pants_rust_python.wheels import tags as wheel_tags
from pants_rust_python.wheels.metadata import (
    CoreMetadata,
    MetadataError,
    build_core_metadata,
    check_header_values,
    entry_points_txt,
    metadata_input_globs,
    render_metadata,
    require_cffi,
)
from pants_rust_python.wheels.wheel import build_wheel

logger = logging.getLogger(__name__)

GENERATOR = f"pants-rust-python ({__version__})"


@dataclass(frozen=True)
class RustPythonExtensionFieldSet(PackageFieldSet):
    required_fields = (RustPythonSourcesField,)

    sources: RustPythonSourcesField


@dataclass(frozen=True)
class WheelRequest:
    project: RustProject
    interpreter: PythonInterpreter
    source_date_epoch: Optional[int]


@dataclass(frozen=True)
class Wheel:
    filename: str
    content: bytes


def _python_files(python_source: str, files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The target's files under the python source dir, keyed relative to it (= wheel paths)."""
    prefix = f"{python_source}/" if python_source else ""
    return {p[len(prefix) :]: c for p, c in files.items() if p.startswith(prefix)}


@dataclass(frozen=True)
class WheelMetadataRequest:
    project: RustProject


@dataclass(frozen=True)
class WheelMetadata:
    """The wheel's core metadata, read and checked once per target, before anything compiles."""

    metadata: CoreMetadata
    # The target's files and the metadata files from beyond them (workspace readme, licenses).
    files: FrozenDict[str, bytes]


@rule(desc="Read the wheel metadata of a Rust crate")
async def wheel_metadata(request: WheelMetadataRequest) -> WheelMetadata:
    project = request.project
    spec = project.spec
    pyproject = thaw(project.pyproject) if project.pyproject is not None else None
    cargo_package = project.raw_package(spec.package_id)
    crate_dir = posixpath.dirname(spec.cargo_toml_path)
    pyproject_dir = posixpath.dirname(spec.pyproject_path) if spec.pyproject_path else crate_dir
    # Readmes and license files may live outside the target's sources (workspace inheritance).
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
    files: Mapping[str, bytes] = {
        **{fc.path: fc.content for fc in metadata_files},
        **project.own_files,
    }
    try:
        metadata = build_core_metadata(
            cargo_package=cargo_package,
            pyproject=pyproject,
            files=files,
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
    return WheelMetadata(metadata, FrozenDict(files))


@rule(desc="Build a wheel from a Rust crate")
async def build_extension_wheel(request: WheelRequest) -> Wheel:
    project = request.project
    spec = project.spec
    described = await Get(WheelMetadata, WheelMetadataRequest(project))
    cffi_files: Optional[CffiFiles] = None
    if spec.bindings == "bin":
        programs = await Get(NativePrograms, NativeProgramsRequest(project, request.interpreter))
    else:
        library = await Get(NativeLibrary, NativeLibraryRequest(project, request.interpreter))
        if spec.bindings == "cffi":
            cffi_files = await Get(CffiFiles, CffiFilesRequest(project, library))
    pyproject = thaw(project.pyproject) if project.pyproject is not None else None
    metadata, files = described.metadata, described.files
    stub = files.get(spec.stub_path) if spec.stub_path else None
    try:
        python_files = _python_files(spec.python_source, files)
        if spec.bindings == "bin":
            entries = binary_entries(
                spec,
                binaries=programs.programs,
                version=metadata.version,
                python_files=python_files,
                stub=stub,
            )
        else:
            entries = extension_entries(
                spec,
                library=library.content,
                ext_suffix=extension_suffix(spec, request.interpreter),
                python_files=python_files,
                stub=stub,
                cffi_files=cffi_files,
            )
        filename, content = build_wheel(
            distribution=metadata.name,
            version=metadata.version,
            tags=[
                wheel_tags.wheel_tag(
                    spec,
                    request.interpreter.major,
                    request.interpreter.minor,
                    request.interpreter.platform,
                )
            ],
            metadata=render_metadata(metadata),
            entries=entries,
            entry_points=entry_points_txt(pyproject) if pyproject else None,
            license_files=metadata.license_file_map(),
            generator=GENERATOR,
            source_date_epoch=request.source_date_epoch,
        )
    except (MetadataError, ValueError) as e:
        raise RustPythonBuildError(f"{project.address}: {e}") from e
    return Wheel(filename, content)


@dataclass(frozen=True)
class _WheelsRequest:
    address: Address


@dataclass(frozen=True)
class RustPythonBinaryFieldSet(PackageFieldSet):
    required_fields = (RustBinarySourcesField,)

    sources: RustBinarySourcesField


@rule(desc="Package Rust programs as wheels")
async def package_rust_python_binary(field_set: RustPythonBinaryFieldSet) -> BuiltPackage:
    return await Get(BuiltPackage, _WheelsRequest(field_set.address))


@rule(desc="Package a Rust Python extension as wheels")
async def package_rust_python_extension(field_set: RustPythonExtensionFieldSet) -> BuiltPackage:
    return await Get(BuiltPackage, _WheelsRequest(field_set.address))


@dataclass(frozen=True)
class SourceDateEpochRequest:
    pass


@dataclass(frozen=True)
class SourceDateEpoch:
    """SOURCE_DATE_EPOCH of Pants's environment; None = the wheel writer's fixed timestamp."""

    seconds: Optional[int]


@rule
async def source_date_epoch(_: SourceDateEpochRequest) -> SourceDateEpoch:
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(["SOURCE_DATE_EPOCH"]))
    epoch_text = env.get("SOURCE_DATE_EPOCH")
    try:
        return SourceDateEpoch(int(epoch_text) if epoch_text else None)
    except ValueError:
        raise RustPythonBuildError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch_text!r}."
        )


@rule(desc="Build the wheels of a Rust crate")
async def build_wheels(request: _WheelsRequest) -> BuiltPackage:
    epoch = await Get(SourceDateEpoch, SourceDateEpochRequest())
    project = await Get(RustProject, RustProjectRequest(request.address))
    # A metadata mistake is reported before anything compiles, and once, not per interpreter.
    await Get(WheelMetadata, WheelMetadataRequest(project))
    wheels = await MultiGet(
        Get(Wheel, WheelRequest(project, interpreter, epoch.seconds))
        for interpreter in project.build_interpreters()
    )
    digest = await Get(Digest, CreateDigest([FileContent(w.filename, w.content) for w in wheels]))
    return BuiltPackage(digest, tuple(BuiltPackageArtifact(w.filename) for w in wheels))


def rules():
    return [
        *collect_rules(),
        UnionRule(PackageFieldSet, RustPythonExtensionFieldSet),
        UnionRule(PackageFieldSet, RustPythonBinaryFieldSet),
    ]
