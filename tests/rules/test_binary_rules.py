"""rust_python_binary: the hello_bin example's program, built by the rules with real cargo."""
from __future__ import annotations

import os
import subprocess
import tempfile

import pytest
from pants.core.goals.run import RunRequest
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import QueryRule, RuleRunner
from pants_rust_python.goals import run
from pants_rust_python.goals.run import RustPythonBinaryRunFieldSet
from pants_rust_python.target_types import RustPythonBinaryTarget
from pants_rust_python.util_rules.extension import (
    NativePrograms,
    NativeProgramsRequest,
    RustProject,
    RustProjectRequest,
)
from rust_python_testutil.e2e import source_checkout
from rust_python_testutil.rules import example_files, file_bytes, make_rule_runner


def _runner(build_file: str) -> RuleRunner:
    runner = make_rule_runner(
        extra_rules=[
            *run.rules(),
            QueryRule(NativePrograms, [NativeProgramsRequest]),
            QueryRule(RunRequest, [RustPythonBinaryRunFieldSet]),
        ],
        extra_target_types=[RustPythonBinaryTarget],
    )
    files = example_files("hello_bin")
    files["hello_bin/BUILD"] = build_file
    runner.write_files(files)
    return runner


def test_builds_the_program() -> None:
    runner = _runner("rust_python_binary()\n")
    project = runner.request(RustProject, [RustProjectRequest(Address("hello_bin"))])
    assert project.spec.bindings == "bin"
    assert len(project.build_for) == 1
    programs = runner.request(
        NativePrograms, [NativeProgramsRequest(project, project.build_for[0])]
    )
    assert sorted(programs.programs) == ["hello-bin"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "hello-bin")
        with open(path, "wb") as f:
            f.write(file_bytes(runner, programs.digest, programs.programs["hello-bin"]))
        os.chmod(path, 0o755)
        out = subprocess.run([path, "rules"], capture_output=True, text=True, check=True).stdout
    assert out == "hello-bin says hello to rules; 1+...+10 = 55\n"


def test_unknown_binary_name() -> None:
    runner = _runner('rust_python_binary(bins=["nope"])\n')
    with pytest.raises(ExecutionError) as exc:
        runner.request(RustProject, [RustProjectRequest(Address("hello_bin"))])
    assert "`bins` names nope" in str(exc.value) and "hello-bin" in str(exc.value)


def _run(runner: RuleRunner, *args: str) -> str:
    """What `pants run hello_bin -- <args>` prints: the RunRequest's program, run as the goal
    runs it (its digest in a temporary directory, `{chroot}` replaced)."""
    field_set = RustPythonBinaryRunFieldSet.create(runner.get_target(Address("hello_bin")))
    request = runner.request(RunRequest, [field_set])
    runner.scheduler.write_digest(request.digest, path_prefix="chroot")
    chroot = os.path.join(runner.build_root, "chroot")
    argv = [a.replace("{chroot}", chroot) for a in request.args]
    env = {**os.environ, **request.extra_env}
    return subprocess.run(
        [*argv, *args], capture_output=True, text=True, check=True, env=env
    ).stdout


def _with_second_program(default_run: str) -> dict[str, str]:
    manifest = (source_checkout() / "src/hello_bin/Cargo.toml").read_text()
    manifest = manifest.replace('edition = "2021"\n', f'edition = "2021"\n{default_run}')
    manifest += '\n[[bin]]\nname = "other"\npath = "src/other.rs"\n'
    return {
        "hello_bin/Cargo.toml": manifest,
        "hello_bin/src/other.rs": 'fn main() {\n    println!("the other program");\n}\n',
    }


def test_pants_run_runs_the_program_with_its_args() -> None:
    runner = _runner("rust_python_binary()\n")
    assert _run(runner, "run") == "hello-bin says hello to run; 1+...+10 = 55\n"


def test_pants_run_picks_default_run_among_several_programs() -> None:
    runner = _runner("rust_python_binary()\n")
    runner.write_files(_with_second_program('default-run = "other"\n'))
    assert _run(runner) == "the other program\n"

    runner.write_files(_with_second_program(""))
    with pytest.raises(ExecutionError, match="builds several programs .*default-run"):
        _run(runner)
