"""The files of an sdist and their rewrites, as `maturin sdist` lays them out."""
from __future__ import annotations

from typing import Any

import pytest
from pants_rust_python.maturin.sdist_layout import (
    SdistCrate,
    SdistLayoutError,
    archive_root,
    sdist_members,
)

WORKSPACE = """\
# the workspace
[workspace]
members = ["crates/*", "tools/gen"]
default-members = ["crates/py"]

[workspace.package]
version = "1.0.0"
"""

PY_MANIFEST = """\
[package]
name = "py"  # the extension
version.workspace = true

[lib]
crate-type = ["cdylib"]

[dependencies]
core = { path = "../core" }
"""

PYPROJECT = """\
[build-system]
requires = ["maturin>=1,<2"]
build-backend = "maturin"

[project]
name = "py"
readme = "README.md"
license = { file = "LICENSE" }

[tool.maturin]
bindings = "pyo3"  # kept as written
"""


def _files() -> dict[str, bytes]:
    files = {
        "ws/Cargo.toml": WORKSPACE,
        "ws/Cargo.lock": "# lock\n",
        "ws/crates/py/Cargo.toml": PY_MANIFEST,
        "ws/crates/py/pyproject.toml": PYPROJECT,
        "ws/crates/py/README.md": "# py\n",
        "ws/crates/py/LICENSE": "MIT\n",
        "ws/crates/py/src/lib.rs": "// py\n",
        "ws/crates/core/Cargo.toml": '[package]\nname = "core"\nreadme = "../../README.md"\n',
        "ws/crates/core/src/lib.rs": "// core\n",
        "ws/README.md": "# the workspace\n",
    }
    return {path: text.encode() for path, text in files.items()}


def _members(files: dict[str, bytes], **globs: Any) -> dict[str, str]:
    members = sdist_members(
        files=files,
        project_root="ws/crates/py",
        pyproject_path="ws/crates/py/pyproject.toml",
        main=SdistCrate("ws/crates/py", "README.md", None),
        path_dependencies=[SdistCrate("ws/crates/core", "../../README.md")],
        workspace_root="ws",
        **globs,
    )
    return {path: content.decode() for path, content in members.items()}


def test_a_workspace_member_is_laid_out_from_the_workspace_root() -> None:
    members = _members(_files())
    assert sorted(members) == [
        "Cargo.lock",
        "Cargo.toml",
        "LICENSE",
        "README.md",
        "crates/core/Cargo.toml",
        "crates/core/README.md",
        "crates/core/src/lib.rs",
        "crates/py/Cargo.toml",
        "crates/py/LICENSE",
        "crates/py/README.md",
        "crates/py/src/lib.rs",
        "pyproject.toml",
    ]
    # Members in the archive only (a glob kept when it matches one), no default-members;
    # the comments stay.
    assert members["Cargo.toml"] == WORKSPACE.replace(
        'members = ["crates/*", "tools/gen"]\ndefault-members = ["crates/py"]\n',
        'members = ["crates/*"]\n',
    )
    # pyproject.toml at the root names the crate; its readme and licence come along.
    assert members["pyproject.toml"] == PYPROJECT.replace(
        '"pyo3"  # kept as written\n',
        '"pyo3"  # kept as written\nmanifest-path = "crates/py/Cargo.toml"\n',
    )
    assert members["README.md"] == "# py\n" and members["LICENSE"] == "MIT\n"
    # cargo's inferred readme is written down; one from above the crate is copied beside it.
    assert members["crates/py/Cargo.toml"].startswith(
        '[package]\nname = "py"  # the extension\nversion.workspace = true\nreadme = "README.md"\n'
    )
    assert members["crates/core/Cargo.toml"].endswith('readme = "README.md"\n')
    assert members["crates/core/README.md"] == "# the workspace\n"


def test_a_standalone_crate_keeps_its_paths_and_loses_an_idle_workspace_table() -> None:
    files = {
        "hello/Cargo.toml": b'[package]\nname = "hello"\n\n[workspace]\nmembers = ["x"]\n',
        "hello/Cargo.lock": b"# lock\n",
        "hello/pyproject.toml": b"[project]\nname = 'hello'\n",
        "hello/src/lib.rs": b"//\n",
        "hello/hello.pyi": b"def f() -> None: ...\n",
        "hello/README.txt": b"hello\n",
    }
    assert archive_root("hello", "hello", []) == "hello"
    members = sdist_members(
        files=files,
        project_root="hello",
        pyproject_path="hello/pyproject.toml",
        main=SdistCrate("hello"),
        path_dependencies=[],
        workspace_root="hello",
    )
    # cargo's inferred readme (README.txt, there being no README.md) is written down.
    assert members == {
        "README.txt": b"hello\n",
        "Cargo.toml": b'[package]\nname = "hello"\nreadme = "README.txt"\n\n',
        "Cargo.lock": b"# lock\n",
        "pyproject.toml": b"[project]\nname = 'hello'\n",
        "src/lib.rs": b"//\n",
        "hello.pyi": b"def f() -> None: ...\n",
    }


def test_a_package_at_the_workspace_root_leaves_a_virtual_workspace() -> None:
    files = _files()
    files["ws/Cargo.toml"] = (
        b'[package]\nname = "root"\n\n[dependencies]\nserde = "1"\n\n'
        b'[workspace]\nmembers = ["crates/py", "crates/core"]\n\n[profile.release]\nlto = true\n'
    )
    assert _members(files)["Cargo.toml"] == (
        '[workspace]\nmembers = ["crates/py", "crates/core"]\n\n[profile.release]\nlto = true\n'
    )


@pytest.mark.parametrize(
    "change, message",
    [
        (
            {"ws/crates/core/Cargo.toml": '[package]\nname = "core"\nreadme = "../NOPE.md"\n'},
            "The readme `ws/crates/NOPE.md` is not among the target's sources",
        ),
        (
            {"ws/crates/py/pyproject.toml": PYPROJECT.replace('"README.md"', '"../README.md"')},
            "the file `../README.md` is outside the project",
        ),
    ],
)
def test_what_cannot_be_laid_out_is_named(change: dict[str, str], message: str) -> None:
    files = _files()
    files.update({path: text.encode() for path, text in change.items()})
    main = SdistCrate("ws/crates/py", "README.md")
    core_readme = "../NOPE.md" if "NOPE" in message else "../../README.md"
    with pytest.raises(SdistLayoutError, match=message.replace("(", r"\(")):
        sdist_members(
            files=files,
            project_root="ws/crates/py",
            pyproject_path="ws/crates/py/pyproject.toml",
            main=main,
            path_dependencies=[SdistCrate("ws/crates/core", core_readme)],
            workspace_root="ws",
        )


def test_include_adds_and_exclude_removes_after_the_defaults() -> None:
    members = _members(
        _files(),
        included={"ws/crates/py/data/extra.txt": b"extra\n", "ws/crates/py/data/kept.txt": b"k"},
        # Exclusion wins over the defaults and over include, as in maturin.
        excluded=["ws/crates/core/src/lib.rs", "ws/crates/py/data/extra.txt", "elsewhere/x"],
    )
    assert "crates/core/src/lib.rs" not in members and "crates/py/data/extra.txt" not in members
    assert members["crates/py/data/kept.txt"] == "k" and "crates/py/src/lib.rs" in members
    with pytest.raises(SdistLayoutError, match="`include` names `elsewhere/x`, outside"):
        _members(_files(), included={"elsewhere/x": b""})
