"""cffi bindings: the crate's C header (from its build script or cbindgen) becomes `ffi.py`.

As maturin does: a header the build script wrote to `target/header.h` wins, otherwise cbindgen
generates one; cffi's recompiler then writes the out-of-line module that `__init__.py` loads the
library with (see `maturin.layout.cffi_init_py`).
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Optional

from pants.backend.python.util_rules.pex import PexRequest, VenvPex, VenvPexProcess
from pants.engine.engine_aware import EngineAwareParameter
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel
from pants_rust_python.subsystems.cffi import Cffi
from pants_rust_python.util_rules.cbindgen import CHeader, CHeaderRequest
from pants_rust_python.util_rules.extension import RustProject, RustPythonBuildError

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
class CffiFilesRequest(EngineAwareParameter):
    project: RustProject
    # The header the crate's build script wrote (at `header.h`), or None: cbindgen makes one.
    header: Optional[Digest]

    def debug_hint(self) -> str:
        return str(self.project.address)


@dataclass(frozen=True)
class CffiFiles:
    # The `ffi.py` that cffi's recompiler generated from the crate's C header, alone.
    digest: Digest


@rule(desc="Generate cffi bindings", level=LogLevel.DEBUG)
async def generate_cffi_files(request: CffiFilesRequest, cffi: Cffi) -> CffiFiles:
    project = request.project
    spec = project.spec
    header = request.header
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
        header = generated.digest
    script = await Get(Digest, CreateDigest([FileContent(_SCRIPT, _SCRIPT_TEXT)]))
    tool = await Get(VenvPex, PexRequest, cffi.to_pex_request(sources=script))
    result = await Get(
        FallibleProcessResult,
        VenvPexProcess(
            tool,
            argv=(_HEADER, _FFI_PY),
            input_digest=header,
            output_files=(_FFI_PY,),
            description=f"cffi: ffi.py for {project.address}",
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        source = (
            "the header its build script wrote (target/header.h)"
            if request.header is not None
            else "the header cbindgen generated"
        )
        header_text = (await Get(DigestContents, Digest, header))[0].content
        raise RustPythonBuildError(
            f"{project.address}: cffi could not parse {source}. cffi's cdef() accepts plain C "
            f"declarations only (no #include, #define or #ifdef). cffi said:\n\n"
            f"{result.stderr.decode('utf-8', 'replace').rstrip()}\n\nThe header was:\n\n"
            f"{header_text.decode('utf-8', 'replace')}"
        )
    return CffiFiles(result.output_digest)


def rules():
    return collect_rules()
