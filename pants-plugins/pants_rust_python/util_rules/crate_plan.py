"""A crate target as Pants's Rust goals (test, check, clippy, run) see it, planned once.

`rust_python_extension` and `rust_python_binary` targets take their crate, features and
interpreter from their build plan (extension.py); a `rust_crate` is its manifest's package with
its default features and no interpreter.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.addresses import Address
from pants.engine.engine_aware import EngineAwareParameter
from pants.engine.fs import Digest, DigestSubset, PathGlobs
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    SourcesField,
    TransitiveTargets,
    TransitiveTargetsRequest,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.util.frozendict import FrozenDict
from pants_rust_python.maturin.interpreter_env import embedded_interpreter_env
from pants_rust_python.target_types import (
    NOT_CARGO_INPUT_GLOBS,
    CargoSourcesField,
    CargoWorkspaceSourcesField,
    RustBinariesField,
    RustModuleNameField,
)
from pants_rust_python.util_rules.cargo_build import CargoGoalRequest, FeatureSelection
from pants_rust_python.util_rules.extension import (
    RustProject,
    RustProjectRequest,
    RustPythonBuildError,
)
from pants_rust_python.util_rules.workspace import CargoWorkspace, CargoWorkspaceRequest


@dataclass(frozen=True)
class RustCratePlanRequest(EngineAwareParameter):
    address: Address

    def debug_hint(self) -> str:
        return str(self.address)


@dataclass(frozen=True)
class RustCratePlan:
    address: Address
    workspace: CargoWorkspace
    # The cargo sources of the crate and of every repo crate it uses (no Python files).
    sources: Digest
    package: str
    features: FeatureSelection
    # What its build scripts, tests and programs are told of the Python interpreter its
    # bindings use (pyo3 finds it through PYO3_PYTHON), if any.
    interpreter_env: FrozenDict[str, str]

    def goal_request(
        self,
        goal: str,
        *,
        env: Mapping[str, str] = FrozenDict(),
        args: tuple[str, ...] = (),
        trailing_args: tuple[str, ...] = (),
        cargo_program: Optional[str] = None,
        stream_output: bool = False,
        step_env: Mapping[str, str] = FrozenDict(),
    ) -> CargoGoalRequest:
        """The crate's `cargo <goal>` (see CargoGoalRequest); `env` beside the interpreter's."""
        return CargoGoalRequest(
            goal=goal,
            workspace=self.workspace,
            sources=self.sources,
            package=self.package,
            features=self.features,
            env=FrozenDict({**env, **self.interpreter_env}),
            description=str(self.address),
            args=args,
            trailing_args=trailing_args,
            cargo_program=cargo_program,
            stream_output=stream_output,
            step_env=FrozenDict(step_env),
        )


@rule(desc="Plan a Rust crate's cargo goals")
async def plan_rust_crate(request: RustCratePlanRequest) -> RustCratePlan:
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(request.address, description_of_origin="<rust goals>")
    )
    target = wrapped.target
    if target.has_field(RustBinariesField) or target.has_field(RustModuleNameField):
        project = await Get(RustProject, RustProjectRequest(request.address))
        spec = project.spec
        interpreter = project.build_for[0] if project.build_for else None
        env = (
            embedded_interpreter_env(
                bindings=spec.bindings, bindings_crate=spec.bindings_crate, interpreter=interpreter
            )
            if interpreter is not None
            else {}
        )
        return RustCratePlan(
            address=request.address,
            workspace=project.workspace,
            sources=project.cargo_sources,
            package=spec.crate_name,
            features=project.features,
            interpreter_env=FrozenDict(env),
        )

    crate_dir = request.address.spec_path
    transitive = await Get(TransitiveTargets, TransitiveTargetsRequest([request.address]))
    fields = [
        tgt[SourcesField]
        for tgt in transitive.closure
        if tgt.has_field(CargoSourcesField) or tgt.has_field(CargoWorkspaceSourcesField)
    ]
    workspace, sources = await MultiGet(
        Get(CargoWorkspace, CargoWorkspaceRequest(crate_dir, f"the target {request.address}")),
        Get(SourceFiles, SourceFilesRequest(fields)),
    )
    cargo_inputs = await Get(
        Digest,
        DigestSubset(
            sources.snapshot.digest,
            PathGlobs(["**", *(f"!{glob}" for glob in NOT_CARGO_INPUT_GLOBS)]),
        ),
    )
    package = workspace.manifest(crate_dir).get("package")
    name = package.get("name") if isinstance(package, Mapping) else None
    if not isinstance(name, str):
        raise RustPythonBuildError(
            f"{request.address}: {crate_dir}/Cargo.toml has no [package] name, so there is no "
            "crate to test or check. A workspace's virtual manifest takes `cargo_workspace()`."
        )
    return RustCratePlan(
        address=request.address,
        workspace=workspace,
        sources=cargo_inputs,
        package=name,
        features=FeatureSelection(),
        interpreter_env=FrozenDict(),
    )


def rules():
    return collect_rules()
