"""Target types: Rust crates that become Python packages, and the Cargo files they build from."""
from __future__ import annotations

from typing import ClassVar

from pants.backend.python.goals.publish import PythonRepositoriesField, SkipTwineUploadField
from pants.backend.python.target_types import InterpreterConstraintsField
from pants.engine.target import (
    COMMON_TARGET_FIELDS,
    BoolField,
    Dependencies,
    Field,
    MultipleSourcesField,
    StringField,
    StringSequenceField,
    Target,
    TriBoolField,
)
from pants.engine.unions import UnionRule
from pants.util.strutil import help_text
from pants_rust_python.maturin.compatibility import AUDITWHEEL_MODES
from pants_rust_python.maturin.project import BIN
from pants_rust_python.maturin.project import BINDINGS_CHOICES as _ALL_BINDINGS

# What cargo and maturin read from a crate directory. `target/` is cargo's own output dir.
CRATE_SOURCE_GLOBS = (
    "Cargo.toml",
    "Cargo.lock",
    "build.rs",
    "src/**/*",
    "benches/**/*",
    "examples/**/*",
    "tests/**/*.rs",
    ".cargo/config.toml",
    ".cargo/config",
    "pyproject.toml",
    "cbindgen.toml",
    "*.pyi",
    "README*",
    "readme*",
    "LICENSE*",
    "LICENCE*",
    "COPYING*",
    "NOTICE*",
    "AUTHORS*",
    "!target/**",
)

# Mixed Rust/Python projects keep their Python package beside the crate (maturin's `python-source`).
# Always added to CRATE_SOURCE_GLOBS, whose `!target/**` excludes cargo's output here too.
# `<module_name>.data/` is maturin's default `data` directory, shipped in the wheel's `.data/`.
PYTHON_SOURCE_GLOBS = ("**/*.py", "**/*.pyi", "**/py.typed", "*.data/**")

# Sources that go into the wheel but that cargo never reads: they are left out of every cargo
# step's inputs, so editing them re-assembles the wheel without running cargo.
NOT_CARGO_INPUT_GLOBS = (
    "**/*.py",
    "**/*.pyi",
    "**/py.typed",
    "**/pyproject.toml",
    "**/*.data/**",
)


class CargoSourcesField(MultipleSourcesField):
    # Declared as any tuple so subclasses may default to more globs.
    default: ClassVar[tuple[str, ...]] = CRATE_SOURCE_GLOBS
    help = help_text(
        """
        The crate's files: Cargo.toml, sources, build script, and what the package metadata
        refers to (readme, license files, pyproject.toml, stubs). Globs are relative to the
        BUILD file's directory, which must hold the crate's Cargo.toml.
        """
    )


class RustPythonSourcesField(CargoSourcesField):
    default = CRATE_SOURCE_GLOBS + PYTHON_SOURCE_GLOBS
    help = help_text(
        """
        The crate's files (Cargo.toml, sources, build script, readme, licenses, pyproject.toml,
        stubs) and, for mixed Rust/Python projects, the Python package that goes into the wheel
        beside the compiled module. Globs are relative to the BUILD file's directory, which must
        hold the crate's Cargo.toml.
        """
    )


class CargoDependenciesField(Dependencies):
    help = help_text(
        """
        Addresses of other targets this crate needs. Path dependencies in Cargo.toml and the
        Cargo workspace the crate belongs to are inferred; list only what Cargo.toml cannot say.
        """
    )


# `bin` is its own target type, rust_python_binary.
BINDINGS_CHOICES = tuple(b for b in _ALL_BINDINGS if b != BIN)


class RustBindingsField(StringField):
    alias = "bindings"
    valid_choices = BINDINGS_CHOICES
    default = "auto"
    help = help_text(
        """
        How the crate talks to Python. `auto` uses `[tool.maturin] bindings` from pyproject.toml
        when set, and otherwise detects pyo3, pyo3-ffi or rust-cpython (the `cpython` crate) in
        the crate's dependency graph, as maturin does. `cffi` packages a plain C-ABI `cdylib`
        with a cffi module and must be asked for explicitly.
        """
    )


class RustModuleNameField(StringField):
    alias = "module_name"
    help = help_text(
        """
        The Python module the extension is imported as, e.g. `mypkg` or `mypkg._native`.
        Defaults to `[tool.maturin] module-name`, then the `[lib] name`, then the package name.
        """
    )


class RustPythonSourceField(StringField):
    alias = "python_source"
    help = help_text(
        """
        Directory (relative to this BUILD file) holding the Python package of a mixed
        Rust/Python project. Defaults to `[tool.maturin] python-source`, then maturin's
        detection of a package named like the module beside Cargo.toml.
        """
    )


class CargoFeaturesField(StringSequenceField):
    alias = "features"
    help = help_text(
        """
        Cargo features to enable, as with `cargo build --features`. Added to
        `[tool.maturin] features`.
        """
    )


class CargoDefaultFeaturesField(BoolField):
    alias = "default_features"
    default = True
    help = "Whether to enable the crate's default features (`--no-default-features` when false)."


class CargoAllFeaturesField(BoolField):
    alias = "all_features"
    default = False
    help = "Enable every feature of the crate, as with `cargo build --all-features`."


class CargoProfileField(StringField):
    alias = "profile"
    help = help_text(
        """
        The Cargo profile to build with, e.g. `release`, `dev` or a custom profile of the
        workspace. Defaults to `[tool.maturin] profile`, else `release`.
        """
    )


class RustInterpreterConstraintsField(InterpreterConstraintsField):
    help = help_text(
        """
        The Python interpreters to build for. An abi3 extension is built once, for the oldest
        interpreter allowed, and tagged `cp3X-abi3`; any other extension gets one wheel per
        allowed interpreter version found on the machine (see `[python-bootstrap].search_path`).
        Defaults to `[python].interpreter_constraints`.
        """
    )


class RustBinaryInterpreterConstraintsField(RustInterpreterConstraintsField):
    help = help_text(
        """
        The Python interpreters to build for when the programs embed Python through pyo3: one
        wheel per allowed interpreter version found on the machine (see
        `[python-bootstrap].search_path`). Programs that do not embed Python are built once,
        tagged `py3-none-<platform>`. Defaults to `[python].interpreter_constraints`.
        """
    )


class RustSbomField(TriBoolField):
    alias = "sbom"
    help = help_text(
        """
        Whether the wheel carries a CycloneDX SBOM of the Rust crates compiled into it, at
        `<dist-info>/sboms/<crate>.cyclonedx.json` (PEP 770), as maturin writes it: each crate's
        name, version, package URL, licence and the checksum Cargo.lock records. Unlike
        maturin's, it has no serial number and no timestamp, so the same inputs still give
        byte-identical wheels. Defaults to `[tool.maturin.sbom] rust`, else true. The SBOM
        files of `[tool.maturin.sbom] include` are added either way.
        """
    )


class RustCompatibilityField(StringField):
    alias = "compatibility"
    help = help_text(
        """
        The Linux platform compatibility of the wheels, maturin's `--compatibility`:
        `manylinux_X_Y` (or `manylinux2014`, `manylinux2010`, `manylinux1`), `musllinux_X_Y`,
        `pypi` (any tag the package index accepts, else an error) or `linux` (no check,
        `linux_<arch>`). Unset: `[tool.maturin] compatibility`, else
        `[auditwheel].compatibility`, else the most compatible manylinux policy that every
        compiled file satisfies, as auditwheel checks it (`linux` with a warning if none).
        """
    )


class RustAuditwheelField(StringField):
    alias = "auditwheel"
    valid_choices = AUDITWHEEL_MODES
    help = help_text(
        """
        What to do about shared libraries the chosen policy does not allow, maturin's
        `--auditwheel`: `repair` copies them into `<dist>.libs/` under hashed names and points
        the compiled files at those copies (auditwheel repair with patchelf); `check` fails the
        build; `warn` warns and keeps the tag; `skip` runs no audit (the wheel is tagged
        `linux_<arch>`, or with the requested compatibility unchecked). Unset: `[tool.maturin]
        auditwheel` (or `skip-auditwheel`), else `[auditwheel].mode`.
        """
    )


class RustZigField(TriBoolField):
    alias = "zig"
    help = help_text(
        """
        Link through zig against an older glibc than this machine's, as `maturin build --zig`:
        the glibc of the requested `compatibility` (2.17 for `manylinux2014`), or, when none is
        requested, the oldest manylinux policy of the architecture (`manylinux2014` on x86_64),
        so the wheel installs on older distributions. Every crate of the build, third-party ones
        included, is linked and its C code compiled by zig (cargo-zigbuild's `zig cc`), and the
        zig version and glibc are part of each step's cache key. Unset: `[zig].enabled`.
        """
    )


class RustSdistField(BoolField):
    alias = "sdist"
    default = False
    help = help_text(
        """
        Whether `pants package` also writes the source distribution
        `<dist>-<version>.tar.gz`, laid out as `maturin sdist` lays it out (pyproject.toml with
        maturin as build backend, Cargo.toml, Cargo.lock, the crate and Python sources,
        PKG-INFO), from which `pip wheel` builds the wheel with maturin and cargo. Off by
        default, as with `maturin build`. A workspace member is laid out from the workspace
        root, with the repo crates it depends on, as `maturin sdist` does.
        """
    )


class RustStripField(BoolField):
    alias = "strip"
    default = False
    help = "Strip the library's symbols to make it smaller, as `maturin build --strip` does."


class RustBinarySourcesField(CargoSourcesField):
    default = CRATE_SOURCE_GLOBS + PYTHON_SOURCE_GLOBS
    help = help_text(
        """
        The crate's files (Cargo.toml, sources, build script, readme, licenses, pyproject.toml)
        and any Python package shipped beside the programs. Globs are relative to the BUILD
        file's directory, which must hold the crate's Cargo.toml.
        """
    )


class RustBinariesField(StringSequenceField):
    alias = "bins"
    help = help_text(
        """
        Names of the crate's binary targets to ship as scripts. Defaults to every binary whose
        `required-features` are enabled.
        """
    )


class CargoWorkspaceSourcesField(MultipleSourcesField):
    default = (
        "Cargo.toml",
        "Cargo.lock",
        ".cargo/config.toml",
        ".cargo/config",
        "rust-toolchain.toml",
    )
    help = "The workspace's root manifest, its Cargo.lock and its Cargo configuration."


class RustPythonExtensionTarget(Target):
    alias = "rust_python_extension"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        RustPythonSourcesField,
        CargoDependenciesField,
        RustBindingsField,
        RustModuleNameField,
        RustPythonSourceField,
        CargoFeaturesField,
        CargoDefaultFeaturesField,
        CargoAllFeaturesField,
        CargoProfileField,
        RustInterpreterConstraintsField,
        RustStripField,
        RustSbomField,
        RustCompatibilityField,
        RustAuditwheelField,
        RustZigField,
        RustSdistField,
        PythonRepositoriesField,
        SkipTwineUploadField,
    )
    help = help_text(
        """
        A Rust crate built into an importable Python extension module and a wheel, as
        `maturin build` would (pyo3, pyo3-ffi, rust-cpython or cffi bindings).

        Put it in the BUILD file beside the crate's Cargo.toml. A pyproject.toml with
        `[project]` and `[tool.maturin]` there is honoured. `pants package` writes the wheels to
        `dist/`.
        """
    )


class RustPythonBinaryTarget(Target):
    alias = "rust_python_binary"
    core_fields = (
        *COMMON_TARGET_FIELDS,
        RustBinarySourcesField,
        CargoDependenciesField,
        RustBinariesField,
        CargoFeaturesField,
        CargoDefaultFeaturesField,
        CargoAllFeaturesField,
        CargoProfileField,
        RustBinaryInterpreterConstraintsField,
        RustSbomField,
        RustCompatibilityField,
        RustAuditwheelField,
        RustZigField,
        RustSdistField,
        PythonRepositoriesField,
        SkipTwineUploadField,
    )
    help = help_text(
        """
        A crate's Rust programs shipped in a wheel as scripts (`<dist>-<version>.data/scripts/`),
        so `pip install` puts them on PATH, as `maturin build` does with `bindings = "bin"`.
        Tagged `py3-none-<platform>`, or for each interpreter when the program embeds Python
        through pyo3. Put it in the BUILD file beside the crate's Cargo.toml.
        """
    )


class RustCrateTarget(Target):
    alias = "rust_crate"
    core_fields = (*COMMON_TARGET_FIELDS, CargoSourcesField, CargoDependenciesField)
    help = help_text(
        """
        A Rust crate of the repository that Python extensions use through a Cargo path
        dependency. It tells Pants which files the crate consists of, so that editing it
        rebuilds (and `--changed-since` selects) exactly what depends on it; `pants test`,
        `check`, `lint` and `fmt` run on it like on the extension and binary targets.
        """
    )


# The targets that are one crate each: the ones Pants's Rust goals (test, check, lint, fmt) run on.
CRATE_TARGET_TYPES = (RustPythonExtensionTarget, RustPythonBinaryTarget, RustCrateTarget)


def register_on_crate_targets(field: type[Field]) -> list[UnionRule]:
    """A field of one of those goals (`skip_clippy`, ...) on every crate target."""
    return [target.register_plugin_field(field) for target in CRATE_TARGET_TYPES]


class CargoWorkspaceTarget(Target):
    alias = "cargo_workspace"
    core_fields = (*COMMON_TARGET_FIELDS, CargoWorkspaceSourcesField, CargoDependenciesField)
    help = help_text(
        """
        The root of a Cargo workspace with a virtual manifest: its Cargo.toml and Cargo.lock.
        Member crates find it by themselves; a workspace whose root manifest is also a package
        needs no separate target.
        """
    )
