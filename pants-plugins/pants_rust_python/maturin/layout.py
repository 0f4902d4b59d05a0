"""Where every file goes inside the wheel, per bindings: the one place that knows the layouts.

Mirrors maturin 1.16's wheels (checked against real builds); dist-info is written elsewhere.

- pyo3 / pyo3-ffi / rust-cpython, pure: `<m>/__init__.py` (re-export) + `<m>/<m><suffix>`,
  and `<m>/__init__.pyi` + `<m>/py.typed` when the project has `<m>.pyi`.
- the same, mixed: the python package files + `<pkg path>/<ext><suffix>`; no generated files.
- cffi: `<m>/__init__.py` (dlopen glue), `<m>/ffi.py`, `<m>/lib<m>.so`; in a mixed project
  all three go into a `<ext>/` sub-package of the python package.
- bin: `<dist>-<version>.data/scripts/<bin>` (+ the python package files of a mixed project).
"""

from __future__ import annotations

import enum
import posixpath
from dataclasses import dataclass
from typing import Collection, Dict, Iterable, List, Mapping, Optional, Tuple, TypeVar

from packaging.version import InvalidVersion, Version
from pants_rust_python.maturin.project import (
    BIN,
    CFFI,
    EXTENSION_MODULE_BINDINGS,
    OutDirInclude,
    ProjectSpec,
)
from pants_rust_python.repo_paths import repo_path
from pants_rust_python.wheel.entry import WheelEntry
from pants_rust_python.wheel.wheel import DATA_SCHEMES, data_dir


class LayoutError(ValueError):
    """The files asked for cannot be laid out (missing inputs, two files at one path)."""


def pyo3_init_py(extension_name: str) -> bytes:
    """The `__init__.py` maturin generates for a pure pyo3 project (no trailing newline)."""
    return (
        f"from .{extension_name} import *\n"
        "\n"
        f"__doc__ = {extension_name}.__doc__\n"
        f'if hasattr({extension_name}, "__all__"):\n'
        f"    __all__ = {extension_name}.__all__"
    ).encode()


def cffi_library_filename(extension_name: str, library_suffix: str) -> str:
    """The cdylib's file name as cffi glue loads it: `lib<name>.so`/`.dylib`, `<name>.dll`."""
    if library_suffix == ".dll":
        return f"{extension_name}{library_suffix}"
    return f"lib{extension_name}{library_suffix}"


def cffi_init_py(library_filename: str) -> bytes:
    """The `__init__.py` maturin generates for cffi bindings."""
    return (
        '__all__ = ["lib", "ffi"]\n'
        "\n"
        "import os\n"
        "from .ffi import ffi\n"
        "\n"
        f"lib = ffi.dlopen(os.path.join(os.path.dirname(__file__), '{library_filename}'))\n"
        "del os\n"
    ).encode()


def extension_filename(spec: ProjectSpec, ext_suffix: str) -> str:
    """`<ext><suffix>`, e.g. `_native.abi3.so` or `_native.cpython-311-x86_64-linux-gnu.so`."""
    return f"{spec.extension_name}{ext_suffix}"


def data_dir_name(spec: ProjectSpec, version: str) -> str:
    """The wheel's `.data` directory, for `version` (PEP 440-normalized here)."""
    try:
        normalized = str(Version(version))
    except InvalidVersion as e:
        raise LayoutError(f"`{version}` is not a valid PEP 440 version.") from e
    return data_dir(spec.distribution_name, normalized)


# ---------------------------------------------------------------------------------------------


def _is_develop_artifact(path: str, extension_name: str) -> bool:
    """A native library left in the source tree by `maturin develop`/editable builds: maturin
    skips those, and the freshly built one is added instead."""
    parts = path.split("/")
    for part in parts:
        if part.endswith(".dSYM"):
            bundle = part[: -len(".dSYM")]
            return bundle.startswith(extension_name) or bundle.startswith(f"lib{extension_name}")
    name = parts[-1]
    native = name.endswith((".so", ".pyd", ".dll", ".dylib"))
    debuginfo = name.endswith((".pdb", ".dwp"))
    matches = name.startswith(extension_name) or name.startswith(f"lib{extension_name}")
    return (native or debuginfo) and matches


def _python_roots(spec: ProjectSpec) -> List[str]:
    roots: List[str] = []
    if spec.python_module is not None:
        roots.append(spec.module_name.split(".")[0])
    for package in spec.python_packages:
        package = posixpath.normpath(package)
        if package not in roots:
            roots.append(package)
    return roots


def python_package_globs(spec: ProjectSpec) -> Tuple[str, ...]:
    """Repo globs of every file of the python packages the wheel ships (the mixed project's
    package, `python-packages`): maturin ships them all, data files too, not just `.py`."""
    return tuple(repo_path(spec.python_source, root, "**") for root in _python_roots(spec))


class Origin(enum.Enum):
    """Where the content of a planned wheel file comes from."""

    LIBRARY = "the built native library"
    PROGRAM = "a built program"
    FFI_PY = "the ffi.py cffi generated"
    PYTHON_FILE = "a file of the python source directory"
    STUB = "the project's `.pyi` stub"
    INCLUDED = "a file `[tool.maturin] include` adds"
    GENERATED = "text written here"


@dataclass(frozen=True)
class PlannedFile:
    """One file of the wheel (dist-info aside): its path, and where its content comes from."""

    path: str
    origin: Origin
    # PROGRAM: the binary's name; PYTHON_FILE: its path relative to the python source directory;
    # INCLUDED: its repo path.
    key: str = ""
    # GENERATED: the content itself.
    text: bytes = b""
    executable: bool = False


def _plan_python_files(spec: ProjectSpec, python_paths: Iterable[str]) -> List[PlannedFile]:
    """The python package files, keyed by their path relative to `spec.python_source` (which is
    also their path in the wheel). Like maturin, only files inside the python package of a
    mixed project or a `python-packages` entry are kept, minus stale native builds."""
    roots = _python_roots(spec)
    planned: List[PlannedFile] = []
    for key in python_paths:
        path = posixpath.normpath(key)
        if not any(path.startswith(root + "/") for root in roots):
            continue
        if _is_develop_artifact(path, spec.extension_name):
            continue
        planned.append(PlannedFile(path, Origin.PYTHON_FILE, key=key))
    return planned


@dataclass(frozen=True)
class IncludedFile:
    """A file a wheel `[tool.maturin] include` glob matched, not excluded: its repo path."""

    source: str
    executable: bool = False


def include_roots(spec: ProjectSpec) -> Tuple[str, ...]:
    """Where a wheel `include` glob is tried, in order: the project root, then, when it matched
    no file there, the python source directory (maturin 1.16), so that `pkg/data.txt` also
    finds `python/pkg/data.txt`."""
    if spec.python_source == spec.project_root:
        return (spec.project_root,)
    return (spec.project_root, spec.python_source)


def included_wheel_path(spec: ProjectSpec, source: str) -> str:
    """An included file's path in the wheel: relative to the python source directory when it
    is inside it (`python/pkg/data.txt` -> `pkg/data.txt`), else to the project root."""
    for root in (spec.python_source, spec.project_root):
        prefix = f"{root}/" if root else ""
        if source.startswith(prefix):
            return source[len(prefix) :]
    raise LayoutError(f"`{source}` is outside the project `{spec.project_root}`.")


def _plan_included(
    spec: ProjectSpec, included: Iterable[IncludedFile], planned: Iterable[PlannedFile]
) -> List[PlannedFile]:
    # A file of the python package that an include also matches is the same file: once.
    shipped = {f.path for f in planned if f.origin is Origin.PYTHON_FILE}
    python_prefix = f"{spec.python_source}/" if spec.python_source else ""
    result = []
    for file in included:
        path = included_wheel_path(spec, file.source)
        if path in shipped and file.source.startswith(python_prefix):
            continue
        result.append(
            PlannedFile(path, Origin.INCLUDED, key=file.source, executable=file.executable)
        )
    return result


def _plan_stub(spec: ProjectSpec, with_stub: bool) -> List[PlannedFile]:
    # Mixed projects ship their stubs as ordinary files of the python package instead.
    if not with_stub or spec.mixed:
        return []
    return [
        PlannedFile(f"{spec.module_dir}/__init__.pyi", Origin.STUB),
        PlannedFile(f"{spec.module_dir}/py.typed", Origin.GENERATED),
    ]


_Entry = TypeVar("_Entry", PlannedFile, WheelEntry)


def _finish(planned: Iterable[_Entry]) -> Tuple[_Entry, ...]:
    by_path: Dict[str, _Entry] = {}
    for entry in planned:
        if entry.path in by_path:
            first = by_path[entry.path]
            what = (
                f" ({first.origin.value} and {entry.origin.value})"
                if isinstance(first, PlannedFile) and isinstance(entry, PlannedFile)
                else " (e.g. a python file and a generated one)"
            )
            raise LayoutError(
                f"Two files would be written to `{entry.path}` in the wheel{what}; rename or "
                "remove one of them, or leave it out with `[tool.maturin] exclude`."
            )
        by_path[entry.path] = entry
    # maturin writes entries sorted by path, which keeps wheels reproducible.
    return tuple(by_path[p] for p in sorted(by_path))


def plan_extension(
    spec: ProjectSpec,
    *,
    ext_suffix: str,
    python_paths: Iterable[str],
    with_stub: bool,
    included: Iterable[IncludedFile] = (),
) -> Tuple[PlannedFile, ...]:
    """The wheel's files (dist-info aside) for a native-library project.

    `ext_suffix`: for pyo3/pyo3-ffi/rust-cpython the extension suffix (`.abi3.so`, or the
    interpreter's EXT_SUFFIX such as `.cpython-311-x86_64-linux-gnu.so`); for cffi the
    platform's shared-library suffix (`.so`, `.dylib`, `.dll`). `python_paths`: the project's
    files relative to `spec.python_source`. `with_stub`: ship `spec.stub_path` (pure layouts).
    `included`: the files of `[tool.maturin] include` for wheels.
    """
    planned = _plan_python_files(spec, python_paths)
    if spec.bindings in EXTENSION_MODULE_BINDINGS:
        planned.append(
            PlannedFile(
                f"{spec.module_dir}/{extension_filename(spec, ext_suffix)}",
                Origin.LIBRARY,
                executable=True,
            )
        )
        if not spec.mixed:
            planned.append(
                PlannedFile(
                    f"{spec.module_dir}/__init__.py",
                    Origin.GENERATED,
                    text=pyo3_init_py(spec.extension_name),
                )
            )
    elif spec.bindings == CFFI:
        base = f"{spec.module_dir}/{spec.extension_name}" if spec.mixed else spec.module_dir
        library_filename = cffi_library_filename(spec.extension_name, ext_suffix)
        planned.extend(
            [
                PlannedFile(f"{base}/{library_filename}", Origin.LIBRARY, executable=True),
                PlannedFile(
                    f"{base}/__init__.py", Origin.GENERATED, text=cffi_init_py(library_filename)
                ),
                PlannedFile(f"{base}/ffi.py", Origin.FFI_PY),
            ]
        )
    else:
        raise LayoutError(
            f"`{spec.bindings}` bindings do not ship a native library; use plan_binary."
        )
    planned.extend(_plan_stub(spec, with_stub))
    planned.extend(_plan_included(spec, included, planned))
    return _finish(planned)


def plan_binary(
    spec: ProjectSpec,
    *,
    version: str,
    python_paths: Iterable[str],
    with_stub: bool,
    included: Iterable[IncludedFile] = (),
) -> Tuple[PlannedFile, ...]:
    """The wheel's files (dist-info aside) for bin bindings: each of `spec.bin_names` as an
    executable `<dist>-<version>.data/scripts/<name>`."""
    if spec.bindings != BIN:
        raise LayoutError(f"`{spec.bindings}` bindings ship a library; use plan_extension.")
    scripts = f"{data_dir_name(spec, version)}/scripts"
    planned = _plan_python_files(spec, python_paths)
    planned.extend(
        PlannedFile(f"{scripts}/{name}", Origin.PROGRAM, key=name, executable=True)
        for name in spec.bin_names
    )
    planned.extend(_plan_stub(spec, with_stub))
    planned.extend(_plan_included(spec, included, planned))
    return _finish(planned)


# For type checkers in the repo only (see untyped_module_stub).
_UNTYPED_MODULE_STUB = b"""\
# Generated by pants-rust-python for type checkers in this repository (never in a wheel):
# the extension ships no `.pyi`, so every name it provides is typed Any.
from typing import Any

def __getattr__(name: str) -> Any: ...
"""


def untyped_module_stub(spec: ProjectSpec) -> Tuple[PlannedFile, ...]:
    """What Python code in the repo that imports a pure extension module without a stub gets
    beside the layout, so that mypy over it passes: an `__init__.pyi` typing the module's names
    as Any (mypy reads it instead of the generated `__init__.py`, whose star import of the
    compiled module it cannot follow). Ship a `<module>.pyi` for real types."""
    if spec.bindings not in EXTENSION_MODULE_BINDINGS or spec.mixed or spec.stub_path:
        return ()
    return (
        PlannedFile(f"{spec.module_dir}/__init__.pyi", Origin.GENERATED, text=_UNTYPED_MODULE_STUB),
    )


def materialize(
    planned: Iterable[PlannedFile],
    *,
    library: Optional[bytes] = None,
    programs: Mapping[str, bytes] = {},
    ffi_py: Optional[bytes] = None,
    python_files: Mapping[str, bytes] = {},
    stub: Optional[bytes] = None,
    included_files: Mapping[str, bytes] = {},
) -> List[WheelEntry]:
    """The planned files with their contents, in the plan's order."""
    entries: List[WheelEntry] = []
    for entry in planned:
        content: Optional[bytes]
        if entry.origin is Origin.LIBRARY:
            content = library
        elif entry.origin is Origin.PROGRAM:
            content = programs.get(entry.key)
        elif entry.origin is Origin.FFI_PY:
            content = ffi_py
        elif entry.origin is Origin.PYTHON_FILE:
            content = python_files.get(entry.key)
        elif entry.origin is Origin.STUB:
            content = stub
        elif entry.origin is Origin.INCLUDED:
            content = included_files.get(entry.key)
        else:
            content = entry.text
        if content is None:
            what = (
                "cffi bindings need the generated ffi.py" if entry.origin is Origin.FFI_PY else ""
            )
            raise LayoutError(f"{what or 'No content'} for `{entry.path}` ({entry.origin.value}).")
        entries.append(WheelEntry(entry.path, content, executable=entry.executable))
    return entries


def extension_entries(
    spec: ProjectSpec,
    *,
    library: bytes,
    ext_suffix: str,
    python_files: Mapping[str, bytes],
    stub: Optional[bytes],
    ffi_py: Optional[bytes] = None,
) -> List[WheelEntry]:
    """`plan_extension` with the contents: `library` the built cdylib, `python_files` keyed
    relative to `spec.python_source`, `stub` the content of `spec.stub_path` (or None),
    `ffi_py` what cffi generated (cffi bindings)."""
    planned = plan_extension(
        spec, ext_suffix=ext_suffix, python_paths=python_files, with_stub=stub is not None
    )
    return materialize(
        planned, library=library, ffi_py=ffi_py, python_files=python_files, stub=stub
    )


def out_dir_wheel_path(include: OutDirInclude, relative: str) -> str:
    """Where a file a build script wrote (`relative` to its OUT_DIR) lands: `<to>/<relative>`,
    as maturin 1.16 places `from = "out-dir"` includes."""
    return posixpath.normpath(posixpath.join(include.to, relative))


def with_generated(entries: Iterable[WheelEntry], more: Iterable[WheelEntry]) -> List[WheelEntry]:
    """`entries` and files only known after the build (data directory, OUT_DIR includes), one
    file per path."""
    return list(_finish([*entries, *more]))


def data_entries(
    spec: ProjectSpec,
    *,
    version: str,
    data_files: Mapping[str, bytes],
    executable: Collection[str] = (),
) -> List[WheelEntry]:
    """Files of the project's data directory (keyed relative to `spec.data_dir`, e.g.
    `scripts/tool.sh`, `headers/x.h`) placed under the wheel's `.data` directory; paths in
    `executable` keep their executable bit, as maturin copies the source file's mode."""
    executable = {posixpath.normpath(p) for p in executable}
    data_dir = data_dir_name(spec, version)
    entries: List[WheelEntry] = []
    for path, content in data_files.items():
        path = posixpath.normpath(path)
        subdir = path.split("/", 1)[0]
        if "/" not in path or subdir not in DATA_SCHEMES:
            raise LayoutError(
                f"Invalid data dir entry {spec.data_dir}/{path}: files must be inside one of "
                f"the directories {', '.join(DATA_SCHEMES)}."
            )
        entries.append(WheelEntry(f"{data_dir}/{path}", content, path in executable))
    return list(_finish(entries))
