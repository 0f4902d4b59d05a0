from __future__ import annotations

from typing import Any, Iterable, Optional

import pytest
from pants_rust_python.cargo.graph import CargoMetadata, Package
from pants_rust_python.maturin.project import (
    CargoOptions,
    OutDirInclude,
    ProjectError,
    ProjectSpec,
    cargo_options,
    declared_module_name,
    is_importable_module_name,
    maturin_project_above,
    program_to_run,
    resolve_project,
)
from rust_python_testutil.metadata import ABI3_PY38, crate_metadata


def resolve(
    meta: CargoMetadata,
    *,
    cargo: Optional[dict] = None,
    pyproject: Optional[dict] = None,
    files: Iterable[str] = (),
    root: str = "proj",
    cargo_toml_path: Optional[str] = None,
    **fields: Any,
) -> ProjectSpec:
    package = meta.packages[0]
    if cargo is None:
        # Default Cargo.toml: `[lib] name` spelled out like the metadata's lib target.
        cargo = {"package": {"name": package.name}}
        if package.lib_target is not None:
            cargo["lib"] = {"name": package.lib_target.name}
    return resolve_project(
        meta=meta,
        package=package,
        cargo_manifest=cargo,
        cargo_toml_path=cargo_toml_path or f"{root}/Cargo.toml",
        pyproject=pyproject,
        pyproject_path=f"{root}/pyproject.toml" if pyproject is not None else None,
        files=[f"{root}/Cargo.toml", *files],
        **fields,
    )


def pyo3_meta(name: str = "pure-abi3", lib: str = "pure_abi3", features=ABI3_PY38) -> CargoMetadata:
    return crate_metadata(
        name, lib=(lib, ["cdylib"]), deps={"pyo3": features, "pyo3-ffi": features}
    )


def test_pure_pyo3_abi3_spec() -> None:
    spec = resolve(
        pyo3_meta(),
        cargo={"package": {"name": "pure-abi3"}, "lib": {"name": "pure_abi3"}},
        pyproject={"project": {"name": "pure-abi3"}},
        files=["proj/pyproject.toml", "proj/src/lib.rs", "proj/pure_abi3.pyi"],
    )
    assert spec == ProjectSpec(
        cargo_toml_path="proj/Cargo.toml",
        pyproject_path="proj/pyproject.toml",
        project_root="proj",
        package_id="path+file:///repo/proj#pure-abi3@0.1.0",
        crate_name="pure-abi3",
        distribution_name="pure-abi3",
        module_name="pure_abi3",
        extension_name="pure_abi3",
        bindings="pyo3",
        bindings_crate="pyo3",
        bindings_crate_version="0.23.5",
        abi3=(3, 8),
        lib_name="pure_abi3",
        bin_names=(),
        python_source="proj",
        python_module=None,
        python_packages=(),
        module_dir="pure_abi3",
        stub_path="proj/pure_abi3.pyi",
        data_dir=None,
    )
    assert not spec.mixed and spec.abi3_minimum == (3, 8)


def test_mixed_dotted_module_with_python_source() -> None:
    spec = resolve(
        pyo3_meta("mixed-src", "mixed_src"),
        cargo={"package": {"name": "mixed-src"}, "lib": {"name": "mixed_src"}},
        pyproject={
            "project": {"name": "mixed-src"},
            "tool": {"maturin": {"python-source": "python", "module-name": "pkg._native"}},
        },
        files=[
            "proj/python/pkg/__init__.py",
            "proj/python/pkg/_native.pyi",
            "proj/mixed_src.pyi",
        ],
    )
    assert (spec.module_name, spec.extension_name) == ("pkg._native", "_native")
    assert spec.python_source == "proj/python"
    assert spec.python_module == "proj/python/pkg" and spec.mixed
    assert spec.module_dir == "pkg"
    assert spec.stub_path is None  # mixed projects ship stubs from the python package
    assert spec.lib_name == "mixed_src"


def test_nested_dotted_module_dir() -> None:
    spec = resolve(
        pyo3_meta(),
        pyproject={"project": {"name": "x"}},
        module_name="a.b._c",
        files=["proj/a/__init__.py", "proj/a/b/__init__.py"],
    )
    assert spec.python_module == "proj/a" and spec.module_dir == "a/b"
    assert spec.extension_name == "_c"


def test_mixed_autodetected_beside_pyproject() -> None:
    spec = resolve(
        pyo3_meta("mixed-auto", "mixed_auto", ["default", "extension-module"]),
        cargo={"package": {"name": "mixed-auto"}, "lib": {"name": "mixed_auto"}},
        pyproject={"project": {"name": "mixed-auto"}},
        files=["proj/mixed_auto/__init__.py", "proj/mixed_auto/helper.py"],
    )
    assert spec.mixed and spec.module_dir == "mixed_auto" and spec.abi3 is None


def test_dotted_module_without_package_is_pure() -> None:
    spec = resolve(
        pyo3_meta(),
        pyproject={"tool": {"maturin": {"module-name": "pkg._native"}}},
        files=["proj/_native.pyi"],
    )
    assert not spec.mixed
    assert spec.module_dir == "_native" and spec.stub_path == "proj/_native.pyi"


def test_directory_that_is_a_crate_is_not_a_python_package() -> None:
    spec = resolve(
        pyo3_meta(),
        cargo={"package": {"name": "x"}, "lib": {"name": "pure_abi3"}},
        files=["proj/pure_abi3/Cargo.toml", "proj/pure_abi3/src/lib.rs"],
    )
    assert not spec.mixed


def test_src_layout_detection() -> None:
    spec = resolve(
        pyo3_meta("srclay-rs", "_core"),
        cargo={"package": {"name": "srclay-rs"}, "lib": {"name": "_core"}},
        pyproject={
            "project": {"name": "srclay"},
            "tool": {"maturin": {"module-name": "srclay._core"}},
        },
        cargo_toml_path="proj/rust/Cargo.toml",
        files=["proj/rust/Cargo.toml", "proj/src/srclay/__init__.py"],
    )
    assert spec.project_root == "proj"
    assert spec.python_source == "proj/src" and spec.python_module == "proj/src/srclay"
    assert spec.module_dir == "srclay"


def test_stub_beside_cargo_toml_without_pyproject() -> None:
    spec = resolve(
        pyo3_meta(),
        cargo={"package": {"name": "p"}, "lib": {"name": "pure_abi3"}},
        files=["proj/pure_abi3.pyi"],
    )
    assert spec.project_root == "proj" and spec.stub_path == "proj/pure_abi3.pyi"
    assert spec.distribution_name == "pure-abi3" and spec.pyproject_path is None


def test_python_source_field_wins_over_pyproject() -> None:
    spec = resolve(
        pyo3_meta(),
        pyproject={"tool": {"maturin": {"python-source": "python"}}},
        python_source="py",
        files=["proj/py/pure_abi3/__init__.py", "proj/python/pure_abi3/__init__.py"],
    )
    assert spec.python_source == "proj/py" and spec.python_module == "proj/py/pure_abi3"


def test_python_source_missing_directory() -> None:
    with pytest.raises(
        ProjectError,
        match=r"`python-source` under \[tool.maturin\] in "
        r"proj/pyproject.toml is `python` but the directory "
        r"proj/python does not exist",
    ):
        resolve(pyo3_meta(), pyproject={"tool": {"maturin": {"python-source": "python"}}})


def test_python_source_without_the_package() -> None:
    with pytest.raises(
        ProjectError,
        match=r"python package proj/python/pure_abi3 does not exist"
        r"\. Create proj/python/pure_abi3/__init__.py",
    ):
        resolve(
            pyo3_meta(),
            pyproject={"tool": {"maturin": {"python-source": "python"}}},
            files=["proj/python/other/__init__.py"],
        )


def test_python_source_outside_build_root() -> None:
    with pytest.raises(ProjectError, match="leaves the build root"):
        resolve(pyo3_meta(), pyproject={}, python_source="../../x")


@pytest.mark.parametrize(
    "field, maturin, cargo_lib, project, expected",
    [
        ("from_field", "from_maturin", "from_lib", "from-project", "from_field"),
        (None, "from_maturin", "from_lib", "from-project", "from_maturin"),
        (None, None, "from_lib", "from-project", "from_lib"),
        (None, None, None, "from_project", "from_project"),
        (None, None, None, None, "pkgname"),
    ],
)
def test_module_name_precedence(field, maturin, cargo_lib, project, expected) -> None:
    cargo: dict = {"package": {"name": "pkgname"}}
    if cargo_lib:
        cargo["lib"] = {"name": cargo_lib}
    pyproject: dict = {"tool": {"maturin": {"module-name": maturin} if maturin else {}}}
    if project:
        pyproject["project"] = {"name": project}
    spec = resolve(
        pyo3_meta("pkgname", "pkgname"),
        cargo=cargo,
        pyproject=pyproject,
        module_name=field,
    )
    assert spec.module_name == expected


def test_module_name_with_minus() -> None:
    # maturin: `[lib] name` comes from Cargo.toml itself, not from the (normalized) target name.
    with pytest.raises(ProjectError) as e:
        resolve(pyo3_meta("dash-pkg", "dash_pkg"), cargo={"package": {"name": "dash-pkg"}})
    message = str(e.value)
    assert (
        "The module name `dash-pkg` (from the package name in proj/Cargo.toml) must not "
        "contain a minus" in message
    )
    assert 'name = "dash_pkg"` under [lib] in proj/Cargo.toml' in message


def test_module_name_not_identifier() -> None:
    with pytest.raises(ProjectError, match="not a valid dotted Python import name"):
        resolve(pyo3_meta(), module_name="pkg..x")


def test_bin_module_name_may_have_minus() -> None:
    meta = crate_metadata("bin-pure", bins=[("hello-bin", ()), ("gated", ("extra",))])
    spec = resolve(
        meta,
        cargo={"package": {"name": "bin-pure"}},
        pyproject={"project": {"name": "Bin.Pure"}},
    )
    assert spec.bindings == "bin" and spec.bin_names == ("hello-bin",)
    assert spec.lib_name is None and spec.distribution_name == "Bin.Pure"


def test_bin_required_features_enabled() -> None:
    meta = crate_metadata("b", bins=[("hello", ()), ("gated", ("extra",))], root_features=["extra"])
    assert resolve(meta).bin_names == ("hello", "gated")


def test_bin_with_pyo3_keeps_the_bindings_crate() -> None:
    meta = crate_metadata("b", lib=("b", ["rlib"]), bins=[("b", ())], deps={"pyo3": ABI3_PY38})
    spec = resolve(meta)
    assert spec.bindings == "bin" and spec.bindings_crate == "pyo3" and spec.abi3 == (3, 8)


def test_no_buildable_bins() -> None:
    meta = crate_metadata("b", bins=[("gated", ("extra",))])
    with pytest.raises(ProjectError, match="required-features"):
        resolve(meta)


def test_auto_cffi_and_pyo3_ffi_and_cpython() -> None:
    # As maturin: a cdylib with no bindings crate is a cffi library (maturin's `with-data`).
    assert resolve(crate_metadata("c", lib=("c", ["cdylib"]))).bindings == "cffi"
    # ... and a crate with a library and programs is still cffi, as maturin decides.
    both = crate_metadata("c", lib=("c", ["cdylib"]), bins=[("c", ())])
    assert resolve(both).bindings == "cffi"
    ffi = crate_metadata("f", lib=("f", ["cdylib"]), deps={"pyo3-ffi": ["abi3", "abi3-py39"]})
    spec = resolve(ffi)
    assert (spec.bindings, spec.abi3) == ("pyo3-ffi", (3, 9))
    cpy = crate_metadata("r", lib=("r", ["cdylib"]), deps={"cpython": ["extension-module"]})
    spec = resolve(cpy)
    assert (spec.bindings, spec.bindings_crate, spec.abi3) == (
        "rust-cpython",
        "cpython",
        None,
    )


def test_explicit_bindings() -> None:
    meta = pyo3_meta()
    # Either pyo3 request is satisfied by the pyo3 crate, as in maturin.
    assert resolve(meta, bindings="pyo3-ffi").bindings == "pyo3"
    assert resolve(meta, bindings="auto").bindings == "pyo3"
    spec = resolve(meta, bindings="cffi")
    assert spec.bindings == "cffi" and spec.abi3 is None
    spec = resolve(meta, pyproject={"tool": {"maturin": {"bindings": "cffi"}}})
    assert spec.bindings == "cffi"
    # The field wins over pyproject.toml.
    assert (
        resolve(
            meta, pyproject={"tool": {"maturin": {"bindings": "cffi"}}}, bindings="pyo3"
        ).bindings
        == "pyo3"
    )


def test_unknown_bindings() -> None:
    with pytest.raises(
        ProjectError,
        match=r"Unknown bindings `pyo4` in the `bindings` field\. "
        r"Valid values: auto, pyo3, pyo3-ffi, rust-cpython, "
        r"cffi, bin\.",
    ):
        resolve(pyo3_meta(), bindings="pyo4")
    with pytest.raises(
        ProjectError,
        match=r"Unknown `bindings = \"x\"` under \[tool.maturin\] "
        r"in proj/pyproject.toml\. Valid values",
    ):
        resolve(pyo3_meta(), pyproject={"tool": {"maturin": {"bindings": "x"}}})
    with pytest.raises(ProjectError, match="uniffi.*not supported"):
        resolve(pyo3_meta(), pyproject={"tool": {"maturin": {"bindings": "uniffi"}}})


def test_pyo3_requested_but_missing() -> None:
    meta = crate_metadata("c", lib=("c", ["cdylib"]))
    with pytest.raises(ProjectError) as e:
        resolve(meta, bindings="pyo3")
    assert (
        "pyo3 bindings were requested by the `bindings` field, but the crate `c` "
        "(proj/Cargo.toml) does not depend on pyo3" in str(e.value)
    )
    assert "under [dependencies] in proj/Cargo.toml" in str(e.value)
    with pytest.raises(ProjectError, match="does not depend on the `cpython` crate"):
        resolve(pyo3_meta(), bindings="rust-cpython")


def test_cffi_requested_without_cdylib() -> None:
    meta = crate_metadata("c", lib=("c", ["rlib"]))
    with pytest.raises(ProjectError) as e:
        resolve(meta, bindings="cffi")
    assert "has no `cdylib` library target" in str(e.value)
    assert '[lib]\n    crate-type = ["cdylib"]\n\nto proj/Cargo.toml' in str(e.value)


def test_pyo3_without_cdylib() -> None:
    meta = crate_metadata("p", lib=("p", ["lib"]), deps={"pyo3": []})
    with pytest.raises(ProjectError, match=r"crate `p` \(proj/Cargo.toml\) has no `cdylib`"):
        resolve(meta)


def test_pyo3_without_cdylib_but_with_bin_is_bin() -> None:
    meta = crate_metadata("p", lib=("p", ["lib"]), bins=[("p", ())], deps={"pyo3": []})
    assert resolve(meta).bindings == "bin"


def test_nothing_detected() -> None:
    meta = crate_metadata("p", lib=("p", ["lib"]))
    with pytest.raises(ProjectError) as e:
        resolve(meta)
    message = str(e.value)
    assert "Could not detect the bindings of the crate `p` (proj/Cargo.toml)" in message
    assert 'crate-type = ["cdylib"]' in message and "`bindings` field" in message


def test_uniffi_detected() -> None:
    meta = crate_metadata("u", lib=("u", ["cdylib"]), deps={"uniffi": []})
    with pytest.raises(ProjectError, match="uses uniffi"):
        resolve(meta)


def test_distribution_name_needs_project_name() -> None:
    with pytest.raises(
        ProjectError,
        match=r"proj/pyproject.toml: the \[project\] table has no " r"`name`",
    ):
        resolve(pyo3_meta(), pyproject={"project": {"version": "1"}})


def test_data_dir() -> None:
    spec = resolve(pyo3_meta(), pyproject={}, files=["proj/pure_abi3.data/headers/x.h"])
    assert spec.data_dir == "proj/pure_abi3.data"
    spec = resolve(
        pyo3_meta(),
        pyproject={"tool": {"maturin": {"data": "extra"}}},
        files=["proj/extra/scripts/run.sh"],
    )
    assert spec.data_dir == "proj/extra"
    with pytest.raises(ProjectError, match="`data` under"):
        resolve(pyo3_meta(), pyproject={"tool": {"maturin": {"data": "nope"}}})


@pytest.mark.parametrize(
    "include, message",
    [
        (["../../../pants.toml"], "points outside the project"),
        (["/etc/passwd"], "points outside the project"),
        (
            [{"path": "gen/*.py", "from": "out-dir", "to": "pkg/", "crate-name": "other"}],
            "ignores `crate-name`.*`crate_name`",
        ),
        ([{"path": "gen/*.py", "from": "build-dir", "to": "pkg/"}], 'need `from = "out-dir"`'),
        ([{"path": "gen/*.py", "from": "out-dir"}], '`to = "<directory in the wheel>"`'),
        ([{"path": "../x", "from": "out-dir", "to": "pkg"}], "`path` must be a relative path"),
        ([{"path": "x", "from": "out-dir", "to": "/pkg"}], "`to` must be a relative path"),
        (
            [{"path": "x", "from": "out-dir", "to": "pkg", "format": "wheel"}],
            r"unknown key\(s\) format",
        ),
        ([{"path": "a", "format": "whl"}], '`format` must be "sdist", "wheel"'),
        ([{"path": "a", "formats": "wheel"}], r"unknown key\(s\) formats"),
        ([3], "must be a glob string"),
    ],
)
def test_bad_include_entries_are_refused(include: list, message: str) -> None:
    with pytest.raises(ProjectError, match=message):
        resolve(pyo3_meta(), pyproject={"tool": {"maturin": {"include": include}}})


def test_out_dir_include_entries() -> None:
    include = [
        "extra/*.txt",
        {"path": "generated_info.txt", "from": "out-dir", "to": "pkg/"},
        {"path": "gen/*.py", "from": "out-dir", "to": "pkg/gen", "crate_name": "codegen"},
    ]
    spec = resolve(pyo3_meta(), pyproject={"tool": {"maturin": {"include": include}}})
    assert spec.include == ("extra/*.txt",) and spec.sdist_include == ("extra/*.txt",)
    assert spec.out_dir_includes == (
        OutDirInclude("generated_info.txt", "pkg/"),
        OutDirInclude("gen/*.py", "pkg/gen", "codegen"),
    )


def test_include_entries_by_format() -> None:
    include = [
        "extra/*.txt",
        {"path": "data/**", "format": ["sdist", "wheel"]},
        {"path": "LICENSE*", "format": "sdist"},
        {"path": "pkg/*.json", "format": "wheel"},
    ]
    spec = resolve(pyo3_meta(), pyproject={"tool": {"maturin": {"include": include}}})
    assert spec.include == ("extra/*.txt", "data/**", "pkg/*.json")
    assert spec.sdist_include == ("extra/*.txt", "data/**", "LICENSE*")


def test_cargo_options_and_globs() -> None:
    pyproject = {
        "tool": {
            "maturin": {
                "features": ["pyo3/extension-module", "fast"],
                "no-default-features": True,
                "profile": "dist",
                "include": [{"path": "LICENSE*", "format": "sdist"}],
                "exclude": [{"path": "**/*.c", "format": "wheel"}],
                "python-packages": ["other"],
            }
        }
    }
    assert cargo_options(pyproject) == CargoOptions(
        features=("pyo3/extension-module", "fast"),
        no_default_features=True,
        profile="dist",
    )
    spec = resolve(pyo3_meta(), pyproject=pyproject)
    assert spec.features == ("pyo3/extension-module", "fast")
    assert (spec.all_features, spec.no_default_features, spec.profile) == (
        False,
        True,
        "dist",
    )
    assert spec.include == () and spec.exclude == ("**/*.c",)
    assert spec.python_packages == ("other",)
    with pytest.raises(ProjectError, match="plain feature names"):
        cargo_options({"tool": {"maturin": {"features": [{"feature": "x"}]}}}, "p/pyproject.toml")
    with pytest.raises(ProjectError, match="`profile` must be a string"):
        cargo_options({"tool": {"maturin": {"profile": 1}}})


def _maturin(**keys: Any) -> dict:
    return {"tool": {"maturin": keys}}


def test_strip_and_rustc_args_reach_the_built_crate() -> None:
    options = cargo_options(_maturin(strip=True, **{"rustc-args": ["-C", "target-cpu=x86-64-v2"]}))
    assert options.strip and options.rustc_args == ("-C", "target-cpu=x86-64-v2")


@pytest.mark.parametrize(
    "keys",
    [
        # Builds are always locked and offline; the others change nothing `maturin build` does
        # on Linux.
        {"frozen": True, "locked": False},
        {"editable-profile": "dev", "use-base-python": True, "include-import-lib": True},
        {"target": {"x86_64-apple-darwin": {"macos-deployment-target": "11.0"}}},
        {"pgo-command": "pytest", "generate-ci": {}, "sdist-generator": "cargo"},
    ],
)
def test_keys_without_effect_here_are_accepted(keys: dict) -> None:
    cargo_options(_maturin(**keys))


def test_targets_select_what_is_built_as_in_maturin() -> None:
    """maturin's hello-world: `[[tool.maturin.targets]]` keeps the listed programs of the
    crate's buildable ones (by name, and crate type when `kind` is given)."""
    meta = crate_metadata("b", bins=[("hello", ()), ("foo", ()), ("other", ())])
    targets = [{"name": "hello", "bindings": "bin"}, {"name": "foo", "kind": "bin"}]
    spec = resolve(meta, pyproject={"tool": {"maturin": {"bindings": "bin", "targets": targets}}})
    assert spec.bin_names == ("hello", "foo")
    with pytest.raises(ProjectError, match="No Cargo target of the crate matches `targets`"):
        resolve(meta, pyproject={"tool": {"maturin": {"targets": [{"name": "nope"}]}}})
    # A library: its cdylib must be listed, as maturin builds nothing else.
    lib = pyo3_meta()
    cdylib = lib.packages[0].cdylib_target
    assert cdylib is not None
    name = cdylib.name
    assert resolve(
        lib, pyproject={"tool": {"maturin": {"targets": [{"name": name, "kind": "cdylib"}]}}}
    )
    with pytest.raises(ProjectError, match="No Cargo target of the crate matches `targets`"):
        resolve(lib, pyproject={"tool": {"maturin": {"targets": [{"name": name, "kind": "bin"}]}}})


@pytest.mark.parametrize(
    "keys, message",
    [
        ({"manifest-path": "rust/Cargo.toml"}, "`manifest-path` is not supported by"),
        ({"targets": {"name": "a"}}, "`targets` must be a list of"),
        ({"targets": [{"kind": "bin"}]}, "`targets` must be a list of"),
        ({"targets": [{"name": "a", "kind": "exe"}]}, "`kind` of a `targets` entry must be"),
        (
            {"targets": [{"name": "a", "feature": "x"}]},
            r"`targets` entry .* unknown key\(s\) feature",
        ),
        ({"config": ["profile.release.lto=true"]}, r"`config` .*\.cargo/config\.toml"),
        ({"unstable-flags": ["build-std"]}, "`unstable-flags` is not supported"),
        ({"sdist-generator": "git"}, "`sdist-generator = 'git'` is not supported"),
        ({"frozen": "yes"}, "`frozen` must be true or false"),
        ({"modul-name": "x"}, r"`modul-name` is not a key maturin 1\.16 reads .*`module-name`"),
    ],
)
def test_every_key_not_supported_fails_with_its_own_message(keys: dict, message: str) -> None:
    with pytest.raises(ProjectError, match=message) as error:
        cargo_options(_maturin(**keys), "p/pyproject.toml")
    assert str(error.value).startswith("[tool.maturin] in p/pyproject.toml: ")


def test_project_at_the_build_root() -> None:
    meta = pyo3_meta("mixed-auto", "mixed_auto")
    package = meta.packages[0]
    spec = resolve_project(
        meta=meta,
        package=package,
        cargo_manifest={
            "package": {"name": "mixed-auto"},
            "lib": {"name": "mixed_auto"},
        },
        cargo_toml_path="Cargo.toml",
        pyproject={"project": {"name": "mixed-auto"}},
        pyproject_path="pyproject.toml",
        files=["Cargo.toml", "pyproject.toml", "mixed_auto/__init__.py"],
    )
    assert (spec.project_root, spec.python_source) == ("", "")
    assert spec.python_module == "mixed_auto" and spec.module_dir == "mixed_auto"


def test_declared_module_name_is_shared_with_import_inference() -> None:
    # Import inference calls the same function with the raw files; the build checks its result.
    name, source = declared_module_name(
        field=None,
        pyproject={"project": {"name": "dash-proj"}},
        cargo_manifest={"package": {"name": "dash-pkg"}},
        package_name="dash-pkg",
        pyproject_path="p/pyproject.toml",
        cargo_toml_path="p/Cargo.toml",
    )
    assert (name, source) == ("dash-proj", "`[project] name` in p/pyproject.toml")
    assert not is_importable_module_name(name)
    assert is_importable_module_name("pkg._native") and not is_importable_module_name("pkg..x")


def _with_sbom(table: object) -> dict:
    return {"project": {"name": "pure-abi3"}, "tool": {"maturin": {"sbom": table}}}


def test_sbom_settings() -> None:
    meta = pyo3_meta()
    assert resolve(meta).rust_sbom is True and resolve(meta).sbom_include == ()
    off = resolve(meta, pyproject=_with_sbom({"rust": False, "auditwheel": True}))
    assert off.rust_sbom is False
    # The target's field wins over [tool.maturin.sbom] rust.
    assert resolve(meta, pyproject=_with_sbom({"rust": False}), sbom=True).rust_sbom is True
    assert resolve(meta, sbom=False).rust_sbom is False
    included = resolve(meta, pyproject=_with_sbom({"include": ["sboms/vendor.cdx.json"]}))
    assert included.sbom_include == ("proj/sboms/vendor.cdx.json",)


@pytest.mark.parametrize(
    "table, message",
    [
        (
            {"rust": "no"},
            r"\[tool.maturin.sbom\] in proj/pyproject.toml: `rust` must be true or false",
        ),
        (
            {"spdx": True},
            r"unknown key\(s\) `spdx`; maturin reads only `rust`, `auditwheel`, `include`",
        ),
        ({"include": ["../x.json"]}, r"`include` entry '../x.json' is outside the project"),
        ({"include": ["a/s.json", "b/s.json"]}, r"more than one file named s.json"),
        (True, r"`sbom` must be a table"),
    ],
)
def test_sbom_mistakes(table: object, message: str) -> None:
    with pytest.raises(ProjectError, match=message):
        resolve(pyo3_meta(), pyproject=_with_sbom(table))


def test_pants_run_picks_the_program_as_cargo_run_does() -> None:
    def package(default_run: Optional[str] = None) -> Package:
        return Package(
            id="p",
            name="p",
            version="0.1.0",
            manifest_path="Cargo.toml",
            targets=(),
            default_run=default_run,
        )

    assert program_to_run(("only",), package(), "src/p") == "only"
    assert program_to_run(("a", "b"), package("b"), "src/p") == "b"
    with pytest.raises(ProjectError, match="src/p builds several programs .*default-run"):
        program_to_run(("a", "b"), package(), "src/p")
    with pytest.raises(ProjectError, match="`default-run = 'c'`.* not among the programs built"):
        program_to_run(("a", "b"), package("c"), "src/p")


def _with_maturin(**table: object) -> dict:
    return {"project": {"name": "pure-abi3"}, "tool": {"maturin": table}}


def test_audit_settings_as_maturin_reads_them() -> None:
    meta = pyo3_meta()
    unset = resolve(meta)
    assert (unset.compatibility, unset.auditwheel) == (None, None)
    assert resolve(meta, pyproject=_with_maturin(compatibility="2014")).compatibility == (
        "manylinux2014"
    )
    # `manylinux` is maturin's old name for the key.
    assert resolve(meta, pyproject=_with_maturin(manylinux="off")).compatibility == "linux"
    assert resolve(meta, pyproject=_with_maturin(**{"skip-auditwheel": True})).auditwheel == "skip"
    # `auditwheel` wins over `skip-auditwheel`, and the target's fields over both.
    both = _with_maturin(auditwheel="warn", **{"skip-auditwheel": True})
    assert resolve(meta, pyproject=both).auditwheel == "warn"
    fields = resolve(meta, pyproject=both, auditwheel="check", compatibility="manylinux_2_28")
    assert (fields.compatibility, fields.auditwheel) == ("manylinux_2_28", "check")
    with pytest.raises(ProjectError, match=r"proj/pyproject.toml: `manylinux3` is not a platform"):
        resolve(meta, pyproject=_with_maturin(compatibility="manylinux3"))
    with pytest.raises(ProjectError, match="not both"):
        resolve(meta, pyproject=_with_maturin(compatibility="pypi", manylinux="2014"))
    with pytest.raises(ProjectError, match=r"`auditwheel` field: `fix` is not an auditwheel mode"):
        resolve(meta, auditwheel="fix")


def test_a_maturin_project_above_the_crate_is_recognised() -> None:
    """maturin's `src` layout (pyproject.toml above `rust/`) and `manifest-path`: the crate's
    own target would build another wheel than maturin, so the plugin refuses it."""
    maturin = {"build-system": {"build-backend": "maturin"}}
    assert maturin_project_above("proj/rust", maturin, parent_has_cargo_toml=False)
    assert not maturin_project_above("proj/rust", maturin, parent_has_cargo_toml=True)
    assert not maturin_project_above("proj/native", maturin, parent_has_cargo_toml=False)
    assert not maturin_project_above("proj/rust", None, parent_has_cargo_toml=False)
    assert not maturin_project_above(
        "proj/rust", {"build-system": {"build-backend": "setuptools.build_meta"}}, False
    )
    named: dict[str, Any] = {**maturin, "tool": {"maturin": {"manifest-path": "native/Cargo.toml"}}}
    assert maturin_project_above("proj/native", named, parent_has_cargo_toml=True)
    assert not maturin_project_above("proj/rust", named, parent_has_cargo_toml=False)
