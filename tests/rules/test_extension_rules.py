"""Rule tests: the real rules, real cargo and rustc, on a small crate in a RuleRunner build root."""
from __future__ import annotations

import zipfile

import pytest
from pants.engine.addresses import Address
from pants.engine.fs import Digest
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import RuleRunner
from pants_rust_python.util_rules.extension import (
    NativeLibrary,
    NativeLibraryRequest,
    RustProject,
    RustProjectRequest,
)
from rust_python_testutil.rules import (
    HELLO_LIB_RS,
    HELLO_MANIFEST,
    build_native_library,
    file_bytes,
    hello_crate,
    make_rule_runner,
    new_run,
    package_names,
    package_rules,
    package_wheel,
    pex_cli_options,
)


def test_builds_pyo3_abi3_library_on_top_of_the_dependency_layer() -> None:
    runner = make_rule_runner()
    runner.write_files(hello_crate())
    project, library = build_native_library(runner, Address("hello"))
    assert project.spec.module_name == "hello"
    assert project.spec.abi3_minimum == (3, 9)
    assert b"PyInit_hello\x00" in file_bytes(runner, library.digest)
    # Third-party crates come compiled from the dependency layer: only the crate itself builds.
    assert [p for p in library.compiled if "hello" not in p] == []
    assert any("hello" in p for p in library.compiled)


def test_python_files_and_pyproject_are_not_cargo_inputs() -> None:
    """Editing a stub, a Python file or pyproject.toml re-assembles the wheel only: the inputs
    of every cargo step (the crate's cargo sources) stay the same, so no cargo step reruns."""
    runner = make_rule_runner()
    pyproject = '[project]\nname = "hello"\nversion = "0.1.0"\ndescription = "{}"\n'

    def cargo_inputs(description: str, stub: str, lib_rs: str = HELLO_LIB_RS) -> Digest:
        runner.write_files(
            hello_crate(
                {
                    "pyproject.toml": pyproject.format(description),
                    "hello.pyi": stub,
                    "src/lib.rs": lib_rs,
                }
            )
        )
        return runner.request(RustProject, [RustProjectRequest(Address("hello"))]).cargo_sources

    before = cargo_inputs("first", "def add(a: int, b: int) -> int: ...\n")
    assert cargo_inputs("second", "def add(a: int, b: int) -> int: ...  # typed\n") == before
    assert cargo_inputs("second", "", HELLO_LIB_RS + "\n// edited\n") != before


def test_another_interpreter_recompiles_only_what_the_interpreter_reaches() -> None:
    """Per-interpreter builds share the third-party crates that never see Python: those come
    from a layer of their own, each interpreter's layer is compiled on top of the previous one's,
    and cargo rebuilds only pyo3's build configuration and the crates above it."""
    runner = make_rule_runner()
    manifest = HELLO_MANIFEST.replace(', "abi3-py39"', "")
    runner.write_files(hello_crate({"Cargo.toml": manifest}))
    project = runner.request(RustProject, [RustProjectRequest(Address("hello"))])
    assert project.spec.abi3 is None
    first, second = project.build_for[:2]
    libraries = [
        runner.request(NativeLibrary, [NativeLibraryRequest(project, interpreter)])
        for interpreter in (first, second)
    ]
    first_layer, second_layer = (package_names(lib.layers[0].compiled) for lib in libraries)
    independent = {"syn", "quote", "proc-macro2", "libc", "target-lexicon", "unindent"}
    shared = libraries[0].shared_layer
    assert shared is not None and libraries[1].shared_layer == shared
    assert independent <= set(package_names(shared.compiled)), shared.compiled
    for layer in (first_layer, second_layer):
        assert {"pyo3", "pyo3-ffi", "pyo3-build-config"} <= set(layer), layer
        assert not independent & set(layer), layer
    for library in libraries:
        assert b"PyInit_hello\x00" in file_bytes(runner, library.digest)


def test_dev_builds_name_no_sandbox_and_are_byte_identical() -> None:
    """Debug info and panic locations name paths relative to the sandbox (the driver's rustc
    wrapper remaps it), so two dev builds in different sandboxes give the same library."""
    libraries = []
    for _ in range(2):
        # No local cache: the second build really compiles, in sandboxes of its own.
        runner = make_rule_runner("--no-local-cache")
        runner.write_files(hello_crate({"BUILD": 'rust_python_extension(profile="dev")\n'}))
        _, library = build_native_library(runner, Address("hello"))
        assert library.compiled, "the build was not run"
        assert b"pants-sandbox-" not in file_bytes(runner, library.digest)
        libraries.append(file_bytes(runner, library.digest))
    assert libraries[0] == libraries[1]


def _package_hello(maturin: str, files: dict[str, str]) -> tuple[RuleRunner, zipfile.ZipFile]:
    """The hello crate with `[tool.maturin]` lines `maturin` and extra `files`, packaged."""
    runner = make_rule_runner(*pex_cli_options(), extra_rules=package_rules())
    pyproject = f'[project]\nname = "hello"\nversion = "0.1.0"\n\n[tool.maturin]\n{maturin}'
    runner.write_files(hello_crate({"pyproject.toml": pyproject, **files}))
    _, wheel = package_wheel(runner, Address("hello"))
    return runner, wheel


def test_wheel_include_ships_its_files_minus_exclude_and_follows_edits() -> None:
    """`[tool.maturin] include` for wheels, as maturin: globs relative to the project root, a
    glob matching nothing is no error, `exclude` applies to what they match; an edit of an
    included file re-packages the wheel."""
    runner, wheel = _package_hello(
        'include = [{ path = "extra/**/*.txt", format = "wheel" }, "nothing/*.bin",'
        ' { path = "notes.md", format = "sdist" }]\nexclude = ["extra/private/*"]\n',
        {
            "extra/a.txt": "first",
            "extra/deep/b.txt": "b",
            "extra/private/secret.txt": "secret",
            "notes.md": "sdist only",
        },
    )
    names = wheel.namelist()
    assert wheel.read("extra/a.txt") == b"first"
    assert wheel.read("extra/deep/b.txt") == b"b"
    assert "extra/private/secret.txt" not in names and "notes.md" not in names, names
    assert any(n.startswith("hello/hello.abi3.so") for n in names), names
    runner.write_files({"hello/extra/a.txt": "second"})
    new_run(runner, *pex_cli_options())
    _, wheel = package_wheel(runner, Address("hello"))
    assert wheel.read("extra/a.txt") == b"second"


OUT_DIR_BUILD_RS = """use std::{env, fs, path::Path};

fn main() {
    let out = env::var("OUT_DIR").unwrap();
    fs::create_dir_all(Path::new(&out).join("gen/sub")).unwrap();
    fs::write(Path::new(&out).join("gen/info.txt"), "from build.rs").unwrap();
    fs::write(Path::new(&out).join("gen/sub/table.json"), "[]").unwrap();
}
"""


def test_out_dir_includes_ship_what_build_scripts_wrote() -> None:
    """`{ from = "out-dir" }` includes, as maturin 1.16: a glob relative to the built crate's
    OUT_DIR lands under `to`; `crate_name` takes another package's (here a third-party build
    script that ran in the cached dependency layer); a package without a build script is an
    error."""
    _, wheel = _package_hello(
        'include = [{ path = "gen/**/*", from = "out-dir", to = "hello/" },'
        ' { path = "pyo3-build-config-file.txt", from = "out-dir", to = "hello/cfg",'
        ' crate_name = "pyo3-build-config" }]\n',
        {"build.rs": OUT_DIR_BUILD_RS},
    )
    assert wheel.read("hello/gen/info.txt") == b"from build.rs"
    assert wheel.read("hello/gen/sub/table.json") == b"[]"
    # The interpreter config pyo3's build copies from PYO3_CONFIG_FILE (set by the plugin).
    assert b"implementation=CPython" in wheel.read("hello/cfg/pyo3-build-config-file.txt")
    with pytest.raises(ExecutionError, match=r"no build script of `hello` ran"):
        _package_hello('include = [{ path = "*.txt", from = "out-dir", to = "hello" }]\n', {})


def test_the_default_data_directory_ships_from_the_default_sources() -> None:
    """`<module_name>.data/` (maturin's default `data`) lands in the wheel's `.data/` directory
    with a bare target, as maturin's `with-data` test crate has it; a `data` setting naming a
    directory outside the target's sources is an error saying how to add it."""
    _, wheel = _package_hello(
        "",
        {"hello.data/data/share/hello.txt": "hi\n", "hello.data/headers/empty.h": ""},
    )
    assert "hello-0.1.0.data/data/share/hello.txt" in wheel.namelist(), wheel.namelist()
    assert wheel.read("hello-0.1.0.data/data/share/hello.txt") == b"hi\n"
    assert "hello-0.1.0.data/headers/empty.h" in wheel.namelist()
    with pytest.raises(ExecutionError, match=r"`data` .* is `assets`.*`sources`"):
        _package_hello('data = "assets"\n', {"assets/data/x.txt": "x"})


def test_every_file_of_the_python_package_ships_but_build_files_and_exclusions() -> None:
    """Package data: maturin ships every file of a mixed project's package, not only what the
    target's sources list; Pants's BUILD files stay in the repo, `exclude` applies."""
    _, wheel = _package_hello(
        'python-source = "python"\nmodule-name = "hello"\nexclude = ["python/hello/*.tmp"]\n',
        {
            "python/hello/__init__.py": "from .hello import *\n",
            "python/hello/BUILD": "# The package's own targets.\n",
            "python/hello/data/table.csv": "a,b\n",
            "python/hello/template.html": "<p/>\n",
            "python/hello/scratch.tmp": "x\n",
            "python/other/notes.txt": "not a package of the wheel\n",
        },
    )
    shipped = sorted(n for n in wheel.namelist() if ".dist-info/" not in n)
    assert shipped == [
        "hello/__init__.py",
        "hello/data/table.csv",
        "hello/hello.abi3.so",
        "hello/template.html",
    ], shipped
    assert wheel.read("hello/data/table.csv") == b"a,b\n"
