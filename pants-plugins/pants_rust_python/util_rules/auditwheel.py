"""auditwheel in sandboxes: the report on a draft wheel, and its repair.

The draft is the wheel as built, tagged `linux_<arch>`; `maturin.compatibility` decides from the
report. A repair grafts host libraries: they are first copied into a Digest by a step that runs
every session (the host's files are not in any cache key otherwise), so the repair step itself is
keyed by the libraries' contents and auditwheel sees only those (`--ldpaths`).
"""
from __future__ import annotations

import pkgutil
from dataclasses import dataclass
from typing import Tuple

from pants.backend.python.util_rules.pex import PexRequest, VenvPex, VenvPexProcess
from pants.engine.engine_aware import EngineAwareParameter
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    FileContent,
    MergeDigests,
    RemovePrefix,
)
from pants.engine.process import FallibleProcessResult, ProcessCacheScope, ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel
from pants_rust_python.maturin.compatibility import AuditReport
from pants_rust_python.subsystems.auditwheel import Auditwheel
from pants_rust_python.util_rules.extension import RustPythonBuildError

_SCRIPT = "__pants_auditwheel.py"
_REPORT = "audit.json"
_LIBS = "__host_libs"
_REPAIRED = "repaired"


@dataclass(frozen=True)
class AuditRequest(EngineAwareParameter):
    # The draft wheel alone, at `filename`.
    digest: Digest
    filename: str
    description: str

    def debug_hint(self) -> str:
        return self.description


@dataclass(frozen=True)
class RepairRequest(EngineAwareParameter):
    digest: Digest
    filename: str
    # auditwheel's policy name, e.g. manylinux_2_34_x86_64.
    policy: str
    # The libraries to graft, `<soname>=<host path>`, sorted.
    libraries: Tuple[str, ...]
    # Sonames auditwheel must leave alone (libpython of programs that embed Python).
    exclude: Tuple[str, ...]
    description: str

    def debug_hint(self) -> str:
        return self.description


@dataclass(frozen=True)
class RepairedWheel:
    # The repaired wheel alone, at `filename` (auditwheel's name; the caller retags it).
    digest: Digest
    filename: str


async def _tool(auditwheel: Auditwheel) -> VenvPex:
    content = pkgutil.get_data("pants_rust_python", "tools/auditwheel/driver.py")
    assert content is not None
    script = await Get(Digest, CreateDigest([FileContent(_SCRIPT, content)]))
    # Its own interpreter constraints (auditwheel needs a newer Python than the repo may use).
    return await Get(
        VenvPex,
        PexRequest,
        auditwheel.to_pex_request(
            interpreter_constraints=auditwheel.interpreter_constraints, sources=script
        ),
    )


def _failure(what: str, result: FallibleProcessResult) -> RustPythonBuildError:
    output = (result.stderr or result.stdout).decode("utf-8", "replace").rstrip()
    return RustPythonBuildError(f"{what}: auditwheel failed:\n\n{output}")


@rule(desc="Audit a wheel with auditwheel", level=LogLevel.DEBUG)
async def audit_wheel(request: AuditRequest, auditwheel: Auditwheel) -> AuditReport:
    tool = await _tool(auditwheel)
    result = await Get(
        FallibleProcessResult,
        VenvPexProcess(
            tool,
            argv=("show", request.filename, _REPORT),
            input_digest=request.digest,
            output_files=(_REPORT,),
            description=f"auditwheel show: {request.description}",
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        raise _failure(request.description, result)
    contents = await Get(DigestContents, Digest, result.output_digest)
    return AuditReport.from_json(contents[0].content)


@rule(desc="Repair a wheel with auditwheel")
async def repair_wheel(request: RepairRequest, auditwheel: Auditwheel) -> RepairedWheel:
    tool = await _tool(auditwheel)
    # The host's libraries, copied afresh every session: their bytes key the repair below.
    copied = await Get(
        ProcessResult,
        VenvPexProcess(
            tool,
            argv=("copy", _LIBS, *request.libraries),
            description=f"Copy the libraries to graft into {request.description}",
            output_directories=(_LIBS,),
            cache_scope=ProcessCacheScope.PER_SESSION,
            level=LogLevel.DEBUG,
        ),
    )
    argv = ["repair", request.filename, request.policy, _LIBS, _REPAIRED]
    argv.extend(f"--exclude={soname}" for soname in request.exclude)
    result = await Get(
        FallibleProcessResult,
        VenvPexProcess(
            tool,
            argv=tuple(argv),
            input_digest=await Get(Digest, MergeDigests([request.digest, copied.output_digest])),
            output_directories=(_REPAIRED,),
            description=f"auditwheel repair: {request.description}",
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        raise _failure(request.description, result)
    digest = await Get(Digest, RemovePrefix(result.output_digest, _REPAIRED))
    contents = await Get(DigestContents, Digest, digest)
    return RepairedWheel(digest, contents[0].path)


def rules():
    return collect_rules()
