"""The `skip_rustfmt` field of the Rust targets."""
from __future__ import annotations

from pants.engine.target import BoolField
from pants_rust_python.target_types import (
    RustCrateTarget,
    RustPythonBinaryTarget,
    RustPythonExtensionTarget,
)


class SkipRustfmtField(BoolField):
    alias = "skip_rustfmt"
    default = False
    help = "If true, don't run rustfmt on this crate's sources (`pants fmt` and `pants lint`)."


def rules():
    return [
        target.register_plugin_field(SkipRustfmtField)
        for target in (RustPythonExtensionTarget, RustPythonBinaryTarget, RustCrateTarget)
    ]
