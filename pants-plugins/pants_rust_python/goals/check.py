"""`pants check` on Rust crates: each crate's `cargo check --all-targets`, or clippy.

Each crate target is one cached process, offline and frozen, on the cached `cargo check` layer of
its third-party crates; its diagnostics are shown as cargo prints them. With `[cargo-check].clippy`
the step is the very clippy process of `pants lint` (lint/clippy/rules.py), so running both goals
lints each crate once.
"""
from __future__ import annotations

from dataclasses import dataclass

from pants.core.goals.check import CheckRequest, CheckResult, CheckResults
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import BoolField, FieldSet, Target
from pants.engine.unions import UnionRule
from pants.option.option_types import BoolOption, SkipOption, StrListOption
from pants.option.subsystem import Subsystem
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap
from pants_rust_python.lint.clippy.rules import ClippyProcessRequest
from pants_rust_python.target_types import CargoSourcesField, register_on_crate_targets
from pants_rust_python.util_rules.cargo_build import CargoGoalRequest
from pants_rust_python.util_rules.crate_plan import RustCratePlan, RustCratePlanRequest


class CargoCheckSubsystem(Subsystem):
    options_scope = "cargo-check"
    name = "cargo check"
    help = softwrap(
        """
        `pants check` on `rust_crate`, `rust_python_extension` and `rust_python_binary` targets
        runs the crate's `cargo check --all-targets` in a sandbox, offline, with `--frozen`.
        """
    )

    skip = SkipOption("check")
    args = StrListOption(
        default=[],
        help="Arguments for `cargo check`, for example `--lib` or `--message-format=short`.",
    )
    clippy = BoolOption(
        default=False,
        help=softwrap(
            """
            Run clippy (with the `[clippy]` options) instead of `cargo check`: the same step as
            `pants lint`'s, so with both goals each crate is linted once.
            """
        ),
    )


class SkipCargoCheckField(BoolField):
    alias = "skip_cargo_check"
    default = False
    help = "If true, `pants check` does not check this crate."


@dataclass(frozen=True)
class CargoCheckFieldSet(FieldSet):
    required_fields = (CargoSourcesField,)

    sources: CargoSourcesField

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return tgt.get(SkipCargoCheckField).value


class CargoCheckRequest(CheckRequest):
    field_set_type = CargoCheckFieldSet
    tool_name = "cargo check"


@dataclass(frozen=True)
class _CargoCheckProcessRequest:
    field_set: CargoCheckFieldSet


@rule(desc="Set up cargo check", level=LogLevel.DEBUG)
async def cargo_check_process(
    request: _CargoCheckProcessRequest, cargo_check: CargoCheckSubsystem
) -> Process:
    address = request.field_set.address
    if cargo_check.clippy:
        return await Get(Process, ClippyProcessRequest(address))
    plan = await Get(RustCratePlan, RustCratePlanRequest(address))
    return await Get(
        Process, CargoGoalRequest, plan.goal_request("check", args=tuple(cargo_check.args))
    )


@rule(desc="Check Rust crates", level=LogLevel.DEBUG)
async def cargo_check(request: CargoCheckRequest, cargo_check: CargoCheckSubsystem) -> CheckResults:
    if cargo_check.skip:
        return CheckResults([], checker_name=request.tool_name)
    processes = await MultiGet(
        Get(Process, _CargoCheckProcessRequest(field_set)) for field_set in request.field_sets
    )
    results = await MultiGet(Get(FallibleProcessResult, Process, process) for process in processes)
    return CheckResults(
        [
            CheckResult.from_fallible_process_result(
                result, partition_description=str(field_set.address)
            )
            for field_set, result in zip(request.field_sets, results)
        ],
        checker_name="clippy" if cargo_check.clippy else request.tool_name,
    )


def rules():
    return [
        *collect_rules(),
        UnionRule(CheckRequest, CargoCheckRequest),
        *register_on_crate_targets(SkipCargoCheckField),
    ]
