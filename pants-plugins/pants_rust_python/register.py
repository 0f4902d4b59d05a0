"""Pants plugin that builds Rust-backed Python packages (pyo3, cffi, rust-cpython, binaries)."""
from __future__ import annotations

from pants_rust_python import dependency_inference
from pants_rust_python.goals import check as cargo_check
from pants_rust_python.goals import lockfile, package, publish, run, tailor
from pants_rust_python.goals import test as cargo_test
from pants_rust_python.lint.clippy import rules as clippy
from pants_rust_python.lint.rustfmt import rules as rustfmt
from pants_rust_python.python_interop import codegen, distribution, module_mapper
from pants_rust_python.subsystems import auditwheel as auditwheel_subsystem
from pants_rust_python.subsystems import cffi as cffi_subsystem
from pants_rust_python.subsystems import zig as zig_subsystem
from pants_rust_python.target_types import (
    CargoWorkspaceTarget,
    RustCrateTarget,
    RustPythonBinaryTarget,
    RustPythonExtensionTarget,
)
from pants_rust_python.util_rules import (
    auditwheel,
    cargo_build,
    cargo_process,
    cbindgen,
    cffi,
    crate_plan,
    extension,
    interpreters,
    source_date_epoch,
    toolchain,
    workspace,
    zig,
)


def rules():
    return [
        *toolchain.rules(),
        *interpreters.rules(),
        *workspace.rules(),
        *cargo_process.rules(),
        *cargo_build.rules(),
        *cbindgen.rules(),
        *cffi.rules(),
        *cffi_subsystem.rules(),
        *auditwheel_subsystem.rules(),
        *auditwheel.rules(),
        *zig_subsystem.rules(),
        *zig.rules(),
        *extension.rules(),
        *crate_plan.rules(),
        *cargo_test.rules(),
        *cargo_check.rules(),
        *source_date_epoch.rules(),
        *dependency_inference.rules(),
        *package.rules(),
        *run.rules(),
        *lockfile.rules(),
        *publish.rules(),
        *tailor.rules(),
        *rustfmt.rules(),
        *clippy.rules(),
        *codegen.rules(),
        *distribution.rules(),
        *module_mapper.rules(),
    ]


def target_types():
    return [
        RustPythonExtensionTarget,
        RustPythonBinaryTarget,
        RustCrateTarget,
        CargoWorkspaceTarget,
    ]
