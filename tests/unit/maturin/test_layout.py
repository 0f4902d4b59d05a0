"""Wheel layouts, checked against the file lists of real maturin 1.16 wheels (dist-info aside):
each case below was built with `maturin build --release --compatibility linux -i python3.11`
and its wheel listing copied here (x = the file has its executable bit)."""

from __future__ import annotations

import dataclasses
import posixpath
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
from pants_rust_python.cargo.graph import CargoMetadata, parse_metadata
from pants_rust_python.maturin.layout import (
    IncludedFile,
    LayoutError,
    Origin,
    cffi_init_py,
    data_dir_name,
    data_entries,
    extension_entries,
    include_roots,
    included_wheel_path,
    materialize,
    plan_binary,
    plan_extension,
    pyo3_init_py,
    untyped_module_stub,
)
from pants_rust_python.maturin.project import ProjectSpec, resolve_project
from pants_rust_python.wheel.wheel import escape_distribution
from rust_python_testutil.metadata import ABI3_PY38, REG

CP311 = ".cpython-311-x86_64-linux-gnu.so"
LIB = b"\x7fELF native library"
FFI_PY = b"# auto-generated file\nimport _cffi_backend\n"


def crate_metadata(
    name: str,
    version: str = "0.1.0",
    *,
    lib: Optional[str] = None,
    bins: Sequence[str] = (),
    deps: Optional[Dict[str, List[str]]] = None,
) -> CargoMetadata:
    root_id = f"path+file:///repo/{name}#{version}"
    targets = []
    if lib:
        targets.append(
            {
                "kind": ["cdylib"],
                "crate_types": ["cdylib"],
                "name": lib,
                "src_path": "/repo/src/lib.rs",
            }
        )
    targets += [
        {
            "kind": ["bin"],
            "crate_types": ["bin"],
            "name": b,
            "src_path": "/repo/src/main.rs",
        }
        for b in bins
    ]
    packages = [
        {
            "id": root_id,
            "name": name,
            "version": version,
            "targets": targets,
            "manifest_path": "/repo/Cargo.toml",
        }
    ]
    nodes: List[Dict[str, Any]] = [{"id": root_id, "features": [], "deps": []}]
    for dep, features in (deps or {}).items():
        dep_id = f"{REG}#{dep}@0.23.5"
        packages.append(
            {
                "id": dep_id,
                "name": dep,
                "version": "0.23.5",
                "targets": [],
                "manifest_path": f"/reg/{dep}/Cargo.toml",
            }
        )
        nodes.append({"id": dep_id, "features": features, "deps": []})
        nodes[0]["deps"].append({"name": dep, "pkg": dep_id, "dep_kinds": [{"kind": None}]})
    return parse_metadata(
        {
            "packages": packages,
            "resolve": {"nodes": nodes},
            "workspace_members": [root_id],
            "version": 1,
        }
    )


def build(
    meta: CargoMetadata,
    *,
    files: Dict[str, bytes],
    cargo: dict,
    pyproject: Optional[dict] = None,
    cargo_dir: str = "p",
    ext_suffix: str = ".abi3.so",
    version: Optional[str] = None,
) -> Tuple[ProjectSpec, List[Tuple[str, bool]], Dict[str, bytes]]:
    """resolve_project + layouts, like the build does: returns the spec, the sorted
    (path, executable) listing and the contents."""
    spec = resolve_project(
        meta=meta,
        package=meta.packages[0],
        cargo_manifest=cargo,
        cargo_toml_path=f"{cargo_dir}/Cargo.toml",
        pyproject=pyproject,
        pyproject_path="p/pyproject.toml" if pyproject is not None else None,
        files=[f"{cargo_dir}/Cargo.toml", *files],
    )
    python_files = {
        posixpath.relpath(path, spec.python_source): content
        for path, content in files.items()
        if path.startswith(spec.python_source + "/")
    }
    stub = files[spec.stub_path] if spec.stub_path else None
    if spec.bindings == "bin":
        entries = materialize(
            plan_binary(
                spec,
                version=version or meta.packages[0].version,
                python_paths=python_files,
                with_stub=stub is not None,
            ),
            programs={b: b"ELF" for b in spec.bin_names},
            python_files=python_files,
            stub=stub,
        )
    else:
        entries = extension_entries(
            spec,
            library=LIB,
            ext_suffix=ext_suffix,
            python_files=python_files,
            stub=stub,
            ffi_py=FFI_PY if spec.bindings == "cffi" else None,
        )
    if spec.data_dir:
        data = {
            posixpath.relpath(p, spec.data_dir): c
            for p, c in files.items()
            if p.startswith(spec.data_dir + "/")
        }
        entries += data_entries(spec, version=version or meta.packages[0].version, data_files=data)
    entries.sort(key=lambda e: e.path)
    return (
        spec,
        [(e.path, e.executable) for e in entries],
        {e.path: e.content for e in entries},
    )


def pyo3(name: str, lib: str, features=ABI3_PY38, **kwargs) -> CargoMetadata:
    return crate_metadata(name, lib=lib, deps={"pyo3": features, "pyo3-ffi": features}, **kwargs)


PYPROJECT_BASE = {"build-system": {"requires": ["maturin>=1.0,<2.0"], "build-backend": "maturin"}}


def test_pure_pyo3_abi3_with_pyi() -> None:
    spec, listing, contents = build(
        pyo3("pure-abi3", "pure_abi3"),
        cargo={"package": {"name": "pure-abi3"}, "lib": {"name": "pure_abi3"}},
        pyproject={**PYPROJECT_BASE, "project": {"name": "pure-abi3"}},
        files={
            "p/src/lib.rs": b"",
            "p/pure_abi3.pyi": b"def add(a: int, b: int) -> int: ...\n",
        },
    )
    assert listing == [
        ("pure_abi3/__init__.py", False),
        ("pure_abi3/__init__.pyi", False),
        ("pure_abi3/pure_abi3.abi3.so", True),
        ("pure_abi3/py.typed", False),
    ]
    assert contents["pure_abi3/__init__.py"] == (
        b"from .pure_abi3 import *\n\n__doc__ = pure_abi3.__doc__\n"
        b'if hasattr(pure_abi3, "__all__"):\n    __all__ = pure_abi3.__all__'
    )
    assert contents["pure_abi3/__init__.pyi"] == b"def add(a: int, b: int) -> int: ...\n"
    assert contents["pure_abi3/py.typed"] == b""
    assert contents["pure_abi3/pure_abi3.abi3.so"] == LIB


def test_pure_pyo3_version_specific_without_pyproject() -> None:
    _, listing, _ = build(
        pyo3("pure_plain", "pure_plain", ["default", "extension-module"]),
        cargo={"package": {"name": "pure_plain"}, "lib": {"name": "pure_plain"}},
        files={"p/src/lib.rs": b""},
        ext_suffix=CP311,
    )
    assert listing == [
        ("pure_plain/__init__.py", False),
        (f"pure_plain/pure_plain{CP311}", True),
    ]


def test_mixed_python_source_dotted_module() -> None:
    spec, listing, contents = build(
        pyo3("mixed-src", "mixed_src"),
        cargo={"package": {"name": "mixed-src"}, "lib": {"name": "mixed_src"}},
        pyproject={
            **PYPROJECT_BASE,
            "project": {"name": "mixed-src"},
            "tool": {"maturin": {"python-source": "python", "module-name": "pkg._native"}},
        },
        files={
            "p/python/pkg/__init__.py": b"from ._native import add\n",
            "p/python/pkg/_native.pyi": b"def add(a: int, b: int) -> int: ...\n",
            "p/python/pkg/py.typed": b"",
            "p/python/pkg/sub/mod.py": b"X = 1\n",
            "p/mixed_src.pyi": b"def f(): ...\n",  # not shipped in a mixed project
        },
    )
    assert listing == [
        ("pkg/__init__.py", False),
        ("pkg/_native.abi3.so", True),
        ("pkg/_native.pyi", False),
        ("pkg/py.typed", False),
        ("pkg/sub/mod.py", False),
    ]
    assert contents["pkg/__init__.py"] == b"from ._native import add\n"


def test_included_files_go_where_maturin_puts_them() -> None:
    mixed = {"tool": {"maturin": {"python-source": "python", "module-name": "pkg._native"}}}
    spec, _, _ = build(
        pyo3("mixed-src", "mixed_src"),
        cargo={"package": {"name": "mixed-src"}, "lib": {"name": "mixed_src"}},
        pyproject={**PYPROJECT_BASE, "project": {"name": "mixed-src"}, **mixed},
        files={"p/python/pkg/__init__.py": b""},
    )
    # A glob is tried at the project root, then at python-source.
    assert include_roots(spec) == ("p", "p/python")
    # Inside python-source: relative to it; elsewhere in the project: relative to the root.
    assert included_wheel_path(spec, "p/python/pkg/data/b.txt") == "pkg/data/b.txt"
    assert included_wheel_path(spec, "p/python/other/x.txt") == "other/x.txt"
    assert included_wheel_path(spec, "p/extra/a.txt") == "extra/a.txt"
    with pytest.raises(LayoutError, match="outside the project"):
        included_wheel_path(spec, "elsewhere/a.txt")
    planned = plan_extension(
        spec,
        ext_suffix=".abi3.so",
        python_paths=["pkg/__init__.py"],
        with_stub=False,
        included=[
            IncludedFile("p/extra/run.sh", executable=True),
            IncludedFile("p/python/pkg/data/b.txt"),
            # Also a file of the package: shipped once.
            IncludedFile("p/python/pkg/__init__.py"),
        ],
    )
    entries = materialize(
        planned,
        library=LIB,
        python_files={"pkg/__init__.py": b""},
        included_files={"p/extra/run.sh": b"#!/bin/sh\n", "p/python/pkg/data/b.txt": b"b"},
    )
    assert [(e.path, e.executable) for e in entries] == [
        ("extra/run.sh", True),
        ("pkg/__init__.py", False),
        ("pkg/_native.abi3.so", True),
        ("pkg/data/b.txt", False),
    ]
    # The same path from elsewhere in the project is a conflict, named with both origins.
    with pytest.raises(LayoutError, match=r"`pkg/__init__.py`.*python source.*include"):
        plan_extension(
            spec,
            ext_suffix=".abi3.so",
            python_paths=["pkg/__init__.py"],
            with_stub=False,
            included=[IncludedFile("p/pkg/__init__.py")],
        )
    # Without python-source there is one root.
    pure, _, _ = build(
        pyo3("pure", "pure"),
        cargo={"package": {"name": "pure"}, "lib": {"name": "pure"}},
        pyproject={**PYPROJECT_BASE, "project": {"name": "pure"}},
        files={},
    )
    assert include_roots(pure) == ("p",)


def test_mixed_autodetected_version_specific() -> None:
    _, listing, _ = build(
        pyo3("mixed-auto", "mixed_auto", ["default", "extension-module"]),
        cargo={"package": {"name": "mixed-auto"}, "lib": {"name": "mixed_auto"}},
        pyproject={**PYPROJECT_BASE, "project": {"name": "mixed-auto"}},
        files={
            "p/mixed_auto/__init__.py": b"",
            "p/mixed_auto/helper.py": b"Y = 2\n",
            "p/src/lib.rs": b"",
        },
        ext_suffix=CP311,
    )
    assert listing == [
        ("mixed_auto/__init__.py", False),
        ("mixed_auto/helper.py", False),
        (f"mixed_auto/mixed_auto{CP311}", True),
    ]


def test_mixed_with_python_packages_stale_builds_and_data() -> None:
    _, listing, _ = build(
        pyo3("mixed-extra", "mixed_src"),
        cargo={"package": {"name": "mixed-extra"}, "lib": {"name": "mixed_src"}},
        pyproject={
            **PYPROJECT_BASE,
            "project": {"name": "mixed-extra"},
            "tool": {
                "maturin": {
                    "python-source": "python",
                    "module-name": "pkg._native",
                    "python-packages": ["other"],
                }
            },
        },
        files={
            "p/python/pkg/__init__.py": b"",
            "p/python/pkg/_native.pyi": b"",
            "p/python/pkg/py.typed": b"",
            "p/python/pkg/sub/mod.py": b"",
            f"p/python/pkg/_native{CP311}": b"stale",
            "p/python/pkg/lib_native.so": b"stale",
            "p/python/other/__init__.py": b"",
            "p/python/notincluded/__init__.py": b"",
            "p/python/toplevel.py": b"",
            "p/pkg._native.data/headers/x.h": b"// h\n",
        },
    )
    assert listing == [
        ("mixed_extra-0.1.0.data/headers/x.h", False),
        ("other/__init__.py", False),
        ("pkg/__init__.py", False),
        ("pkg/_native.abi3.so", True),
        ("pkg/_native.pyi", False),
        ("pkg/py.typed", False),
        ("pkg/sub/mod.py", False),
    ]


def test_pure_dotted_module_name_without_package() -> None:
    _, listing, _ = build(
        pyo3("pure-dotted", "pure_abi3"),
        cargo={"package": {"name": "pure-dotted"}, "lib": {"name": "pure_abi3"}},
        pyproject={
            **PYPROJECT_BASE,
            "project": {"name": "pure-dotted"},
            "tool": {"maturin": {"module-name": "pkg._native"}},
        },
        files={"p/_native.pyi": b"", "p/src/lib.rs": b""},
    )
    assert listing == [
        ("_native/__init__.py", False),
        ("_native/__init__.pyi", False),
        ("_native/_native.abi3.so", True),
        ("_native/py.typed", False),
    ]


def test_src_layout() -> None:
    _, listing, _ = build(
        pyo3("srclay-rs", "_core"),
        cargo={"package": {"name": "srclay-rs"}, "lib": {"name": "_core"}},
        pyproject={
            **PYPROJECT_BASE,
            "project": {"name": "srclay", "version": "0.3.0"},
            "tool": {"maturin": {"module-name": "srclay._core"}},
        },
        cargo_dir="p/rust",
        files={"p/rust/src/lib.rs": b"", "p/src/srclay/__init__.py": b""},
    )
    assert listing == [("srclay/__init__.py", False), ("srclay/_core.abi3.so", True)]


def test_pure_pyo3_ffi() -> None:
    _, listing, _ = build(
        crate_metadata(
            "ffi-pure",
            lib="ffi_pure",
            deps={"pyo3-ffi": ["abi3", "abi3-py39", "extension-module"]},
        ),
        cargo={"package": {"name": "ffi-pure"}, "lib": {"name": "ffi_pure"}},
        files={"p/src/lib.rs": b""},
    )
    assert listing == [
        ("ffi_pure/__init__.py", False),
        ("ffi_pure/ffi_pure.abi3.so", True),
    ]


def test_pure_cffi_with_pyi() -> None:
    _, listing, contents = build(
        crate_metadata("cffi-pure", lib="cffi_pure"),
        cargo={"package": {"name": "cffi-pure"}, "lib": {"name": "cffi_pure"}},
        pyproject={
            **PYPROJECT_BASE,
            "project": {"name": "cffi-pure", "dependencies": ["cffi"]},
            "tool": {"maturin": {"bindings": "cffi"}},
        },
        files={
            "p/src/lib.rs": b"",
            "p/cffi_pure.pyi": b"def add(a: int, b: int) -> int: ...\n",
        },
        ext_suffix=".so",
    )
    assert listing == [
        ("cffi_pure/__init__.py", False),
        ("cffi_pure/__init__.pyi", False),
        ("cffi_pure/ffi.py", False),
        ("cffi_pure/libcffi_pure.so", True),
        ("cffi_pure/py.typed", False),
    ]
    assert contents["cffi_pure/__init__.py"] == (
        b'__all__ = ["lib", "ffi"]\n\nimport os\nfrom .ffi import ffi\n\n'
        b"lib = ffi.dlopen(os.path.join(os.path.dirname(__file__), 'libcffi_pure.so'))\n"
        b"del os\n"
    )
    assert contents["cffi_pure/ffi.py"] == FFI_PY


def test_mixed_cffi() -> None:
    _, listing, _ = build(
        crate_metadata("cffi-mixed", lib="cffi_mixed"),
        cargo={"package": {"name": "cffi-mixed"}, "lib": {"name": "cffi_mixed"}},
        pyproject={
            **PYPROJECT_BASE,
            "project": {"name": "cffi-mixed"},
            "tool": {"maturin": {"bindings": "cffi"}},
        },
        files={"p/cffi_mixed/__init__.py": b"from .cffi_mixed import lib\n"},
        ext_suffix=".so",
    )
    assert listing == [
        ("cffi_mixed/__init__.py", False),
        ("cffi_mixed/cffi_mixed/__init__.py", False),
        ("cffi_mixed/cffi_mixed/ffi.py", False),
        ("cffi_mixed/cffi_mixed/libcffi_mixed.so", True),
    ]


def test_bin() -> None:
    spec, listing, contents = build(
        crate_metadata("bin-pure", "0.1.0-alpha.1", bins=["hello-bin"]),
        cargo={"package": {"name": "bin-pure"}},
        pyproject={**PYPROJECT_BASE, "project": {"name": "Bin.Pure"}},
        files={"p/src/main.rs": b""},
    )
    assert spec.bindings == "bin"
    assert listing == [("bin_pure-0.1.0a1.data/scripts/hello-bin", True)]


def test_generated_texts() -> None:
    assert pyo3_init_py("m").endswith(b"    __all__ = m.__all__")
    assert b"'m.dll'" in cffi_init_py("m.dll")
    assert escape_distribution("Foo.Bar--baz_") == "foo_bar_baz_"
    spec = _spec()
    assert data_dir_name(spec, "1.0.0-rc.1") == "x-1.0.0rc1.data"
    with pytest.raises(LayoutError):
        data_dir_name(spec, "not a version")


def _spec() -> ProjectSpec:
    meta = pyo3("x", "x")
    return resolve_project(
        meta=meta,
        package=meta.packages[0],
        cargo_manifest={"lib": {"name": "x"}},
        cargo_toml_path="p/Cargo.toml",
        pyproject=None,
        pyproject_path=None,
        files=["p/Cargo.toml"],
    )


def test_layout_errors() -> None:
    spec = _spec()
    with pytest.raises(LayoutError, match="use plan_binary"):
        extension_entries(
            dataclasses.replace(spec, bindings="bin"),
            library=LIB,
            ext_suffix=".so",
            python_files={},
            stub=None,
        )
    with pytest.raises(LayoutError, match="ffi.py"):
        extension_entries(
            dataclasses.replace(spec, bindings="cffi"),
            library=LIB,
            ext_suffix=".so",
            python_files={},
            stub=None,
        )
    with pytest.raises(LayoutError, match="use plan_extension"):
        plan_binary(spec, version="1", python_paths=(), with_stub=False)
    with pytest.raises(LayoutError, match="Invalid data dir entry"):
        data_entries(spec, version="1", data_files={"misc/x": b""})
    # A python package named like a pure module's generated files collides.
    clashing = dataclasses.replace(spec, python_packages=("x",))
    with pytest.raises(LayoutError, match="Two files would be written to `x/__init__.py`"):
        extension_entries(
            clashing,
            library=LIB,
            ext_suffix=".so",
            python_files={"x/__init__.py": b""},
            stub=None,
        )


def test_python_entries_filtering_and_data_executables() -> None:
    spec = dataclasses.replace(_spec(), python_packages=("extra",))
    python_files = {
        "extra/a.py": b"a",
        "./extra/b.py": b"b",
        "other/c.py": b"c",
        "extra/x.cpython-311-x86_64-linux-gnu.so": b"stale",
        "extra/y.abi3.so": b"someone else's",
    }
    planned = plan_extension(spec, ext_suffix=".so", python_paths=python_files, with_stub=False)
    entries = materialize(
        [f for f in planned if f.origin is Origin.PYTHON_FILE], python_files=python_files
    )
    # Only libraries named like this project's extension count as stale builds.
    assert sorted(e.path for e in entries) == [
        "extra/a.py",
        "extra/b.py",
        "extra/y.abi3.so",
    ]
    data = data_entries(
        spec,
        version="1.0",
        data_files={"scripts/run": b"", "data/x": b""},
        executable=["scripts/run"],
    )
    assert [(e.path, e.executable) for e in data] == [
        ("x-1.0.data/data/x", False),
        ("x-1.0.data/scripts/run", True),
    ]


def test_untyped_module_stub_only_for_pure_extension_modules_without_a_stub() -> None:
    spec = _spec()
    assert spec.stub_path is None and not spec.mixed
    (planned,) = untyped_module_stub(spec)
    assert planned.path == f"{spec.module_dir}/__init__.pyi"
    assert b"def __getattr__(name: str) -> Any: ..." in planned.text
    assert untyped_module_stub(dataclasses.replace(spec, stub_path="p/x.pyi")) == ()
    assert untyped_module_stub(dataclasses.replace(spec, bindings="cffi")) == ()
    assert untyped_module_stub(dataclasses.replace(spec, python_module="p/python/x")) == ()
