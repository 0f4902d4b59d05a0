"""auditwheel in sandboxes: the report on a draft wheel, and its repair.

The draft is the wheel as built, tagged `linux_<arch>`; `maturin.compatibility` decides from the
report. A repair grafts host libraries: they are first copied into a Digest by a step that runs
every session (the host's files are not in any cache key otherwise), so the repair step itself is
keyed by the libraries' contents, and auditwheel finds those copies first (LD_LIBRARY_PATH).
"""
from __future__ import annotations

import json
import logging
import pkgutil
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

from pants.backend.python.util_rules.pex import PexRequest, VenvPex, VenvPexProcess
from pants.engine.engine_aware import EngineAwareParameter
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
    MergeDigests,
    PathGlobs,
    RemovePrefix,
)
from pants.engine.process import FallibleProcessResult, ProcessCacheScope, ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel
from pants_rust_python.maturin.compatibility import (
    AuditReport,
    CompatibilityError,
    decide_platform,
    needs_audit,
    skipped_platforms,
)
from pants_rust_python.subsystems.auditwheel import Auditwheel
from pants_rust_python.util_rules.extension import RustPythonBuildError
from pants_rust_python.wheel.sbom import GraftedLibrary

logger = logging.getLogger(__name__)

_SCRIPT = "__pants_auditwheel.py"
_REPORT = "audit.json"
_LIBS = "__host_libs"
_REPAIRED = "repaired"
# Written by the driver's `copy` beside the libraries.
_PROVIDED_BY = "provided_by.json"


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
    # The libraries grafted into it whose system package is known, for the wheel's SBOM.
    grafted: Tuple[GraftedLibrary, ...]


async def _tool(auditwheel: Auditwheel) -> VenvPex:
    content = pkgutil.get_data("pants_rust_python", "tools/auditwheel/driver.py")
    assert content is not None
    script = await Get(Digest, CreateDigest([FileContent(_SCRIPT, content)]))
    # Its own interpreter constraints, not the repo's, which its lockfile need not cover.
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
    provided = await Get(
        DigestContents, DigestSubset(copied.output_digest, PathGlobs([f"{_LIBS}/{_PROVIDED_BY}"]))
    )
    grafted = tuple(
        GraftedLibrary(path, p["name"], p["version"], p["purl"])
        for path, p in sorted(json.loads(provided[0].content).items())
    )
    return RepairedWheel(digest, contents[0].path, grafted)


@dataclass(frozen=True)
class WheelPlatformsRequest(EngineAwareParameter):
    # A draft of the wheel, tagged `linux_<arch>`, alone at `filename`.
    digest: Digest
    filename: str
    linux_platform: str
    requested: str
    mode: str
    # Programs that embed Python link libpython, which maturin allows for them.
    allow_libpython: bool
    what: str

    def debug_hint(self) -> str:
        return self.filename


@dataclass(frozen=True)
class WheelPlatforms:
    # The platform tags in maturin's order.
    platforms: Tuple[str, ...]
    # The draft repaired by auditwheel, when libraries were grafted into it.
    repaired: Optional[RepairedWheel]


def without_audit(linux_platform: str, requested: str, mode: str) -> Optional[Tuple[str, ...]]:
    """The platform tags when no audit runs (not Linux, `linux` asked for, or `skip`), else
    None."""
    if not linux_platform.startswith("linux_"):
        # manylinux and musllinux are Linux policies; other platforms keep their own tag.
        return (linux_platform,)
    if needs_audit(requested, mode):
        return None
    return skipped_platforms(requested, linux_platform, linux_platform[len("linux_") :])


async def decide_wheel_platforms(
    *,
    linux_platform: str,
    requested: str,
    mode: str,
    allow_libpython: bool,
    what: str,
    draft: Callable[[str], Tuple[str, bytes]],
) -> WheelPlatforms:
    """The platform tags (and repair) of a wheel whose draft, tagged with the given platform,
    `draft` writes: from auditwheel's report on it, or without an audit where none runs."""
    unaudited = without_audit(linux_platform, requested, mode)
    if unaudited is not None:
        return WheelPlatforms(unaudited, None)
    draft_name, draft_content = draft(linux_platform)
    return await Get(
        WheelPlatforms,
        WheelPlatformsRequest(
            await Get(Digest, CreateDigest([FileContent(draft_name, draft_content)])),
            draft_name,
            linux_platform=linux_platform,
            requested=requested,
            mode=mode,
            allow_libpython=allow_libpython,
            what=what,
        ),
    )


@rule(desc="Decide a wheel's platform tags", level=LogLevel.DEBUG)
async def wheel_platforms(request: WheelPlatformsRequest) -> WheelPlatforms:
    description = f"{request.what} ({request.filename})"
    report = await Get(AuditReport, AuditRequest(request.digest, request.filename, description))
    try:
        decision = decide_platform(
            report,
            requested=request.requested,
            mode=request.mode,
            linux_platform=request.linux_platform,
            allow_libpython=request.allow_libpython,
            what=request.what,
        )
    except CompatibilityError as e:
        raise RustPythonBuildError(str(e)) from e
    for warning in decision.warnings:
        logger.warning(warning)
    if not decision.graft or decision.repair_policy is None:
        return WheelPlatforms(decision.platforms, None)
    repaired = await Get(
        RepairedWheel,
        RepairRequest(
            request.digest,
            request.filename,
            policy=decision.repair_policy,
            libraries=tuple(f"{lib}={path}" for lib, path in sorted(decision.graft.items())),
            exclude=("libpython*",) if request.allow_libpython else (),
            description=description,
        ),
    )
    return WheelPlatforms(decision.platforms, repaired)


def rules():
    return collect_rules()
