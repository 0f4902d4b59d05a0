"""`[clippy]`: the toolchain's clippy, for `pants lint` (and `pants check` when configured)."""
from __future__ import annotations

from pants.option.option_types import ArgsListOption, SkipOption, StrListOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap


class Clippy(Subsystem):
    options_scope = "clippy"
    name = "clippy"
    help = softwrap(
        """
        The clippy of the Rust toolchain (`cargo-clippy` and `clippy-driver` beside `rustc`, see
        `[rust]`), run by `pants lint` over each `rust_python_extension`, `rust_python_binary`
        and `rust_crate` target's crate and its tests, examples and benches (`--all-targets`),
        offline and frozen, on a cached layer of its third-party crates. The versions and
        digests of both binaries are part of every run's cache key.
        """
    )

    skip = SkipOption("lint")
    args = ArgsListOption(
        example="-D warnings -W clippy::pedantic",
        extra_help=softwrap(
            """
            Lint levels for clippy (after `cargo clippy --`), for example `-D warnings` to fail
            on any warning.
            """
        ),
    )
    cargo_args = StrListOption(
        default=[],
        help="Arguments for `cargo clippy` itself (before its `--`), for example `--lib`.",
    )
