"""A RuleRunner with the plugin's rules, and a small real pyo3 crate to build with it."""
from __future__ import annotations

import io
import os
import zipfile
from typing import Any, Mapping, Optional, Sequence

import tomli
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.util_rules import pex
from pants.core.subsystems import python_bootstrap
from pants.core.util_rules import adhoc_binaries, source_files, system_binaries
from pants.engine.addresses import Address
from pants.engine.fs import Digest, DigestContents
from pants.engine.target import Target
from pants.testutil.rule_runner import QueryRule, RuleRunner
from pants_rust_python import dependency_inference
from pants_rust_python.subsystems import auditwheel as auditwheel_subsystem
from pants_rust_python.subsystems import zig as zig_subsystem
from pants_rust_python.target_types import (
    CargoWorkspaceTarget,
    RustCrateTarget,
    RustPythonExtensionTarget,
)
from pants_rust_python.util_rules import (
    cargo_build,
    cargo_process,
    extension,
    interpreters,
    toolchain,
    workspace,
    zig,
)
from pants_rust_python.util_rules.extension import (
    NativeLibrary,
    NativeLibraryRequest,
    RustProject,
    RustProjectRequest,
)
from rust_python_testutil.e2e import source_checkout

# Outside any test's tmp dir on purpose: the stable store is shared like in real use.
TEST_STORE_DIR = "/tmp/pants-rust-python-test"

# What the real rules need from the machine: toolchain and interpreters, registry access.
INHERITED_ENV = {"PATH", "HOME", "PYENV_ROOT", "CARGO_HOME", "RUSTUP_HOME", "SSL_CERT_FILE"}

HELLO_MANIFEST = """\
[package]
name = "hello"
version = "0.1.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]

[dependencies]
pyo3 = { version = "0.23", features = ["extension-module", "abi3-py39"] }
"""

HELLO_LIB_RS = """\
use pyo3::prelude::*;

#[pyfunction]
fn add(a: i64, b: i64) -> i64 { a + b }

#[pymodule]
fn hello(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(add, m)?)
}
"""


def hello_lockfile() -> str:
    with open(os.path.join(os.path.dirname(__file__), "hello.Cargo.lock")) as f:
        return f.read()


def hello_crate(overrides: Optional[Mapping[str, Optional[str]]] = None) -> dict[str, str]:
    """The `hello` crate's files; `overrides` (paths relative to the crate) replace files, and
    None removes one."""
    files: dict[str, Optional[str]] = {
        "hello/BUILD": "rust_python_extension()\n",
        "hello/Cargo.toml": HELLO_MANIFEST,
        "hello/Cargo.lock": hello_lockfile(),
        "hello/src/lib.rs": HELLO_LIB_RS,
    }
    files.update({f"hello/{path}": content for path, content in (overrides or {}).items()})
    return {path: content for path, content in files.items() if content is not None}


def example_files(name: str, *, with_build_files: bool = True) -> dict[str, str]:
    """The files of the example `src/<name>` (without cargo's `target/`), under `<name>/`, for a
    rule runner's build root."""
    root = source_checkout() / "src" / name
    return {
        f"{name}/{path.relative_to(root)}": path.read_text()
        for path in root.rglob("*")
        if path.is_file()
        and "target" not in path.parts
        and (with_build_files or path.name != "BUILD")
    }


def pex_cli_options() -> list[str]:
    """The repo's pinned pex tool (pants.toml's [pex-cli]), from where the launcher put it.

    Needed by rules of Pants's Python backend that run pex (import parsing, for one).
    """
    with open(os.path.join(source_checkout(), "pants.toml"), "rb") as f:
        pex_cli = tomli.load(f)["pex-cli"]
    return [
        f"--pex-cli-version={pex_cli['version']}",
        f"--pex-cli-known-versions={pex_cli['known_versions']!r}",
        f"--pex-cli-url-template={os.environ['PANTS_PEX_CLI_URL_TEMPLATE']}",
    ]


def make_rule_runner(
    *extra_args: str,
    extra_rules: Sequence[Any] = (),
    extra_target_types: Sequence[type[Target]] = (),
) -> RuleRunner:
    runner = RuleRunner(
        rules=[
            *toolchain.rules(),
            *interpreters.rules(),
            *workspace.rules(),
            *cargo_process.rules(),
            *cargo_build.rules(),
            *extension.rules(),
            # Planning reads `[auditwheel]` and `[zig]`; zig builds resolve the `[zig]` tool.
            *auditwheel_subsystem.rules(),
            *zig_subsystem.rules(),
            *zig.rules(),
            *pex.rules(),
            *dependency_inference.rules(),
            *source_files.rules(),
            *system_binaries.rules(),
            *adhoc_binaries.rules(),
            *python_bootstrap.rules(),
            *PythonSetup.rules(),
            QueryRule(RustProject, [RustProjectRequest]),
            QueryRule(NativeLibrary, [NativeLibraryRequest]),
            *extra_rules,
        ],
        target_types=[
            RustPythonExtensionTarget,
            RustCrateTarget,
            CargoWorkspaceTarget,
            *extra_target_types,
        ],
    )
    new_run(runner, *extra_args)
    return runner


def new_run(runner: RuleRunner, *extra_args: str) -> None:
    """A new session of the runner's scheduler, as each Pants run under pantsd gets one."""
    runner.set_options(
        [f"--rust-store-dir={TEST_STORE_DIR}", *extra_args],
        # Through the environment, not a flag: a flag would override targets' own constraints.
        env={"PANTS_PYTHON_INTERPRETER_CONSTRAINTS": "['CPython>=3.9,<3.12']"},
        env_inherit=INHERITED_ENV,
    )


def build_native_library(runner: RuleRunner, address: Address) -> tuple[RustProject, NativeLibrary]:
    project = runner.request(RustProject, [RustProjectRequest(address)])
    interpreter = project.build_for[0]
    return project, runner.request(NativeLibrary, [NativeLibraryRequest(project, interpreter)])


def file_bytes(runner: RuleRunner, digest: Digest, name: Optional[str] = None) -> bytes:
    """The content of the one file in `digest` (or of the file `name` in it)."""
    contents = runner.request(DigestContents, [digest])
    return next(fc.content for fc in contents if name is None or fc.path == name)


def package_names(package_ids: tuple[str, ...]) -> list[str]:
    """`path+file:///…/shapes#0.2.0` -> shapes; `registry+…#pyo3@0.30.1` -> pyo3."""
    names = []
    for package_id in package_ids:
        source, _, fragment = package_id.partition("#")
        names.append(fragment.split("@")[0] if "@" in fragment else source.rsplit("/", 1)[-1])
    return sorted(names)


def package_rules() -> list[Any]:
    """What `pants package` of a rust_python_extension needs beyond make_rule_runner's rules."""
    from pants.core.goals.package import BuiltPackage
    from pants_rust_python.goals import package
    from pants_rust_python.goals.package import RustPythonExtensionFieldSet
    from pants_rust_python.subsystems import cffi as cffi_subsystem
    from pants_rust_python.util_rules import auditwheel, cbindgen, cffi, source_date_epoch

    return [
        *package.rules(),
        *auditwheel.rules(),
        *cffi.rules(),
        *cffi_subsystem.rules(),
        *cbindgen.rules(),
        *source_date_epoch.rules(),
        QueryRule(BuiltPackage, [RustPythonExtensionFieldSet]),
    ]


def package_wheel(runner: RuleRunner, address: Address) -> tuple[str, zipfile.ZipFile]:
    """`pants package` of the extension at `address`: its one wheel's name, opened."""
    from pants.core.goals.package import BuiltPackage
    from pants_rust_python.goals.package import RustPythonExtensionFieldSet

    target = runner.get_target(address)
    built = runner.request(BuiltPackage, [RustPythonExtensionFieldSet.create(target)])
    (artifact,) = built.artifacts
    assert artifact.relpath is not None
    wheel = zipfile.ZipFile(io.BytesIO(file_bytes(runner, built.digest, artifact.relpath)))
    return artifact.relpath, wheel
