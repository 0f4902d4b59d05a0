"""cffi bindings: the crate's C header (from its build script or cbindgen) becomes `ffi.py`.

As maturin does: a header the build script wrote to `target/header.h` wins, otherwise cbindgen
generates one; cffi's recompiler then writes the out-of-line module that `__init__.py` loads the
library with (see `layouts.cffi_init_py`).
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Optional

from pants.backend.python.util_rules.pex import PexRequest, VenvPex, VenvPexProcess
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.logging import LogLevel
from pants_rust_python.layouts import CffiFiles
from pants_rust_python.subsystems.cffi import Cffi
from pants_rust_python.util_rules.cbindgen import CHeader, CHeaderRequest
from pants_rust_python.util_rules.extension import NativeLibrary, RustProject, RustPythonBuildError

_SCRIPT = "__pants_cffi_ffi_py.py"
_HEADER = "header.h"
_FFI_PY = "ffi.py"

# maturin's invocation of the recompiler: the module is named `ffi` and exposes `ffi`.
_SCRIPT_TEXT = b"""\
import sys

import cffi
from cffi import recompiler

ffi = cffi.FFI()
with open(sys.argv[1]) as header:
    ffi.cdef(header.read())
recompiler.make_py_source(ffi, "ffi", sys.argv[2])
"""


@dataclass(frozen=True)
class CffiFilesRequest:
    project: RustProject
    library: NativeLibrary


@rule(desc="Generate cffi bindings", level=LogLevel.DEBUG)
async def generate_cffi_files(request: CffiFilesRequest, cffi: Cffi) -> CffiFiles:
    project = request.project
    spec = project.spec
    header: Optional[bytes] = request.library.header
    if header is None:
        generated = await Get(
            CHeader,
            CHeaderRequest(
                workspace=project.workspace,
                sources=project.cargo_sources,
                crate_dir=posixpath.dirname(spec.cargo_toml_path),
                description=f"{project.address} ({spec.cargo_toml_path})",
            ),
        )
        header = generated.content
    script, inputs = await MultiGet(
        Get(Digest, CreateDigest([FileContent(_SCRIPT, _SCRIPT_TEXT)])),
        Get(Digest, CreateDigest([FileContent(_HEADER, header)])),
    )
    tool = await Get(VenvPex, PexRequest, cffi.to_pex_request(sources=script))
    result = await Get(
        FallibleProcessResult,
        VenvPexProcess(
            tool,
            argv=(_HEADER, _FFI_PY),
            input_digest=inputs,
            output_files=(_FFI_PY,),
            description=f"cffi: ffi.py for {project.address}",
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        source = (
            "the header its build script wrote (target/header.h)"
            if request.library.header is not None
            else "the header cbindgen generated"
        )
        raise RustPythonBuildError(
            f"{project.address}: cffi could not parse {source}. cffi's cdef() accepts plain C "
            f"declarations only (no #include, #define or #ifdef). cffi said:\n\n"
            f"{result.stderr.decode('utf-8', 'replace').rstrip()}\n\nThe header was:\n\n"
            f"{header.decode('utf-8', 'replace')}"
        )
    contents = await Get(DigestContents, Digest, result.output_digest)
    return CffiFiles(ffi_py=contents[0].content)


def rules():
    return collect_rules()
