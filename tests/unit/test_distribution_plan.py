"""What a python_distribution's wheel gets from the Rust extensions it owns (plain function)."""

from __future__ import annotations

from typing import Optional

import pytest
from pants_rust_python.maturin.interpreter_env import PythonInterpreter
from pants_rust_python.maturin.project import Abi3, ProjectSpec
from pants_rust_python.python_interop.distribution import (
    OwnedExtension,
    RustDistributionError,
    plan_native_files,
)


def interpreter(minor: int) -> PythonInterpreter:
    return PythonInterpreter(
        path=f"/usr/bin/python3.{minor}",
        implementation="CPython",
        major=3,
        minor=minor,
        micro=0,
        ext_suffix=f".cpython-3{minor}-x86_64-linux-gnu.so",
        abiflags="",
        pointer_width=64,
        shared=False,
        platform="linux-x86_64",
    )


PY39, PY310, PY311 = interpreter(9), interpreter(10), interpreter(11)


def spec(module: str, *, abi3: Optional[Abi3], mixed: bool) -> ProjectSpec:
    package, _, extension = module.rpartition(".")
    return ProjectSpec(
        cargo_toml_path="p/Cargo.toml",
        pyproject_path=None,
        project_root="p",
        package_id="path+file:///repo/p#0.1.0",
        crate_name="p",
        distribution_name="p",
        module_name=module,
        extension_name=extension,
        bindings="pyo3",
        bindings_crate="pyo3",
        bindings_crate_version="0.22.0",
        abi3=abi3,
        lib_name=extension,
        bin_names=(),
        python_source="p/python" if mixed else "p",
        python_module=f"p/python/{package}" if mixed else None,
        python_packages=(),
        module_dir=package.replace(".", "/") if mixed else module,
        stub_path=None if mixed else f"p/{module}.pyi",
        data_dir=None,
    )


def abi3_pure(minimum: Abi3 = (3, 9)) -> OwnedExtension:
    return OwnedExtension("src/hello", spec("hello", abi3=minimum, mixed=False), (PY39,))


def mixed(*built_for: PythonInterpreter) -> OwnedExtension:
    return OwnedExtension("src/mixed", spec("mixed._native", abi3=None, mixed=True), built_for)


def test_abi3_ships_the_module_and_stub_marker_with_limited_api() -> None:
    plan = plan_native_files("src:dist", [abi3_pure()], [PY39, PY310, PY311])
    assert plan.package_data == {"hello": ["hello.abi3.so", "py.typed"]}
    assert plan.py_limited_api == "cp39"
    assert plan.python_version is None


def test_per_interpreter_ships_only_the_distributions_interpreter_build() -> None:
    plan = plan_native_files("src:dist", [mixed(PY39, PY311), abi3_pure()], [PY311])
    assert plan.package_data == {
        "hello": ["hello.abi3.so", "py.typed"],
        "mixed": ["_native.cpython-311-x86_64-linux-gnu.so"],
    }
    # The builds the backend ships (and auditwheel audits), one per extension.
    assert [(a, i.major_minor) for a, i in plan.built_with] == [
        ("src/mixed", "3.11"),
        (abi3_pure().address, abi3_pure().built_for[0].major_minor),
    ]
    # A cpXY-cpXY wheel: no limited API even though one module is abi3.
    assert plan.py_limited_api is None
    assert plan.python_version == "3.11"


def test_per_interpreter_needs_one_interpreter_version() -> None:
    with pytest.raises(RustDistributionError, match=r'allow 3\.9, 3\.11 .*"CPython==3\.9\.\*"'):
        plan_native_files("src:dist", [mixed(PY39, PY311)], [PY39, PY311])


def test_per_interpreter_must_be_built_for_that_version() -> None:
    with pytest.raises(RustDistributionError, match=r"Python 3\.10, but src/mixed is not"):
        plan_native_files("src:dist", [mixed(PY39, PY311)], [PY310])


def test_abi3_floor_above_allowed_interpreters_is_an_error() -> None:
    with pytest.raises(RustDistributionError, match=r"also allow 3\.9, .*CPython>=3\.10"):
        plan_native_files("src:dist", [abi3_pure((3, 10))], [PY39, PY310])
