"""What a cargo build is told about the Python interpreter it builds for.

A pyo3 extension module learns its interpreter from a `PYO3_CONFIG_FILE` written from the probed
interpreter's facts, so its cache keys name what the interpreter is (implementation, version,
pointer width, build flags), never where it is installed: two machines with their interpreters
at different paths share every compiled layer. Only what really needs an interpreter binary
keeps its path: rust-cpython's python3-sys runs it, and a pyo3 program that embeds Python links
its libpython.

Pure: no Pants imports; the cargo driver turns the config text into a file at a stable path.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from pants_rust_python.cargo.graph import Abi3

# Read (and removed from the environment) by the cargo driver, which writes the text to a
# content-addressed file in the store and points PYO3_CONFIG_FILE at it.
PYO3_CONFIG_TEXT_ENV = "PANTS_RUST_PYTHON_PYO3_CONFIG"

# CPython build flags pyo3 distinguishes (sysconfig variables of the same name).
PYO3_BUILD_FLAGS: Tuple[str, ...] = ("Py_DEBUG", "Py_REF_DEBUG", "Py_TRACE_REFS", "COUNT_ALLOCS")


@dataclass(frozen=True)
class PythonInterpreter:
    path: str
    implementation: str
    major: int
    minor: int
    micro: int
    ext_suffix: str
    abiflags: str
    pointer_width: int
    shared: bool
    platform: str
    # The PYO3_BUILD_FLAGS this interpreter was built with.
    build_flags: Tuple[str, ...] = ()
    # Where its libpython is (sysconfig's LIBDIR), for programs that link it.
    libdir: str = ""

    @property
    def major_minor(self) -> str:
        return f"{self.major}.{self.minor}"


def _version_tuple(version: Optional[str]) -> Tuple[int, ...]:
    parts = []
    for part in (version or "").split("."):
        digits = "".join(c for c in part if c.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


def pyo3_config(
    interpreter: PythonInterpreter, *, abi3: Optional[Abi3], pyo3_version: Optional[str]
) -> str:
    """The body of a PYO3_CONFIG_FILE for an extension module built for `interpreter`.

    No `lib_dir` or `executable`: an extension module does not link libpython, and paths would
    put the install location back into the keys. From pyo3 0.23 on, the crate's `abi3` features
    still apply on top of the file (the version is lowered to the abi3 floor); older releases
    take the file as written, so an abi3 build says so itself.
    """
    version = f"{interpreter.major}.{interpreter.minor}"
    lines = [f"implementation={interpreter.implementation}"]
    legacy_abi3 = abi3 is not None and _version_tuple(pyo3_version) < (0, 23)
    if legacy_abi3:
        if isinstance(abi3, tuple):
            version = f"{abi3[0]}.{abi3[1]}"
        lines.append(f"version={version}")
        lines.append("abi3=true")
    else:
        lines.append(f"version={version}")
    lines += [
        f"shared={'true' if interpreter.shared else 'false'}",
        f"pointer_width={interpreter.pointer_width}",
        f"build_flags={','.join(f for f in PYO3_BUILD_FLAGS if f in interpreter.build_flags)}",
        "suppress_build_script_link_lines=false",
    ]
    return "".join(f"{line}\n" for line in lines)


def interpreter_build_env(
    *,
    bindings: str,
    bindings_crate: Optional[str],
    bindings_crate_version: Optional[str],
    abi3: Optional[Abi3],
    interpreter: PythonInterpreter,
) -> Dict[str, str]:
    """The environment by which a build of these bindings learns its interpreter."""
    if bindings in ("pyo3", "pyo3-ffi"):
        return {
            # pyo3 >= 0.26 no longer needs the `extension-module` feature: builders say so here.
            "PYO3_BUILD_EXTENSION_MODULE": "1",
            PYO3_CONFIG_TEXT_ENV: pyo3_config(
                interpreter, abi3=abi3, pyo3_version=bindings_crate_version
            ),
        }
    if bindings == "rust-cpython" or (bindings == "bin" and bindings_crate == "cpython"):
        # python3-sys has no configuration file: it runs the interpreter.
        return {"PYTHON_SYS_EXECUTABLE": interpreter.path}
    if bindings == "bin" and bindings_crate in ("pyo3", "pyo3-ffi"):
        # A program that embeds Python links the interpreter's libpython, found through it.
        return {"PYO3_PYTHON": interpreter.path}
    # cffi, and programs that do not embed Python: nothing of the interpreter reaches cargo.
    return {}


def embedded_interpreter_env(
    *, bindings: str, bindings_crate: Optional[str], interpreter: PythonInterpreter
) -> Dict[str, str]:
    """What a program of the crate (its `cargo test` harnesses, a binary `pants run` runs) is
    told of `interpreter`.

    Such programs are not extension modules: pyo3 and python3-sys link them with the
    interpreter's libpython, which they find by running it, and the tests find a shared
    libpython through LD_LIBRARY_PATH (pyo3 writes no RPATH).
    """
    embeds = bindings_crate if bindings == "bin" else bindings
    library = (
        {"LD_LIBRARY_PATH": interpreter.libdir} if interpreter.shared and interpreter.libdir else {}
    )
    if embeds in ("pyo3", "pyo3-ffi"):
        return {"PYO3_PYTHON": interpreter.path, **library}
    if embeds in ("rust-cpython", "cpython"):
        return {"PYTHON_SYS_EXECUTABLE": interpreter.path, **library}
    # cffi, and crates that never reach Python.
    return {}
