"""The package graph that `cargo metadata --format-version 1` prints, as frozen dataclasses.

Only what wheel building needs is kept: packages with their targets and declared features, and
the resolve graph with the features cargo resolved for each node (that is where `abi3-py38`
etc. show up).
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Set, Tuple, Union

NORMAL = "normal"
BUILD = "build"
DEV = "dev"

# Stable-ABI marker for "abi3 without a minimum version": the extension is built for the
# interpreter's own minor version and tagged abi3 from there on.
ABI3_CURRENT = "abi3"

Abi3 = Union[Tuple[int, int], str]


class GraphError(ValueError):
    """`cargo metadata` output that is malformed or does not contain what was asked for."""


@dataclass(frozen=True)
class Target:
    name: str
    # e.g. ("lib",), ("cdylib", "rlib"), ("bin",), ("custom-build",), ("proc-macro",).
    kind: Tuple[str, ...]
    crate_types: Tuple[str, ...]
    src_path: str
    required_features: Tuple[str, ...] = ()

    @property
    def is_bin(self) -> bool:
        return "bin" in self.kind

    @property
    def is_cdylib(self) -> bool:
        return "cdylib" in self.crate_types


@dataclass(frozen=True)
class Package:
    id: str
    name: str
    version: str
    manifest_path: str
    targets: Tuple[Target, ...]
    # Declared `[features]`, as sorted (feature, enables) pairs: a tuple keeps the dataclass
    # hashable for the Pants engine.
    features: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    # What the SBOM says of it: `source` as cargo prints it (None for a repo crate), and the
    # manifest's `authors`, `description`, `license`, `documentation`, `homepage`, `links` and
    # `repository`.
    source: Optional[str] = None
    authors: Tuple[str, ...] = ()
    description: Optional[str] = None
    license: Optional[str] = None
    documentation: Optional[str] = None
    homepage: Optional[str] = None
    links: Optional[str] = None
    repository: Optional[str] = None
    # `[package] default-run`: the binary `cargo run` runs when there are several.
    default_run: Optional[str] = None
    # `readme` (inferred by cargo when not set) and `license-file`, relative to the manifest.
    readme: Optional[str] = None
    license_file: Optional[str] = None

    @property
    def lib_target(self) -> Optional[Target]:
        """The library target (lib, rlib, cdylib, ... but not proc-macro), if any."""
        for target in self.targets:
            if any(k in _LIB_KINDS for k in target.kind):
                return target
        return None

    @property
    def cdylib_target(self) -> Optional[Target]:
        for target in self.targets:
            if target.is_cdylib and not _is_auxiliary(target):
                return target
        return None

    @property
    def bin_targets(self) -> Tuple[Target, ...]:
        return tuple(t for t in self.targets if t.is_bin)


_LIB_KINDS = frozenset({"lib", "rlib", "dylib", "cdylib", "staticlib"})
_AUXILIARY_KINDS = frozenset({"example", "test", "bench", "custom-build"})


def _is_auxiliary(target: Target) -> bool:
    return any(k in _AUXILIARY_KINDS for k in target.kind)


@dataclass(frozen=True)
class DepKind:
    # "normal", "build" or "dev" (cargo prints `null` for normal).
    kind: str
    # A `cfg(...)` expression or triple for `[target.X.dependencies]`, else None.
    target: Optional[str] = None


@dataclass(frozen=True)
class NodeDep:
    # The dependency's name as the depending crate sees it (lib name, after renames).
    name: str
    pkg: str
    dep_kinds: Tuple[DepKind, ...]

    def has_kind(self, kinds: Iterable[str]) -> bool:
        kinds = frozenset(kinds)
        return any(dk.kind in kinds for dk in self.dep_kinds)


@dataclass(frozen=True)
class Node:
    id: str
    deps: Tuple[NodeDep, ...]
    # Features cargo resolved for this package (unified across the whole resolve).
    features: Tuple[str, ...]


@dataclass(frozen=True)
class CargoMetadata:
    packages: Tuple[Package, ...]
    nodes: Tuple[Node, ...]
    workspace_members: Tuple[str, ...]
    workspace_root: str
    # `resolve.root`: the package cargo metadata ran for; None for a virtual workspace.
    root: Optional[str] = None

    def package(self, package_id: str) -> Package:
        for package in self.packages:
            if package.id == package_id:
                return package
        raise GraphError(f"Package `{package_id}` is not in the `cargo metadata` output.")

    def node(self, package_id: str) -> Node:
        for node in self.nodes:
            if node.id == package_id:
                return node
        raise GraphError(
            f"Package `{package_id}` is not in the resolve graph of the `cargo metadata` output "
            "(was it run with `--no-deps`?)."
        )

    def resolved_features(self, package_id: str) -> Tuple[str, ...]:
        return self.node(package_id).features


# ---------------------------------------------------------------------------------------------
# Parsing


def _str(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str):
        raise GraphError(f"`cargo metadata` output: {where} has no string `{key}`.")
    return value


def _opt_str(obj: Mapping[str, Any], key: str) -> Optional[str]:
    value = obj.get(key)
    return value if isinstance(value, str) else None


def _str_tuple(value: Any) -> Tuple[str, ...]:
    if value is None:
        return ()
    return tuple(str(v) for v in value)


def _parse_target(raw: Mapping[str, Any], where: str) -> Target:
    kind = _str_tuple(raw.get("kind"))
    return Target(
        name=_str(raw, "name", where),
        kind=kind,
        # Very old cargo had no `crate_types`; the kinds are the crate types there.
        crate_types=_str_tuple(raw.get("crate_types", kind)),
        src_path=_str(raw, "src_path", where),
        required_features=_str_tuple(raw.get("required-features")),
    )


def _parse_package(raw: Mapping[str, Any]) -> Package:
    package_id = _str(raw, "id", "a package")
    where = f"package `{package_id}`"
    features = raw.get("features") or {}
    return Package(
        id=package_id,
        name=_str(raw, "name", where),
        version=_str(raw, "version", where),
        manifest_path=_str(raw, "manifest_path", where),
        targets=tuple(_parse_target(t, f"a target of {where}") for t in raw.get("targets", ())),
        features=tuple(sorted((str(k), _str_tuple(v)) for k, v in features.items())),
        source=_opt_str(raw, "source"),
        authors=_str_tuple(raw.get("authors")),
        description=_opt_str(raw, "description"),
        license=_opt_str(raw, "license"),
        documentation=_opt_str(raw, "documentation"),
        homepage=_opt_str(raw, "homepage"),
        links=_opt_str(raw, "links"),
        repository=_opt_str(raw, "repository"),
        default_run=_opt_str(raw, "default_run"),
        readme=_opt_str(raw, "readme"),
        license_file=_opt_str(raw, "license_file"),
    )


def _parse_node(raw: Mapping[str, Any]) -> Node:
    node_id = _str(raw, "id", "a resolve node")
    deps: List[NodeDep] = []
    if "deps" in raw:
        for dep in raw["deps"]:
            kinds = tuple(
                DepKind(kind=dk.get("kind") or NORMAL, target=dk.get("target"))
                for dk in dep.get("dep_kinds") or ({"kind": None},)
            )
            deps.append(
                NodeDep(
                    name=_str(dep, "name", f"a dep of `{node_id}`"),
                    pkg=_str(dep, "pkg", f"a dep of `{node_id}`"),
                    dep_kinds=kinds,
                )
            )
    else:
        # cargo < 1.41 only listed ids; treat them as normal dependencies.
        for pkg in raw.get("dependencies", ()):
            deps.append(NodeDep(name="", pkg=str(pkg), dep_kinds=(DepKind(NORMAL),)))
    return Node(
        id=node_id,
        deps=tuple(deps),
        features=tuple(sorted(_str_tuple(raw.get("features")))),
    )


def parse_metadata(data: Union[bytes, str, Mapping[str, Any]]) -> CargoMetadata:
    """Parse `cargo metadata --format-version 1` output (JSON text or already-decoded)."""
    if isinstance(data, (bytes, str)):
        try:
            decoded = json.loads(data)
        except ValueError as e:
            raise GraphError(f"`cargo metadata` did not print JSON: {e}") from e
    else:
        decoded = data
    if not isinstance(decoded, Mapping) or "packages" not in decoded:
        raise GraphError("`cargo metadata` output has no `packages`.")
    version = decoded.get("version", 1)
    if version != 1:
        raise GraphError(f"Unsupported `cargo metadata` format version {version}; expected 1.")
    resolve = decoded.get("resolve") or {}
    return CargoMetadata(
        packages=tuple(_parse_package(p) for p in decoded["packages"]),
        nodes=tuple(_parse_node(n) for n in resolve.get("nodes", ())),
        workspace_members=_str_tuple(decoded.get("workspace_members")),
        workspace_root=str(decoded.get("workspace_root", "")),
        root=resolve.get("root"),
    )


# ---------------------------------------------------------------------------------------------
# Queries


def find_package(meta: CargoMetadata, manifest_path: str) -> Package:
    """The package whose `Cargo.toml` is `manifest_path` (absolute, as cargo prints it)."""
    wanted = posixpath.normpath(manifest_path)
    for package in meta.packages:
        if posixpath.normpath(package.manifest_path) == wanted:
            return package
    members = sorted(
        meta.package(m).manifest_path for m in meta.workspace_members if _has_package(meta, m)
    )
    raise GraphError(
        f"No package in the `cargo metadata` output has the manifest {manifest_path}. "
        f"Workspace members: {', '.join(members) or '(none)'}. Is the crate a member of its "
        "workspace (see `[workspace] members`/`exclude`)?"
    )


def _has_package(meta: CargoMetadata, package_id: str) -> bool:
    return any(p.id == package_id for p in meta.packages)


def reachable_packages(
    meta: CargoMetadata,
    root_id: str,
    kinds: Iterable[str] = (NORMAL, BUILD),
) -> Tuple[Package, ...]:
    """Packages reachable from `root_id` (itself excluded) over dependency edges of `kinds`.

    The default leaves out dev-dependencies: a crate that only tests against pyo3 is not a
    pyo3 extension.
    """
    kinds = frozenset(kinds)
    nodes = {node.id: node for node in meta.nodes}
    if root_id not in nodes:
        meta.node(root_id)  # raises with a helpful message
    seen = {root_id}
    todo = [root_id]
    while todo:
        for dep in nodes[todo.pop()].deps:
            if dep.pkg not in seen and dep.has_kind(kinds):
                seen.add(dep.pkg)
                todo.append(dep.pkg)
    seen.discard(root_id)
    return tuple(sorted((meta.package(pid) for pid in seen), key=lambda p: p.id))


def is_local(package_id: str) -> bool:
    """A crate of the repository (a path source), as opposed to a registry or git crate."""
    return package_id.startswith("path+file://") or "(path+file://" in package_id


def local_dependency_order(meta: CargoMetadata, root_id: str) -> Tuple[Package, ...]:
    """The repo crates `root_id` builds on (itself excluded), each after the ones it uses.

    Over normal and build edges only, as cargo compiles a library; ties go by name, so the
    order (and so each layer's cache key) is the same on every run.
    """
    local = {p.id for p in reachable_packages(meta, root_id) if is_local(p.id)}
    nodes = {node.id: node for node in meta.nodes}

    def local_deps(package_id: str) -> set[str]:
        return {
            d.pkg for d in nodes[package_id].deps if d.pkg in local and d.has_kind((NORMAL, BUILD))
        }

    ordered: List[Package] = []
    done: set[str] = set()
    pending = sorted(local, key=lambda pid: (meta.package(pid).name, pid))
    while pending:
        ready = [pid for pid in pending if local_deps(pid) <= done]
        if not ready:
            raise GraphError(
                f"The repo crates {', '.join(pending)} depend on each other in a cycle."
            )
        for pid in ready:
            ordered.append(meta.package(pid))
            done.add(pid)
        pending = [pid for pid in pending if pid not in done]
    return tuple(ordered)


def _reachable_by_name(meta: CargoMetadata, root_id: str) -> Dict[str, List[Package]]:
    by_name: Dict[str, List[Package]] = {}
    for package in reachable_packages(meta, root_id):
        by_name.setdefault(package.name, []).append(package)
    return by_name


def _single(by_name: Mapping[str, List[Package]], name: str) -> Optional[Package]:
    packages = by_name.get(name)
    if not packages:
        return None
    if len(packages) > 1:
        versions = ", ".join(sorted(p.version for p in packages))
        raise GraphError(
            f"Several versions of `{name}` ({versions}) are in the dependency graph; the "
            f"bindings cannot be determined. Make the crate depend on a single version of "
            f"`{name}` (check `cargo tree -i {name}`)."
        )
    return packages[0]


# Crates whose presence decides the bindings, in the order maturin checks them: pyo3 wins over
# pyo3-ffi (pyo3 itself depends on pyo3-ffi), rust-cpython's `cpython` comes last (maturin
# dropped it in 1.6, where it sat after pyo3-ffi).
# The crates that decide an extension's Python bindings, in order of precedence, and the
# bindings each gives (maturin's names).
BINDING_CRATES: Tuple[Tuple[str, str], ...] = (
    ("pyo3", "pyo3"),
    ("pyo3-ffi", "pyo3-ffi"),
    ("cpython", "rust-cpython"),
)


def bindings_package(meta: CargoMetadata, root_id: str) -> Optional[Package]:
    """The package (`pyo3`, `pyo3-ffi` or `cpython`) that decides the bindings, if any."""
    by_name = _reachable_by_name(meta, root_id)
    for crate, _ in BINDING_CRATES:
        package = _single(by_name, crate)
        if package is not None:
            return package
    return None


def depends_on(meta: CargoMetadata, root_id: str, crate_name: str) -> bool:
    """Whether `crate_name` is a (transitive, normal/build) dependency of `root_id`."""
    return crate_name in _reachable_by_name(meta, root_id)


def pyo3_abi3(meta: CargoMetadata, root_id: str) -> Optional[Abi3]:
    """The stable ABI that pyo3/pyo3-ffi's resolved features select.

    `(3, 8)` for `abi3-py38` (the minimum over all `abi3-pyXY` features, which enable each
    other upwards), `"abi3"` for a bare `abi3` (the building interpreter's own minor), None
    when there is no abi3 feature. Like maturin, pyo3-ffi is consulted first, then pyo3.
    """
    by_name = _reachable_by_name(meta, root_id)
    for crate in ("pyo3-ffi", "pyo3"):
        package = _single(by_name, crate)
        if package is None:
            continue
        features = meta.resolved_features(package.id)
        versions: List[Tuple[int, int]] = []
        for feature in features:
            if feature.startswith("abi3-py") and len(feature) >= len("abi3-py") + 2:
                digits = feature[len("abi3-py") :]
                if not digits.isdigit():
                    raise GraphError(f"Bogus {crate} cargo feature `{feature}`.")
                versions.append((int(digits[0]), int(digits[1:])))
        if versions:
            return min(versions)
        if "abi3" in features:
            return ABI3_CURRENT
    return None


# ---------------------------------------------------------------------------------------------
# Per-package feature resolution


def tree_feature_sets(tree_output: str) -> Dict[Tuple[str, str], Set[Tuple[str, ...]]]:
    """(name, version) -> the feature sets `cargo tree --prefix=none --format='{p}|{f}'` lists
    for that package (two when build scripts get other features than the crate's code)."""
    sets: Dict[Tuple[str, str], Set[Tuple[str, ...]]] = {}
    for line in tree_output.splitlines():
        if "|" not in line:
            continue
        package, features = line.rsplit("|", 1)
        words = package.split()
        if len(words) < 2 or not words[1].startswith("v"):
            continue
        names = sorted(f for f in features.replace("(*)", "").strip().split(",") if f)
        sets.setdefault((words[0], words[1][1:]), set()).add(tuple(names))
    return sets


def apply_tree_features(metadata: Dict[str, Any], tree_output: str) -> Dict[str, Any]:
    """Replace the resolved features in `metadata` (a decoded `cargo metadata` document) with
    those `cargo tree -p <pkg> --prefix=none --format='{p}|{f}'` printed for one package (all of
    them, for a crate that build scripts get with other features).

    `cargo metadata` unifies features over every workspace member, so a pyo3 that one member
    builds as abi3 would look abi3 for all of them; a build of one package sees only its own.
    Likewise its edges: an optional dependency that only another member enables (`shared`'s
    pyo3 in maturin's bin-workspace-pyo3-feature) is dropped from the packages of this graph,
    as their build never compiles it; dev-dependency edges, which the tree leaves out, stay.
    Packages that `cargo tree` does not list (not in that package's graph) keep their features.
    """
    features = {
        key: sorted({f for s in sets for f in s})
        for key, sets in tree_feature_sets(tree_output).items()
    }
    by_id = {p["id"]: (p["name"], p["version"]) for p in metadata.get("packages", ())}
    for node in (metadata.get("resolve") or {}).get("nodes", ()):
        key = by_id.get(node.get("id"))
        if key in features:
            node["features"] = features[key]
            if "deps" in node:
                node["deps"] = _edges_in_graph(node["deps"], features, by_id)
                node["dependencies"] = [d["pkg"] for d in node["deps"]]
    return metadata


def _edges_in_graph(
    deps: List[Dict[str, Any]],
    listed: Mapping[Tuple[str, str], Any],
    by_id: Mapping[str, Tuple[str, str]],
) -> List[Dict[str, Any]]:
    kept = []
    for dep in deps:
        if by_id.get(dep.get("pkg", "")) in listed:
            kept.append(dep)
            continue
        dev = [k for k in dep.get("dep_kinds") or () if k.get("kind") == DEV]
        if dev:
            kept.append({**dep, "dep_kinds": dev})
    return kept
