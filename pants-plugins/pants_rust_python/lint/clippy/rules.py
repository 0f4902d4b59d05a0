"""`pants lint` with clippy: each crate's `cargo clippy --all-targets`, one cached process each.

clippy runs like `pants check`'s `cargo check` (util_rules/cargo_build.py's goal step): offline,
frozen, over the real sources of the crate and the repo crates it uses, on top of the cached
`cargo check` layer of its third-party crates (clippy-driver only lints workspace members, so the
two goals share that layer). cargo-clippy and clippy-driver are the toolchain's own, linked apart
from the builds' PATH; their identities are in the key of every clippy run, not of the layer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pants.core.goals.lint import LintResult, LintTargetsRequest
from pants.core.util_rules.partitions import Partition, PartitionerType, Partitions
from pants.engine.addresses import Address
from pants.engine.engine_aware import EngineAwareParameter
from pants.engine.process import FallibleProcessResult, Process
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import FieldSet, Target
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap
from pants_rust_python.lint.clippy import skip_field
from pants_rust_python.lint.clippy.skip_field import SkipClippyField
from pants_rust_python.lint.clippy.subsystem import Clippy
from pants_rust_python.target_types import CargoSourcesField
from pants_rust_python.util_rules.cargo_build import CargoGoalRequest
from pants_rust_python.util_rules.crate_plan import RustCratePlan, RustCratePlanRequest
from pants_rust_python.util_rules.toolchain import RustToolchain, RustToolchainError

CLIPPY_COMPONENTS = ("cargo-clippy", "clippy-driver")


@dataclass(frozen=True)
class ClippyFieldSet(FieldSet):
    required_fields = (CargoSourcesField,)

    sources: CargoSourcesField

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return tgt.get(SkipClippyField).value


class ClippyRequest(LintTargetsRequest):
    field_set_type = ClippyFieldSet
    tool_subsystem = Clippy
    partitioner_type = PartitionerType.CUSTOM


@dataclass(frozen=True)
class RustCrateMetadata:
    """A partition of one crate target: each crate is linted in its own cached process."""

    address: Address

    @property
    def description(self) -> str:
        return str(self.address)


@dataclass(frozen=True)
class ClippyProcessRequest(EngineAwareParameter):
    """The clippy run of one crate target, for `pants lint` and for `pants check` when
    `[cargo-check].clippy` is set (the same Process, so the two share a cached result)."""

    address: Address

    def debug_hint(self) -> str:
        return str(self.address)


@rule
async def partition_clippy(
    request: ClippyRequest.PartitionRequest[ClippyFieldSet], clippy: Clippy
) -> Partitions[ClippyFieldSet, RustCrateMetadata]:
    if clippy.skip:
        return Partitions()
    return Partitions(
        Partition((field_set,), RustCrateMetadata(field_set.address))
        for field_set in request.field_sets
    )


@rule(desc="Set up clippy", level=LogLevel.DEBUG)
async def clippy_process(
    request: ClippyProcessRequest, clippy: Clippy, toolchain: RustToolchain
) -> Process:
    missing = [name for name in CLIPPY_COMPONENTS if name not in toolchain.components]
    if missing:
        raise RustToolchainError(
            softwrap(
                f"""
                The Rust toolchain has no {' or '.join(missing)} beside rustc, which
                {request.address} is linted with. Install clippy (with rustup: `rustup
                component add clippy`), or skip it with `[clippy].skip = true` or
                `skip_clippy=True` on the targets.
                """
            )
        )
    plan = await Get(RustCratePlan, RustCratePlanRequest(request.address))
    return await Get(
        Process,
        CargoGoalRequest,
        plan.goal_request(
            "clippy",
            args=tuple(clippy.cargo_args),
            trailing_args=tuple(clippy.args),
            cargo_program=toolchain.components["cargo-clippy"].path,
            # Not read by cargo: they name clippy's version in the key of this step alone.
            step_env={
                "PANTS_CLIPPY": "\n".join(
                    toolchain.components[name].identity for name in CLIPPY_COMPONENTS
                )
            },
        ),
    )


@rule(desc="Lint with clippy", level=LogLevel.DEBUG)
async def clippy_lint(
    request: ClippyRequest.Batch[ClippyFieldSet, RustCrateMetadata]
) -> LintResult:
    process = await Get(Process, ClippyProcessRequest(request.elements[0].address))
    result = await Get(FallibleProcessResult, Process, process)
    return LintResult.create(request, result)


def rules():
    return [*collect_rules(), *ClippyRequest.rules(), *skip_field.rules()]
