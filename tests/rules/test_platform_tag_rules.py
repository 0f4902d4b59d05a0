"""Platform tags and repair, by the rules with real cargo and auditwheel: the sqlite_link example,
which links the system's libsqlite3 (no manylinux policy allows it)."""
from __future__ import annotations

import re
import zipfile

import pytest
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import RuleRunner
from pants_rust_python.subsystems import auditwheel as auditwheel_subsystem
from rust_python_testutil.rules import (
    example_files,
    make_rule_runner,
    package_rules,
    package_wheel,
    pex_cli_options,
)


def _package(build_file: str) -> tuple[str, zipfile.ZipFile]:
    runner: RuleRunner = make_rule_runner(
        *pex_cli_options(), extra_rules=[*package_rules(), *auditwheel_subsystem.rules()]
    )
    files = example_files("sqlite_link")
    files["sqlite_link/BUILD"] = build_file
    runner.write_files(files)
    return package_wheel(runner, Address("sqlite_link"))


def test_repair_grafts_the_library_and_lists_its_package() -> None:
    name, wheel = _package("rust_python_extension()\n")
    assert re.fullmatch(r"sqlite_link-0\.1\.0-cp39-abi3-manylinux_2_\d+_x86_64\.whl", name), name
    names = wheel.namelist()
    (grafted,) = [n for n in names if n.startswith("sqlite_link.libs/")]
    assert re.fullmatch(r"sqlite_link\.libs/libsqlite3-[0-9a-f]{8}\.so\.0", grafted), names
    assert "sqlite_link-0.1.0.dist-info/sboms/auditwheel.cdx.json" in names
    # The extension needs the grafted copy, found through its RPATH.
    extension = wheel.read("sqlite_link/sqlite_link.abi3.so")
    assert grafted.split("/")[1].encode() in extension
    assert b"$ORIGIN/../sqlite_link.libs" in extension


def test_linux_and_warn_graft_nothing() -> None:
    name, wheel = _package('rust_python_extension(compatibility="linux")\n')
    assert name == "sqlite_link-0.1.0-cp39-abi3-linux_x86_64.whl"
    assert not [n for n in wheel.namelist() if ".libs/" in n]
    name, wheel = _package('rust_python_extension(auditwheel="warn")\n')
    assert "manylinux_2_" in name and not [n for n in wheel.namelist() if ".libs/" in n]


@pytest.mark.parametrize(
    "build_file, expected",
    [
        (
            'rust_python_extension(auditwheel="check")\n',
            r"does not allow: libsqlite3\.so\.0 \(/\S+libsqlite3\.so\.0",
        ),
        (
            'rust_python_extension(compatibility="manylinux2014")\n',
            r"not manylinux_2_17 \(aka manylinux2014\) compliant .* GLIBC_2\.\d+ \(\w+ "
            r"\(sqlite_link/sqlite_link\.abi3\.so\)",
        ),
        (
            'rust_python_extension(compatibility="musllinux_1_2")\n',
            r"no musl target installed",
        ),
    ],
)
def test_errors_name_the_cause(build_file: str, expected: str) -> None:
    with pytest.raises(ExecutionError) as error:
        _package(build_file)
    assert re.search(expected, str(error.value), re.S), str(error.value)[-3000:]
