"""The C header of a cffi extension, from cbindgen: a pinned tool, built and cached like a crate.

The tool (`pants_rust_python/tools/cbindgen`) is cbindgen used as a library with maturin's
settings. Its crates come from its own Cargo.lock through the same vendor step as the repo's,
so only vendoring touches the network and the compiled tool is keyed by its sources and the
toolchain alone (and shared through the remote cache).
"""
from __future__ import annotations

import pkgutil
import posixpath
from dataclasses import dataclass

from pants.engine.engine_aware import EngineAwareParameter
from pants.engine.fs import EMPTY_DIGEST, CreateDigest, Digest, FileContent, RemovePrefix
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.logging import LogLevel
from pants_rust_python.util_rules.cargo_build import (
    CargoBuildOutput,
    CargoBuildResult,
    CargoSourceTree,
    CargoSourceTreeRequest,
    VendorRequest,
)
from pants_rust_python.util_rules.cargo_process import (
    OUT,
    CargoError,
    CargoProcess,
    VendoredCrates,
    failure,
)
from pants_rust_python.util_rules.workspace import CargoWorkspace

_TOOL_DIR = "__cbindgen_tool"
_TOOL_NAME = "pants-rust-python-cbindgen"


def _tool_file(name: str) -> bytes:
    content = pkgutil.get_data("pants_rust_python", f"tools/cbindgen/{name}")
    assert content is not None, name
    return content


@dataclass(frozen=True)
class CbindgenTool:
    # The executable, at `path` inside `digest`.
    digest: Digest
    path: str


@rule(desc="Build the cbindgen tool", level=LogLevel.DEBUG)
async def build_cbindgen_tool() -> CbindgenTool:
    crate = await Get(
        Digest,
        CreateDigest(
            [
                FileContent(f"{_TOOL_DIR}/Cargo.toml", _tool_file("manifest.toml")),
                FileContent(f"{_TOOL_DIR}/Cargo.lock", _tool_file("Cargo.lock")),
                FileContent(f"{_TOOL_DIR}/src/main.rs", _tool_file("main.rs")),
            ]
        ),
    )
    vendored = await Get(VendoredCrates, VendorRequest(crate, _TOOL_DIR, f"{_TOOL_DIR}/Cargo.lock"))
    result = await Get(
        FallibleProcessResult,
        CargoProcess(
            root_dir=_TOOL_DIR,
            vendored=vendored,
            mode="build",
            sources=crate,
            cargo_args=(
                "build",
                "--frozen",
                "--release",
                "--message-format=json-render-diagnostics",
            ),
            description="Build the cbindgen tool (once per Rust toolchain)",
        ),
    )
    if result.exit_code != 0:
        raise failure("Building the cbindgen tool", result)
    built = await Get(CargoBuildResult, CargoBuildOutput(result.output_digest))
    program = next((a for a in built.artifacts if a.target == _TOOL_NAME), None)
    if program is None:
        raise CargoError("Building the cbindgen tool produced no program.")
    return CbindgenTool(program.digest, program.file)


@dataclass(frozen=True)
class CHeaderRequest(EngineAwareParameter):
    workspace: CargoWorkspace
    # The repo's real sources for the crate and its path dependencies.
    sources: Digest
    crate_dir: str
    # For messages: the target and crate.
    description: str

    def debug_hint(self) -> str:
        return self.description


@dataclass(frozen=True)
class CHeader:
    # The header alone, at `header.h`.
    digest: Digest


@rule(desc="Generate a C header with cbindgen", level=LogLevel.DEBUG)
async def generate_c_header(
    request: CHeaderRequest,
) -> CHeader:
    workspace = request.workspace
    tool, vendored, tree = await MultiGet(
        Get(CbindgenTool),
        Get(VendoredCrates, CargoWorkspace, workspace),
        Get(CargoSourceTree, CargoSourceTreeRequest(workspace, request.sources)),
    )
    result = await Get(
        FallibleProcessResult,
        CargoProcess(
            root_dir=workspace.root_dir,
            vendored=vendored,
            mode="cbindgen",
            sources=tree.digest,
            cargo_args=(),
            driver_args=(
                f"--cbindgen={tool.path}",
                f"--crate-dir={request.crate_dir or '.'}",
            ),
            extra_inputs=(tool.digest,),
            description=f"cbindgen for {request.description}",
        ),
    )
    if result.exit_code != 0:
        config = posixpath.join(request.crate_dir, "cbindgen.toml")
        raise CargoError(
            f"Generating the C header of {request.description} with cbindgen failed "
            f"(exit code {result.exit_code}); check {config} if the crate has one, or have the "
            f"build script write target/header.h. cbindgen said:\n\n"
            f"{result.stderr.decode('utf-8', 'replace').rstrip()}\n"
        )
    header = await Get(Digest, RemovePrefix(result.output_digest, OUT))
    if header == EMPTY_DIGEST:
        raise CargoError(f"cbindgen wrote no header for {request.description}.")
    return CHeader(header)


def rules():
    return collect_rules()
