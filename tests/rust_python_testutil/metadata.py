"""Trimmed `cargo metadata` documents for unit tests of the plain functions."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from pants_rust_python.cargo.graph import CargoMetadata, parse_metadata

REG = "registry+fake://index"
ABI3_PY38 = [
    "abi3",
    "abi3-py310",
    "abi3-py311",
    "abi3-py312",
    "abi3-py38",
    "abi3-py39",
    "default",
    "extension-module",
    "macros",
]


def crate_metadata(
    name: str,
    *,
    lib: Optional[Tuple[str, Sequence[str]]] = None,
    bins: Iterable[Tuple[str, Sequence[str]]] = (),
    deps: Dict[str, List[str]] = {},  # noqa: B006 - read only
    root_features: Sequence[str] = (),
    crate_dir: str = "/repo/proj",
) -> CargoMetadata:
    """A trimmed `cargo metadata` for one crate: `lib` = (target name, crate types), `bins` =
    (name, required features), `deps` = {direct dependency: its resolved features}."""
    root_id = f"path+file://{crate_dir}#{name}@0.1.0"
    targets = []
    if lib is not None:
        targets.append(
            {
                "kind": list(lib[1]),
                "crate_types": list(lib[1]),
                "name": lib[0],
                "src_path": f"{crate_dir}/src/lib.rs",
            }
        )
    for bin_name, required in bins:
        targets.append(
            {
                "kind": ["bin"],
                "crate_types": ["bin"],
                "name": bin_name,
                "src_path": f"{crate_dir}/src/main.rs",
                "required-features": list(required),
            }
        )
    packages = [
        {
            "id": root_id,
            "name": name,
            "version": "0.1.0",
            "targets": targets,
            "features": {},
            "manifest_path": f"{crate_dir}/Cargo.toml",
        }
    ]
    nodes: List[Dict[str, Any]] = [{"id": root_id, "features": list(root_features), "deps": []}]
    for dep_name, features in deps.items():
        dep_id = f"{REG}#{dep_name}@0.23.5"
        packages.append(
            {
                "id": dep_id,
                "name": dep_name,
                "version": "0.23.5",
                "targets": [],
                "features": {},
                "manifest_path": f"/reg/{dep_name}/Cargo.toml",
            }
        )
        nodes.append({"id": dep_id, "features": features, "deps": []})
        nodes[0]["deps"].append(
            {
                "name": dep_name.replace("-", "_"),
                "pkg": dep_id,
                "dep_kinds": [{"kind": None, "target": None}],
            }
        )
    return parse_metadata(
        {
            "packages": packages,
            "resolve": {"nodes": nodes, "root": root_id},
            "workspace_members": [root_id],
            "workspace_root": crate_dir,
            "target_directory": f"{crate_dir}/target",
            "version": 1,
        }
    )
