"""`[zig]`: zig and cargo-zigbuild, the linker that builds against an older glibc (maturin's `--zig`)."""
from __future__ import annotations

from pants.backend.python.subsystems.python_tool_base import LockfileRules, PythonToolBase
from pants.backend.python.target_types import EntryPoint
from pants.engine.rules import collect_rules
from pants.option.option_types import BoolOption
from pants.util.strutil import softwrap


class Zig(PythonToolBase):
    options_scope = "zig"
    name = "zig"
    help = softwrap(
        """
        zig (the `ziglang` distribution of the package index) with cargo-zigbuild's `zig cc`
        wrapper, which link Rust builds against an older glibc than this machine's, as
        `maturin build --zig` does: a wheel built here can then carry `manylinux2014`.
        """
    )

    default_version = "ziglang==0.17.1"
    # cargo-zigbuild's `zig cc` fixes up the arguments rustc and the cc crate pass to a linker
    # and a C compiler; zig releases have broken cargo-zigbuild before, so the two are pinned
    # as a pair that was tested together.
    default_extra_requirements = ["cargo-zigbuild==0.24.0"]
    default_requirements = ["ziglang>=0.13", "cargo-zigbuild>=0.19"]
    # Not run as a Python program: the builds run the binaries the two distributions carry.
    default_main = EntryPoint("ziglang")

    register_interpreter_constraints = True
    default_interpreter_constraints = ["CPython>=3.9,<3.14"]

    default_lockfile_resource = ("pants_rust_python.subsystems", "zig.lock")
    lockfile_rules_type = LockfileRules.SIMPLE

    enabled = BoolOption(
        default=False,
        help=softwrap(
            """
            The default of the `zig` field of `rust_python_extension` and `rust_python_binary`
            targets: link through zig against the glibc of the wheel's compatibility
            (`manylinux2014`, that is glibc 2.17, when none is set), as `maturin build --zig`.
            """
        ),
    )


def rules():
    return [*collect_rules(), *Zig.rules()]
