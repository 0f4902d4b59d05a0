"""Find the Python interpreters an extension is built for, and what the build needs to know of them."""
from __future__ import annotations

import json
from dataclasses import dataclass

from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.util_rules.interpreter_constraints import InterpreterConstraints
from pants.core.subsystems.python_bootstrap import PythonBootstrap
from pants.core.util_rules.environments import EnvironmentTarget
from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths, BinaryPathTest
from pants.engine.process import Process, ProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap
from pants_rust_python.maturin.interpreter_env import PYO3_BUILD_FLAGS, PythonInterpreter

# Printed by each candidate interpreter: the facts a build and a wheel tag depend on.
_INTERPRETER_INFO_SCRIPT = """\
import json, platform, struct, sys, sysconfig
v = sysconfig.get_config_var
print(json.dumps({
    "implementation": platform.python_implementation(),
    "version": list(sys.version_info[:3]),
    "ext_suffix": v("EXT_SUFFIX"),
    "abiflags": getattr(sys, "abiflags", ""),
    "pointer_width": struct.calcsize("P") * 8,
    "shared": bool(v("Py_ENABLE_SHARED")),
    "libdir": v("LIBDIR") or "",
    "platform": sysconfig.get_platform(),
    "gil_disabled": bool(v("Py_GIL_DISABLED")),
    "build_flags": [f for f in %r if v(f)],
}))
""" % (
    PYO3_BUILD_FLAGS,
)


class NoMatchingInterpreterError(Exception):
    pass


@dataclass(frozen=True)
class InterpretersRequest:
    constraints: InterpreterConstraints
    description_of_origin: str


@dataclass(frozen=True)
class Interpreters:
    """One interpreter per major.minor version allowed by the constraints, oldest first."""

    interpreters: tuple[PythonInterpreter, ...]


@rule(desc="Find Python interpreters", level=LogLevel.DEBUG)
async def find_interpreters(
    request: InterpretersRequest,
    python_setup: PythonSetup,
    bootstrap: PythonBootstrap,
    env_target: EnvironmentTarget,
) -> Interpreters:
    try:
        versions = request.constraints.partition_into_major_minor_versions(
            python_setup.interpreter_versions_universe
        )
    except ValueError:
        # Constraints outside `[python].interpreter_versions_universe`: nothing can match.
        versions = ()
    all_paths = await MultiGet(
        Get(
            BinaryPaths,
            BinaryPathRequest(
                binary_name=f"python{version}",
                search_path=bootstrap.interpreter_search_paths,
                test=BinaryPathTest(["-c", "import sys; print(sys.version)"]),
            ),
        )
        for version in versions
    )
    candidates = [paths.first_path.path for paths in all_paths if paths.first_path]
    results = await MultiGet(
        Get(
            ProcessResult,
            Process(
                (path, "-c", _INTERPRETER_INFO_SCRIPT),
                description=f"Inspect {path}",
                level=LogLevel.DEBUG,
                cache_scope=env_target.executable_search_path_cache_scope(),
            ),
        )
        for path in candidates
    )
    found = []
    for path, result in zip(candidates, results):
        info = json.loads(result.stdout)
        major, minor, micro = info["version"]
        if info["gil_disabled"]:
            # Free-threaded builds need their own ABI (cp313t); not supported yet.
            continue
        if not _matches(request.constraints, info["implementation"], major, minor, micro):
            continue
        found.append(
            PythonInterpreter(
                path=path,
                implementation=info["implementation"],
                major=major,
                minor=minor,
                micro=micro,
                ext_suffix=info["ext_suffix"],
                abiflags=info["abiflags"] or "",
                pointer_width=info["pointer_width"],
                shared=info["shared"],
                platform=info["platform"],
                build_flags=tuple(info["build_flags"]),
                libdir=info["libdir"],
            )
        )
    if not found:
        raise NoMatchingInterpreterError(
            softwrap(
                f"""
                No Python interpreter matching the interpreter constraints
                {' OR '.join(str(c) for c in request.constraints) or '(none)'} of
                {request.description_of_origin} was found in `[python-bootstrap].search_path`
                ({', '.join(bootstrap.interpreter_search_paths) or 'empty'}).
                Install one of the versions {', '.join(versions) or 'allowed'} (for example with
                pyenv), or change the target's `interpreter_constraints`.
                """
            )
        )
    found.sort(key=lambda i: (i.major, i.minor))
    return Interpreters(tuple(found))


def _matches(
    constraints: InterpreterConstraints, implementation: str, major: int, minor: int, micro: int
) -> bool:
    version = f"{major}.{minor}.{micro}"
    for constraint in constraints:
        if constraint.project_name.lower() != implementation.lower():
            continue
        # `in` on a pkg_resources Requirement is its typed way to test a version string against
        # the specifier (the stubs lack `.specifier`). It admits prereleases, which cannot differ
        # here: the version is built from three integers.
        if version in constraint:
            return True
    return False


def rules():
    return collect_rules()
