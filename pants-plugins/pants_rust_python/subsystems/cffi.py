"""`[cffi]`: the cffi that turns a crate's C header into the `ffi.py` of cffi bindings."""
from __future__ import annotations

from pants.backend.python.subsystems.python_tool_base import LockfileRules, PythonToolBase
from pants.backend.python.target_types import EntryPoint
from pants.engine.rules import collect_rules


class Cffi(PythonToolBase):
    options_scope = "cffi"
    name = "cffi"
    help = (
        "The cffi used to generate the out-of-line `ffi.py` module of `cffi` bindings "
        "(https://cffi.readthedocs.io). The wheels themselves depend on cffi at run time."
    )

    default_version = "cffi==2.0.0"
    default_requirements = ["cffi>=1.15,<3"]
    # Run through our own script (cffi has no console script for the recompiler).
    default_main = EntryPoint("__pants_cffi_ffi_py")

    register_interpreter_constraints = True
    # cffi 2.0 supports CPython 3.9 and newer.
    default_interpreter_constraints = ["CPython>=3.9,<3.14"]

    default_lockfile_resource = ("pants_rust_python.subsystems", "cffi.lock")
    lockfile_rules_type = LockfileRules.SIMPLE


def rules():
    return [*collect_rules(), *Cffi.rules()]
