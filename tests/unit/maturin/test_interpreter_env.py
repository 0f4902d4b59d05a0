"""What a build is told about its interpreter: facts for pyo3, a path only where one is needed."""
from __future__ import annotations

import dataclasses
from typing import Optional

import pytest
from pants_rust_python.cargo.graph import Abi3
from pants_rust_python.maturin.interpreter_env import (
    PYO3_CONFIG_TEXT_ENV,
    PythonInterpreter,
    embedded_interpreter_env,
    interpreter_build_env,
    pyo3_config,
)
from pants_rust_python.util_rules import cargo_driver

PY39 = PythonInterpreter(
    path="/home/a/.pyenv/versions/3.9.18/bin/python3.9",
    implementation="CPython",
    major=3,
    minor=9,
    micro=18,
    ext_suffix=".cpython-39-x86_64-linux-gnu.so",
    abiflags="",
    pointer_width=64,
    shared=False,
    platform="linux-x86_64",
)


def env(bindings: str, crate: Optional[str] = "pyo3", abi3: Optional[Abi3] = None) -> dict:
    return interpreter_build_env(
        bindings=bindings,
        bindings_crate=crate,
        bindings_crate_version="0.30.1",
        abi3=abi3,
        interpreter=PY39,
    )


def test_pyo3_config_holds_facts_and_no_path() -> None:
    assert pyo3_config(PY39, abi3=None, pyo3_version="0.30.1") == (
        "implementation=CPython\n"
        "version=3.9\n"
        "shared=false\n"
        "pointer_width=64\n"
        "build_flags=\n"
        "suppress_build_script_link_lines=false\n"
    )


def test_same_interpreter_elsewhere_gives_the_same_environment() -> None:
    elsewhere = dataclasses.replace(PY39, path="/opt/python/bin/python3.9", micro=20)
    for bindings in ("pyo3", "pyo3-ffi"):
        assert interpreter_build_env(
            bindings=bindings,
            bindings_crate=bindings,
            bindings_crate_version="0.30.1",
            abi3=(3, 9),
            interpreter=elsewhere,
        ) == env(bindings, bindings, abi3=(3, 9))


def test_pyo3_environment_names_no_interpreter_path() -> None:
    built = env("pyo3")
    assert set(built) == {"PYO3_BUILD_EXTENSION_MODULE", PYO3_CONFIG_TEXT_ENV}
    assert not any("/" in value for value in built.values())


def test_debug_build_flags() -> None:
    debug = dataclasses.replace(PY39, build_flags=("Py_REF_DEBUG", "Py_DEBUG"))
    assert "build_flags=Py_DEBUG,Py_REF_DEBUG\n" in pyo3_config(
        debug, abi3=None, pyo3_version="0.30.1"
    )


def test_pypy() -> None:
    pypy = dataclasses.replace(PY39, implementation="PyPy", shared=True)
    text = pyo3_config(pypy, abi3=None, pyo3_version="0.26.0")
    assert text.startswith("implementation=PyPy\nversion=3.9\nshared=true\n")


@pytest.mark.parametrize(
    "abi3, expected_version", [((3, 8), "3.8"), ("abi3", "3.9")], ids=["floor", "bare"]
)
def test_abi3_before_pyo3_0_23_is_written_into_the_file(abi3: Abi3, expected_version: str) -> None:
    # pyo3 < 0.23 ignores its abi3 features when a config file is given.
    text = pyo3_config(PY39, abi3=abi3, pyo3_version="0.22.6")
    assert f"version={expected_version}\nabi3=true\n" in text


def test_abi3_from_pyo3_0_23_is_left_to_the_features() -> None:
    assert "abi3" not in pyo3_config(PY39, abi3=(3, 8), pyo3_version="0.23.0")


def test_paths_only_where_an_interpreter_binary_is_needed() -> None:
    assert env("rust-cpython", "cpython") == {"PYTHON_SYS_EXECUTABLE": PY39.path}
    assert env("bin", "cpython") == {"PYTHON_SYS_EXECUTABLE": PY39.path}
    assert env("bin", "pyo3") == {"PYO3_PYTHON": PY39.path}
    assert env("bin", None) == {}
    assert env("cffi", None) == {}


def test_driver_reads_the_same_variable() -> None:
    # The driver is a standalone script: it spells the name out.
    assert cargo_driver.PYO3_CONFIG_TEXT_ENV == PYO3_CONFIG_TEXT_ENV


def test_tests_link_libpython_through_the_interpreter() -> None:
    shared = dataclasses.replace(PY39, shared=True, libdir="/home/a/.pyenv/versions/3.9.18/lib")
    assert embedded_interpreter_env(bindings="pyo3", bindings_crate="pyo3", interpreter=shared) == {
        "PYO3_PYTHON": shared.path,
        "LD_LIBRARY_PATH": "/home/a/.pyenv/versions/3.9.18/lib",
    }
    # A static libpython is linked into the test binary: nothing to find at run time.
    assert embedded_interpreter_env(
        bindings="pyo3-ffi", bindings_crate="pyo3-ffi", interpreter=PY39
    ) == {"PYO3_PYTHON": PY39.path}
    assert embedded_interpreter_env(
        bindings="rust-cpython", bindings_crate="cpython", interpreter=PY39
    ) == {"PYTHON_SYS_EXECUTABLE": PY39.path}
    assert embedded_interpreter_env(bindings="bin", bindings_crate="pyo3", interpreter=PY39) == {
        "PYO3_PYTHON": PY39.path
    }
    assert embedded_interpreter_env(bindings="cffi", bindings_crate=None, interpreter=shared) == {}
    assert embedded_interpreter_env(bindings="bin", bindings_crate=None, interpreter=shared) == {}
