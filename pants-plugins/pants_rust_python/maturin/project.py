"""Deciding what to build and how the wheel is laid out, the way maturin 1.x decides it.

`resolve_project` is a pure function of the parsed manifests, the `cargo metadata` graph, the
list of files in the project and the target's field values. All paths are POSIX paths relative to
the build root (as in Pants), never absolute.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any, Collection, FrozenSet, List, Mapping, Optional, Sequence, Tuple

from pants_rust_python.cargo.graph import (
    BINDING_CRATES,
    Abi3,
    CargoMetadata,
    GraphError,
    Package,
    Target,
    bindings_package,
    depends_on,
    pyo3_abi3,
)
from pants_rust_python.maturin.compatibility import (
    SKIP,
    CompatibilityError,
    parse_auditwheel_mode,
    parse_compatibility,
)
from pants_rust_python.maturin.interpreter_env import PythonInterpreter
from pants_rust_python.repo_paths import repo_path

AUTO = "auto"
PYO3 = "pyo3"
PYO3_FFI = "pyo3-ffi"
RUST_CPYTHON = "rust-cpython"
CFFI = "cffi"
BIN = "bin"

BINDINGS_CHOICES: Tuple[str, ...] = (AUTO, PYO3, PYO3_FFI, RUST_CPYTHON, CFFI, BIN)
# Bindings whose wheel holds a CPython extension module built from the cdylib.
EXTENSION_MODULE_BINDINGS: FrozenSet[str] = frozenset({PYO3, PYO3_FFI, RUST_CPYTHON})


class ProjectError(ValueError):
    """A project whose configuration cannot be built; the message says where and how to fix."""


@dataclass(frozen=True)
class CargoOptions:
    """Cargo options that `[tool.maturin]` sets; they shape `cargo metadata` too, so they are
    known before the graph is."""

    features: Tuple[str, ...] = ()
    all_features: bool = False
    no_default_features: bool = False
    profile: Optional[str] = None
    # `strip` and `rustc-args`: flags of the built crate's own rustc run.
    strip: bool = False
    rustc_args: Tuple[str, ...] = ()


@dataclass(frozen=True)
class OutDirInclude:
    """`{ path = "<glob>", from = "out-dir", to = "<dir>" }` in `[tool.maturin] include`: files
    a build script wrote to its OUT_DIR, each at `<to>/<path relative to OUT_DIR>` in the wheel."""

    pattern: str
    to: str
    # The package whose build script wrote them; None = the built crate (maturin's default).
    crate_name: Optional[str] = None


@dataclass(frozen=True)
class ProjectSpec:
    cargo_toml_path: str
    pyproject_path: Optional[str]
    # The pyproject.toml's directory, or Cargo.toml's when there is no pyproject.toml.
    project_root: str
    package_id: str
    # The Cargo package name (`cargo build -p <crate_name>`).
    crate_name: str
    # `[project] name`, else the Cargo package name; as written (not normalized).
    distribution_name: str
    # The full import name of the native module, e.g. "pkg._native".
    module_name: str
    # Its last component: the extension's file name stem and its `PyInit_` suffix.
    extension_name: str
    # One of "pyo3", "pyo3-ffi", "rust-cpython", "cffi", "bin".
    bindings: str
    # The bindings crate found in the dependency graph ("pyo3", "pyo3-ffi", "cpython"), also for
    # "bin" (a pyo3 binary embeds an interpreter and gets interpreter-specific tags).
    bindings_crate: Optional[str]
    bindings_crate_version: Optional[str]
    # (3, 8) for abi3-py38, "abi3" for a bare abi3 feature, None when not abi3.
    abi3: Optional[Abi3]
    # The cdylib target's name: cargo writes `lib<lib_name>.so`. None for "bin".
    lib_name: Optional[str]
    # Binary targets to ship as scripts (bin bindings), required-features already checked.
    bin_names: Tuple[str, ...]
    # The directory holding the python package(s) (maturin's `python_dir`).
    python_source: str
    # The python package directory of a mixed project, e.g. "<python_source>/pkg"; None = pure.
    python_module: Optional[str]
    # `[tool.maturin] python-packages`: extra top-level packages under python_source.
    python_packages: Tuple[str, ...]
    # The directory inside the wheel that receives the native library, e.g. "pkg" or "a/b".
    module_dir: str
    # The `.pyi` that ships as `<module_dir>/__init__.pyi` (+ `py.typed`): pure layouts only.
    stub_path: Optional[str]
    # Wheel `.data` directory source (`[tool.maturin] data` or `<module_name>.data`).
    data_dir: Optional[str]
    features: Tuple[str, ...] = ()
    all_features: bool = False
    no_default_features: bool = False
    profile: Optional[str] = None
    # `[tool.maturin] include`/`exclude` patterns that apply to wheels, as written.
    include: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = ()
    # The same, for the sdist (`format = "sdist"` entries and plain strings).
    sdist_include: Tuple[str, ...] = ()
    sdist_exclude: Tuple[str, ...] = ()
    # `include` entries taking files from a build script's OUT_DIR (wheels only).
    out_dir_includes: Tuple["OutDirInclude", ...] = ()
    # Whether the wheel carries the CycloneDX SBOM of its Rust crates, and the SBOM files of
    # `[tool.maturin.sbom] include` (repo paths) that join it under `<dist-info>/sboms/`.
    rust_sbom: bool = True
    sbom_include: Tuple[str, ...] = ()
    # `[tool.maturin.sbom] auditwheel`: the SBOM of the system packages of grafted libraries.
    grafted_sbom: bool = True
    # maturin's `--compatibility` as the target or `[tool.maturin] compatibility` asks for it,
    # normalized (see maturin.compatibility), and the auditwheel mode; None = the repo default.
    compatibility: Optional[str] = None
    auditwheel: Optional[str] = None

    @property
    def mixed(self) -> bool:
        return self.python_module is not None

    @property
    def abi3_minimum(self) -> Optional[Tuple[int, int]]:
        return self.abi3 if isinstance(self.abi3, tuple) else None


# ---------------------------------------------------------------------------------------------
# pyproject.toml helpers


def maturin_project_above(
    crate_dir: str,
    parent_pyproject: Optional[Mapping[str, Any]],
    parent_has_cargo_toml: bool,
) -> bool:
    """Whether the pyproject.toml of the crate directory's parent builds this crate with
    maturin from there: `manifest-path` names its Cargo.toml, or the crate is the `rust/`
    directory maturin looks in when the parent has no Cargo.toml (`maturin new --src`)."""
    if not parent_pyproject:
        return False
    build_system = parent_pyproject.get("build-system")
    with_maturin = isinstance(build_system, Mapping) and build_system.get("build-backend") == (
        "maturin"
    )
    manifest_path = tool_maturin(parent_pyproject).get("manifest-path")
    if isinstance(manifest_path, str):
        parent = posixpath.dirname(crate_dir)
        named = posixpath.normpath(posixpath.join(parent, manifest_path))
        return named == posixpath.join(crate_dir, "Cargo.toml")
    return with_maturin and posixpath.basename(crate_dir) == "rust" and not parent_has_cargo_toml


def tool_maturin(pyproject: Optional[Mapping[str, Any]]) -> Mapping[str, Any]:
    if not pyproject:
        return {}
    tool = pyproject.get("tool")
    if not isinstance(tool, Mapping):
        return {}
    maturin = tool.get("maturin")
    return maturin if isinstance(maturin, Mapping) else {}


def _opt_str(table: Mapping[str, Any], key: str, where: str) -> Optional[str]:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProjectError(f"{where}: `{key}` must be a string, got {value!r}.")
    return value


def _opt_bool(table: Mapping[str, Any], key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise ProjectError(f"{where}: `{key}` must be true or false, got {value!r}.")
    return value


def _str_list(table: Mapping[str, Any], key: str, where: str) -> Tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProjectError(f"{where}: `{key}` must be a list of strings, got {value!r}.")
    return tuple(value)


def _where(pyproject_path: Optional[str]) -> str:
    return f"[tool.maturin] in {pyproject_path or 'pyproject.toml'}"


# Every key of `[tool.maturin]` that maturin 1.16 reads, by what the plugin does with it. The
# README's table lists the same.
HONOURED_KEYS = (
    "module-name", "bindings", "compatibility", "manylinux", "auditwheel", "skip-auditwheel",
    "strip", "python-source", "python-packages", "data", "features", "all-features",
    "no-default-features", "profile", "rustc-args", "sbom", "include", "exclude",
    "sdist-generator", "targets",
    # Builds always use Cargo.lock as it is, offline: stricter than either.
    "frozen", "locked",
)  # fmt: skip
# Keys `maturin build --release` on Linux does not use: editable installs, PEP 517 front ends,
# Windows, PGO (`--pgo`), CI generation and publishing.
NO_EFFECT_KEYS = (
    "editable-profile", "use-base-python", "include-import-lib", "target", "pgo-command",
    "pgo-dependency-group", "generate-ci", "trusted-publishing", "publishing-environment",
)  # fmt: skip
REFUSED_KEYS = {
    "manifest-path": (
        "put the BUILD file with the target beside the crate's Cargo.toml and pyproject.toml, "
        "or move pyproject.toml there"
    ),
    "config": "put cargo settings in the repository's `.cargo/config.toml`, which builds read",
    "unstable-flags": "nightly-only cargo flags are not supported; remove it",
}


def check_tool_maturin_keys(maturin: Mapping[str, Any], where: str) -> None:
    """Every key is honoured, known to have no effect on a Linux build, or refused here."""
    for key in maturin:
        if key in HONOURED_KEYS or key in NO_EFFECT_KEYS:
            continue
        if key in REFUSED_KEYS:
            raise ProjectError(
                f"{where}: `{key}` is not supported by pants_rust_python: " f"{REFUSED_KEYS[key]}."
            )
        raise ProjectError(
            f"{where}: `{key}` is not a key maturin 1.16 reads (the keys are "
            f"{', '.join(f'`{k}`' for k in sorted((*HONOURED_KEYS, *NO_EFFECT_KEYS, *REFUSED_KEYS)))}"
            "). Fix its spelling or remove it."
        )
    generator = maturin.get("sdist-generator", "cargo")
    if generator != "cargo":
        raise ProjectError(
            f"{where}: `sdist-generator = {generator!r}` is not supported; sdists are laid out "
            'as maturin\'s `cargo` generator lays them out. Remove it or set it to "cargo".'
        )
    for key in ("frozen", "locked", "skip-auditwheel", "strip", "all-features"):
        _opt_bool(maturin, key, where)
    selected_targets(maturin, where)


_CRATE_TYPES = ("bin", "cdylib", "dylib", "lib", "rlib", "staticlib")


def selected_targets(
    maturin: Mapping[str, Any], where: str
) -> Optional[Tuple[Tuple[str, Optional[str]], ...]]:
    """`[[tool.maturin.targets]]` as (name, kind) pairs, None when unset. An entry's `bindings`
    is checked against the project's (maturin 1.16 reads only `name` and `kind`)."""
    raw = maturin.get("targets")
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(
        isinstance(t, Mapping) and isinstance(t.get("name"), str) for t in raw
    ):
        raise ProjectError(
            f"{where}: `targets` must be a list of tables with a `name` ([[tool.maturin.targets]] "
            f'name = "..."), got {raw!r}.'
        )
    result = []
    for entry in raw:
        unknown = sorted(set(entry) - {"name", "kind", "bindings"})
        if unknown:
            raise ProjectError(
                f"{where}: `targets` entry {dict(entry)!r} has unknown key(s) "
                f"{', '.join(unknown)}; maturin reads `name` and `kind`."
            )
        kind = entry.get("kind")
        if kind is not None and kind not in _CRATE_TYPES:
            raise ProjectError(
                f"{where}: the `kind` of a `targets` entry must be one of "
                f"{', '.join(_CRATE_TYPES)}, got {kind!r}."
            )
        result.append((entry["name"], kind))
    return tuple(result)


def _check_target_bindings(maturin: Mapping[str, Any], resolved: str, where: str) -> None:
    for entry in maturin.get("targets") or ():
        bindings = entry.get("bindings")
        if bindings is not None and bindings != resolved:
            raise ProjectError(
                f"{where}: `targets` entry {dict(entry)!r} asks for `{bindings}` bindings, but "
                f"the project is built with `{resolved}` bindings; maturin 1.16 builds every "
                "target with the project's bindings. Remove `bindings` there or set the "
                "project's."
            )


def _is_selected(target: Target, selection: Tuple[Tuple[str, Optional[str]], ...]) -> bool:
    return any(
        name == target.name and (kind is None or kind in target.crate_types)
        for name, kind in selection
    )


def cargo_options(
    pyproject: Optional[Mapping[str, Any]], pyproject_path: Optional[str] = None
) -> CargoOptions:
    """The cargo options `[tool.maturin]` asks for (features, profile, ...), once its keys are
    checked (see check_tool_maturin_keys)."""
    maturin = tool_maturin(pyproject)
    where = _where(pyproject_path)
    check_tool_maturin_keys(maturin, where)
    features: List[str] = []
    for feature in maturin.get("features") or ():
        if not isinstance(feature, str):
            raise ProjectError(
                f"{where}: `features` entry {feature!r} is not supported; list plain feature "
                'names, e.g. features = ["pyo3/extension-module"].'
            )
        features.append(feature)
    return CargoOptions(
        features=tuple(features),
        all_features=_opt_bool(maturin, "all-features", where),
        no_default_features=_opt_bool(maturin, "no-default-features", where),
        profile=_opt_str(maturin, "profile", where),
        strip=_opt_bool(maturin, "strip", where),
        rustc_args=_str_list(maturin, "rustc-args", where),
    )


def _format_globs(maturin: Mapping[str, Any], key: str, where: str, fmt: str) -> Tuple[str, ...]:
    """`include`/`exclude` entries that apply to `fmt` ("wheel" or "sdist"): plain strings apply
    to both formats, tables only when their `format` names it."""
    patterns: List[str] = []
    for entry in maturin.get(key) or ():
        if isinstance(entry, str):
            patterns.append(entry)
        elif isinstance(entry, Mapping) and isinstance(entry.get("path"), str):
            if key == "include" and ("from" in entry or "to" in entry):
                continue  # See _out_dir_includes.
            unknown = sorted(set(entry) - {"path", "format"})
            if unknown:
                raise ProjectError(
                    f"{where}: `{key}` entry {dict(entry)!r} has unknown key(s) "
                    f"{', '.join(unknown)}; maturin reads `path` and `format`."
                )
            formats = entry.get("format", ["sdist", "wheel"])
            if isinstance(formats, str):
                formats = [formats]
            if not isinstance(formats, list) or not set(formats) <= {"sdist", "wheel"}:
                raise ProjectError(
                    f'{where}: `{key}` entry {dict(entry)!r}: `format` must be "sdist", '
                    '"wheel" or a list of them.'
                )
            if fmt in formats:
                patterns.append(entry["path"])
        else:
            raise ProjectError(
                f"{where}: `{key}` entry {entry!r} must be a glob string or "
                '{ path = "...", format = "wheel" }.'
            )
    for pattern in patterns:
        if posixpath.isabs(pattern) or ".." in pattern.split("/"):
            raise ProjectError(
                f"{where}: `{key}` entry {pattern!r} points outside the project; entries are "
                "globs relative to the directory of pyproject.toml, inside it."
            )
    return tuple(patterns)


def _relative_pattern(value: Any) -> bool:
    """maturin's rule for out-dir entries: a relative path of plain components (no `..`, no
    `.`, not absolute)."""
    return (
        isinstance(value, str)
        and bool(value.strip("/"))
        and not value.startswith("/")
        and all(part not in (".", "..") for part in value.strip("/").split("/"))
    )


def _out_dir_includes(maturin: Mapping[str, Any], where: str) -> Tuple[OutDirInclude, ...]:
    """`include` entries with `from = "out-dir"`, as maturin 1.16 reads them: `path` a glob
    relative to the build script's OUT_DIR, `to` the wheel directory, `crate_name` the package
    (default: the built crate). maturin ignores the `crate-name` spelling its guide shows, which
    would silently take the built crate's files: refused here."""
    result: List[OutDirInclude] = []
    for entry in maturin.get("include") or ():
        if not isinstance(entry, Mapping) or ("from" not in entry and "to" not in entry):
            continue
        shown = dict(entry)
        if "crate-name" in entry:
            raise ProjectError(
                f"{where}: `include` entry {shown!r}: maturin 1.16 ignores `crate-name` (and "
                "would take the built crate's OUT_DIR); it reads `crate_name`. Spell it "
                "`crate_name`."
            )
        unknown = sorted(set(entry) - {"path", "from", "to", "crate_name"})
        if unknown:
            raise ProjectError(
                f"{where}: `include` entry {shown!r} has unknown key(s) {', '.join(unknown)}; "
                'an OUT_DIR entry has `path`, `from = "out-dir"`, `to` and optionally '
                "`crate_name`."
            )
        if entry.get("from") != "out-dir" or not isinstance(entry.get("to"), str):
            raise ProjectError(
                f"{where}: `include` entry {shown!r}: files from a build script need "
                '`from = "out-dir"` and `to = "<directory in the wheel>"`.'
            )
        crate_name = entry.get("crate_name")
        if crate_name is not None and not isinstance(crate_name, str):
            raise ProjectError(
                f"{where}: `include` entry {shown!r}: `crate_name` must be a string."
            )
        for part in ("path", "to"):
            if not _relative_pattern(entry[part]):
                raise ProjectError(
                    f"{where}: `include` entry {shown!r}: `{part}` must be a relative path "
                    "without `.` or `..` components."
                )
        result.append(OutDirInclude(entry["path"], entry["to"], crate_name))
    return tuple(result)


_SBOM_KEYS = ("rust", "auditwheel", "include")


def _sbom_settings(
    maturin: Mapping[str, Any], where: str, project_root: str, field: Optional[bool]
) -> Tuple[bool, Tuple[str, ...], bool]:
    """`[tool.maturin.sbom]` as maturin reads it, the target's `sbom` field winning over `rust`:
    (the crates' SBOM, included SBOM files, the grafted libraries' SBOM)."""
    table = maturin.get("sbom", {})
    if not isinstance(table, Mapping):
        raise ProjectError(f"{where}: `sbom` must be a table ([tool.maturin.sbom]), got {table!r}.")
    where_sbom = where.replace("[tool.maturin]", "[tool.maturin.sbom]", 1)
    unknown = sorted(set(table) - set(_SBOM_KEYS))
    if unknown:
        raise ProjectError(
            f"{where_sbom}: unknown key(s) {', '.join(f'`{k}`' for k in unknown)}; maturin reads "
            f"only {', '.join(f'`{k}`' for k in _SBOM_KEYS)}."
        )
    for key in ("rust", "auditwheel"):
        if key in table and not isinstance(table[key], bool):
            raise ProjectError(f"{where_sbom}: `{key}` must be true or false, got {table[key]!r}.")
    rust = field if field is not None else table.get("rust", True)
    include = _str_list(table, "include", where_sbom)
    resolved = []
    for path in include:
        if posixpath.isabs(path) or ".." in path.split("/"):
            # maturin reads absolute paths too; a hermetic build reads only files of the repo.
            raise ProjectError(
                f"{where_sbom}: `include` entry {path!r} is outside the project. List SBOM files "
                "by their path relative to the directory of pyproject.toml, inside the repository."
            )
        resolved.append(repo_path(project_root, path))
    names = [posixpath.basename(p) for p in resolved]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ProjectError(
            f"{where_sbom}: `include` lists more than one file named {', '.join(duplicates)}; "
            "each lands in `<dist-info>/sboms/` under its file name, so the names must differ."
        )
    return rust, tuple(resolved), table.get("auditwheel", True)


def _audit_settings(
    maturin: Mapping[str, Any],
    where: str,
    compatibility: Optional[str],
    auditwheel: Optional[str],
) -> Tuple[Optional[str], Optional[str]]:
    """(compatibility, auditwheel mode): the target's fields, else `[tool.maturin]`'s
    `compatibility` (or its alias `manylinux`) and `auditwheel`, else `skip-auditwheel`."""
    try:
        if compatibility:
            requested: Optional[str] = parse_compatibility(
                compatibility, "the `compatibility` field"
            )
        else:
            if "compatibility" in maturin and "manylinux" in maturin:
                raise ProjectError(
                    f"{where}: set `compatibility` or its old name `manylinux`, not both."
                )
            value = _opt_str(maturin, "compatibility", where) or _opt_str(
                maturin, "manylinux", where
            )
            requested = parse_compatibility(value, where) if value else None
        if auditwheel:
            mode: Optional[str] = parse_auditwheel_mode(auditwheel, "the `auditwheel` field")
        else:
            value = _opt_str(maturin, "auditwheel", where)
            if value:
                mode = parse_auditwheel_mode(value, where)
            else:
                mode = SKIP if _opt_bool(maturin, "skip-auditwheel", where) else None
    except CompatibilityError as e:
        raise ProjectError(str(e)) from e
    return requested, mode


# ---------------------------------------------------------------------------------------------
# Resolution


def _is_file(files: FrozenSet[str], path: str) -> bool:
    return path in files


def _is_dir(files: FrozenSet[str], path: str) -> bool:
    prefix = path + "/" if path else ""
    return any(f.startswith(prefix) for f in files)


def _check_module_name(module_name: str, source: str, cargo_toml_path: str, where_py: str) -> None:
    if "-" in module_name:
        raise ProjectError(
            f"The module name `{module_name}` (from {source}) must not contain a minus `-`. Set "
            f'an importable name: `name = "{module_name.replace("-", "_")}"` under [lib] in '
            f"{cargo_toml_path}, `module-name` under {where_py}, or the target's `module_name` "
            "field."
        )
    if not is_importable_module_name(module_name):
        raise ProjectError(
            f"The module name `{module_name}` (from {source}) is not a valid dotted Python import "
            f"name. Fix `module-name` under {where_py}, `[lib] name` in {cargo_toml_path}, or the "
            "target's `module_name` field."
        )


def declared_module_name(
    *,
    field: Optional[str],
    pyproject: Optional[Mapping[str, Any]],
    cargo_manifest: Mapping[str, Any],
    package_name: str,
    pyproject_path: Optional[str],
    cargo_toml_path: str,
) -> Tuple[str, str]:
    """(module name, where it came from), from the files alone: the build and import inference
    both use it. maturin's precedence: `[tool.maturin] module-name`, `[lib] name`, `[project]
    name`, the package name; the target field comes first. Not checked here (see
    `is_importable_module_name`)."""
    where_py = _where(pyproject_path)
    if field:
        return field, "the `module_name` field"
    name = _opt_str(tool_maturin(pyproject), "module-name", where_py)
    if name:
        return name, f"`module-name` under {where_py}"
    lib = cargo_manifest.get("lib")
    if isinstance(lib, Mapping) and isinstance(lib.get("name"), str):
        return lib["name"], f"`[lib] name` in {cargo_toml_path}"
    project = (pyproject or {}).get("project")
    if isinstance(project, Mapping) and isinstance(project.get("name"), str):
        return project["name"], f"`[project] name` in {pyproject_path}"
    return package_name, f"the package name in {cargo_toml_path}"


def is_importable_module_name(module_name: str) -> bool:
    """What `_check_module_name` accepts: a dotted name of identifiers."""
    return all(part.isidentifier() for part in module_name.split("."))


def _distribution_name(
    pyproject: Optional[Mapping[str, Any]],
    pyproject_path: Optional[str],
    package: Package,
) -> str:
    project = (pyproject or {}).get("project")
    if project is None:
        return package.name
    if not isinstance(project, Mapping) or not isinstance(project.get("name"), str):
        raise ProjectError(
            f"{pyproject_path}: the [project] table has no `name`; add "
            f'`name = "{package.name}"` under [project].'
        )
    return project["name"]


def _requested_bindings(
    field: Optional[str], maturin: Mapping[str, Any], pyproject_path: Optional[str]
) -> Tuple[str, str]:
    valid = ", ".join(BINDINGS_CHOICES)
    if field is not None and field != AUTO:
        if field not in BINDINGS_CHOICES:
            raise ProjectError(
                f"Unknown bindings `{field}` in the `bindings` field. Valid values: {valid}."
            )
        return field, "the `bindings` field"
    where_py = _where(pyproject_path)
    value = _opt_str(maturin, "bindings", where_py)
    if value is None:
        return AUTO, ""
    if value == "uniffi":
        raise ProjectError(
            f'`bindings = "uniffi"` under {where_py} is not supported by pants_rust_python. '
            f"Use one of {valid}, or remove the setting to detect the bindings."
        )
    if value not in BINDINGS_CHOICES:
        raise ProjectError(
            f'Unknown `bindings = "{value}"` under {where_py}. Valid values: {valid}.'
        )
    return value, f"`bindings` under {where_py}"


def _choices_hint(cargo_toml_path: str) -> str:
    return (
        'Either depend on pyo3 (e.g. `pyo3 = { version = "...", features = '
        '["extension-module"] }` under [dependencies]), or add `crate-type = ["cdylib"]` '
        "under [lib] for cffi bindings, or add a `[[bin]]` target (or src/main.rs) to ship "
        f"binaries, in {cargo_toml_path}; or set the target's `bindings` field to one of "
        f"{', '.join(BINDINGS_CHOICES)}."
    )


def _no_cdylib_error(package: Package, bindings: str, cargo_toml_path: str) -> ProjectError:
    return ProjectError(
        f"The crate `{package.name}` ({cargo_toml_path}) has no `cdylib` library target, which "
        f"{bindings} bindings need to build a Python extension. Add\n\n"
        '    [lib]\n    crate-type = ["cdylib"]\n\n'
        f'to {cargo_toml_path} (keep "rlib" in the list too if other crates or tests use '
        "the library)."
    )


def program_to_run(bin_names: Sequence[str], package: Package, where: str) -> str:
    """The program `pants run` runs, picked among the wheel's as `cargo run` picks: the only
    one, else the manifest's `default-run`."""
    if package.default_run is not None:
        if package.default_run not in bin_names:
            raise ProjectError(
                f"{where}: `default-run = {package.default_run!r}` in {package.name}'s Cargo.toml "
                f"is not among the programs built ({', '.join(bin_names)}); `pants run` runs "
                "one of those."
            )
        return package.default_run
    if len(bin_names) == 1:
        return bin_names[0]
    raise ProjectError(
        f"{where} builds several programs ({', '.join(bin_names)}), so `pants run` does not "
        "know which to run. Name one with `default-run` in the `[package]` table of its "
        "Cargo.toml, as `cargo run` wants, or ship one with the target's `bins` field."
    )


def _nothing_selected(package: Package, where: str, cargo_toml_path: str) -> ProjectError:
    return ProjectError(
        f"{where}: No Cargo target of the crate matches `targets` (the crate `{package.name}` in "
        f"{cargo_toml_path} has {', '.join(t.name for t in package.targets) or 'none'}). Name "
        "its library or programs there, by their target names."
    )


def _buildable_bins(meta: CargoMetadata, package: Package) -> Tuple[str, ...]:
    try:
        enabled = set(meta.resolved_features(package.id))
    except GraphError:
        enabled = set()
    return tuple(
        t.name for t in package.bin_targets if all(f in enabled for f in t.required_features)
    )


def _resolve_bindings(
    *,
    requested: str,
    source: str,
    meta: CargoMetadata,
    package: Package,
    cargo_toml_path: str,
) -> Tuple[str, Optional[Package]]:
    try:
        crate = bindings_package(meta, package.id)
    except GraphError as e:
        raise ProjectError(f"{cargo_toml_path}: {e}") from e
    has_cdylib = package.cdylib_target is not None
    has_bin = bool(package.bin_targets)

    if requested == AUTO:
        if crate is not None:
            if not has_cdylib and has_bin:
                return BIN, crate
            return dict(BINDING_CRATES)[crate.name], crate
        if depends_on(meta, package.id, "uniffi"):
            raise ProjectError(
                f"The crate `{package.name}` ({cargo_toml_path}) uses uniffi, which "
                f"pants_rust_python does not support. {_choices_hint(cargo_toml_path)}"
            )
        if has_cdylib:
            # maturin's rule: a C ABI without a bindings crate is a cffi library.
            return CFFI, None
        if has_bin:
            return BIN, None
        raise ProjectError(
            f"Could not detect the bindings of the crate `{package.name}` ({cargo_toml_path}): "
            "it depends on none of pyo3, pyo3-ffi or cpython, and has neither a cdylib library "
            f"nor a binary target. {_choices_hint(cargo_toml_path)}"
        )

    if requested in (PYO3, PYO3_FFI):
        # Like maturin, either crate satisfies either request: pyo3 is built on pyo3-ffi.
        if crate is None or crate.name not in ("pyo3", "pyo3-ffi"):
            raise ProjectError(
                f"{requested} bindings were requested by {source}, but the crate "
                f"`{package.name}` ({cargo_toml_path}) does not depend on {requested}. Add "
                f'`{requested} = {{ version = "...", features = ["extension-module"] }}` under '
                f"[dependencies] in {cargo_toml_path}, or change the bindings (valid: "
                f"{', '.join(BINDINGS_CHOICES)})."
            )
        return dict(BINDING_CRATES)[crate.name], crate
    if requested == RUST_CPYTHON:
        if crate is None or crate.name != "cpython":
            raise ProjectError(
                f"rust-cpython bindings were requested by {source}, but the crate "
                f"`{package.name}` ({cargo_toml_path}) does not depend on the `cpython` crate. "
                f'Add `cpython = {{ version = "...", features = ["extension-module"] }}` under '
                f"[dependencies] in {cargo_toml_path}, or change the bindings."
            )
        return RUST_CPYTHON, crate
    if requested == CFFI:
        if not has_cdylib:
            raise _no_cdylib_error(package, CFFI, cargo_toml_path)
        return CFFI, None
    # BIN: maturin keeps the bindings crate, it decides the wheel's tags.
    return BIN, crate


def _python_root(
    *,
    field: Optional[str],
    maturin: Mapping[str, Any],
    pyproject: Optional[Mapping[str, Any]],
    pyproject_path: Optional[str],
    project_root: str,
    python_packages: Tuple[str, ...],
    files: FrozenSet[str],
) -> Tuple[str, bool, str]:
    """(python_source dir, whether it was set explicitly, where it was set)."""
    where_py = _where(pyproject_path)
    configured: Optional[str]
    if field:
        configured, source = field, "the `python_source` field"
    else:
        configured = _opt_str(maturin, "python-source", where_py)
        source = f"`python-source` under {where_py}"
    if configured:
        root = repo_path(project_root, configured)
        if root.startswith("../") or root == ".." or posixpath.isabs(root):
            raise ProjectError(
                f"{source} is `{configured}`, which leaves the build root. Use a directory "
                f"inside {project_root or 'the project'}."
            )
        if not _is_dir(files, root):
            raise ProjectError(
                f"{source} is `{configured}` but the directory {root or '.'} does not exist (or "
                "holds no files). Either create it or remove the setting."
            )
        return root, True, source
    project = (pyproject or {}).get("project")
    if isinstance(project, Mapping) and isinstance(project.get("name"), str):
        # maturin's "python first" src layout: rust/Cargo.toml + src/<import name>/__init__.py.
        import_name = project["name"].replace("-", "_")
        candidates = [import_name, *python_packages]
        if _is_file(files, repo_path(project_root, "rust", "Cargo.toml")) and any(
            _is_file(files, repo_path(project_root, "src", c, "__init__.py")) for c in candidates
        ):
            return repo_path(project_root, "src"), False, "the src layout"
    return project_root, False, ""


def resolve_project(
    *,
    meta: CargoMetadata,
    package: Package,
    cargo_manifest: Mapping[str, Any],
    cargo_toml_path: str,
    pyproject: Optional[Mapping[str, Any]],
    pyproject_path: Optional[str],
    files: Collection[str],
    module_name: Optional[str] = None,
    bindings: Optional[str] = None,
    python_source: Optional[str] = None,
    sbom: Optional[bool] = None,
    compatibility: Optional[str] = None,
    auditwheel: Optional[str] = None,
) -> ProjectSpec:
    """Decide the project's build and wheel layout like maturin does.

    `meta`/`package`: the parsed `cargo metadata` and the crate to build. `cargo_manifest`: its
    raw Cargo.toml (maturin reads `[lib] name` from there: the metadata target name is already
    normalized). `files`: build-root-relative paths of the files in the project (at least the
    python sources, `.pyi` files and Cargo.toml files under the project root); only names are
    used, to find the python package and the type stub as maturin would on disk.
    `module_name`/`bindings`/`python_source`: the target's fields (None or "auto" = unset);
    `python_source` is relative to the project root, like `[tool.maturin] python-source`.
    `sbom`: the target's field (None = `[tool.maturin.sbom] rust`, else true).
    `compatibility`/`auditwheel`: the target's fields (None = `[tool.maturin]`'s, else unset).
    """
    files_set = frozenset(posixpath.normpath(f) for f in files)
    maturin = tool_maturin(pyproject)
    where_py = _where(pyproject_path)
    project_root = posixpath.dirname(
        pyproject_path if pyproject is not None and pyproject_path else cargo_toml_path
    )
    project_root = repo_path(project_root) if project_root else ""

    name, name_source = declared_module_name(
        field=module_name,
        pyproject=pyproject,
        cargo_manifest=cargo_manifest,
        package_name=package.name,
        pyproject_path=pyproject_path,
        cargo_toml_path=cargo_toml_path,
    )
    requested, requested_source = _requested_bindings(bindings, maturin, pyproject_path)
    resolved, crate = _resolve_bindings(
        requested=requested,
        source=requested_source,
        meta=meta,
        package=package,
        cargo_toml_path=cargo_toml_path,
    )
    if resolved != BIN:
        _check_module_name(name, name_source, cargo_toml_path, where_py)

    lib_name: Optional[str] = None
    bin_names: Tuple[str, ...] = ()
    selection = selected_targets(maturin, where_py)
    _check_target_bindings(maturin, resolved, where_py)
    if resolved == BIN:
        bin_names = _buildable_bins(meta, package)
        if selection is not None:
            by_name = {t.name: t for t in package.bin_targets}
            bin_names = tuple(b for b in bin_names if _is_selected(by_name[b], selection))
            if not bin_names:
                raise _nothing_selected(package, where_py, cargo_toml_path)
        if not bin_names:
            raise ProjectError(
                f"The crate `{package.name}` ({cargo_toml_path}) has no binary target to ship "
                "(binaries whose `required-features` are not enabled are skipped). Add a "
                "`[[bin]]` target or src/main.rs, enable the features, or choose other bindings."
            )
    else:
        cdylib = package.cdylib_target
        if cdylib is None:
            raise _no_cdylib_error(package, resolved, cargo_toml_path)
        lib_name = cdylib.name
        if selection is not None and not _is_selected(cdylib, selection):
            raise _nothing_selected(package, where_py, cargo_toml_path)

    abi3: Optional[Abi3] = None
    if crate is not None and crate.name in ("pyo3", "pyo3-ffi"):
        try:
            abi3 = pyo3_abi3(meta, package.id)
        except GraphError as e:
            raise ProjectError(f"{cargo_toml_path}: {e}") from e

    python_packages = _str_list(maturin, "python-packages", where_py)
    python_dir, custom_source, source_desc = _python_root(
        field=python_source,
        maturin=maturin,
        pyproject=pyproject,
        pyproject_path=pyproject_path,
        project_root=project_root,
        python_packages=python_packages,
        files=files_set,
    )

    # maturin's ProjectLayout::determine: a dotted name puts the extension inside the package
    # named by its first component.
    parts = name.split(".")
    extension_name = parts[-1]
    python_module_dir = repo_path(python_dir, parts[0])
    rust_module_dir = repo_path(python_dir, *parts[:-1]) if len(parts) > 1 else python_module_dir
    python_module: Optional[str] = python_module_dir
    if not _is_file(files_set, repo_path(python_module_dir, "__init__.py")) and _is_file(
        files_set, repo_path(python_module_dir, "Cargo.toml")
    ):
        # A directory named like the module that is a Rust crate, not a python package.
        python_module = None
    if python_module is not None and not _is_dir(files_set, python_module):
        if custom_source:
            raise ProjectError(
                f"{source_desc} is set to `{python_dir}`, but the python package "
                f"{python_module} does not exist. Create {python_module}/__init__.py or remove "
                "the setting."
            )
        python_module = None

    if python_module is not None:
        module_dir = (
            posixpath.relpath(rust_module_dir, python_dir) if python_dir else rust_module_dir
        )
        stub_path = None
    else:
        module_dir = extension_name
        # Pure layout: `<ext>.pyi` beside pyproject.toml (Cargo.toml without one) ships as the
        # package's __init__.pyi.
        candidate = repo_path(project_root, f"{extension_name}.pyi")
        stub_path = candidate if _is_file(files_set, candidate) else None

    data_setting = _opt_str(maturin, "data", where_py)
    data_dir: Optional[str]
    if data_setting:
        data_dir = repo_path(project_root, data_setting)
        if not _is_dir(files_set, data_dir):
            raise ProjectError(
                f"`data` under {where_py} is `{data_setting}` but {data_dir} holds none of the "
                f"target's sources. Create it and add `{data_setting}/**` to the target's "
                "`sources` (only `<module_name>.data/` is among the default sources), or remove "
                "the setting."
            )
    else:
        default_data = repo_path(project_root, f"{name}.data")
        data_dir = default_data if _is_dir(files_set, default_data) else None

    options = cargo_options(pyproject, pyproject_path)
    rust_sbom, sbom_include, grafted_sbom = _sbom_settings(maturin, where_py, project_root, sbom)
    compatibility_setting, auditwheel_setting = _audit_settings(
        maturin, where_py, compatibility, auditwheel
    )
    return ProjectSpec(
        cargo_toml_path=cargo_toml_path,
        pyproject_path=pyproject_path if pyproject is not None else None,
        project_root=project_root,
        package_id=package.id,
        crate_name=package.name,
        distribution_name=_distribution_name(pyproject, pyproject_path, package),
        module_name=name,
        extension_name=extension_name,
        bindings=resolved,
        bindings_crate=crate.name if crate is not None else None,
        bindings_crate_version=crate.version if crate is not None else None,
        abi3=abi3,
        lib_name=lib_name,
        bin_names=bin_names,
        python_source=python_dir,
        python_module=python_module,
        python_packages=python_packages,
        module_dir=module_dir,
        stub_path=stub_path,
        data_dir=data_dir,
        features=options.features,
        all_features=options.all_features,
        no_default_features=options.no_default_features,
        profile=options.profile,
        include=_format_globs(maturin, "include", where_py, "wheel"),
        exclude=_format_globs(maturin, "exclude", where_py, "wheel"),
        sdist_include=_format_globs(maturin, "include", where_py, "sdist"),
        sdist_exclude=_format_globs(maturin, "exclude", where_py, "sdist"),
        out_dir_includes=_out_dir_includes(maturin, where_py),
        rust_sbom=rust_sbom,
        sbom_include=sbom_include,
        grafted_sbom=grafted_sbom,
        compatibility=compatibility_setting,
        auditwheel=auditwheel_setting,
    )


def interpreters_to_build(
    spec: ProjectSpec, interpreters: Sequence[PythonInterpreter]
) -> Tuple[PythonInterpreter, ...]:
    """abi3: one build, with the oldest interpreter the abi3 level allows; else one each.

    cffi bindings, and a program that does not embed Python, are built once. `interpreters`:
    those found for the target's constraints, oldest first.
    """
    if spec.bindings == CFFI or (spec.bindings == BIN and spec.bindings_crate is None):
        return tuple(interpreters[:1])
    if spec.abi3 is None:
        return tuple(interpreters)
    minimum = spec.abi3_minimum or (0, 0)
    usable = [i for i in interpreters if (i.major, i.minor) >= minimum]
    if not usable:
        raise ProjectError(
            f"the crate is built for abi3 with a minimum of Python {minimum[0]}.{minimum[1]}, but "
            "the interpreters found for its interpreter constraints are older "
            f"({', '.join(i.major_minor for i in interpreters)}). Widen "
            "`interpreter_constraints` or install a newer Python."
        )
    return (usable[0],)
