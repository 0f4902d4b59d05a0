"""rustfmt through Pants: the crate's edition, rustfmt.toml above it, results written back."""
from __future__ import annotations

from pants.core.goals.fmt import FmtResult, Partitions
from pants.engine.addresses import Address
from pants.engine.fs import DigestContents, PathGlobs, Snapshot
from pants.testutil.rule_runner import QueryRule, RuleRunner
from pants_rust_python.lint.rustfmt import rules as rustfmt
from pants_rust_python.lint.rustfmt.rules import RustEdition, RustfmtFieldSet, RustfmtRequest
from rust_python_testutil.rules import make_rule_runner, new_run

WORKSPACE = """\
[workspace]
members = ["crates/*"]
resolver = "2"

[workspace.package]
edition = "2021"
"""
MEMBER = """\
[package]
name = "{name}"
version = "0.1.0"
edition.workspace = true
"""
OLD_STYLE = "pub fn   add(a:u32,b:u32)->u32{a+b}\n"
FORMATTED = "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n"


def _runner() -> RuleRunner:
    runner = make_rule_runner(
        extra_rules=[
            *rustfmt.rules(),
            QueryRule(Partitions, [RustfmtRequest.PartitionRequest]),
            QueryRule(FmtResult, [RustfmtRequest.Batch]),
        ],
    )
    runner.write_files(
        {
            "ws/Cargo.toml": WORKSPACE,
            "ws/Cargo.lock": "version = 4\n",
            "ws/BUILD": "cargo_workspace()\n",
            "ws/crates/a/Cargo.toml": MEMBER.format(name="a"),
            "ws/crates/a/src/lib.rs": OLD_STYLE,
            "ws/crates/a/BUILD": "rust_crate()\n",
            "ws/crates/b/Cargo.toml": MEMBER.format(name="b"),
            "ws/crates/b/src/lib.rs": "pub fn r#async()->u8{1}\n",
            "ws/crates/b/BUILD": "rust_crate(skip_rustfmt=True)\n",
            "old/Cargo.toml": '[package]\nname = "old"\nversion = "0.1.0"\n',
            "old/src/lib.rs": "pub fn async_(async: u8)->u8{async}\n",
            "old/BUILD": "rust_crate()\n",
            # Tabs for the old crate only: rustfmt finds the file above the sources itself.
            "old/rustfmt.toml": "hard_tabs = true\n",
        }
    )
    new_run(runner)
    return runner


def _format(runner: RuleRunner, *addresses: Address) -> dict[str, FmtResult]:
    field_sets = [
        RustfmtFieldSet.create(runner.get_target(a))
        for a in addresses
        if not RustfmtFieldSet.opt_out(runner.get_target(a))
    ]
    partitions = runner.request(Partitions, [RustfmtRequest.PartitionRequest(tuple(field_sets))])
    results = {}
    for partition in partitions:
        snapshot = runner.request(Snapshot, [PathGlobs(partition.elements)])
        batch = RustfmtRequest.Batch("rustfmt", partition.elements, partition.metadata, snapshot)
        results[partition.metadata.edition] = runner.request(FmtResult, [batch])
    return results


def _written(runner: RuleRunner, result: FmtResult) -> dict[str, str]:
    contents = runner.request(DigestContents, [result.output.digest])
    return {fc.path: fc.content.decode() for fc in contents}


def test_formats_each_crate_with_its_edition_and_config() -> None:
    runner = _runner()
    results = _format(runner, Address("ws/crates/a"), Address("ws/crates/b"), Address("old"))
    # The edition inherited from the workspace, and cargo's default, 2015, in which `async` is
    # still a name (rustfmt would refuse it as an identifier in 2018 and later).
    assert sorted(results) == ["2015", "2021"]
    assert results["2021"].did_change
    # skip_rustfmt: crate b is in no partition.
    assert _written(runner, results["2021"]) == {"ws/crates/a/src/lib.rs": FORMATTED}
    # rustfmt.toml beside the crate: tabs.
    assert _written(runner, results["2015"]) == {
        "old/src/lib.rs": "pub fn async_(async: u8) -> u8 {\n\tasync\n}\n"
    }


def test_formatted_sources_are_unchanged() -> None:
    runner = _runner()
    runner.write_files({"ws/crates/a/src/lib.rs": FORMATTED})
    results = _format(runner, Address("ws/crates/a"))
    assert list(results) == ["2021"] and not results["2021"].did_change
    assert isinstance(RustEdition("2021").description, str)
