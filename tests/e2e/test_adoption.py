"""The plugin as another repository adopts it: from its own wheel, with the README's pants.toml.

One copy of this repo builds the plugin's distribution (`pants-plugins:dist`) and publishes it to
a real package index on loopback; a new repository, which holds no code of the plugin, loads it
from the wheel through `[GLOBAL].plugins` and `[python-repos].find_links`, and builds a copy of
an example maturin project from scratch: `tailor`, `package`, `test`, as a new user would.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomli
import tomli_w
from pants_rust_python import __version__ as PLUGIN_VERSION
from pants_rust_python.target_types import RustPythonExtensionTarget
from rust_python_testutil.e2e import copy_repo, find_python, make_venv, run_pants, source_checkout
from rust_python_testutil.package_index import package_index

CHECKS = Path(__file__).parent / "example_checks"
PLUGIN_WHEEL = f"pants_rust_python-{PLUGIN_VERSION}-py3-none-any.whl"
PLUGIN_SDIST = f"pants_rust_python-{PLUGIN_VERSION}.tar.gz"
# Tagged with the manylinux policy auditwheel finds for this machine's toolchain.
EXAMPLE_WHEEL = re.compile(r"^hello_abi3-0\.3\.1-cp39-abi3-manylinux_2_\d+_x86_64\.whl$")
# src/hello_abi3 also makes its sdist (`sdist=True`).
EXAMPLE_SDIST = "hello_abi3-0.3.1.tar.gz"
# What a user sets only because of this machine, taken from this repo's pants.toml: the pex tool
# that ./pants builds from the package index, interpreters under pyenv, and no global pip config.
MACHINE_SECTIONS = ("pex-cli", "python-bootstrap", "subprocess-environment")
# The example the new repository copies, without its BUILD file.
EXAMPLE = "src/hello_abi3"
USER_TEST = """\
import hello_abi3


def test_greet() -> None:
    assert hello_abi3.greet("Ferris") == "Hello, Ferris!"
    assert hello_abi3.sum_as_string(2, 40) == "42"
"""


def readme_pants_toml() -> dict[str, Any]:
    """The pants.toml of the README's "Adopting the plugin" section, as a user copies it."""
    readme = (source_checkout() / "README.md").read_text()
    section = readme[readme.index("## Adopting the plugin") :]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block, "no ```toml block in the README's adoption section"
    return tomli.loads(block.group(1))


@dataclass(frozen=True)
class PluginCheckout:
    repo: Path
    cache: Path

    @property
    def wheel(self) -> Path:
        return self.repo / "dist" / PLUGIN_WHEEL


@pytest.fixture(scope="module")
def plugin_checkout(tmp_path_factory: pytest.TempPathFactory) -> PluginCheckout:
    """A copy of this repo in which `./pants package pants-plugins:dist` ran."""
    root = tmp_path_factory.mktemp("plugin")
    checkout = PluginCheckout(copy_repo(root / "repo"), root / "cache")
    run_pants(
        checkout.repo, ["package", "pants-plugins:dist"], cache_dir=checkout.cache
    ).assert_success()
    assert checkout.wheel.is_file() and (checkout.repo / "dist" / PLUGIN_SDIST).is_file()
    return checkout


def new_repository(root: Path, wheels: Path) -> Path:
    """A repository with a launcher, the README's pants.toml, a maturin project and a test."""
    repo = root / "adopter"
    repo.mkdir()
    shutil.copy2(source_checkout() / "pants", repo / "pants")
    config = readme_pants_toml()
    ours = tomli.loads((source_checkout() / "pants.toml").read_text())
    for section in MACHINE_SECTIONS:
        config[section] = ours[section]
    config["python-repos"] = {"find_links": [wheels.as_uri()]}
    (repo / "pants.toml").write_text(tomli_w.dumps(config))
    shutil.copytree(
        source_checkout() / EXAMPLE,
        repo / "hello_abi3",
        ignore=shutil.ignore_patterns("BUILD", "target"),
    )
    (repo / "tests").mkdir()
    (repo / "tests" / "test_hello.py").write_text(USER_TEST)
    return repo


def test_new_repository_adopts_the_plugin_from_its_wheel(
    plugin_checkout: PluginCheckout, tmp_path: Path
) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    shutil.copy2(plugin_checkout.wheel, wheels)
    repo = new_repository(tmp_path, wheels)
    cache = tmp_path / "cache"
    config = (repo / "pants.toml").read_text()
    # Only the wheel can provide the plugin: no code of it, no pythonpath to any.
    assert f'"pants-rust-python=={PLUGIN_VERSION}"' in config and "pythonpath" not in config
    assert not list(repo.rglob("pants_rust_python"))

    tailor = run_pants(repo, ["tailor", "::"], cache_dir=cache).assert_success()
    assert f"Resolving plugins: pants-rust-python=={PLUGIN_VERSION}" in tailor.stderr
    assert "rust_python_extension(" in (repo / "hello_abi3" / "BUILD").read_text()
    assert "python_tests(" in (repo / "tests" / "BUILD").read_text()

    run_pants(repo, ["package", "::"], cache_dir=cache).assert_success()
    (example,) = [w.name for w in (repo / "dist").glob("*.whl")]
    assert EXAMPLE_WHEEL.match(example), example
    venv = make_venv(find_python("3.11"), tmp_path / "venv")
    venv.pip_install("--no-index", f"--find-links={repo / 'dist'}", "hello-abi3", no_deps=True)
    assert "hello_abi3 ok on 3.11" in venv.run((CHECKS / "check_hello_abi3.py").read_text())

    tested = run_pants(repo, ["test", "::"], cache_dir=cache).assert_success()
    assert "tests/test_hello.py succeeded" in tested.stderr, tested.stderr[-5000:]

    # The help of the installed plugin: every field of the extension target, the [rust] options.
    target_help = run_pants(repo, ["help", "rust_python_extension"], cache_dir=cache)
    for field in RustPythonExtensionTarget.core_fields:
        assert f"\n{field.alias}\n" in target_help.assert_success().stdout, field.alias
    rust_help = run_pants(repo, ["help", "rust"], cache_dir=cache).assert_success()
    assert "Config section: [rust]" in rust_help.stdout


def test_publish_uploads_the_plugin_and_wheels_to_a_package_index(
    plugin_checkout: PluginCheckout, tmp_path: Path
) -> None:
    """The plugin's distribution, and an extension's wheel as a python_distribution's would be
    (`repositories`), go up with twine; a target with `skip_twine` does not."""
    repo = plugin_checkout.repo
    (repo / "src/hello_bin/BUILD").write_text(
        'rust_python_binary(repositories=["@examples"], skip_twine=True)\n'
    )
    with package_index(tmp_path / "index") as index:
        # Pants's [twine] finds a .pypirc at the build root.
        (repo / ".pypirc").write_text(index.pypirc("pants-rust-python", "examples"))
        published = run_pants(
            repo,
            ["publish", "pants-plugins:dist", "src/hello_abi3:", "src/hello_bin:"],
            cache_dir=plugin_checkout.cache,
        ).assert_success()
        for name in (PLUGIN_WHEEL, PLUGIN_SDIST):
            assert f"{name} published to @pants-rust-python" in published.stderr, published.stderr
        uploaded = sorted(p.name for p in index.packages.iterdir())
        (example,) = [name for name in uploaded if EXAMPLE_WHEEL.match(name)]
        for name in (example, EXAMPLE_SDIST):
            assert f"{name} published to @examples" in published.stderr, published.stderr
        assert "skip_twine" in published.stderr, published.stderr
        assert uploaded == sorted([PLUGIN_WHEEL, PLUGIN_SDIST, example, EXAMPLE_SDIST])

        downloads = tmp_path / "downloads"
        subprocess.run(
            [
                find_python("3.9"),
                "-m",
                "pip",
                # No configuration or PIP_* variables of this machine: only the index below.
                "--isolated",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                f"--index-url={index.simple_url}",
                f"--dest={downloads}",
                f"pants-rust-python=={PLUGIN_VERSION}",
            ],
            check=True,
        )
        venv = make_venv(find_python("3.11"), tmp_path / "venv")
        venv.pip_install(
            "--isolated", f"--index-url={index.simple_url}", "hello-abi3", no_deps=True
        )
    assert (downloads / PLUGIN_WHEEL).read_bytes() == plugin_checkout.wheel.read_bytes()
    assert "hello_abi3 ok on 3.11" in venv.run((CHECKS / "check_hello_abi3.py").read_text())
