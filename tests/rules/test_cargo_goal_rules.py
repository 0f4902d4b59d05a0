"""Pants's Rust goals through the real rules: cargo test, cargo check and clippy in sandboxes."""
from __future__ import annotations

from pants.core.goals import test as test_goal
from pants.core.goals.check import CheckResults
from pants.core.goals.lint import LintResult
from pants.core.goals.test import TestResult
from pants.core.util_rules.partitions import Partitions
from pants.engine.addresses import Address
from pants.testutil.rule_runner import QueryRule, RuleRunner
from pants_rust_python.goals import check as cargo_check
from pants_rust_python.goals import test as cargo_test
from pants_rust_python.goals.check import CargoCheckFieldSet, CargoCheckRequest
from pants_rust_python.goals.test import CargoTestFieldSet, CargoTestRequest
from pants_rust_python.lint.clippy import rules as clippy
from pants_rust_python.lint.clippy.rules import ClippyFieldSet, ClippyRequest
from pants_rust_python.util_rules import crate_plan
from rust_python_testutil.rules import make_rule_runner, new_run

WORKSPACE = """\
[workspace]
members = ["crates/*"]
resolver = "2"
"""
MEMBER = """\
[package]
name = "{name}"
version = "0.1.0"
edition = "2021"

[dependencies]
{deps}
"""
CORE = """\
/// Doubles a number.
///
/// ```
/// assert_eq!(core_lib::double(21), 42);
/// ```
pub fn double(x: u32) -> u32 {
    x * 2
}

#[cfg(test)]
mod tests {
    #[test]
    fn doubles() {
        assert_eq!(super::double(2), 4);
    }
}
"""
INTEGRATION = """\
#[test]
fn doubles_from_outside() {
    assert_eq!(core_lib::double(5), 10);
}
"""
USER = """\
pub fn quadruple(x: u32) -> u32 {
    core_lib::double(core_lib::double(x))
}

/// clippy warns twice here (ptr_arg, len_zero); rustc does not.
pub fn is_empty(list: &Vec<u32>) -> bool {
    list.len() == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn quadruples() {
        println!("checking quadruple");
        assert_eq!(super::quadruple(1), 5, "quadruple is off");
    }

    #[test]
    fn other() {}
}
"""
BROKEN = """\
pub fn answer() -> u32 {
    "forty-two"
}
"""
LOCK = """\
version = 4

[[package]]
name = "broken"
version = "0.1.0"

[[package]]
name = "core_lib"
version = "0.1.0"

[[package]]
name = "user"
version = "0.1.0"
dependencies = [
 "core_lib",
]
"""


def _runner(*args: str) -> RuleRunner:
    runner = make_rule_runner(
        extra_rules=[
            test_goal.get_filtered_environment,
            *crate_plan.rules(),
            *cargo_test.rules(),
            *cargo_check.rules(),
            *clippy.rules(),
            QueryRule(Partitions, [CargoTestRequest.PartitionRequest]),
            QueryRule(TestResult, [CargoTestRequest.Batch]),
            QueryRule(CheckResults, [CargoCheckRequest]),
            QueryRule(Partitions, [ClippyRequest.PartitionRequest]),
            QueryRule(LintResult, [ClippyRequest.Batch]),
        ],
    )
    runner.write_files(
        {
            "ws/Cargo.toml": WORKSPACE,
            "ws/Cargo.lock": LOCK,
            "ws/BUILD": "cargo_workspace()\n",
            "ws/crates/core_lib/Cargo.toml": MEMBER.format(name="core_lib", deps=""),
            "ws/crates/core_lib/src/lib.rs": CORE,
            "ws/crates/core_lib/tests/outside.rs": INTEGRATION,
            "ws/crates/core_lib/BUILD": "rust_crate()\n",
            "ws/crates/user/Cargo.toml": MEMBER.format(
                name="user", deps='core_lib = { path = "../core_lib" }'
            ),
            "ws/crates/user/src/lib.rs": USER,
            "ws/crates/user/BUILD": "rust_crate()\n",
            "ws/crates/broken/Cargo.toml": MEMBER.format(name="broken", deps=""),
            "ws/crates/broken/src/lib.rs": BROKEN,
            "ws/crates/broken/BUILD": "rust_crate(skip_clippy=True)\n",
        }
    )
    new_run(runner, *args)
    return runner


def _test(runner: RuleRunner, address: Address) -> TestResult:
    field_set = CargoTestFieldSet.create(runner.get_target(address))
    partitions = runner.request(Partitions, [CargoTestRequest.PartitionRequest((field_set,))])
    (partition,) = partitions
    batch = CargoTestRequest.Batch("cargo-test", partition.elements, partition.metadata)
    return runner.request(TestResult, [batch])


def test_unit_integration_and_doc_tests_pass() -> None:
    runner = _runner()
    result = _test(runner, Address("ws/crates/core_lib"))
    assert result.exit_code == 0, result.stderr
    assert "test tests::doubles ... ok" in result.stdout
    assert "test doubles_from_outside ... ok" in result.stdout
    # The doc test, run by rustdoc.
    assert "src/lib.rs - double (line 3) ... ok" in result.stdout


def test_a_failing_test_fails_with_its_output() -> None:
    runner = _runner()
    result = _test(runner, Address("ws/crates/user"))
    assert result.exit_code != 0
    assert "test tests::quadruples ... FAILED" in result.stdout
    assert "quadruple is off" in result.stdout + result.stderr
    assert "checking quadruple" in result.stdout


def test_passthrough_args_filter_tests() -> None:
    runner = _runner("--cargo-test-args=other")
    result = _test(runner, Address("ws/crates/user"))
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "test tests::other ... ok" in result.stdout
    assert "quadruples" not in result.stdout


def _check(runner: RuleRunner, *addresses: Address) -> CheckResults:
    field_sets = [CargoCheckFieldSet.create(runner.get_target(a)) for a in addresses]
    return runner.request(CheckResults, [CargoCheckRequest(field_sets)])


def _clippy(runner: RuleRunner, *addresses: Address) -> list[LintResult]:
    field_sets = tuple(ClippyFieldSet.create(runner.get_target(a)) for a in addresses)
    partitions = runner.request(Partitions, [ClippyRequest.PartitionRequest(field_sets)])
    return [
        runner.request(
            LintResult, [ClippyRequest.Batch("clippy", partition.elements, partition.metadata)]
        )
        for partition in partitions
    ]


def test_check_shows_each_crates_diagnostics() -> None:
    runner = _runner()
    results = _check(runner, Address("ws/crates/core_lib"), Address("ws/crates/broken"))
    by_crate = {str(r.partition_description).split(":")[0]: r for r in results.results}
    assert by_crate["ws/crates/core_lib"].exit_code == 0, by_crate["ws/crates/core_lib"].stderr
    broken = by_crate["ws/crates/broken"]
    assert broken.exit_code != 0
    assert "mismatched types" in broken.stderr
    # Named as in the repository, not in a sandbox that is gone.
    assert "--> ws/crates/broken/src/lib.rs:2:5" in broken.stderr
    assert "/pants-sandbox-" not in broken.stderr


def test_clippy_warns_and_fails_under_deny_warnings() -> None:
    (warned,) = _clippy(_runner(), Address("ws/crates/user"))
    assert warned.exit_code == 0, warned.stderr
    assert "clippy::ptr_arg" in warned.stderr or "ptr_arg" in warned.stderr
    assert str(warned.partition_description).startswith("ws/crates/user")

    (denied,) = _clippy(_runner("--clippy-args=-D warnings"), Address("ws/crates/user"))
    assert denied.exit_code != 0
    assert "error: writing `&Vec`" in denied.stderr
    # The crate it uses is clean.
    (clean,) = _clippy(_runner("--clippy-args=-D warnings"), Address("ws/crates/core_lib"))
    assert clean.exit_code == 0, clean.stderr


def test_skip_clippy_and_check_through_clippy() -> None:
    runner = _runner("--clippy-args=-D warnings", "--cargo-check-clippy")
    # skip_clippy: `pants lint` leaves the broken crate out.
    assert ClippyFieldSet.opt_out(runner.get_target(Address("ws/crates/broken")))
    assert not ClippyFieldSet.opt_out(runner.get_target(Address("ws/crates/user")))
    (result,) = _check(runner, Address("ws/crates/user")).results
    assert result.exit_code != 0
    assert "error: writing `&Vec`" in result.stderr
