from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

import tomli
from pants_rust_python.cargo.graph import parse_metadata, tree_feature_sets
from pants_rust_python.cargo.shared_layer import (
    SHARED_PACKAGE_NAME,
    SharedCrate,
    interpreter_free_crates,
    resolver_of,
    shared_package,
)

REG = "registry+fake://index"
ALT = "registry+fake://other-index"
GIT = "git+fake://host/repo#abc"
ROOT = "path+file:///repo/ext#ext@0.1.0"


def pid(name: str, version: str = "1.0.0", source: str = REG) -> str:
    return f"{source}#{name}@{version}"


# name -> (version, source, kind of its lib target, [(dep name, dep kind)])
GRAPH: Dict[str, Tuple[str, str, str, List[Tuple[str, Optional[str]]]]] = {
    "ext": (
        "0.1.0",
        "",
        "cdylib",
        [
            ("memchr", None),
            ("serde_derive", None),
            ("cc", "build"),
            ("pyo3", None),
            ("gitdep", None),
            ("altdep", None),
        ],
    ),
    "memchr": ("1.0.0", REG, "lib", []),
    "serde_derive": ("1.0.0", REG, "proc-macro", [("syn", None)]),
    "syn": ("1.0.0", REG, "lib", [("proc-macro2", None)]),
    "proc-macro2": ("1.0.0", REG, "lib", []),
    "cc": ("1.0.0", REG, "lib", [("memchr", None)]),
    "pyo3": ("0.23.0", REG, "lib", [("pyo3-build-config", "build"), ("libc", None)]),
    "pyo3-build-config": ("0.23.0", REG, "lib", [("target-lexicon", None)]),
    "target-lexicon": ("1.0.0", REG, "lib", []),
    "libc": ("1.0.0", REG, "lib", []),
    "gitdep": ("1.0.0", GIT, "lib", [("libc", None)]),
    "altdep": ("1.0.0", ALT, "lib", []),
}


def _id(name: str) -> str:
    version, source, _, _ = GRAPH[name]
    return ROOT if name == "ext" else pid(name, version, source)


def raw_metadata() -> Dict[str, Any]:
    packages: List[Dict[str, Any]] = []
    nodes: List[Dict[str, Any]] = []
    for name, (version, source, kind, deps) in GRAPH.items():
        packages.append(
            {
                "id": _id(name),
                "name": name,
                "version": version,
                "source": source or None,
                "manifest_path": f"/src/{name}/Cargo.toml",
                "targets": [
                    {"kind": [kind], "crate_types": [kind], "name": name, "src_path": "lib.rs"}
                ],
                "dependencies": [
                    {
                        "name": dep,
                        "source": GRAPH[dep][1] or None,
                        "kind": dep_kind,
                        "registry": GRAPH[dep][1] if GRAPH[dep][1] == ALT else None,
                    }
                    for dep, dep_kind in deps
                ],
                "features": {},
            }
        )
        nodes.append(
            {
                "id": _id(name),
                "deps": [
                    {"name": dep, "pkg": _id(dep), "dep_kinds": [{"kind": k, "target": None}]}
                    for dep, k in deps
                ],
                "features": [],
            }
        )
    return {
        "version": 1,
        "packages": packages,
        "workspace_members": [ROOT],
        "workspace_root": "/repo",
        "target_directory": "/repo/target",
        "resolve": {"nodes": nodes, "root": ROOT},
    }


def tree(lines: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


# The whole build (cargo tree -e normal,build) and its own code only (-e normal,no-proc-macro).
FULL_TREE = tree(
    [
        "ext v0.1.0 (/repo/ext)|",
        "memchr v1.0.0|std",
        "serde_derive v1.0.0 (proc-macro)|default",
        "syn v1.0.0|full",
        "proc-macro2 v1.0.0|proc-macro",
        "cc v1.0.0|",
        "memchr v1.0.0|",
        "pyo3 v0.23.0|macros",
        "pyo3-build-config v0.23.0|",
        "target-lexicon v1.0.0|",
        "libc v1.0.0|default (*)",
        "gitdep v1.0.0|",
        "altdep v1.0.0|",
    ]
)
TARGET_TREE = tree(
    [
        "ext v0.1.0 (/repo/ext)|",
        "memchr v1.0.0|std",
        "pyo3 v0.23.0|macros",
        "libc v1.0.0|default",
        "gitdep v1.0.0|",
        "altdep v1.0.0|",
    ]
)


def shared() -> Dict[str, SharedCrate]:
    raw = raw_metadata()
    crates = interpreter_free_crates(parse_metadata(raw), raw, ROOT, FULL_TREE, TARGET_TREE)
    return {c.name: c for c in crates}


def test_tree_feature_sets_keep_each_set_a_crate_is_built_with() -> None:
    sets = tree_feature_sets(FULL_TREE)
    assert sets[("memchr", "1.0.0")] == {("std",), ()}
    assert sets[("libc", "1.0.0")] == {("default",)}
    assert sets[("serde_derive", "1.0.0")] == {("default",)}


def test_interpreter_crates_and_what_uses_them_stay_per_interpreter() -> None:
    crates = shared()
    assert "pyo3-build-config" not in crates
    assert "pyo3" not in crates
    # Below the interpreter, not above it: shared.
    assert crates["target-lexicon"] == SharedCrate("target-lexicon", "1.0.0", None, ())
    assert crates["libc"] == SharedCrate("libc", "1.0.0", ("default",), None)


def test_repo_git_and_other_registry_crates_are_left_to_the_extension_build() -> None:
    crates = shared()
    assert "ext" not in crates
    assert "gitdep" not in crates
    assert "altdep" not in crates


def test_build_scripts_and_proc_macros_get_their_own_features() -> None:
    crates = shared()
    # memchr: the crate's code gets `std`, the build script's `cc` gets it without.
    assert crates["memchr"] == SharedCrate("memchr", "1.0.0", ("std",), ())
    assert crates["cc"] == SharedCrate("cc", "1.0.0", None, ())
    assert crates["serde_derive"] == SharedCrate("serde_derive", "1.0.0", None, ("default",))
    assert crates["syn"] == SharedCrate("syn", "1.0.0", None, ("full",))


def test_the_generated_package_pins_versions_and_features() -> None:
    root_manifest = {"workspace": {"resolver": "2"}, "profile": {"release": {"lto": True}}}
    package = shared_package(
        shared().values(), root_manifest=root_manifest, crate_types=("cdylib",)
    )
    files = dict(package.files)
    assert set(files) == {"Cargo.toml", "build.rs", "lib.rs"}
    manifest = tomli.loads(files["Cargo.toml"])
    assert manifest["package"]["name"] == SHARED_PACKAGE_NAME
    assert manifest["lib"]["crate-type"] == ["cdylib"]
    assert manifest["profile"] == {"release": {"lto": True}}
    assert manifest["workspace"] == {"resolver": "2"}
    assert manifest["dependencies"]["memchr_1_0_0"] == {
        "package": "memchr",
        "version": "=1.0.0",
        "default-features": False,
        "features": ["std"],
    }
    assert manifest["build-dependencies"]["memchr_1_0_0"]["features"] == []
    assert "serde_derive_1_0_0" in manifest["build-dependencies"]
    assert "serde_derive_1_0_0" not in manifest["dependencies"]


def test_programs_get_a_program_root() -> None:
    package = shared_package(shared().values(), root_manifest={}, crate_types=None)
    manifest = tomli.loads(dict(package.files)["Cargo.toml"])
    assert "lib" not in manifest
    assert manifest["bin"] == [{"name": "shared-deps", "path": "main.rs"}]


def test_equal_resolutions_give_equal_packages_and_other_features_another() -> None:
    crates = list(shared().values())
    first = shared_package(crates, root_manifest={}, crate_types=("cdylib",))
    assert shared_package(reversed(crates), root_manifest={}, crate_types=("cdylib",)) == first
    other = [
        SharedCrate(c.name, c.version, (), c.host_features) if c.name == "memchr" else c
        for c in crates
    ]
    assert shared_package(other, root_manifest={}, crate_types=("cdylib",)) != first


def test_resolver_follows_the_workspace() -> None:
    assert resolver_of({"workspace": {"resolver": "1"}}) == "1"
    assert resolver_of({"workspace": {"resolver": "3"}}) == "2"
    assert resolver_of({"package": {"edition": "2021"}}) == "2"
    assert resolver_of({"package": {"edition": "2018"}}) == "1"
    assert resolver_of({"workspace": {"members": []}}) == "1"
