"""`pants generate-lockfiles` on a Cargo workspace, through the real rules and the crate registry."""
from __future__ import annotations

import subprocess
from pathlib import Path

import tomli
from pants.core.goals.generate_lockfiles import GenerateLockfileResult, KnownUserResolveNames
from pants.engine.fs import DigestContents
from pants.testutil.rule_runner import QueryRule, RuleRunner
from pants_rust_python.goals import lockfile
from pants_rust_python.goals.lockfile import GenerateCargoLockfile, KnownCargoResolveNamesRequest
from rust_python_testutil.rules import make_rule_runner, new_run

MANIFEST = """\
[package]
name = "pinned"
version = "0.1.0"
edition = "2021"

[dependencies]
itoa = "1"
ryu = "1"
"""


def _old_lockfile(tmp_path: Path) -> str:
    """A Cargo.lock with both crates at 1.0.0, made by cargo itself (from the crate registry)."""
    crate = tmp_path / "crate"
    (crate / "src").mkdir(parents=True)
    (crate / "Cargo.toml").write_text(MANIFEST)
    (crate / "src/lib.rs").write_text("")
    for args in (
        ["generate-lockfile"],
        ["update", "--package", "itoa", "--precise", "1.0.0"],
        ["update", "--package", "ryu", "--precise", "1.0.0"],
    ):
        subprocess.run(["cargo", *args, "--quiet"], cwd=crate, check=True)
    return (crate / "Cargo.lock").read_text()


def _runner(tmp_path: Path, *args: str) -> RuleRunner:
    runner = make_rule_runner(
        extra_rules=[
            *lockfile.rules(),
            QueryRule(GenerateLockfileResult, [GenerateCargoLockfile]),
            QueryRule(KnownUserResolveNames, [KnownCargoResolveNamesRequest]),
        ]
    )
    runner.write_files(
        {
            "ws/pinned/Cargo.toml": MANIFEST,
            "ws/pinned/Cargo.lock": _old_lockfile(tmp_path),
            "ws/pinned/src/lib.rs": "",
            "ws/pinned/BUILD": "rust_crate()\n",
        }
    )
    new_run(runner, *args)
    return runner


def _versions(runner: RuleRunner) -> dict[str, str]:
    request = GenerateCargoLockfile(
        resolve_name="cargo:ws/pinned",
        lockfile_dest="ws/pinned/Cargo.lock",
        diff=False,
        root_dir="ws/pinned",
    )
    result = runner.request(GenerateLockfileResult, [request])
    assert result.path == "ws/pinned/Cargo.lock"
    (written,) = runner.request(DigestContents, [result.digest])
    assert written.path == "ws/pinned/Cargo.lock"
    return {p["name"]: p["version"] for p in tomli.loads(written.content.decode())["package"]}


def test_each_workspace_is_a_resolve(tmp_path: Path) -> None:
    known = _runner(tmp_path).request(KnownUserResolveNames, [KnownCargoResolveNamesRequest()])
    assert known.names == ("cargo:ws/pinned",)


def test_generate_lockfile_resolves_everything_anew(tmp_path: Path) -> None:
    versions = _versions(_runner(tmp_path))
    assert versions["itoa"] != "1.0.0" and versions["ryu"] != "1.0.0", versions


def test_update_moves_only_the_named_crates(tmp_path: Path) -> None:
    versions = _versions(_runner(tmp_path, "--cargo-lockfile-update=['itoa', 'not-a-dependency']"))
    assert versions["itoa"] != "1.0.0", versions
    assert versions["ryu"] == "1.0.0", versions
