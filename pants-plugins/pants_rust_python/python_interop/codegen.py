"""Give Python code that depends on an extension the compiled module, like generated sources.

The python backend hydrates every dependency's sources with codegen enabled (tests, PEXes,
`run`), as it does for protobuf. Here "generating" means building the extension and laying it out
as in the wheel, under the project's python source directory. A non-abi3 extension gets one
library per interpreter version in its constraints, side by side: their file names carry each
interpreter's EXT_SUFFIX, so whichever interpreter runs the code imports its own build.
"""
from __future__ import annotations

import posixpath
from pathlib import PurePath

from pants.backend.python.target_types import PythonSourceField
from pants.engine.fs import (
    EMPTY_DIGEST,
    CreateDigest,
    Digest,
    DigestContents,
    FileContent,
    Snapshot,
)
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import GeneratedSources, GenerateSourcesRequest
from pants.engine.unions import UnionRule
from pants.source.source_root import OptionalSourceRoot, SourceRootRequest
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap
from pants_rust_python.maturin.layout import extension_entries, materialize, untyped_module_stub
from pants_rust_python.target_types import RustPythonSourcesField
from pants_rust_python.util_rules.cffi import CffiFiles, CffiFilesRequest
from pants_rust_python.util_rules.extension import (
    NativeLibrary,
    NativeLibraryRequest,
    RustProject,
    RustProjectRequest,
    extension_suffix,
    read_stub,
)
from pants_rust_python.wheel.entry import WheelEntry


class GeneratePythonFromRustRequest(GenerateSourcesRequest):
    input = RustPythonSourcesField
    output = PythonSourceField


class RustModuleSourceRootError(Exception):
    pass


def source_root_fix(python_source: str, project_root: str, cargo_toml_dir: str) -> str:
    """What to add to `[source]` so that `python_source` becomes a source root."""
    if python_source == project_root and project_root != cargo_toml_dir:
        return 'marker_filenames = ["pyproject.toml"]'
    if python_source == cargo_toml_dir:
        return 'marker_filenames = ["Cargo.toml"]'
    if posixpath.basename(python_source) and posixpath.dirname(python_source) == project_root:
        # `python/` of a mixed project: every such directory at once.
        return f'root_patterns = [..., "{posixpath.basename(python_source)}"]'
    return f'root_patterns = [..., "/{python_source}"]'


async def check_module_source_root(project: RustProject) -> None:
    """Pants strips source roots from generated files: the module is importable by its name only
    when the directory it lands in is a source root. Otherwise tests and PEXes would find it
    under a package path and `import` would fail far from the cause."""
    spec = project.spec
    found = await Get(OptionalSourceRoot, SourceRootRequest(PurePath(spec.python_source)))
    root = found.source_root.path if found.source_root else None
    if root is not None and (
        root == spec.python_source or (root == "." and not spec.python_source)
    ):
        return
    where = spec.python_source or "the build root"
    fix = source_root_fix(
        spec.python_source, spec.project_root, posixpath.dirname(spec.cargo_toml_path)
    )
    raise RustModuleSourceRootError(
        softwrap(
            f"""
            {project.address}: Python code imports `{spec.module_name}` from `{where}`, but that
            directory is not a source root (its source root is
            {repr(root) if root is not None else "none"}), so the module would be found under
            the wrong name. Add to pants.toml:
            """
        )
        + f"\n\n    [source]\n    {fix}\n"
    )


@rule(desc="Build Rust extension for Python code that imports it", level=LogLevel.DEBUG)
async def generate_python_from_rust(request: GeneratePythonFromRustRequest) -> GeneratedSources:
    project = await Get(RustProject, RustProjectRequest(request.protocol_target.address))
    await check_module_source_root(project)
    spec = project.spec
    interpreters = project.build_for
    libraries = await MultiGet(
        Get(NativeLibrary, NativeLibraryRequest(project, interpreter))
        for interpreter in interpreters
    )
    cffi_files = (
        await MultiGet(Get(CffiFiles, CffiFilesRequest(project, lib.header)) for lib in libraries)
        if spec.bindings == "cffi"
        else [None] * len(libraries)
    )
    stub = await read_stub(project)
    entries: dict[str, WheelEntry] = {}
    for interpreter, library, cffi in zip(interpreters, libraries, cffi_files):
        library_bytes, ffi_py = await MultiGet(
            Get(DigestContents, Digest, library.digest),
            Get(DigestContents, Digest, cffi.digest if cffi else EMPTY_DIGEST),
        )
        for entry in extension_entries(
            spec,
            library=library_bytes[0].content,
            ext_suffix=extension_suffix(spec, interpreter),
            # A mixed project's own Python files come from its python_sources targets.
            python_files={},
            stub=stub,
            ffi_py=ffi_py[0].content if ffi_py else None,
        ):
            entries[entry.path] = entry
    for entry in materialize(untyped_module_stub(spec)):
        entries[entry.path] = entry
    digest = await Get(
        Digest,
        CreateDigest(
            FileContent(
                posixpath.join(spec.python_source, e.path), e.content, is_executable=e.executable
            )
            for e in sorted(entries.values(), key=lambda e: e.path)
        ),
    )
    return GeneratedSources(await Get(Snapshot, Digest, digest))


def rules():
    return [*collect_rules(), UnionRule(GenerateSourcesRequest, GeneratePythonFromRustRequest)]
