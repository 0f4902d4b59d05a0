"""The third-party crates that no interpreter can reach, and a package that compiles just them.

An extension's third-party crates split in two. pyo3's (or python3-sys's) build script reads the
interpreter, so they and every crate above them are compiled per interpreter. Everything else
(regex, serde, syn, libc, ...) compiles the same whatever the interpreter, and can be compiled
once per workspace, profile and feature resolution, shared by every extension and interpreter.

cargo offers no "build these dependencies with these features" command (`cargo build -p dep`
unifies features over the whole workspace), so the shared layer is compiled from a generated
package that depends on exactly those crates, each pinned to its version with the features the
extension's build resolves for it; build scripts' and proc-macros' crates as build-dependencies,
so that they get the build-override profile, as they do in the extension's build. The same
crates with the same features, profile and sources give cargo the same unit hashes, so the
extension's build finds them fresh. Where that fails (a crate cargo would configure otherwise),
cargo recompiles it in the per-interpreter layer: a miss costs time, never correctness.

Pure functions of `cargo metadata` and `cargo tree` output.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Set, Tuple

import tomli_w
from pants_rust_python.cargo.graph import (
    BUILD,
    NORMAL,
    CargoMetadata,
    Package,
    is_local,
    tree_feature_sets,
)

# Crates whose build script reads the interpreter: they and every crate that depends on them are
# compiled per interpreter.
INTERPRETER_CRATES = frozenset({"pyo3-build-config", "python3-sys", "python27-sys"})

# The generated package, placed inside the workspace root (so the repo's `.cargo/config.toml`
# applies to it as to the real build) as a workspace of its own.
SHARED_PACKAGE_NAME = "pants-rust-python-shared-deps"
SHARED_PACKAGE_DIR = "__pants_rust_python_shared_deps"


@dataclass(frozen=True)
class SharedCrate:
    name: str
    version: str
    # Features as the extension's own code (target units) gets them; None if it does not use
    # the crate there.
    target_features: Optional[Tuple[str, ...]]
    # Features as build scripts and proc-macros get them; None if none of them uses the crate.
    host_features: Optional[Tuple[str, ...]]


def _is_proc_macro(package: Package) -> bool:
    return any("proc-macro" in t.kind for t in package.targets)


def _default_registry_sources(raw_metadata: Mapping[str, Any]) -> FrozenSet[str]:
    """Sources of crates declared without `registry = ...`: those a generated manifest can
    name by version alone (whatever registry or mirror the user's cargo is set up for)."""
    sources = set()
    for package in raw_metadata.get("packages", ()):
        for dep in package.get("dependencies", ()):
            source = dep.get("source")
            if dep.get("registry") is None and isinstance(source, str):
                if not source.startswith(("git+", "path+")):
                    sources.add(source)
    return frozenset(sources)


def interpreter_free_crates(
    meta: CargoMetadata,
    raw_metadata: Mapping[str, Any],
    root_id: str,
    full_tree: str,
    target_tree: str,
) -> Tuple[SharedCrate, ...]:
    """The third-party crates of `root_id`'s build that no interpreter reaches.

    `full_tree` is `cargo tree -p <root> --edges=normal,build`, `target_tree` the same with
    `--edges=normal,no-proc-macro` (the crate's own code only), both for the build's target and
    features. A crate qualifies if it comes from a registry dependency declared by version, and
    neither it nor anything it depends on is a repo crate or reads the interpreter.
    """
    all_sets = tree_feature_sets(full_tree)
    target_sets = tree_feature_sets(target_tree)
    in_build = {p.id: p for p in meta.packages if (p.name, p.version) in all_sets}
    nodes = {n.id: n for n in meta.nodes if n.id in in_build}
    sources = {p["id"]: p.get("source") for p in raw_metadata.get("packages", ())}
    default_sources = _default_registry_sources(raw_metadata)

    # Which crates are fit, decided bottom-up over the dependency edges (cycles cannot occur
    # among a build's normal and build dependencies).
    fit: Dict[str, bool] = {}

    def is_fit(package_id: str, visiting: FrozenSet[str] = frozenset()) -> bool:
        if package_id in fit:
            return fit[package_id]
        package = in_build[package_id]
        ok = (
            not is_local(package_id)
            and package.name not in INTERPRETER_CRATES
            and sources.get(package_id) in default_sources
            and package_id not in visiting
        )
        if ok:
            for dep in nodes[package_id].deps:
                if dep.pkg in in_build and dep.has_kind((NORMAL, BUILD)):
                    if not is_fit(dep.pkg, visiting | {package_id}):
                        ok = False
                        break
        fit[package_id] = ok
        return ok

    # Host units: what build scripts and proc-macros use, found by walking the graph from the
    # root's and every crate's build-dependencies and proc-macros.
    target_ids = {pid for pid, p in in_build.items() if (p.name, p.version) in target_sets}
    host_ids: Set[str] = set()
    todo: List[str] = []
    for package_id in sorted(target_ids | {root_id}):
        for dep in nodes[package_id].deps if package_id in nodes else ():
            if dep.pkg not in in_build:
                continue
            if dep.has_kind((BUILD,)) or _is_proc_macro(in_build[dep.pkg]):
                todo.append(dep.pkg)
    while todo:
        package_id = todo.pop()
        if package_id in host_ids:
            continue
        host_ids.add(package_id)
        for dep in nodes[package_id].deps:
            if dep.pkg in in_build and dep.has_kind((NORMAL, BUILD)):
                todo.append(dep.pkg)

    crates: List[SharedCrate] = []
    for package_id, package in sorted(in_build.items(), key=lambda kv: (kv[1].name, kv[1].version)):
        if package_id == root_id or not is_fit(package_id):
            continue
        key = (package.name, package.version)
        proc_macro = _is_proc_macro(package)
        # A proc-macro is a host unit wherever it is declared.
        target = min(target_sets[key]) if package_id in target_ids and not proc_macro else None
        host: Optional[Tuple[str, ...]] = None
        if package_id in host_ids or proc_macro:
            others = sorted(s for s in all_sets[key] if s != target)
            host = others[0] if others else target
        if target is None and host is None:
            continue
        crates.append(SharedCrate(package.name, package.version, target, host))
    return tuple(crates)


def resolver_of(root_manifest: Mapping[str, Any]) -> str:
    """The feature resolver the workspace uses ("1" or "2"; "3" resolves features as "2")."""
    workspace = root_manifest.get("workspace")
    package = root_manifest.get("package")
    for table in (workspace, package):
        if isinstance(table, Mapping) and isinstance(table.get("resolver"), str):
            return "1" if table["resolver"] == "1" else "2"
    edition = package.get("edition") if isinstance(package, Mapping) else None
    if isinstance(edition, str) and edition >= "2021":
        return "2"
    return "1"


def _dependency_key(crate: SharedCrate) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", f"{crate.name}_{crate.version}")


def _dependency(crate: SharedCrate, features: Tuple[str, ...]) -> Dict[str, Any]:
    return {
        "package": crate.name,
        "version": f"={crate.version}",
        "default-features": False,
        "features": list(features),
    }


@dataclass(frozen=True)
class SharedPackage:
    """The generated package's files, relative to SHARED_PACKAGE_DIR."""

    files: Tuple[Tuple[str, str], ...]


def shared_package(
    crates: Iterable[SharedCrate],
    *,
    root_manifest: Mapping[str, Any],
    crate_types: Optional[Tuple[str, ...]],
) -> SharedPackage:
    """A package that compiles `crates` as the extension's build does.

    `crate_types` are the extension's library crate types, or None for programs: the root's
    kind decides how cargo compiles its dependencies under LTO. The workspace's `[profile]`
    comes along, since it sets how every crate is compiled.
    """
    crates = tuple(sorted(crates, key=lambda c: (c.name, c.version)))
    dependencies = {
        _dependency_key(c): _dependency(c, c.target_features)
        for c in crates
        if c.target_features is not None
    }
    build_dependencies = {
        _dependency_key(c): _dependency(c, c.host_features)
        for c in crates
        if c.host_features is not None
    }
    manifest: Dict[str, Any] = {
        "package": {
            "name": SHARED_PACKAGE_NAME,
            "version": "0.0.0",
            "edition": "2021",
            "publish": False,
            "build": "build.rs",
        },
        "dependencies": dependencies,
        "build-dependencies": build_dependencies,
        "workspace": {"resolver": resolver_of(root_manifest)},
    }
    files = [("build.rs", "fn main() {}\n")]
    if crate_types is None:
        manifest["bin"] = [{"name": "shared-deps", "path": "main.rs"}]
        files.append(("main.rs", "fn main() {}\n"))
    else:
        manifest["lib"] = {"path": "lib.rs", "crate-type": list(crate_types)}
        files.append(("lib.rs", ""))
    profile = root_manifest.get("profile")
    if isinstance(profile, Mapping):
        manifest["profile"] = profile
    files.append(("Cargo.toml", tomli_w.dumps(manifest)))
    return SharedPackage(tuple(sorted(files)))
