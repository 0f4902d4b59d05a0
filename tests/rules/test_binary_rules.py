"""rust_python_binary: the hello_bin example's program, built by the rules with real cargo."""
from __future__ import annotations

import os
import subprocess
import tempfile

import pytest
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import QueryRule, RuleRunner
from pants_rust_python.target_types import RustPythonBinaryTarget
from pants_rust_python.util_rules.extension import (
    NativePrograms,
    NativeProgramsRequest,
    RustProject,
    RustProjectRequest,
)
from rust_python_testutil.e2e import source_checkout
from rust_python_testutil.rules import file_bytes, make_rule_runner


def _runner(build_file: str) -> RuleRunner:
    runner = make_rule_runner(
        extra_rules=[QueryRule(NativePrograms, [NativeProgramsRequest])],
        extra_target_types=[RustPythonBinaryTarget],
    )
    root = source_checkout() / "src" / "hello_bin"
    files = {
        f"hello_bin/{p.relative_to(root)}": p.read_text()
        for p in root.rglob("*")
        if p.is_file() and "target" not in p.parts
    }
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
