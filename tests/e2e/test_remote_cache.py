"""Builds shared through Pants's remote cache (REAPI), with a real server on loopback.

Two machines share nothing but the server: each has its own checkout path and its own user cache
directory (`XDG_CACHE_HOME`: the launcher's virtualenv of Pants, Pants's store and named caches),
and the plugin's `[rust].store_dir` is wiped between them (same path: it is part of the keys).
The first builds with remote writes; the second builds the same targets as a fresh CI machine
would: byte-identical wheels, every cacheable process a remote cache hit (the cargo steps and
Pants's own Python tool processes alike), no read errors, and no cargo started locally, not even
speculatively. Then the shared repo crate is edited there: only the layer of repo crates and the
final compile run, and cargo compiles no third-party crate.

The server is BuildGrid (tests/rust_python_testutil/buildgrid.py). The targets are the geometry
workspace's abi3 extension (a workspace, a shared path crate `shapes` and pyo3, built once) and a
`python_distribution` that ships it, whose setuptools run is one of Pants's Python tool processes.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Sequence

import pytest
from rust_python_testutil.buildgrid import BuildGridServer, buildgrid_server
from rust_python_testutil.e2e import (
    PantsResult,
    copy_repo,
    find_python,
    installs_elsewhere,
    run_pants,
    wheels_in,
)

TARGET = "src/geometry/crates/shapes_py:shapes_py"
DISTRIBUTION = "src/geometry/crates:shapes-dist"
# Added to both checkouts: Pants runs setuptools (a PEX built for it, then the build) with the
# Python that runs Pants, whose path is in those processes' keys.
EXTRA_FILES = {
    # A distribution sits in or above the directory of what it ships.
    "src/geometry/crates/BUILD": f"""\
python_distribution(
    name="shapes-dist",
    dependencies=["{TARGET}"],
    provides=python_artifact(name="shapes-setuptools", version="0.1.0"),
    sdist=False,
)
""",
}
EDITED_CRATE = "src/geometry/crates/shapes/src/lib.rs"

# Descriptions of the plugin's cargo processes (util_rules/cargo_build.py): vendor, metadata, the
# third-party layer ("Compile third-party crates for ...") and the final build ("Compile ...").
# The toolchain probe ("Identify the Rust toolchain") is never cached and runs on every machine.
CARGO_STEPS = ("Vendor crates of Cargo.lock", "cargo metadata for", "Compile ")

_PRESERVED = re.compile(r"Preserving local process execution dir (\S+) for (.+)$", re.M)
_COUNTER = re.compile(r"^\s+([a-z_]+): (\d+)$", re.M)


@dataclass(frozen=True)
class Build:
    result: PantsResult
    counters: dict[str, int]
    # Every process Pants started locally, even one cancelled by a cache hit: description ->
    # its kept sandbox (`--keep-sandboxes=always` logs each one).
    local: dict[str, Path]

    def cargo_steps_run(self) -> list[str]:
        return sorted(d for d in self.local if d.startswith(CARGO_STEPS))


@dataclass(frozen=True)
class Machine:
    """A checkout with every local cache of its own, as on a separate machine."""

    root: Path
    repo: Path

    @classmethod
    def create(cls, root: Path, checkout: Path) -> "Machine":
        return cls(root, copy_repo(checkout, EXTRA_FILES))

    def package(
        self,
        server: BuildGridServer,
        store: Path,
        name: str,
        targets: Sequence[str] = (TARGET, DISTRIBUTION),
        options: Sequence[str] = (),
        extra_env: Mapping[str, str] = {},  # noqa: B006 - read only
    ) -> Build:
        sandboxes = self.root / f"sandboxes-{name}"
        sandboxes.mkdir(parents=True)
        result = run_pants(
            self.repo,
            [
                *server.pants_args(),
                # Part of every cargo step's argv, so the same on all machines that share a cache.
                f"--rust-store-dir={store}",
                "--stats-log",
                "--keep-sandboxes=always",
                f"--local-execution-root-dir={sandboxes}",
                *options,
                "package",
                *targets,
            ],
            cache_dir=self.root / "cache",
            # The launcher keeps its virtualenv of Pants there: its own on each machine.
            extra_env={"XDG_CACHE_HOME": str(self.root / "xdg-cache"), **extra_env},
        ).assert_success()
        counters_text = result.stderr[result.stderr.rfind("Counters:") :]
        return Build(
            result=result,
            counters={k: int(v) for k, v in _COUNTER.findall(counters_text)},
            local={desc.strip(): Path(path) for path, desc in _PRESERVED.findall(result.stderr)},
        )

    def wheels(self) -> dict[str, bytes]:
        return {w.name: w.read_bytes() for w in wheels_in(self.repo / "dist")}


@dataclass(frozen=True)
class Shared:
    server: BuildGridServer
    store: Path
    first: Machine
    first_build: Build
    fresh: Machine
    fresh_build: Build
    # A third machine whose toolchain and interpreter live at other absolute paths.
    moved: Machine
    moved_build: Build
    # Where the store's toolchain links pointed right after the moved machine's build.
    moved_toolchain_links: list[str]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    root = tmp_path_factory.mktemp("remote-cache")
    store = root / "rust-store"
    with buildgrid_server(root / "buildgrid") as server:
        first = Machine.create(root / "first", root / "first" / "repo")
        first_build = first.package(server, store, "cold")
        # Wipe the plugin's store too: on a fresh machine nothing is there. Same path, though:
        # a build's cache key includes it.
        shutil.rmtree(store)
        fresh = Machine.create(root / "fresh", root / "fresh" / "elsewhere" / "repo")
        fresh_build = fresh.package(server, store, "from-cache")
        shutil.rmtree(store)
        moved = Machine.create(root / "moved", root / "moved" / "checkout")
        # Pants keys its own Python tool processes (the distribution's setuptools run) on the
        # interpreter's path; the extension's cargo steps name no path of either install.
        moved_build = moved.package(
            server,
            store,
            "moved",
            targets=(TARGET,),
            options=installs_elsewhere(moved.root / "opt", [find_python("3.9")]),
        )
        links = [os.readlink(link) for link in store.glob("toolchains/*/bin/rustc")]
        yield Shared(
            server, store, first, first_build, fresh, fresh_build, moved, moved_build, links
        )
    # Kept sandboxes hold whole cargo target directories; the caches stay for inspection.
    for sandboxes in root.glob("*/sandboxes-*"):
        shutil.rmtree(sandboxes, ignore_errors=True)


def test_cold_build_writes_every_cargo_step_to_the_remote_cache(shared: Shared) -> None:
    ran = shared.first_build.cargo_steps_run()
    for step in (
        "Vendor crates of Cargo.lock",
        "cargo metadata for",
        "Compile third-party crates for",
        "Compile the repo crate ",
        f"Compile {TARGET}",
    ):
        assert any(d.startswith(step) for d in ran), (step, ran)
    counters = shared.first_build.counters
    assert counters["remote_cache_write_errors"] == 0, shared.first_build.result.stderr[-5000:]
    assert counters["remote_cache_write_successes"] >= len(ran), counters


def test_fresh_machine_gets_identical_wheels_from_the_remote_cache(shared: Shared) -> None:
    first, fresh = shared.first.wheels(), shared.fresh.wheels()
    # Tagged with the manylinux policy auditwheel finds (its report is cached too).
    assert [re.sub(r"-manylinux_2_\d+_x86_64\.whl$", "", name) for name in first] == [
        "geometry_shapes-0.2.0-cp39-abi3",
        "shapes_setuptools-0.1.0-cp39-abi3",
    ], list(first)
    assert first == fresh

    counters = shared.fresh_build.counters
    assert counters["remote_cache_requests"] >= len(shared.first_build.cargo_steps_run()), counters
    assert counters["remote_cache_requests_cached"] == counters["remote_cache_requests"], counters
    assert counters["remote_cache_requests_uncached"] == 0, counters
    assert counters["remote_cache_read_errors"] == 0, counters
    # Those include Pants's own Python tool processes (the distribution's setuptools PEX and
    # run): Pants starts them speculatively, but the cache answers first. They are keyed on the
    # interpreter that runs Pants, the base one of the launcher's virtualenv, which lives at the
    # same path on both machines (the virtualenvs themselves do not).
    assert any("dist_backend" in d for d in shared.first_build.local), shared.first_build.local
    # No cargo step was started locally, even speculatively while the cache lookup ran...
    assert counters["remote_cache_speculation_local_completed_first"] == 0, counters
    assert shared.fresh_build.cargo_steps_run() == [], shared.fresh_build.local
    # ...and so no build ever installed vendored sources into the (wiped) store.
    assert not (shared.store / "vendor").exists()


def test_machine_with_toolchain_and_interpreter_elsewhere_runs_no_cargo(shared: Shared) -> None:
    first = shared.first.wheels()
    (wheel,) = shared.moved.wheels().items()
    assert first[wheel[0]] == wheel[1]
    counters = shared.moved_build.counters
    # Pants keys its Python tools' processes by their interpreter's path, so the auditwheel tool
    # (its PEX and the audit of the wheel) runs again on a machine whose CPython is elsewhere;
    # no cargo step does.
    assert counters["remote_cache_read_errors"] == 0, counters
    assert shared.moved_build.cargo_steps_run() == [], shared.moved_build.local
    # The toolchain it used is the copy: its links in the store pointed there.
    assert shared.moved_toolchain_links == [
        str(shared.moved.root / "opt" / "rust" / "bin" / "rustc")
    ]


def test_repo_crate_edit_compiles_only_repo_crates(shared: Shared) -> None:
    lib_rs = shared.fresh.repo / EDITED_CRATE
    lib_rs.write_text(
        lib_rs.read_text() + "\n/// Added by the remote-cache test.\npub const EDITED: u32 = 1;\n"
    )
    build = shared.fresh.package(shared.server, shared.store, "edited")

    # Vendoring, metadata and the third-party layer stay cached; the layer of the repo crates
    # shapes_py depends on (`shapes`) and the final compile run.
    ran = build.cargo_steps_run()
    assert len(ran) == 2, ran
    repo_layer = next(d for d in ran if d.startswith("Compile the repo crate "))
    final = next(d for d in ran if d.startswith(f"Compile {TARGET}"))
    layer_compiled = json.loads((build.local[repo_layer] / "__out" / "compiled.json").read_text())
    final_compiled = json.loads((build.local[final] / "__out" / "artifacts.json").read_text())
    compiled = [*layer_compiled["compiled"], *final_compiled["compiled"]]
    # Cargo's package ids: `path+file://...` for the repo's crates, a registry's otherwise.
    assert [c for c in compiled if not c.startswith("path+file://")] == [], compiled
    # (The repo layer compiles a stub of shapes_py, and drops it.)
    assert sorted(_package_name(c) for c in layer_compiled["compiled"]) == ["shapes", "shapes_py"]
    assert [_package_name(c) for c in final_compiled["compiled"]] == ["shapes_py"]
    assert wheels_in(shared.fresh.repo / "dist")


def _cache_holds(server: BuildGridServer, text: str) -> bool:
    needle = text.encode()
    return any(needle in blob.read_bytes() for blob in server.cas.rglob("*") if blob.is_file())


def test_values_that_may_be_secrets_never_reach_the_remote_cache(shared: Shared) -> None:
    """The cache stores each process's Command, environment included, readable by anyone who
    can read the cache: a build or vendoring variable that may hold a secret reaches its steps
    through a file in the private store instead (see secret_env.py)."""
    run_id = uuid.uuid4().hex
    program = "src/hello_bin:hello_bin"
    # Control: an ordinary build variable is part of the uploaded Commands (so this test's grep
    # would find a value that leaked).
    marker = f"ordinary-{run_id}"
    shared.first.package(
        shared.server,
        shared.store,
        "with-marker",
        targets=(program,),
        options=(f"--rust-build-env-vars=['PLANTED_MARKER={marker}']",),
    )
    assert _cache_holds(shared.server, marker)

    build_secret, fetch_secret = f"build-secret-{run_id}", f"fetch-secret-{run_id}"
    proxy_password = f"proxy-password-{run_id}"
    build = shared.first.package(
        shared.server,
        shared.store,
        "with-secrets",
        targets=(program,),
        options=(
            f"--rust-build-env-vars=['PLANTED_API_TOKEN={build_secret}']",
            "--rust-fetch-env-vars=+['PLANTED_REGISTRY_TOKEN', 'ALL_PROXY']",
        ),
        # A proxy nobody uses (NO_PROXY covers every host), with credentials in its URL.
        extra_env={
            "PLANTED_REGISTRY_TOKEN": fetch_secret,
            "ALL_PROXY": f"http://builder:{proxy_password}@127.0.0.1:9",
            "NO_PROXY": "*",
        },
    )
    # The steps ran (vendoring and compiling, with those values)...
    assert any(d.startswith("Vendor crates of Cargo.lock") for d in build.local), build.local
    assert any(d.startswith(f"Compile {program}") for d in build.local), build.local
    assert "may hold a" in build.result.stderr and "PLANTED_API_TOKEN" in build.result.stderr
    # ...and none of the values reached the cache.
    for secret in (build_secret, fetch_secret, proxy_password):
        assert not _cache_holds(shared.server, secret), secret


def _package_name(package_id: str) -> str:
    """`path+file:///x/crates/shapes#0.2.0` or `path+file:///x/dir#name@0.2.0` -> the name."""
    location, _, fragment = package_id.partition("#")
    if "@" in fragment:
        return fragment.split("@", 1)[0]
    return location.rstrip("/").rsplit("/", 1)[-1]
