"""The `skip_rustfmt` field of the Rust targets."""
from __future__ import annotations

from pants.engine.target import BoolField
from pants_rust_python.target_types import register_on_crate_targets


class SkipRustfmtField(BoolField):
    alias = "skip_rustfmt"
    default = False
    help = "If true, don't run rustfmt on this crate's sources (`pants fmt` and `pants lint`)."


def rules():
    return register_on_crate_targets(SkipRustfmtField)
