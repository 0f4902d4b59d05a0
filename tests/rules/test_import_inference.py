"""Python import inference through the real Python backend: `import pkg._native` depends on the
extension that provides the module; two extensions providing one module warn and infer nothing."""
from __future__ import annotations

import logging

import pytest
from pants.backend.python import target_types_rules
from pants.backend.python.dependency_inference.rules import (
    InferPythonImportDependencies,
    PythonImportDependenciesInferenceFieldSet,
    import_rules,
)
from pants.backend.python.target_types import PythonSourcesGeneratorTarget, PythonSourceTarget
from pants.engine.addresses import Address, Addresses
from pants.engine.target import Dependencies, DependenciesRequest, InferredDependencies
from pants.testutil.rule_runner import QueryRule, RuleRunner
from pants_rust_python.python_interop import module_mapper
from rust_python_testutil.rules import hello_crate, make_rule_runner, pex_cli_options


@pytest.fixture
def rule_runner() -> RuleRunner:
    return make_rule_runner(
        *pex_cli_options(),
        extra_rules=[
            *import_rules(),
            *target_types_rules.rules(),
            *module_mapper.rules(),
            QueryRule(InferredDependencies, [InferPythonImportDependencies]),
            QueryRule(Addresses, [DependenciesRequest]),
        ],
        extra_target_types=[PythonSourcesGeneratorTarget, PythonSourceTarget],
    )


def extension_crate(directory: str, build: str) -> dict[str, str]:
    """A crate the module mapper can read; inference never compiles it."""
    return {
        f"{directory}/BUILD": build,
        f"{directory}/Cargo.toml": (
            f'[package]\nname = "{directory}"\nversion = "0.1.0"\nedition = "2021"\n\n'
            '[lib]\ncrate-type = ["cdylib"]\n'
        ),
        f"{directory}/src/lib.rs": "",
    }


def inferred(runner: RuleRunner, file: str) -> set[Address]:
    target = runner.get_target(Address("app", relative_file_path=file))
    result = runner.request(
        InferredDependencies,
        [InferPythonImportDependencies(PythonImportDependenciesInferenceFieldSet.create(target))],
    )
    return set(result.include)


def test_imports_of_extension_modules_are_inferred(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            **hello_crate(),  # module `hello`, from the crate name
            **extension_crate("native", 'rust_python_extension(module_name="pkg._native")\n'),
            "app/BUILD": "python_sources()\n",
            "app/plain.py": "import hello\n",
            "app/mixed.py": "from pkg import _native\n",
            "app/dotted.py": "import pkg._native as n\n",
            "app/other.py": "import json\nimport pkg.missing\n",
        }
    )
    assert inferred(rule_runner, "plain.py") == {Address("hello")}
    assert inferred(rule_runner, "mixed.py") == {Address("native")}
    assert inferred(rule_runner, "dotted.py") == {Address("native")}
    assert inferred(rule_runner, "other.py") == set()


def test_two_extensions_providing_one_module_warn(
    rule_runner: RuleRunner, caplog: pytest.LogCaptureFixture
) -> None:
    rule_runner.write_files(
        {
            **extension_crate("first", 'rust_python_extension(module_name="fast")\n'),
            **extension_crate("second", 'rust_python_extension(module_name="fast")\n'),
            "app/BUILD": "python_sources()\n",
            "app/use.py": "import fast\n",
        }
    )
    with caplog.at_level(logging.WARNING):
        assert inferred(rule_runner, "use.py") == set()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        "app/use.py" in w and "`fast`" in w and "first" in w and "second" in w and "ambiguous" in w
        for w in warnings
    ), warnings


def test_an_explicit_dependency_settles_the_ambiguity(
    rule_runner: RuleRunner, caplog: pytest.LogCaptureFixture
) -> None:
    rule_runner.write_files(
        {
            **extension_crate("first", 'rust_python_extension(module_name="fast")\n'),
            **extension_crate("second", 'rust_python_extension(module_name="fast")\n'),
            "app/BUILD": 'python_sources(dependencies=["second"])\n',
            "app/use.py": "import fast\n",
        }
    )
    target = rule_runner.get_target(Address("app", relative_file_path="use.py"))
    with caplog.at_level(logging.WARNING):
        dependencies = rule_runner.request(Addresses, [DependenciesRequest(target[Dependencies])])
    assert set(dependencies) == {Address("second")}
    assert not [r for r in caplog.records if "ambiguous" in r.getMessage()]


def test_inference_maps_the_module_name_the_build_uses(rule_runner: RuleRunner) -> None:
    # One rule decides the name for both: `[project] name` is taken as written, and a name the
    # build rejects (a minus) provides no module rather than a guessed `dash_named`.
    rule_runner.write_files(
        {
            **extension_crate("named", "rust_python_extension()\n"),
            "named/pyproject.toml": '[project]\nname = "from_project"\n',
            **extension_crate("dash-named", "rust_python_extension()\n"),
            "app/BUILD": "python_sources()\n",
            "app/project.py": "import from_project\n",
            "app/dash.py": "import dash_named\n",
        }
    )
    assert inferred(rule_runner, "project.py") == {Address("named")}
    assert inferred(rule_runner, "dash.py") == set()
