"""`pants run` on a `rust_python_binary`: the program its wheel ships, with `--` args.

The program is the one `pants package` builds into the wheel (the same cached cargo step), run
from a temporary directory as Pants runs any program, in the user's working directory.
"""
from __future__ import annotations

from dataclasses import dataclass

from pants.core.goals.run import RunFieldSet, RunInSandboxBehavior, RunRequest
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants_rust_python.maturin.interpreter_env import embedded_interpreter_env
from pants_rust_python.maturin.project import ProjectError, program_to_run
from pants_rust_python.target_types import RustBinarySourcesField
from pants_rust_python.util_rules.extension import (
    NativePrograms,
    NativeProgramsRequest,
    RustProject,
    RustProjectRequest,
    RustPythonBuildError,
)


@dataclass(frozen=True)
class RustPythonBinaryRunFieldSet(RunFieldSet):
    required_fields = (RustBinarySourcesField,)
    run_in_sandbox_behavior = RunInSandboxBehavior.RUN_REQUEST_HERMETIC

    sources: RustBinarySourcesField


@rule(desc="Build a Rust program to run", level=LogLevel.DEBUG)
async def run_rust_python_binary(field_set: RustPythonBinaryRunFieldSet) -> RunRequest:
    project = await Get(RustProject, RustProjectRequest(field_set.address))
    spec = project.spec
    try:
        name = program_to_run(spec.bin_names, project.package, str(field_set.address))
    except ProjectError as e:
        raise RustPythonBuildError(str(e)) from e
    interpreter = project.build_for[0]
    programs = await Get(NativePrograms, NativeProgramsRequest(project, interpreter))
    # A program that embeds Python (pyo3 in a binary) finds the interpreter it was built for.
    env = embedded_interpreter_env(
        bindings=spec.bindings, bindings_crate=spec.bindings_crate, interpreter=interpreter
    )
    return RunRequest(
        digest=programs.digest,
        args=(f"{{chroot}}/{programs.programs[name]}",),
        extra_env=FrozenDict(env),
    )


def rules():
    return [*collect_rules(), *RustPythonBinaryRunFieldSet.rules()]
