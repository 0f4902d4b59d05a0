"""Build times side by side: `./pants package` against `maturin build --release` and cargo alone.

    python3 tests/bench/benchmark.py [--suite examples|textkit|all] [--repeat 3] [--out FILE]

For each suite (the repo's pyo3 examples; a larger workspace over 35 third-party crates) it measures,
in one run: a cold build, a no-op rebuild, a one-line edit in a leaf crate, a one-line edit in a
shared crate, and (Pants only) a fresh machine with a warm remote cache, simulated by wiping
every local cache. Pants runs with pantsd, as a developer would. maturin builds each project in
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

SCENARIOS = ("cold", "no-op", "leaf edit", "shared edit", "warm remote cache")


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
        result = run_pants(
            self.repo,
            [f"--rust-store-dir={self.store}", *extra, "package", *self.targets],
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
                "(every cargo step is cacheable, so when that is 0 no cargo or rustc ran)."
            )

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
