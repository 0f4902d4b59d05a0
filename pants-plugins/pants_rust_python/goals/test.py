"""`pants test` on Rust crates: the crate's `cargo test` (unit, integration and doc tests).

Each crate's tests are one cached process in a sandbox, offline and frozen, on top of a cached
layer of its third-party crates (and dev-dependencies) compiled for the test profile; the repo's
crates are compiled in the step itself. A passing result is cached like any Pants test, so a
second run with nothing changed runs no cargo, and `--changed-since` selects a crate's tests when
it or a repo crate it uses changes (path dependencies are inferred dependencies).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pants.core.goals.test import (
    TestDebugRequest,
    TestExtraEnv,
    TestFieldSet,
    TestRequest,
    TestResult,
    TestSubsystem,
)
from pants.engine.process import FallibleProcessResult, InteractiveProcess, Process
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import BoolField, Target
from pants.option.option_types import ArgsListOption, SkipOption, StrListOption
from pants.option.subsystem import Subsystem
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap
from pants_rust_python.target_types import CargoSourcesField, register_on_crate_targets
from pants_rust_python.util_rules.cargo_build import CargoGoalRequest
from pants_rust_python.util_rules.crate_plan import RustCratePlan, RustCratePlanRequest


class CargoTestSubsystem(Subsystem):
    options_scope = "cargo-test"
    name = "cargo test"
    help = softwrap(
        """
        `pants test` on `rust_crate`, `rust_python_extension` and `rust_python_binary` targets
        runs the crate's `cargo test` (unit, integration and doc tests) in a sandbox, offline,
        with `--frozen`.
        """
    )

    skip = SkipOption("test")
    args = ArgsListOption(
        example="--nocapture my_test_name",
        extra_help=softwrap(
            """
            Arguments for the test binaries (after cargo's `--`): a test-name filter,
            `--nocapture`, `--ignored`, ... As passthrough arguments: `pants test :: --
            --nocapture`.
            """
        ),
        passthrough=True,
    )
    cargo_args = StrListOption(
        default=[],
        help=softwrap(
            """
            Arguments for `cargo test` itself (before its `--`), for example `--lib` or `--doc`
            to run one kind of test only.
            """
        ),
    )


class SkipCargoTestsField(BoolField):
    alias = "skip_cargo_tests"
    default = False
    help = "If true, `pants test` does not run this crate's `cargo test`."


@dataclass(frozen=True)
class CargoTestFieldSet(TestFieldSet):
    required_fields = (CargoSourcesField,)

    sources: CargoSourcesField

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return tgt.get(SkipCargoTestsField).value


class CargoTestRequest(TestRequest):
    tool_subsystem = CargoTestSubsystem
    field_set_type = CargoTestFieldSet
    supports_debug = True


# What a linker says when a test harness needs libpython that the crate's bindings keep out.
_MISSING_LIBPYTHON = ("undefined reference to `Py", "undefined symbol: Py")


@dataclass(frozen=True)
class _CargoTestProcessRequest:
    field_set: CargoTestFieldSet
    interactive: bool


@rule(desc="Set up cargo test", level=LogLevel.DEBUG)
async def cargo_test_process(
    request: _CargoTestProcessRequest, cargo_test: CargoTestSubsystem, extra_env: TestExtraEnv
) -> Process:
    plan = await Get(RustCratePlan, RustCratePlanRequest(request.field_set.address))
    return await Get(
        Process,
        CargoGoalRequest,
        plan.goal_request(
            "test",
            # `[test].extra_env_vars` reach the test binaries (and so their cache key).
            env=extra_env.env,
            args=tuple(cargo_test.cargo_args),
            trailing_args=tuple(cargo_test.args),
            stream_output=request.interactive,
        ),
    )


def _libpython_hint(result: FallibleProcessResult, address: Any) -> str:
    output = result.stderr.decode("utf-8", "replace") + result.stdout.decode("utf-8", "replace")
    if result.exit_code == 0 or not any(marker in output for marker in _MISSING_LIBPYTHON):
        return ""
    return "\n" + softwrap(
        f"""
        {address}: the test binary needs libpython, which the crate's bindings leave out (the
        `extension-module` feature of pyo3 or cpython). Enable that feature only for wheels
        (a cargo feature of your own, set in `features` / `[tool.maturin] features`), or set
        `skip_cargo_tests=True` on the target.
        """
    )


@rule(desc="Run cargo test", level=LogLevel.DEBUG)
async def run_cargo_test(
    batch: CargoTestRequest.Batch[CargoTestFieldSet, Any], test_subsystem: TestSubsystem
) -> TestResult:
    field_set = batch.single_element
    process = await Get(Process, _CargoTestProcessRequest(field_set, interactive=False))
    result = await Get(FallibleProcessResult, Process, process)
    test_result = TestResult.from_fallible_process_result(
        process_result=result, address=field_set.address, output_setting=test_subsystem.output
    )
    hint = _libpython_hint(result, field_set.address)
    if not hint:
        return test_result
    return TestResult(
        exit_code=test_result.exit_code,
        stdout=test_result.stdout,
        stdout_digest=test_result.stdout_digest,
        stderr=test_result.stderr + hint,
        stderr_digest=test_result.stderr_digest,
        addresses=test_result.addresses,
        output_setting=test_result.output_setting,
        result_metadata=test_result.result_metadata,
    )


@rule(desc="Set up cargo test to run interactively", level=LogLevel.DEBUG)
async def debug_cargo_test(
    batch: CargoTestRequest.Batch[CargoTestFieldSet, Any]
) -> TestDebugRequest:
    process = await Get(Process, _CargoTestProcessRequest(batch.single_element, interactive=True))
    return TestDebugRequest(
        InteractiveProcess.from_process(process, forward_signals_to_process=False)
    )


def rules():
    return [
        *collect_rules(),
        *CargoTestRequest.rules(),
        *register_on_crate_targets(SkipCargoTestsField),
    ]
