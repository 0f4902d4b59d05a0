"""The one way the plugin runs cargo: a `CargoProcess` request, turned into a `Process` by a rule.

As `GoSdkProcess` is for the Go backend: every cargo step (vendoring, metadata, the compiled
layers, the final build, cbindgen) is one `CargoProcess` that names its driver mode, its inputs and
its outputs; the rule below adds the driver script, the toolchain's environment, the store and the
vendored sources, the same way for all of them.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Optional

from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import EMPTY_DIGEST, Digest, MergeDigests
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap
from pants_rust_python.secret_env import secret_variables
from pants_rust_python.subsystems.rust import RustSubsystem
from pants_rust_python.util_rules.cargo_driver import REFUSED_EXIT, UNDECLARED_TOOL_MARKER
from pants_rust_python.util_rules.toolchain import DRIVER_SCRIPT, CargoDriverScript, RustToolchain
from pants_rust_python.util_rules.zig import ZIG_WHEELS, ZigLinker

logger = logging.getLogger(__name__)

# Where steps find the vendored sources, keep cargo's target directory and write their results,
# relative to the sandbox.
VENDOR_OUT = "__vendor"
TARGET_DIR = "__cargo_target"
OUT = "__out"

# With a remote cache, Pants 2.17 starts a process locally at once, racing the cache lookup
# (`Process.remote_cache_speculation_delay_millis` defaults to 0): on a hit, cargo would still be
# spawned, compile for a moment (and `cargo vendor` reach the network) before being cancelled.
# A miss answers at once and a hit includes downloading the outputs (the dependency layer is tens
# of MB), so waiting for the lookup costs nothing on a miss and saves a whole cargo run on a hit.
REMOTE_CACHE_SPECULATION_DELAY_MILLIS = 60_000


class CargoError(Exception):
    pass


@dataclass(frozen=True)
class CargoDriver:
    """The driver script and what every offline cargo step runs with."""

    digest: Digest
    python: str
    # `[rust].build_env_vars` but those that may hold a secret, and the toolchain's environment
    # (which always wins).
    build_env: FrozenDict[str, str]
    toolchain_env: FrozenDict[str, str]
    store_dir: str
    # Where the build variables that may hold a secret wait for the driver (see SecretEnvFile).
    secret_env_file: Optional[str] = None


@dataclass(frozen=True)
class SecretEnvRequest:
    values: FrozenDict[str, str]


@dataclass(frozen=True)
class SecretEnvFile:
    """Variables that may hold a secret, stashed in the private store by an uncached process.

    A remote cache stores each process's Command, environment included: a step that needs such
    values gets this file's path (`<store>/secret-env/<HMAC of the values>.json`) and the driver
    loads it, so nothing of the values is uploaded and the key still changes with them. The HMAC
    key is this machine's, so such steps are not shared with other machines.
    """

    path: str


@rule(desc="Keep variables that may hold secrets out of process keys", level=LogLevel.DEBUG)
async def stash_secret_env(
    request: SecretEnvRequest, script: CargoDriverScript, rust: RustSubsystem
) -> SecretEnvFile:
    result = await Get(
        FallibleProcessResult,
        Process(
            (
                script.python,
                DRIVER_SCRIPT,
                "--mode=stash-env",
                f"--store={rust.store_dir}",
                *(f"--stash={name}" for name in sorted(request.values)),
            ),
            input_digest=script.digest,
            env=request.values,
            description="Stash variables that may hold secrets",
            level=LogLevel.DEBUG,
            # Never cached anywhere: its environment holds the values.
            cache_scope=ProcessCacheScope.PER_SESSION,
        ),
    )
    if result.exit_code != 0:
        raise failure("Stashing variables that may hold secrets", result)
    return SecretEnvFile(result.stdout.decode().strip())


def split_secrets(env: EnvironmentVars) -> tuple[FrozenDict[str, str], FrozenDict[str, str]]:
    secrets = set(secret_variables(env))
    return (
        FrozenDict({k: v for k, v in env.items() if k not in secrets}),
        FrozenDict({k: v for k, v in env.items() if k in secrets}),
    )


@rule
async def cargo_driver(
    script: CargoDriverScript, toolchain: RustToolchain, rust: RustSubsystem
) -> CargoDriver:
    build_env, secrets = split_secrets(
        await Get(EnvironmentVars, EnvironmentVarsRequest(rust.build_env_vars))
    )
    secret_file = None
    if secrets:
        logger.warning(
            softwrap(
                f"""
                `[rust].build_env_vars` gives builds {', '.join(sorted(secrets))}, which may hold a
                secret: builds get it from a file in `[rust].store_dir`, not through their
                environment, which the remote cache would store, and are keyed by an HMAC unique
                to this machine, so they are not shared through the remote cache. Move
                credentials out of build variables (a build should not need any) to share builds.
                """
            )
        )
        secret_file = (await Get(SecretEnvFile, SecretEnvRequest(secrets))).path
    return CargoDriver(
        digest=script.digest,
        python=script.python,
        build_env=build_env,
        toolchain_env=toolchain.env(),
        store_dir=rust.store_dir,
        secret_env_file=secret_file,
    )


def failure(what: str, result: FallibleProcessResult) -> CargoError:
    stderr = result.stderr.decode("utf-8", "replace").rstrip()
    if result.exit_code == REFUSED_EXIT:
        # The driver refused before cargo ran; its message says why and how to fix it.
        return CargoError(f"{what} did not start: {stderr.removeprefix('error: ')}\n")
    if UNDECLARED_TOOL_MARKER in stderr:
        tools = sorted(set(re.findall(re.escape(UNDECLARED_TOOL_MARKER) + r" `([^`]+)`", stderr)))
        return CargoError(
            f"{what} failed: a build script ran {', '.join(f'`{t}`' for t in tools)}, which "
            f"builds cannot see. Add {', '.join(repr(t) for t in tools)} to "
            f"`[rust].build_tools` in pants.toml. cargo said:\n\n{stderr}\n"
        )
    return CargoError(f"{what} failed (exit code {result.exit_code}). cargo said:\n\n{stderr}\n")


@dataclass(frozen=True)
class VendoredCrates:
    # `vendor/` (the crates' sources) and `config.toml` (cargo's source replacement snippet).
    digest: Digest

    @property
    def key(self) -> str:
        """Names the stable copy of these sources; equal contents give equal keys everywhere."""
        return self.digest.fingerprint


@dataclass(frozen=True)
class CargoProcess:
    """One cargo step, run by the driver script in `mode` (see cargo_driver.py)."""

    mode: str
    # The directory cargo runs in, relative to the sandbox ("" = its root).
    root_dir: str
    cargo_args: tuple[str, ...]
    description: str
    sources: Digest = EMPTY_DIGEST
    # The crates' sources every offline step builds from; None only for vendoring itself.
    vendored: Optional[VendoredCrates] = None
    driver_args: tuple[str, ...] = ()
    extra_inputs: tuple[Digest, ...] = ()
    # The step's own variables; the toolchain's always win over them.
    env: FrozenDict[str, str] = FrozenDict()
    output_directories: tuple[str, ...] = (OUT,)
    # Vendoring and locking: the steps that reach the network. They get `env` (the fetch
    # variables) in place of the build variables, and write to VENDOR_OUT.
    networked: bool = False
    # Overrides the driver's file of build variables that may hold secrets (vendoring's own).
    secret_env_file: Optional[str] = None
    # A new Cargo.lock depends on the registry's answer of the day: never cached.
    cache_scope: ProcessCacheScope = ProcessCacheScope.SUCCESSFUL
    # Link, and compile C, through zig (`zig=True`).
    zig: Optional[ZigLinker] = None


@rule
async def cargo_process_to_process(request: CargoProcess, driver: CargoDriver) -> Process:
    input_digest = await Get(
        Digest, MergeDigests([request.sources, driver.digest, *request.extra_inputs])
    )
    secret_env_file = request.secret_env_file or (
        None if request.networked else driver.secret_env_file
    )
    layout: tuple[str, ...] = (f"--out={VENDOR_OUT}",)
    if not request.networked:
        assert request.vendored is not None, request.description
        layout = (
            f"--vendor-dir={VENDOR_OUT}/vendor",
            f"--vendor-config={VENDOR_OUT}/config.toml",
            f"--vendor-key={request.vendored.key}",
            f"--store={driver.store_dir}",
            f"--target-dir={TARGET_DIR}",
            f"--out={OUT}",
        )
    argv = (
        driver.python,
        DRIVER_SCRIPT,
        f"--mode={request.mode}",
        f"--workspace-root={request.root_dir or '.'}",
        *layout,
        *((f"--secret-env={secret_env_file}",) if secret_env_file else ()),
        *(request.zig.driver_args() if request.zig else ()),
        *request.driver_args,
        "--",
        *request.cargo_args,
    )
    base_env = FrozenDict() if request.networked else driver.build_env
    return Process(
        argv,
        input_digest=input_digest,
        # Thousands of small files that the driver only reads (it copies them into the store
        # once per vendor key): Pants materializes them once and links them into each sandbox.
        immutable_input_digests={
            **({VENDOR_OUT: request.vendored.digest} if request.vendored is not None else {}),
            **({ZIG_WHEELS: request.zig.distribution.digest} if request.zig else {}),
        },
        env={**base_env, **request.env, **driver.toolchain_env},
        output_directories=(VENDOR_OUT,) if request.networked else request.output_directories,
        description=request.description,
        level=LogLevel.DEBUG,
        remote_cache_speculation_delay_millis=REMOTE_CACHE_SPECULATION_DELAY_MILLIS,
        cache_scope=request.cache_scope,
    )


def rules():
    return collect_rules()
