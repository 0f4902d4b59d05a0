from __future__ import annotations

from typing import Any, Dict

import pytest
from pants_rust_python.cargo.manifest import (
    ManifestError,
    cargo_config_paths,
    crate_edition,
    is_workspace_member,
    parse_toml,
    path_dependencies,
    stub_files,
    workspace_member_globs,
)

MAIN = b"#![allow(dead_code)]\nfn main() {}\n"


def test_parse_toml() -> None:
    assert parse_toml(b'[package]\nname = "x"\n', "Cargo.toml") == {"package": {"name": "x"}}


def test_parse_toml_error_names_file_and_line() -> None:
    with pytest.raises(ManifestError) as e:
        parse_toml(b'[package]\nname = "x"\n[lib\n', "crates/x/Cargo.toml")
    message = str(e.value)
    assert message.startswith("crates/x/Cargo.toml:3:")
    assert "line 3 of crates/x/Cargo.toml" in message
    assert "Expected ']'" in message


def test_parse_toml_error_at_end_of_document() -> None:
    with pytest.raises(ManifestError, match=r"^a/Cargo.toml:2: invalid TOML"):
        parse_toml(b'name = "x"\nv = ', "a/Cargo.toml")


def test_parse_toml_rejects_non_utf8() -> None:
    with pytest.raises(ManifestError, match=r"^p/pyproject.toml:2: the file is not valid UTF-8"):
        parse_toml(b"a = 1\nb = '\xff'\n", "p/pyproject.toml")


def test_path_dependencies_everywhere() -> None:
    manifest = parse_toml(
        b"""
[package]
name = "a"

[dependencies]
b = { path = "../b" }
serde = "1"
c = { version = "1", path = "./vendor/c/" }

[dev-dependencies]
d = { path = "../d" }

[build-dependencies]
e = { path = "../e" }

[target.'cfg(unix)'.dependencies]
f = { path = "../f" }

[target.x86_64-unknown-linux-gnu.dev-dependencies]
g = { path = "../g" }

[workspace.dependencies]
h = { path = "crates/h" }
b = { path = "../b" }

[patch.my-registry]
i = { path = "patches/i" }

[patch.'https://example.invalid/repo']
j = { path = "patches/j" }

[replace]
"k:0.1.0" = { path = "replaced/k" }
""",
        "a/Cargo.toml",
    )
    assert path_dependencies(manifest) == [
        "../b",
        "../d",
        "../e",
        "../f",
        "../g",
        "crates/h",
        "patches/i",
        "patches/j",
        "replaced/k",
        "vendor/c",
    ]


def test_path_dependencies_none() -> None:
    assert path_dependencies({"package": {"name": "x"}, "dependencies": {"a": "1"}}) == []


def test_workspace_member_globs() -> None:
    assert workspace_member_globs({"package": {}}) == ((), ())
    assert workspace_member_globs(
        {"workspace": {"members": ["crates/*", "py"], "exclude": ["crates/old"]}}
    ) == (("crates/*", "py"), ("crates/old",))
    with pytest.raises(ManifestError, match="workspace.members"):
        workspace_member_globs({"workspace": {"members": "crates/*"}})


@pytest.mark.parametrize(
    "member, members, exclude, expected",
    [
        ("ws", [], [], True),  # the root package
        ("ws/crates/a", ["crates/*"], [], True),
        ("ws/crates/a/b", ["crates/*"], [], False),  # `*` stays in one component
        ("ws/crates/a/b", ["crates/**"], [], True),
        (
            "ws/crates/a",
            ["crates/**/a"],
            [],
            True,
        ),  # `**` also matches zero directories
        ("ws/crates/a", ["crates/?"], [], True),
        ("ws/crates/ab", ["crates/?"], [], False),
        ("ws/crates/b", ["crates/[ab]"], [], True),
        ("ws/crates/c", ["crates/[!ab]"], [], True),
        ("ws/py", ["./py/"], [], True),
        ("ws/crates/old", ["crates/*"], ["crates/old"], False),
        (
            "ws/crates/old/x",
            ["crates/**"],
            ["crates/old"],
            False,
        ),  # exclude is a prefix
        (
            "ws/crates/older",
            ["crates/*"],
            ["crates/old"],
            True,
        ),  # whole components only
        ("ws/crates/old", ["crates/old"], ["crates/old"], True),  # explicit member wins
        ("ws/other", ["crates/*"], [], False),
        ("outside/x", ["../outside/x"], [], True),
    ],
)
def test_is_workspace_member(member, members, exclude, expected) -> None:
    assert is_workspace_member("ws", member, members, exclude) is expected


def test_stub_files_for_explicit_targets() -> None:
    manifest = parse_toml(
        b"""
[package]
name = "b"
version = "0.2.0"
build = "tools/gen.rs"

[lib]
name = "b_native"
crate-type = ["cdylib", "rlib"]
path = "rust/lib.rs"

[[bin]]
name = "b-tool"

[[bin]]
name = "b"

[[bin]]
name = "explicit"
path = "cli/explicit.rs"

[[example]]
name = "demo"

[[test]]
name = "integration"

[[bench]]
name = "speed"
path = "perf/speed.rs"
""",
        "crates/b/Cargo.toml",
    )
    assert stub_files(manifest, "crates/b") == {
        "crates/b/cli/explicit.rs": MAIN,
        "crates/b/examples/demo.rs": MAIN,
        "crates/b/perf/speed.rs": MAIN,
        "crates/b/rust/lib.rs": b"",
        "crates/b/src/bin/b-tool.rs": MAIN,
        "crates/b/src/main.rs": MAIN,
        "crates/b/tests/integration.rs": MAIN,
        "crates/b/tools/gen.rs": MAIN,
    }


def test_stub_files_autodiscovered() -> None:
    manifest = {"package": {"name": "c", "version": "0.1.0"}}
    # Without a listing, a crate declaring no targets gets a library.
    assert stub_files(manifest, "c") == {"c/src/lib.rs": b""}
    # With a listing, the discovered targets and the build script are stubbed.
    existing = [
        "src/lib.rs",
        "src/main.rs",
        "src/bin/x.rs",
        "src/bin/y/main.rs",
        "src/bin/y/util.rs",
        "src/other.rs",
        "build.rs",
        "README.md",
    ]
    assert stub_files(manifest, "c", existing) == {
        "c/build.rs": MAIN,
        "c/src/bin/x.rs": MAIN,
        "c/src/bin/y/main.rs": MAIN,
        "c/src/lib.rs": b"",
        "c/src/main.rs": MAIN,
    }
    assert stub_files(manifest, "c", ["src/main.rs"]) == {"c/src/main.rs": MAIN}


def test_stub_files_build_script_rules() -> None:
    base = {"name": "c", "version": "0.1.0"}
    lib: Dict[str, Any] = {"lib": {}}
    # `links` needs a build script even if the listing is unknown.
    assert stub_files({"package": {**base, "links": "z"}, **lib}, ".") == {
        "build.rs": MAIN,
        "src/lib.rs": b"",
    }
    assert stub_files({"package": {**base, "build": True}, **lib}, ".") == {
        "build.rs": MAIN,
        "src/lib.rs": b"",
    }
    assert stub_files({"package": {**base, "build": False}, **lib}, ".", ["build.rs"]) == {
        "src/lib.rs": b"",
    }


def test_stub_files_virtual_manifest() -> None:
    assert stub_files({"workspace": {"members": ["a"]}}, ".") == {}


def test_cargo_config_paths_climb_to_the_build_root() -> None:
    assert cargo_config_paths("src/ws") == [
        "src/ws/.cargo/config.toml",
        "src/ws/.cargo/config",
        "src/.cargo/config.toml",
        "src/.cargo/config",
        ".cargo/config.toml",
        ".cargo/config",
    ]
    assert cargo_config_paths("") == [".cargo/config.toml", ".cargo/config"]


def test_crate_edition() -> None:
    assert crate_edition({"package": {"edition": "2024"}}, None, "a/Cargo.toml") == "2024"
    assert crate_edition({"package": {"name": "x"}}, None, "a/Cargo.toml") == "2015"
    inherited = {"package": {"edition": {"workspace": True}}}
    root = {"workspace": {"package": {"edition": "2021"}}}
    assert crate_edition(inherited, root, "a/Cargo.toml") == "2021"
    with pytest.raises(ManifestError, match=r"a/Cargo.toml: `edition.workspace = true`, but"):
        crate_edition(inherited, {"workspace": {}}, "a/Cargo.toml")
    with pytest.raises(ManifestError, match="must be a string"):
        crate_edition({"package": {"edition": 2021}}, None, "a/Cargo.toml")
