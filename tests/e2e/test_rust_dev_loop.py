"""Pants's Rust goals as a developer meets them, in a copy of this repo with a small workspace
of its own (no third-party crates, so it compiles in seconds): test results cached and selected
by `--changed-since`, rustfmt's findings fixed by `fmt`, clippy under the repo's `-D warnings`.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from rust_python_testutil.e2e import copy_repo, run_pants

MEMBER = """\
[package]
name = "{name}"
version = "0.1.0"
edition = "2021"

[dependencies]
{deps}
"""
FILES = {
    "devloop/Cargo.toml": '[workspace]\nmembers = ["base", "user", "apart"]\nresolver = "2"\n',
    "devloop/Cargo.lock": "version = 4\n\n"
    + "".join(
        f'[[package]]\nname = "{name}"\nversion = "0.1.0"\n{deps}\n'
        for name, deps in [("apart", ""), ("base", ""), ("user", 'dependencies = [\n "base",\n]\n')]
    ),
    "devloop/BUILD": "cargo_workspace()\n",
    "devloop/base/Cargo.toml": MEMBER.format(name="base", deps=""),
    "devloop/base/src/lib.rs": (
        "pub fn double(x: u32) -> u32 {\n    x * 2\n}\n\n"
        "#[cfg(test)]\nmod tests {\n    #[test]\n    fn doubles() {\n"
        "        assert_eq!(super::double(2), 4);\n    }\n}\n"
    ),
    "devloop/base/BUILD": "rust_crate()\n",
    "devloop/user/Cargo.toml": MEMBER.format(name="user", deps='base = { path = "../base" }'),
    "devloop/user/src/lib.rs": (
        "pub fn quadruple(x: u32) -> u32 {\n    base::double(base::double(x))\n}\n\n"
        "#[cfg(test)]\nmod tests {\n    #[test]\n    fn quadruples() {\n"
        "        assert_eq!(super::quadruple(1), 4);\n    }\n}\n"
    ),
    "devloop/user/BUILD": "rust_crate()\n",
    "devloop/apart/Cargo.toml": MEMBER.format(name="apart", deps=""),
    "devloop/apart/src/lib.rs": ("#[cfg(test)]\nmod tests {\n    #[test]\n    fn alone() {}\n}\n"),
    "devloop/apart/BUILD": "rust_crate()\n",
}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _results(output: str) -> dict[str, str]:
    """`pants test` / `lint` summary lines, by target: `✓ devloop/base:base succeeded ...`."""
    return {
        m.group(2): m.group(0)
        for m in re.finditer(r"^([✓✕]) (devloop/\S+) .*$", output, re.MULTILINE)
    }


def test_rust_goals_in_the_developer_loop(tmp_path: Path) -> None:
    repo = copy_repo(tmp_path / "repo", FILES)
    cache = tmp_path / "cache"
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "start")

    first = run_pants(repo, ["-ldebug", "test", "devloop::"], cache_dir=cache).assert_success()
    assert set(_results(first.stderr)) == {
        "devloop/base:base",
        "devloop/user:user",
        "devloop/apart:apart",
    }, first.stderr[-5000:]
    # How a cargo process shows in the log when it runs (Pants logs no process it takes from
    # the cache).
    assert "Starting: cargo test devloop/base:base" in first.stderr

    # Nothing changed: every result comes from the cache, and no cargo runs.
    again = run_pants(repo, ["-ldebug", "test", "devloop::"], cache_dir=cache).assert_success()
    for line in _results(again.stderr).values():
        assert "cached" in line, line
    assert "Starting: cargo test" not in again.stderr

    # An edit to the shared crate selects its tests and its dependent's, not the other crate's.
    base_rs = repo / "devloop/base/src/lib.rs"
    base_rs.write_text("pub fn triple(x: u32) -> u32 {\n    x * 3\n}\n\n" + base_rs.read_text())
    changed = run_pants(
        repo,
        ["--changed-since=HEAD", "--changed-dependents=transitive", "test"],
        cache_dir=cache,
    ).assert_success()
    assert set(_results(changed.stderr)) == {
        "devloop/base:base",
        "devloop/user:user",
    }, changed.stderr[-5000:]

    # rustfmt: `lint` finds a badly formatted file, `fmt` fixes it, `lint` then passes.
    apart_rs = repo / "devloop/apart/src/lib.rs"
    apart_rs.write_text("pub fn   spaced( x:u32)->u32{x}\n" + apart_rs.read_text())
    found = run_pants(repo, ["lint", "--only=rustfmt", "devloop::"], cache_dir=cache)
    assert found.returncode != 0
    assert "rustfmt failed" in found.stderr, found.stderr[-5000:]
    run_pants(repo, ["fmt", "devloop::"], cache_dir=cache).assert_success()
    assert apart_rs.read_text().startswith("pub fn spaced(x: u32) -> u32 {\n    x\n}\n")
    run_pants(repo, ["lint", "--only=rustfmt", "devloop::"], cache_dir=cache).assert_success()

    # clippy: a warning fails `lint` under the repo's `[clippy] args = ["-D", "warnings"]`, and
    # `skip_clippy` keeps the crate out.
    user_rs = repo / "devloop/user/src/lib.rs"
    user_rs.write_text(
        "pub fn is_empty(list: &Vec<u32>) -> bool {\n    list.is_empty()\n}\n\n"
        + user_rs.read_text()
    )
    denied = run_pants(repo, ["lint", "--only=clippy", "devloop::"], cache_dir=cache)
    assert denied.returncode != 0
    assert "--> devloop/user/src/lib.rs" in denied.stderr, denied.stderr[-5000:]
    assert "-D clippy::ptr-arg" in denied.stderr
    (repo / "devloop/user/BUILD").write_text("rust_crate(skip_clippy=True)\n")
    run_pants(repo, ["lint", "--only=clippy", "devloop::"], cache_dir=cache).assert_success()
    # `pants check` (cargo check) has no quarrel with the same code.
    run_pants(repo, ["check", "devloop::"], cache_dir=cache).assert_success()
