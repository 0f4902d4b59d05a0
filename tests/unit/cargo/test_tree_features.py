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
