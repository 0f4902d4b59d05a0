"""SOURCE_DATE_EPOCH, as the wheels and distributions built from Rust crates read it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.rules import Get, collect_rules, rule
from pants_rust_python.util_rules.extension import RustPythonBuildError


@dataclass(frozen=True)
class SourceDateEpochRequest:
    pass


@dataclass(frozen=True)
class SourceDateEpoch:
    """SOURCE_DATE_EPOCH of Pants's environment; None = the wheel writer's fixed timestamp."""

    seconds: Optional[int]


@rule
async def source_date_epoch(_: SourceDateEpochRequest) -> SourceDateEpoch:
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(["SOURCE_DATE_EPOCH"]))
    epoch_text = env.get("SOURCE_DATE_EPOCH")
    try:
        return SourceDateEpoch(int(epoch_text) if epoch_text else None)
    except ValueError:
        raise RustPythonBuildError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch_text!r}."
        )


def rules():
    return collect_rules()
