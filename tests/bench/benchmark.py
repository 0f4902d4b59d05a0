"""Build times side by side: `./pants package` against `maturin build --release` and cargo alone.

    python3 tests/bench/benchmark.py [--suite examples|textkit|all] [--repeat 3] [--out FILE]

For each suite (the repo's pyo3 examples; a larger workspace over 35 third-party crates) it measures,
in one run: a cold build, a no-op rebuild, a one-line edit in a leaf crate, a one-line edit in a
shared crate, a one-line edit of a mixed project's Python file, and for Pants alone its own
bootstrap from empty caches (`./pants list ::`), a fresh machine with a warm remote cache
(every local cache wiped), and a second machine whose toolchain and interpreters are copies at
other absolute paths, sharing that remote cache. Pants runs with pantsd, as a developer would. maturin builds each project in
turn with every interpreter Pants builds for; cargo alone runs `cargo build --release` per
project and interpreter. Prints a Markdown table of medians and ratios.

Needs: the toolchain, CPython 3.9 (Pants) and the interpreters to build for, maturin (installed
into a scratch venv from the package index), BuildGrid for the remote-cache row (set up as the
remote-cache test does). Takes 30-60 minutes on 2 cores with --repeat 3.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rust_python_testutil.buildgrid import buildgrid_server  # noqa: E402
from rust_python_testutil.e2e import (  # noqa: E402
    copy_repo,
    find_python,
    installs_elsewhere,
    kill_pantsd,
    make_venv,
    run_pants,
)

MATURIN_VERSION = "1.16.0"
BENCH_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Suite:
    name: str
    pants_targets: tuple[str, ...]
    # maturin/cargo projects (crate dirs) and whether each builds abi3 (once) or per interpreter.
    projects: tuple[tuple[str, bool], ...]
    leaf_file: str
    leaf_projects: tuple[str, ...]
    shared_file: str
    shared_projects: tuple[str, ...]
    # A Python file of a mixed project, and that project (None: the suite has none).
    py_file: Optional[str] = None
    py_projects: tuple[str, ...] = ()
    # Extra files to add to the repo copy (path -> source file or text).
    setup: Callable[[Path], None] = lambda repo: None


def _add_textkit(repo: Path) -> None:
    dest = repo / "src" / "textkit"
    shutil.copytree(BENCH_DIR / "textkit", dest, ignore=shutil.ignore_patterns("target"))
    (dest / "BUILD").write_text("cargo_workspace()\n")
    (dest / "crates/core/BUILD").write_text("rust_crate()\n")
    (dest / "crates/py/BUILD").write_text("rust_python_extension()\n")
    (dest / "crates/stats/BUILD").write_text("rust_python_extension()\n")


SUITES = {
    "examples": Suite(
        name="examples (4 pyo3 projects, 2 sharing a crate)",
        pants_targets=("src/geometry::", "src/hello_abi3:", "src/mixed_pkg:"),
        projects=(
            ("src/hello_abi3", True),
            ("src/mixed_pkg", False),
            ("src/geometry/crates/shapes_py", True),
            ("src/geometry/crates/stats_py", False),
        ),
        leaf_file="src/geometry/crates/shapes_py/src/lib.rs",
        leaf_projects=("src/geometry/crates/shapes_py",),
        shared_file="src/geometry/crates/shapes/src/lib.rs",
        shared_projects=("src/geometry/crates/shapes_py", "src/geometry/crates/stats_py"),
        py_file="src/mixed_pkg/python/mixed_pkg/__init__.py",
        py_projects=("src/mixed_pkg",),
    ),
    "textkit": Suite(
        name="textkit (3-crate workspace over 35 third-party crates)",
        pants_targets=("src/textkit::",),
        projects=(("src/textkit/crates/py", True), ("src/textkit/crates/stats", False)),
        leaf_file="src/textkit/crates/py/src/lib.rs",
        leaf_projects=("src/textkit/crates/py",),
        shared_file="src/textkit/crates/core/src/lib.rs",
        shared_projects=("src/textkit/crates/py", "src/textkit/crates/stats"),
        setup=_add_textkit,
    ),
}

SCENARIOS = (
    "pants bootstrap",
    "cold",
    "no-op",
    "leaf edit",
    "shared edit",
    ".py edit",
    "warm remote cache",
    "other paths, warm remote cache",
    "other paths, repo crate edit",
)


@dataclass
class Results:
    times: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, tool: str, scenario: str, seconds: float) -> None:
        self.times.setdefault((tool, scenario), []).append(seconds)
        print(f"  {tool:8} {scenario:18} {seconds:8.2f}s", flush=True)

    def median(self, tool: str, scenario: str) -> Optional[float]:
        values = self.times.get((tool, scenario))
        return statistics.median(values) if values else None


def _timed(fn: Callable[[], object]) -> float:
    start = time.monotonic()
    fn()
    return time.monotonic() - start


def _edit(path: Path, n: int) -> None:
    """A one-line code change (a comment alone would do for cargo, but not for every tool)."""
    with path.open("a") as f:
        f.write(f"#[allow(dead_code)] fn bench_edit_{n}() -> u32 {{ {n} }}\n")


def _edit_python(path: Path, n: int) -> None:
    with path.open("a") as f:
        f.write(f"BENCH_EDIT_{n} = {n}\n")


def _kept_sandboxes(work: Path, n: int) -> list[str]:
    """Options that log every process Pants runs locally (and keep its sandbox under `work`)."""
    return ["--keep-sandboxes=always", f"--local-execution-root-dir={work / f'sandboxes-{n}'}"]


def _local_cargo_steps(stderr: str) -> int:
    """The plugin's cargo steps that Pants ran locally, from `--keep-sandboxes=always` lines."""
    return len(
        re.findall(
            r"Preserving local process execution dir \S+ for "
            r"(?:Compile |Vendor crates|cargo metadata)",
            stderr,
        )
    )


def _counters(stderr: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"^\s*(\w+): (\d+)$", stderr, re.M)}


class PantsRunner:
    def __init__(self, repo: Path, work: Path, targets: Sequence[str]) -> None:
        self.repo, self.work, self.targets = repo, work, list(targets)
        self.store = work / "rust-store"
        self.generation = 0

    @property
    def cache(self) -> Path:
        return self.work / f"pants-cache-{self.generation}"

    def wipe(self) -> None:
        """A new machine: no pantsd, empty local store and named caches, empty vendor store."""
        kill_pantsd(self.repo)
        time.sleep(1)  # let it let go of its caches
        shutil.rmtree(self.cache, ignore_errors=True)
        shutil.rmtree(self.store, ignore_errors=True)
        self.generation += 1

    def package(self, *extra: str, pantsd: bool = True) -> str:
        return self.run(*extra, "package", *self.targets, pantsd=pantsd)

    def run(self, *args: str, pantsd: bool = True) -> str:
        result = run_pants(
            self.repo,
            [f"--rust-store-dir={self.store}", *args],
            cache_dir=self.cache,
            pantsd=pantsd,
        ).assert_success()
        return result.stderr


def _maturin_build(
    tool_bin: Path, repo: Path, project: str, pythons: Sequence[str], out: Path
) -> None:
    args = [str(tool_bin / "maturin"), "build", "--release", "--out", str(out)]
    for python in pythons:
        args += ["-i", python]
    subprocess.run(args, cwd=repo / project, check=True, capture_output=True)


def _cargo_build(repo: Path, project: str, abi3: bool, pythons: Sequence[str]) -> None:
    for python in pythons[:1] if abi3 else pythons:
        tag = Path(python).name
        env = {
            **os.environ,
            "PYO3_PYTHON": python,
            "CARGO_TARGET_DIR": str(repo / "cargo-target" / tag),
        }
        subprocess.run(
            ["cargo", "build", "--release", "--lib", "--quiet"],
            cwd=repo / project,
            env=env,
            check=True,
            capture_output=True,
        )


def _measure_builds(
    results: Results,
    tool: str,
    repo: Path,
    build: Callable[[str], None],
    suite: Suite,
    every: Sequence[str],
    args: argparse.Namespace,
) -> None:
    """Cold, no-op and edit builds of a tool that builds one project at a time."""

    def projects(chosen: Sequence[str]) -> Callable[[], None]:
        def run() -> None:
            for project in chosen:
                build(project)

        return run

    for _ in range(args.cold_repeat):
        for target_dir in [*repo.glob("src/**/target"), repo / "cargo-target"]:
            shutil.rmtree(target_dir, ignore_errors=True)
        results.add(tool, "cold", _timed(projects(every)))
    for _ in range(args.repeat):
        results.add(tool, "no-op", _timed(projects(every)))
    for n in range(args.repeat):
        _edit(repo / suite.leaf_file, n)
        results.add(tool, "leaf edit", _timed(projects(suite.leaf_projects)))
    for n in range(args.repeat):
        _edit(repo / suite.shared_file, n)
        results.add(tool, "shared edit", _timed(projects(suite.shared_projects)))
    if suite.py_file:
        for n in range(args.repeat):
            _edit_python(repo / suite.py_file, n)
            results.add(tool, ".py edit", _timed(projects(suite.py_projects)))


def bench_suite(
    suite: Suite, args: argparse.Namespace, pythons: list[str], maturin_bin: Path, work: Path
) -> Results:
    results = Results()
    print(f"\n== {suite.name}", flush=True)

    # --- Pants -------------------------------------------------------------------------------
    pants_repo = copy_repo(work / "pants-repo")
    suite.setup(pants_repo)
    pants = PantsRunner(pants_repo, work, suite.pants_targets)
    for _ in range(args.cold_repeat):
        # Pants itself from empty caches (plugin resolve, scheduler, BUILD files), then the
        # cold build of the same empty machine, each on its own row.
        pants.wipe()
        results.add("pants", "pants bootstrap", _timed(lambda: pants.run("list", "::")))
        kill_pantsd(pants_repo)
        pants.wipe()
        results.add("pants", "cold", _timed(pants.package))
    for _ in range(args.repeat):
        results.add("pants", "no-op", _timed(pants.package))
    for n in range(args.repeat):
        _edit(pants_repo / suite.leaf_file, n)
        results.add("pants", "leaf edit", _timed(pants.package))
    for n in range(args.repeat):
        _edit(pants_repo / suite.shared_file, n)
        results.add("pants", "shared edit", _timed(pants.package))
    if suite.py_file:
        local_runs = []
        for n in range(args.repeat):
            _edit_python(pants_repo / suite.py_file, n)
            start = time.monotonic()
            stderr = pants.package("--stats-log")
            results.add("pants", ".py edit", time.monotonic() - start)
            local_runs.append(_counters(stderr).get("local_execution_requests", -1))
        results.notes.append(
            f"{suite.name}, .py edit: processes run locally per edit: {local_runs} (the "
            "toolchain probe runs on every Pants run; any cargo step would add to it)."
        )
    kill_pantsd(pants_repo)
    if args.remote:
        with buildgrid_server(work / "buildgrid") as server:
            remote = server.pants_args()
            pants.wipe()
            pants.package(*remote, pantsd=False)  # a CI machine fills the cache
            counters: dict[str, int] = {}
            for _ in range(args.repeat):
                pants.wipe()
                start = time.monotonic()
                counters = _counters(pants.package(*remote, "--stats-log", pantsd=False))
                results.add("pants", "warm remote cache", time.monotonic() - start)
            results.notes.append(
                f"{suite.name}, warm remote cache: "
                f"{counters.get('remote_cache_requests_cached', 0)} of "
                f"{counters.get('remote_cache_requests', 0)} cacheable processes came from the "
                f"remote cache and {counters.get('remote_cache_requests_uncached', 0)} missed it "
                f"({counters.get('remote_cache_read_errors', 0)} read errors; every cargo step "
                "is cacheable, so when that is 0 no cargo or rustc ran)."
            )
            # A second machine: the toolchain and interpreters at other absolute paths.
            elsewhere = installs_elsewhere(work / "elsewhere", pythons)
            for _ in range(args.repeat):
                pants.wipe()
                start = time.monotonic()
                kept = _kept_sandboxes(work, pants.generation)
                stderr = pants.package(*remote, *elsewhere, *kept, "--stats-log", pantsd=False)
                results.add("pants", "other paths, warm remote cache", time.monotonic() - start)
            counters = _counters(stderr)
            results.notes.append(
                f"{suite.name}, other paths: {counters.get('remote_cache_requests_cached', 0)} "
                f"of {counters.get('remote_cache_requests', 0)} from the remote cache, "
                f"{counters.get('remote_cache_requests_uncached', 0)} missed, "
                f"{counters.get('remote_cache_read_errors', 0)} read errors, "
                f"{_local_cargo_steps(stderr)} cargo steps run locally."
            )
            edited = []
            for n in range(args.repeat):
                _edit(pants_repo / suite.shared_file, 100 + n)
                start = time.monotonic()
                kept = _kept_sandboxes(work, 1000 + n)
                stderr = pants.package(*remote, *elsewhere, *kept, pantsd=False)
                results.add("pants", "other paths, repo crate edit", time.monotonic() - start)
                edited.append(_local_cargo_steps(stderr))
            results.notes.append(
                f"{suite.name}, other paths, repo crate edit: cargo steps run locally per edit: "
                f"{edited} (only the layers of repo crates and the final builds)."
            )
            for kept_dir in work.glob("sandboxes-*"):
                shutil.rmtree(kept_dir, ignore_errors=True)

    # --- maturin and cargo alone: each project in turn, in a checkout of their own ------------
    every = [p for p, _ in suite.projects]
    abi3 = dict(suite.projects)
    maturin_repo = copy_repo(work / "maturin-repo")
    cargo_repo = copy_repo(work / "cargo-repo")
    out = work / "maturin-wheels"

    def maturin(project: str) -> None:
        _maturin_build(maturin_bin, maturin_repo, project, pythons, out)

    def cargo(project: str) -> None:
        _cargo_build(cargo_repo, project, abi3[project], pythons)

    for tool, repo, build in (("maturin", maturin_repo, maturin), ("cargo", cargo_repo, cargo)):
        suite.setup(repo)
        _measure_builds(results, tool, repo, build, suite, every, args)
    return results


def _cell(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.1f} s"


def _ratio(a: Optional[float], b: Optional[float]) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"


def table(suite: Suite, results: Results, args: argparse.Namespace) -> str:
    lines = [
        f"**{suite.name}** (medians of {args.repeat} runs; cold: {args.cold_repeat})",
        "",
        "| scenario | pants | maturin | cargo | pants / maturin | pants / cargo |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for scenario in SCENARIOS:
        p, m, c = (results.median(t, scenario) for t in ("pants", "maturin", "cargo"))
        lines.append(
            f"| {scenario} | {_cell(p)} | {_cell(m)} | {_cell(c)} | {_ratio(p, m)} | {_ratio(p, c)} |"
        )
    lines += [""] + [f"- {note}" for note in results.notes]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", choices=(*SUITES, "all"), default="all")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cold-repeat", type=int, default=1)
    parser.add_argument("--no-remote", dest="remote", action="store_false")
    parser.add_argument("--out", type=Path, help="also write the table (Markdown) here")
    parser.add_argument("--work-dir", type=Path, help="scratch space (default: a temp dir)")
    args = parser.parse_args()

    pythons = []
    for version in ("3.9", "3.10", "3.11"):
        try:
            pythons.append(find_python(version))
        except AssertionError:
            pass
    root = args.work_dir or Path(tempfile.mkdtemp(prefix="pants-rust-python-bench-"))
    tool = make_venv(find_python("3.11"), root / "maturin-venv")
    tool.pip_install(f"maturin=={MATURIN_VERSION}")
    report = [
        f"Interpreters: {', '.join(Path(p).name for p in pythons)}; {os.cpu_count()} cores; "
        f"maturin {MATURIN_VERSION}.\n"
    ]
    for name in SUITES if args.suite == "all" else (args.suite,):
        suite = SUITES[name]
        results = bench_suite(suite, args, pythons, Path(tool.bin_dir), root / name)
        report.append(table(suite, results, args))
    text = "\n".join(report)
    print("\n" + text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
