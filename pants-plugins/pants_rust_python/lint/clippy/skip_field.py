"""The `skip_clippy` field of the Rust targets."""
from __future__ import annotations

from pants.engine.target import BoolField
from pants_rust_python.target_types import register_on_crate_targets


class SkipClippyField(BoolField):
    alias = "skip_clippy"
    default = False
    help = "If true, `pants lint` does not run clippy on this crate."


def rules():
    return register_on_crate_targets(SkipClippyField)
