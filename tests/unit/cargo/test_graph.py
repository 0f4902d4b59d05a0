from __future__ import annotations

import json
from typing import Optional

import pytest
from pants_rust_python.cargo.graph import (
    ABI3_CURRENT,
    BINDING_CRATES,
    CargoMetadata,
    DepKind,
    GraphError,
    bindings_package,
    find_package,
    local_dependency_order,
    parse_metadata,
    pyo3_abi3,
    reachable_packages,
)
from rust_python_testutil.metadata import ABI3_PY38, REG

# Package ids shaped like cargo's, with a made-up registry source.
ROOT_ID = "path+file:///ws/crates/app#0.1.0"
SIBLING_ID = "path+file:///ws/crates/helper#0.2.0"


def rid(name: str, version: str) -> str:
    return f"{REG}#{name}@{version}"


def dep(name: str, pkg: str, *kinds: str | None, target: str | None = None) -> dict:
    return {
        "name": name.replace("-", "_"),
        "pkg": pkg,
        "dep_kinds": [{"kind": k, "target": target} for k in (kinds or (None,))],
    }


def package(pid: str, name: str, version: str, manifest: str, targets=(), features=None) -> dict:
    return {
        "name": name,
        "version": version,
        "id": pid,
        "source": None,
        "dependencies": [],
        "targets": list(targets),
        "features": features or {},
        "manifest_path": manifest,
        "metadata": None,
    }


def lib_target(name: str, src: str, crate_types=("lib",)) -> dict:
    return {
        "kind": list(crate_types),
        "crate_types": list(crate_types),
        "name": name,
        "src_path": src,
        "edition": "2021",
        "doc": True,
        "doctest": True,
        "test": True,
    }


def metadata(pyo3_features, *, with_cpython=False, extra_pyo3=False) -> dict:
    """A trimmed `cargo metadata --format-version 1` of a two-member workspace."""
    pyo3 = rid("pyo3", "0.23.5")
    ffi = rid("pyo3-ffi", "0.23.5")
    cfg = rid("pyo3-build-config", "0.23.5")
    libc = rid("libc", "0.2.191")
    itoa = rid("itoa", "1.0.19")
    packages = [
        package(
            ROOT_ID,
            "app",
            "0.1.0",
            "/ws/crates/app/Cargo.toml",
            targets=[
                lib_target("app_native", "/ws/crates/app/src/lib.rs", ("cdylib", "rlib")),
                {
                    "kind": ["bin"],
                    "crate_types": ["bin"],
                    "name": "app-cli",
                    "src_path": "/ws/crates/app/src/main.rs",
                    "required-features": ["cli"],
                },
                {
                    "kind": ["custom-build"],
                    "crate_types": ["bin"],
                    "name": "build-script-build",
                    "src_path": "/ws/crates/app/build.rs",
                },
            ],
            features={"cli": [], "default": ["cli"]},
        ),
        package(
            SIBLING_ID,
            "helper",
            "0.2.0",
            "/ws/crates/helper/Cargo.toml",
            targets=[lib_target("helper", "/ws/crates/helper/src/lib.rs")],
        ),
        package(pyo3, "pyo3", "0.23.5", "/reg/pyo3-0.23.5/Cargo.toml"),
        package(ffi, "pyo3-ffi", "0.23.5", "/reg/pyo3-ffi-0.23.5/Cargo.toml"),
        package(cfg, "pyo3-build-config", "0.23.5", "/reg/pyo3-build-config/Cargo.toml"),
        package(libc, "libc", "0.2.191", "/reg/libc/Cargo.toml"),
        package(itoa, "itoa", "1.0.19", "/reg/itoa/Cargo.toml"),
    ]
    root_deps = [
        dep("pyo3", pyo3),
        dep("helper", SIBLING_ID),
        dep("itoa", itoa, "dev", target="cfg(unix)"),
    ]
    nodes = [
        {
            "id": ROOT_ID,
            "dependencies": [],
            "deps": root_deps,
            "features": ["cli", "default"],
        },
        {
            "id": SIBLING_ID,
            "dependencies": [],
            "deps": [dep("libc", libc)],
            "features": [],
        },
        {
            "id": pyo3,
            "deps": [
                dep("pyo3-ffi", ffi),
                dep("libc", libc),
                dep("pyo3-build-config", cfg, "build"),
            ],
            "features": pyo3_features,
        },
        {
            "id": ffi,
            "deps": [dep("libc", libc), dep("pyo3-build-config", cfg, "build")],
            "features": [
                f for f in pyo3_features if f.startswith("abi3") or f == "extension-module"
            ],
        },
        {"id": cfg, "deps": [], "features": []},
        {"id": libc, "deps": [], "features": ["default", "std"]},
        {"id": itoa, "deps": [], "features": []},
    ]
    if with_cpython:
        cpython = rid("cpython", "0.7.2")
        packages.append(package(cpython, "cpython", "0.7.2", "/reg/cpython/Cargo.toml"))
        nodes.append({"id": cpython, "deps": [], "features": []})
        nodes[0]["deps"].append(dep("cpython", cpython))
    if extra_pyo3:
        old = rid("pyo3", "0.20.0")
        packages.append(package(old, "pyo3", "0.20.0", "/reg/pyo3-0.20.0/Cargo.toml"))
        nodes.append({"id": old, "deps": [], "features": []})
        nodes[1]["deps"].append(dep("pyo3", old))
    return {
        "packages": packages,
        "workspace_members": [ROOT_ID, SIBLING_ID],
        "workspace_default_members": [ROOT_ID, SIBLING_ID],
        "resolve": {"nodes": nodes, "root": None},
        "target_directory": "/ws/target",
        "version": 1,
        "workspace_root": "/ws",
        "metadata": None,
    }


def test_parse_packages_targets_and_features() -> None:
    meta = parse_metadata(json.dumps(metadata(ABI3_PY38)).encode())
    app = find_package(meta, "/ws/crates/app/Cargo.toml")
    assert app.id == ROOT_ID and app.name == "app" and app.version == "0.1.0"
    assert [t.name for t in app.targets] == [
        "app_native",
        "app-cli",
        "build-script-build",
    ]
    lib = app.cdylib_target
    assert lib is not None and lib.name == "app_native"
    assert lib.crate_types == ("cdylib", "rlib")
    assert lib.src_path == "/ws/crates/app/src/lib.rs"
    assert app.lib_target == lib
    assert [t.name for t in app.bin_targets] == ["app-cli"]
    assert app.bin_targets[0].required_features == ("cli",)
    assert dict(app.features) == {"cli": (), "default": ("cli",)}
    assert meta.resolved_features(ROOT_ID) == ("cli", "default")
    assert meta.workspace_members == (ROOT_ID, SIBLING_ID)
    assert meta.workspace_root == "/ws" and meta.root is None
    root_node = meta.node(ROOT_ID)
    itoa = [d for d in root_node.deps if d.name == "itoa"][0]
    assert itoa.dep_kinds == (DepKind("dev", "cfg(unix)"),)
    pyo3 = [d for d in root_node.deps if d.name == "pyo3"][0]
    assert pyo3.dep_kinds == (DepKind("normal", None),)


def test_find_package_normalizes_and_explains() -> None:
    meta = parse_metadata(metadata(ABI3_PY38))
    assert find_package(meta, "/ws/crates/./helper/Cargo.toml").id == SIBLING_ID
    with pytest.raises(
        GraphError,
        match=r"/ws/crates/other/Cargo.toml.*Workspace members: "
        r"/ws/crates/app/Cargo.toml, /ws/crates/helper",
    ):
        find_package(meta, "/ws/crates/other/Cargo.toml")


def test_reachable_packages_skip_dev_dependencies_by_default() -> None:
    meta = parse_metadata(metadata(ABI3_PY38))
    names = [p.name for p in reachable_packages(meta, ROOT_ID)]
    assert sorted(names) == ["helper", "libc", "pyo3", "pyo3-build-config", "pyo3-ffi"]
    with_dev = [p.name for p in reachable_packages(meta, ROOT_ID, kinds=("normal", "build", "dev"))]
    assert "itoa" in with_dev
    normal_only = [p.name for p in reachable_packages(meta, ROOT_ID, kinds=("normal",))]
    assert "pyo3-build-config" not in normal_only


def detect_bindings(meta: CargoMetadata, root_id: str) -> Optional[str]:
    crate = bindings_package(meta, root_id)
    return dict(BINDING_CRATES)[crate.name] if crate else None


def test_detect_bindings_prefers_pyo3_over_pyo3_ffi() -> None:
    meta = parse_metadata(metadata(ABI3_PY38))
    assert detect_bindings(meta, ROOT_ID) == "pyo3"
    assert bindings_package(meta, ROOT_ID).version == "0.23.5"  # type: ignore[union-attr]
    # The sibling does not depend on any bindings crate.
    assert detect_bindings(meta, SIBLING_ID) is None


def test_detect_bindings_pyo3_ffi_only() -> None:
    raw = metadata(ABI3_PY38)
    ffi = rid("pyo3-ffi", "0.23.5")
    raw["resolve"]["nodes"][0]["deps"][0] = dep("pyo3-ffi", ffi)
    meta = parse_metadata(raw)
    assert detect_bindings(meta, ROOT_ID) == "pyo3-ffi"
    assert pyo3_abi3(meta, ROOT_ID) == (3, 8)


def test_detect_bindings_rust_cpython() -> None:
    raw = metadata(ABI3_PY38, with_cpython=True)
    raw["resolve"]["nodes"][0]["deps"].pop(0)  # drop pyo3
    meta = parse_metadata(raw)
    assert detect_bindings(meta, ROOT_ID) == "rust-cpython"
    assert pyo3_abi3(meta, ROOT_ID) is None


def test_dev_only_pyo3_is_not_bindings() -> None:
    raw = metadata(ABI3_PY38)
    raw["resolve"]["nodes"][0]["deps"][0]["dep_kinds"] = [{"kind": "dev", "target": None}]
    assert detect_bindings(parse_metadata(raw), ROOT_ID) is None


def test_several_pyo3_versions_are_an_error() -> None:
    raw = metadata(ABI3_PY38, extra_pyo3=True)
    meta = parse_metadata(raw)
    with pytest.raises(GraphError, match=r"Several versions of `pyo3` \(0.20.0, 0.23.5\)"):
        detect_bindings(meta, ROOT_ID)


@pytest.mark.parametrize(
    "features, expected",
    [
        (ABI3_PY38, (3, 8)),
        (["abi3", "abi3-py311", "abi3-py312", "extension-module"], (3, 11)),
        (["abi3", "extension-module"], ABI3_CURRENT),
        (["default", "extension-module", "macros"], None),
    ],
)
def test_pyo3_abi3(features, expected) -> None:
    assert pyo3_abi3(parse_metadata(metadata(features)), ROOT_ID) == expected


def test_pyo3_abi3_bogus_feature() -> None:
    with pytest.raises(GraphError, match="Bogus"):
        pyo3_abi3(parse_metadata(metadata(["abi3-pyxy"])), ROOT_ID)


def test_old_cargo_without_deps_field() -> None:
    raw = metadata(ABI3_PY38)
    for node in raw["resolve"]["nodes"]:
        node["dependencies"] = [d["pkg"] for d in node.pop("deps")]
    meta = parse_metadata(raw)
    assert detect_bindings(meta, ROOT_ID) == "pyo3"


def test_malformed_metadata() -> None:
    with pytest.raises(GraphError, match="did not print JSON"):
        parse_metadata(b"warning: something\n{")
    with pytest.raises(GraphError, match="no `packages`"):
        parse_metadata({"resolve": {}})
    with pytest.raises(GraphError, match="format version 2"):
        parse_metadata({"packages": [], "version": 2})
    meta = parse_metadata({"packages": [], "version": 1})
    with pytest.raises(GraphError, match="--no-deps"):
        meta.node(ROOT_ID)


def _chain_metadata() -> dict:
    """app -> helper -> core (repo crates), app and core -> a registry crate, app -dev-> probe."""
    ids = {
        "app": ROOT_ID,
        "helper": SIBLING_ID,
        "core": "path+file:///ws/crates/core#0.1.0",
        "probe": "path+file:///ws/crates/probe#0.1.0",
        "regex": rid("regex", "1.0.0"),
    }
    edges: dict[str, list[dict]] = {
        "app": [dep("helper", ids["helper"]), dep("regex", ids["regex"])],
        "helper": [dep("core", ids["core"], None, "build")],
        "core": [dep("regex", ids["regex"])],
        "probe": [],
        "regex": [],
    }
    edges["app"].append(dep("probe", ids["probe"], "dev"))
    return {
        "packages": [
            package(pid, name, "0.1.0", f"/ws/crates/{name}/Cargo.toml")
            for name, pid in ids.items()
        ],
        "workspace_members": [ids["app"], ids["helper"], ids["core"], ids["probe"]],
        "workspace_root": "/ws",
        "target_directory": "/ws/target",
        "resolve": {
            "root": None,
            "nodes": [{"id": ids[n], "deps": deps, "features": []} for n, deps in edges.items()],
        },
    }


def test_local_dependency_order_puts_used_crates_first() -> None:
    meta = parse_metadata(json.dumps(_chain_metadata()))
    # core before helper (helper uses it, as a build dependency too); no registry crate, no
    # dev-dependency, not the root itself.
    assert [p.name for p in local_dependency_order(meta, ROOT_ID)] == ["core", "helper"]
    assert [p.name for p in local_dependency_order(meta, SIBLING_ID)] == ["core"]
