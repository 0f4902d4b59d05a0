from __future__ import annotations

from pants_rust_python.cargo.graph import apply_tree_features


def test_tree_features_replace_workspace_unified_features() -> None:
    metadata = {
        "packages": [
            {"id": "pyo3-id", "name": "pyo3", "version": "0.30.1"},
            {"id": "stats-id", "name": "stats_py", "version": "0.2.0"},
            {"id": "other-id", "name": "other", "version": "1.0.0"},
        ],
        "resolve": {
            "nodes": [
                {"id": "pyo3-id", "features": ["abi3", "abi3-py39", "default", "macros"]},
                {"id": "stats-id", "features": []},
                {"id": "other-id", "features": ["x"]},
            ]
        },
    }
    tree = "\n".join(
        [
            "pyo3 v0.30.1|default,macros,pyo3-macros",
            "pyo3 v0.30.1|default,macros,pyo3-macros (*)",
            "pyo3-macros v0.30.1 (proc-macro)|",
            "stats_py v0.2.0 (/sandbox/crates/stats_py)|",
        ]
    )
    nodes = {
        n["id"]: n["features"] for n in apply_tree_features(metadata, tree)["resolve"]["nodes"]
    }
    assert nodes == {
        "pyo3-id": ["default", "macros", "pyo3-macros"],
        "stats-id": [],
        # Not in the package's graph: left alone.
        "other-id": ["x"],
    }


def test_edges_that_only_other_workspace_members_enable_are_dropped() -> None:
    """maturin's bin-workspace-pyo3-feature: `shared`'s optional pyo3 is on in the workspace's
    unified resolve (another member enables it), not in the program's own build, so pyo3 must
    not decide its bindings; dev-dependency edges stay."""
    dep = lambda pkg, kind=None: {  # noqa: E731
        "name": pkg.split("-")[0],
        "pkg": pkg,
        "dep_kinds": [{"kind": kind, "target": None}],
    }
    metadata = {
        "packages": [
            {"id": "bin-id", "name": "bin", "version": "0.1.0"},
            {"id": "shared-id", "name": "shared", "version": "0.1.0"},
            {"id": "pyo3-id", "name": "pyo3", "version": "0.29.0"},
            {"id": "pytest-id", "name": "tester", "version": "1.0.0"},
        ],
        "resolve": {
            "nodes": [
                {"id": "bin-id", "deps": [dep("shared-id"), dep("pytest-id", "dev")]},
                {"id": "shared-id", "deps": [dep("pyo3-id")], "features": ["python"]},
                {"id": "pyo3-id", "deps": []},
                {"id": "pytest-id", "deps": []},
            ]
        },
    }
    tree = "bin v0.1.0 (/sandbox/bin)|\nshared v0.1.0 (/sandbox/shared)|\n"
    nodes = {n["id"]: n for n in apply_tree_features(metadata, tree)["resolve"]["nodes"]}
    assert [d["pkg"] for d in nodes["bin-id"]["deps"]] == ["shared-id", "pytest-id"]
    assert nodes["shared-id"]["deps"] == [] and nodes["shared-id"]["features"] == []
