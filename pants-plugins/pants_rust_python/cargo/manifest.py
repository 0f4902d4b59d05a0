"""Reading raw `Cargo.toml` manifests without running cargo.

Everything here is a pure function of TOML text, so Pants can key caches on the manifests alone
(and not on the crate's `.rs` sources).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from typing import (
    Any,
    Callable,
    Collection,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
)

import tomli
from pants_rust_python.repo_paths import ancestors, repo_path


class ManifestError(ValueError):
    """A manifest (Cargo.toml or pyproject.toml) that cannot be read or makes no sense."""


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)\s*$")
_TOML_AT_END = re.compile(r"\(at end of document\)\s*$")


def parse_toml(content: bytes, path: str) -> Dict[str, Any]:
    """Parse TOML `content` read from `path`; errors name the file and line."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as e:
        bad_line = content[: e.start].count(b"\n") + 1
        raise ManifestError(f"{path}:{bad_line}: the file is not valid UTF-8 ({e.reason}).") from e
    try:
        return tomli.loads(text)
    except tomli.TOMLDecodeError as e:
        message = str(e)
        # tomli 2.0 only reports the position inside the message text.
        match = _TOML_POSITION.search(message)
        if match:
            reason = message[: match.start()].strip()
            line = match.group(1)
            location = f"{path}:{line}:{match.group(2)}"
        else:
            reason = _TOML_AT_END.sub("", message).strip()
            line = str(text.count("\n") + 1)
            location = f"{path}:{line}"
        raise ManifestError(
            f"{location}: invalid TOML: {reason} (line {line} of {path}). Fix the syntax there."
        ) from e


def cargo_config_paths(root_dir: str) -> List[str]:
    """The Cargo configuration files cargo reads for a workspace at `root_dir` that lie in the
    repository: `.cargo/config.toml` (or the old `.cargo/config`) there and in every directory
    above it."""
    result = []
    directory = root_dir
    while True:
        for name in ("config.toml", "config"):
            result.append(
                posixpath.join(directory, ".cargo", name) if directory else f".cargo/{name}"
            )
        if not directory:
            return result
        directory = posixpath.dirname(directory)


# ---------------------------------------------------------------------------------------------
# Path dependencies


_DEPENDENCY_TABLES = (
    "dependencies",
    "dev-dependencies",
    "build-dependencies",
    # Cargo still accepts the old underscore spellings.
    "dev_dependencies",
    "build_dependencies",
)


def _paths_in_dependency_table(table: Any) -> Iterator[str]:
    if not isinstance(table, Mapping):
        return
    for spec in table.values():
        if isinstance(spec, Mapping):
            path = spec.get("path")
            if isinstance(path, str):
                yield path


def _normalize_rel_dir(path: str) -> str:
    # Keep what the manifest wrote (relative to the manifest's directory), minus `./` and
    # trailing slashes, so callers can join it onto the crate directory.
    normalized = posixpath.normpath(path.replace("\\", "/"))
    return normalized


def path_dependencies(manifest: Mapping[str, Any]) -> List[str]:
    """Directories (relative to the manifest, as written) of every `path = ...` dependency.

    Looks at `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]`, the same tables
    under `[target.'cfg(...)']`, `[workspace.dependencies]`, `[patch.<source>]` and `[replace]`.
    Sorted and without duplicates.
    """
    found: List[str] = []
    for name in _DEPENDENCY_TABLES:
        found.extend(_paths_in_dependency_table(manifest.get(name)))
    targets = manifest.get("target")
    if isinstance(targets, Mapping):
        for target_table in targets.values():
            if isinstance(target_table, Mapping):
                for name in _DEPENDENCY_TABLES:
                    found.extend(_paths_in_dependency_table(target_table.get(name)))
    workspace = manifest.get("workspace")
    if isinstance(workspace, Mapping):
        found.extend(_paths_in_dependency_table(workspace.get("dependencies")))
    patch = manifest.get("patch")
    if isinstance(patch, Mapping):
        for source_table in patch.values():
            found.extend(_paths_in_dependency_table(source_table))
    found.extend(_paths_in_dependency_table(manifest.get("replace")))
    return sorted({_normalize_rel_dir(p) for p in found})


# ---------------------------------------------------------------------------------------------
# Workspaces


def _string_list(value: Any, what: str) -> Tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ManifestError(f"`{what}` must be a list of strings, got {value!r}.")
    return tuple(value)


def workspace_member_globs(manifest: Mapping[str, Any]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """`([workspace] members, [workspace] exclude)` as written; empty when there is no
    `[workspace]` table."""
    workspace = manifest.get("workspace")
    if not isinstance(workspace, Mapping):
        return (), ()
    return (
        _string_list(workspace.get("members"), "workspace.members"),
        _string_list(workspace.get("exclude"), "workspace.exclude"),
    )


def _components(path: str) -> List[str]:
    normalized = posixpath.normpath(path.replace("\\", "/"))
    if normalized == ".":
        return []
    return [c for c in normalized.split("/") if c]


def _starts_with(path: List[str], prefix: List[str]) -> bool:
    # Like Rust's `Path::starts_with`: whole components only.
    return path[: len(prefix)] == prefix


def _glob_components_match(pattern: List[str], path: List[str]) -> bool:
    """Match the way the `glob` crate walks directories for cargo: one pattern component per
    path component (`*`, `?`, `[...]` never cross `/`); `**` spans zero or more components.
    """
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_glob_components_match(rest, path[i:]) for i in range(len(path) + 1))
    if not path:
        return False
    return fnmatch.fnmatchcase(path[0], head) and _glob_components_match(rest, path[1:])


def is_workspace_member(
    root_dir: str,
    member_dir: str,
    members: Iterable[str],
    exclude: Iterable[str],
) -> bool:
    """Whether the crate in `member_dir` is a member of the workspace rooted at `root_dir`
    through `members`/`exclude` (paths relative to the root, as in `[workspace]`).

    Cargo's rules: the root package is always a member; `members` entries are globs expanded
    relative to the root; `exclude` entries are plain path prefixes, and they lose against a
    `members` entry that is itself a prefix of the crate's path. (Crates that become members
    only by being path dependencies of members are not covered: that needs the dependency
    graph.)
    """
    member = _components(member_dir)
    if member == _components(root_dir):
        return True
    members = list(members)

    def joined(entry: str) -> List[str]:
        return _components(posixpath.join(root_dir, entry))

    excluded = any(_starts_with(member, joined(ex)) for ex in exclude)
    explicit = any(_starts_with(member, joined(m)) for m in members)
    if excluded and not explicit:
        return False
    return any(_glob_components_match(joined(m), member) for m in members)


def manifest_reader(contents: Mapping[str, bytes]) -> Callable[[str], Optional[Mapping[str, Any]]]:
    """`manifest_of(directory)` for workspace_root_of over the files `contents` (by repo path):
    each Cargo.toml parsed once, when first asked for."""
    cache: Dict[str, Optional[Mapping[str, Any]]] = {}

    def manifest_of(directory: str) -> Optional[Mapping[str, Any]]:
        path = repo_path(directory, "Cargo.toml")
        if path not in cache:
            cache[path] = parse_toml(contents[path], path) if path in contents else None
        return cache[path]

    return manifest_of


def workspace_root_of(
    crate_dir: str, manifest_of: Callable[[str], Optional[Mapping[str, Any]]]
) -> Optional[str]:
    """The directory of the workspace root that `crate_dir` belongs to, if not itself.

    As cargo finds it: the crate's own `[workspace]`, else `package.workspace`, else the
    nearest ancestor with a `[workspace]`, if that lists the crate as a member.
    `manifest_of(directory)` parses the Cargo.toml there (None: there is none); ancestors are
    asked for nearest first, and only until the search ends.
    """
    crate = manifest_of(crate_dir) or {}
    if "workspace" in crate:
        return None
    package = crate.get("package")
    explicit = package.get("workspace") if isinstance(package, Mapping) else None
    if isinstance(explicit, str):
        return repo_path(crate_dir, explicit)
    for ancestor in ancestors(crate_dir)[1:]:
        manifest = manifest_of(ancestor)
        if manifest is not None and "workspace" in manifest:
            members, exclude = workspace_member_globs(manifest)
            return ancestor if is_workspace_member(ancestor, crate_dir, members, exclude) else None
    return None


# ---------------------------------------------------------------------------------------------
# Placeholder sources


_LIB_STUB = b""
# `dead_code` because test targets with the default harness never call `main`.
_MAIN_STUB = b"#![allow(dead_code)]\nfn main() {}\n"


def _package_name(manifest: Mapping[str, Any]) -> Optional[str]:
    package = manifest.get("package")
    if isinstance(package, Mapping):
        name = package.get("name")
        if isinstance(name, str):
            return name
    return None


def _target_tables(manifest: Mapping[str, Any], key: str) -> List[Mapping[str, Any]]:
    value = manifest.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(t, Mapping) for t in value):
        raise ManifestError(f"`[[{key}]]` must be an array of tables.")
    return list(value)


def stub_files(
    manifest: Mapping[str, Any],
    crate_dir: str,
    existing_paths: Optional[Collection[str]] = None,
) -> Dict[str, bytes]:
    """Placeholder sources that let cargo load `manifest` (found in `crate_dir`) without the real
    `.rs` files, so `cargo fetch`/`vendor`/dependency-only builds can be keyed on manifests only.

    Returns `{path: content}` with paths joined onto `crate_dir`. Explicit targets get a stub at
    their `path` (or cargo's default path for their name). Auto-discovered targets (`src/lib.rs`,
    `src/main.rs`, `src/bin/*.rs`, a `build.rs`) are stubbed when `existing_paths` (paths relative
    to `crate_dir`, names only: contents never matter) says they exist; without that listing a
    crate that declares no lib/bin gets `src/lib.rs`. A virtual manifest (no `[package]`) needs
    nothing.
    """
    package = manifest.get("package")
    if not isinstance(package, Mapping):
        return {}
    existing = (
        {posixpath.normpath(p) for p in existing_paths} if existing_paths is not None else None
    )
    name = _package_name(manifest) or ""
    rel: Dict[str, bytes] = {}

    def add(path: str, content: bytes) -> None:
        rel.setdefault(posixpath.normpath(path.replace("\\", "/")), content)

    lib = manifest.get("lib")
    if isinstance(lib, Mapping):
        add(lib.get("path") or "src/lib.rs", _LIB_STUB)
    bins = _target_tables(manifest, "bin")
    for table in bins:
        bin_name = table.get("name")
        path = table.get("path")
        if path is None:
            if not isinstance(bin_name, str):
                raise ManifestError("A `[[bin]]` target has neither `name` nor `path`.")
            path = "src/main.rs" if bin_name == name else f"src/bin/{bin_name}.rs"
        add(path, _MAIN_STUB)
    for key, default_dir in (
        ("example", "examples"),
        ("test", "tests"),
        ("bench", "benches"),
    ):
        for table in _target_tables(manifest, key):
            path = table.get("path")
            if path is None:
                target_name = table.get("name")
                if not isinstance(target_name, str):
                    raise ManifestError(f"A `[[{key}]]` target has neither `name` nor `path`.")
                path = f"{default_dir}/{target_name}.rs"
            add(path, _MAIN_STUB)

    if existing is not None:
        if "src/lib.rs" in existing and package.get("autolib", True) is not False:
            add("src/lib.rs", _LIB_STUB)
        if package.get("autobins", True) is not False:
            for path in sorted(existing):
                if path == "src/main.rs" or (
                    path.startswith("src/bin/")
                    and path.endswith(".rs")
                    and (path.count("/") == 2 or path.endswith("/main.rs"))
                    and path.count("/") <= 3
                ):
                    add(path, _MAIN_STUB)
    elif not isinstance(lib, Mapping) and not bins:
        add("src/lib.rs", _LIB_STUB)

    build = package.get("build")
    if isinstance(build, str):
        add(build, _MAIN_STUB)
    elif isinstance(build, list):
        # Newer cargo accepts several build scripts.
        for script in build:
            if isinstance(script, str):
                add(script, _MAIN_STUB)
    elif build is True:
        add("build.rs", _MAIN_STUB)
    elif build is None:
        if existing is not None:
            if "build.rs" in existing:
                add("build.rs", _MAIN_STUB)
        elif package.get("links") is not None:
            # Cargo refuses a `links` package without a build script.
            add("build.rs", _MAIN_STUB)

    return {posixpath.normpath(posixpath.join(crate_dir, p)): c for p, c in sorted(rel.items())}


def dependency_entries(manifest: Mapping[str, Any]) -> Iterator[Tuple[str, Any]]:
    """`(key, spec)` of every entry in the crate's own dependency tables, target-specific too."""
    tables = [manifest.get(name) for name in _DEPENDENCY_TABLES]
    targets = manifest.get("target")
    if isinstance(targets, Mapping):
        for target_table in targets.values():
            if isinstance(target_table, Mapping):
                tables.extend(target_table.get(name) for name in _DEPENDENCY_TABLES)
    for table in tables:
        if isinstance(table, Mapping):
            yield from table.items()


def crate_path_dependencies(
    manifest: Mapping[str, Any],
    crate_dir: str,
    root_manifest: Optional[Mapping[str, Any]],
    root_dir: str,
) -> List[str]:
    """Directories (relative to the build root) of the crates this crate really depends on by path.

    Unlike `path_dependencies`, `[workspace.dependencies]` counts only where a member inherits an
    entry (`foo.workspace = true`), resolved against the root: a workspace root merely declaring
    a crate does not depend on it (which would make every member depend on every other).
    """
    found = set()
    own = {k: v for k, v in manifest.items() if k != "workspace"}
    for rel in path_dependencies(own):
        found.add(posixpath.normpath(posixpath.join(crate_dir, rel)))
    declared = {}
    if isinstance(root_manifest, Mapping):
        workspace = root_manifest.get("workspace")
        if isinstance(workspace, Mapping) and isinstance(workspace.get("dependencies"), Mapping):
            declared = workspace["dependencies"]
    for name, spec in dependency_entries(manifest):
        if isinstance(spec, Mapping) and spec.get("workspace") is True:
            inherited = declared.get(name)
            if isinstance(inherited, Mapping) and isinstance(inherited.get("path"), str):
                found.add(posixpath.normpath(posixpath.join(root_dir, inherited["path"])))
    return sorted(p for p in ("" if p == "." else p for p in found))


# ---------------------------------------------------------------------------------------------
# Edition


def crate_edition(
    manifest: Mapping[str, Any], workspace_manifest: Optional[Mapping[str, Any]], path: str
) -> str:
    """The crate's Rust edition as cargo reads it: `package.edition`, inherited from
    `[workspace.package]` with `edition.workspace = true`, else cargo's default, 2015."""
    package = manifest.get("package")
    edition = package.get("edition") if isinstance(package, Mapping) else None
    if isinstance(edition, Mapping) and edition.get("workspace") is True:
        workspace = (workspace_manifest or {}).get("workspace")
        shared = workspace.get("package") if isinstance(workspace, Mapping) else None
        edition = shared.get("edition") if isinstance(shared, Mapping) else None
        if not isinstance(edition, str):
            raise ManifestError(
                f"{path}: `edition.workspace = true`, but the workspace root has no "
                "`[workspace.package] edition`."
            )
    if edition is None:
        return "2015"
    if not isinstance(edition, str):
        raise ManifestError(f"{path}: `package.edition` must be a string, got {edition!r}.")
    return edition
