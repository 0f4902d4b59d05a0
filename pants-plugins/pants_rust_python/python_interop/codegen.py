"""Give Python code that depends on an extension the compiled module, like generated sources.

The python backend hydrates every dependency's sources with codegen enabled (tests, PEXes,
`run`), as it does for protobuf. Here "generating" means building the extension and laying it out
as in the wheel, under the project's python source directory. A non-abi3 extension gets one
library per interpreter version in its constraints, side by side: their file names carry each
interpreter's EXT_SUFFIX, so whichever interpreter runs the code imports its own build.
"""
from __future__ import annotations

import posixpath

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
from pants.util.logging import LogLevel
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


@rule(desc="Build Rust extension for Python code that imports it", level=LogLevel.DEBUG)
async def generate_python_from_rust(request: GeneratePythonFromRustRequest) -> GeneratedSources:
    project = await Get(RustProject, RustProjectRequest(request.protocol_target.address))
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
