"""`[rustfmt]`: the toolchain's rustfmt, for `pants fmt` and `pants lint` on the repo's crates."""
from __future__ import annotations

from pants.option.option_types import ArgsListOption, SkipOption
from pants.option.subsystem import Subsystem


class Rustfmt(Subsystem):
    options_scope = "rustfmt"
    name = "rustfmt"
    help = (
        "The rustfmt of the Rust toolchain (found beside `rustc`, see `[rust]`), run on the `.rs` "
        "files of `rust_python_extension`, `rust_python_binary` and `rust_crate` targets with "
        "each crate's edition and the `rustfmt.toml` / `.rustfmt.toml` files above them. Its "
        "`--version` and binary digest are part of every run's cache key."
    )

    skip = SkipOption("fmt", "lint")
    args = ArgsListOption(example="--config=max_width=120")
