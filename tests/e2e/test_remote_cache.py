"""Builds shared through Pants's remote cache (REAPI), with a real server on loopback.

One checkout builds with remote writes; a second checkout elsewhere, with every local cache empty
(Pants's store and named caches, the plugin's `[rust].store_dir`), builds the same target as a
fresh machine would: byte-identical wheels, every cargo step a remote cache hit, and no cargo
started locally, not even speculatively. Then the shared repo crate is edited there: only the
layer of repo crates and the final compile run, and cargo compiles no third-party crate.

The server is BuildGrid (tests/rust_python_testutil/buildgrid.py). The target is the geometry
workspace's abi3 extension: a workspace, a shared path crate (`shapes`) and pyo3, built once.
"""
from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from rust_python_testutil.buildgrid import BuildGridServer, buildgrid_server
from rust_python_testutil.e2e import PantsResult, copy_repo, run_pants, wheels_in

TARGET = "src/geometry/crates/shapes_py:shapes_py"
EDITED_CRATE = "src/geometry/crates/shapes/src/lib.rs"

# Descriptions of the plugin's cargo processes (util_rules/cargo_build.py): vendor, metadata, the
# third-party layer ("Compile third-party crates for ...") and the final build ("Compile ...").
# Toolchain probes (`rustc -vV`, `cargo -V`) are never cached and run on every machine.
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
    """A checkout with local caches of its own, as on a separate machine."""

    root: Path
    repo: Path

    def package(self, server: BuildGridServer, store: Path, name: str) -> Build:
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
                "package",
                TARGET,
            ],
            cache_dir=self.root / "cache",
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


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shared]:
    root = tmp_path_factory.mktemp("remote-cache")
    store = root / "rust-store"
    with buildgrid_server(root / "buildgrid") as server:
        first = Machine(root / "first", copy_repo(root / "first" / "repo"))
        first_build = first.package(server, store, "cold")
        # Wipe the plugin's store too: on a fresh machine nothing is there. Same path, though:
        # a build's cache key includes it.
        shutil.rmtree(store)
        fresh = Machine(root / "fresh", copy_repo(root / "fresh" / "elsewhere" / "repo"))
        fresh_build = fresh.package(server, store, "from-cache")
        yield Shared(server, store, first, first_build, fresh, fresh_build)
    # Kept sandboxes hold whole cargo target directories; the caches stay for inspection.
    for sandboxes in root.glob("*/sandboxes-*"):
        shutil.rmtree(sandboxes, ignore_errors=True)


def test_cold_build_writes_every_cargo_step_to_the_remote_cache(shared: Shared) -> None:
    ran = shared.first_build.cargo_steps_run()
    for step in (
        "Vendor crates of Cargo.lock",
        "cargo metadata for",
        "Compile third-party crates for",
        "Compile the repo crates that",
        f"Compile {TARGET}",
    ):
        assert any(d.startswith(step) for d in ran), (step, ran)
    counters = shared.first_build.counters
    assert counters["remote_cache_write_errors"] == 0, shared.first_build.result.stderr[-5000:]
    assert counters["remote_cache_write_successes"] >= len(ran), counters


def test_fresh_machine_gets_identical_wheels_from_the_remote_cache(shared: Shared) -> None:
    first, fresh = shared.first.wheels(), shared.fresh.wheels()
    assert list(first) == ["geometry_shapes-0.2.0-cp39-abi3-linux_x86_64.whl"]
    assert first == fresh

    counters = shared.fresh_build.counters
    assert counters["remote_cache_requests"] >= len(shared.first_build.cargo_steps_run()), counters
    assert counters["remote_cache_requests_cached"] == counters["remote_cache_requests"], counters
    assert counters["remote_cache_requests_uncached"] == 0, counters
    assert counters["remote_cache_read_errors"] == 0, counters
    # No cargo step was started locally, even speculatively while the cache lookup ran...
    assert counters["remote_cache_speculation_local_completed_first"] == 0, counters
    assert shared.fresh_build.cargo_steps_run() == [], shared.fresh_build.local
    # ...and so no build ever installed vendored sources into the (wiped) store.
    assert not shared.store.exists()


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
    repo_layer = next(d for d in ran if d.startswith("Compile the repo crates that"))
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


def _package_name(package_id: str) -> str:
    """`path+file:///x/crates/shapes#0.2.0` or `path+file:///x/dir#name@0.2.0` -> the name."""
    location, _, fragment = package_id.partition("#")
    if "@" in fragment:
        return fragment.split("@", 1)[0]
    return location.rstrip("/").rsplit("/", 1)[-1]
