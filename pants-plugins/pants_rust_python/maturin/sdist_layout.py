"""Which files a source distribution holds, and where, as `maturin sdist` lays them out.

The archive's root is the deepest directory holding the workspace root, pyproject.toml and every
repo crate the crate depends on through a path dependency. Each crate keeps its path below that
root; the workspace's Cargo.toml keeps only the members that are in the archive; a pyproject.toml
below the root moves to it and names the crate with `[tool.maturin] manifest-path`; a crate's
readme and licence file are copied beside its Cargo.toml, which names them. Manifests are edited
with tomlkit, which keeps their comments and layout as maturin's toml_edit does.
"""

from __future__ import annotations

import fnmatch
import posixpath
from dataclasses import dataclass
from typing import Any, Collection, Dict, Mapping, Optional, Sequence

import tomlkit
from pants_rust_python.repo_paths import repo_path

# The files cargo takes as a package's readme when its manifest names none, in its order.
_INFERRED_READMES = ("README.md", "README.txt", "README")


class SdistLayoutError(ValueError):
    """A project whose sdist cannot be laid out; the message says why and what to do."""


@dataclass(frozen=True)
class SdistCrate:
    # The crate's directory (repo path).
    directory: str
    # `readme` and `license-file` as cargo metadata gives them, relative to the directory.
    readme: Optional[str] = None
    license_file: Optional[str] = None


def _under(path: str, directory: str) -> bool:
    return directory == "" or path == directory or path.startswith(directory + "/")


def _common_directory(directories: Sequence[str]) -> str:
    parts = [d.split("/") if d else [] for d in directories]
    common = []
    for names in zip(*parts):
        if len(set(names)) != 1:
            break
        common.append(names[0])
    return "/".join(common)


def archive_root(workspace_root: str, project_root: str, crate_dirs: Sequence[str]) -> str:
    """The repo directory that becomes the archive's root (see the module's docstring)."""
    return _common_directory([workspace_root, project_root, *crate_dirs])


def _relative(path: str, root: str) -> str:
    return path if root == "" else posixpath.relpath(path, root)


def _set_asset(document: Any, key: str, name: str) -> None:
    package = document.get("package")
    if package is not None and package.get(key) != name:
        package[key] = name


def _keep_members(document: Any, dependencies: Collection[str], main: str) -> None:
    """maturin's rewrite of `[workspace]`: without path dependencies no members (and no empty
    table); else the members in the archive; never `default-members`."""
    workspace = document.get("workspace")
    if workspace is None:
        return
    members = workspace.get("members")
    if members is not None and not dependencies:
        del workspace["members"]
        if len(workspace) == 0:
            del document["workspace"]
            return
    elif members is not None:
        kept = {*dependencies, main}

        def in_archive(member: str) -> bool:
            if set("*?[]") & set(member):
                return any(fnmatch.fnmatchcase(k, member) for k in kept)
            return member in kept

        new = [m for m in members if isinstance(m, str) and in_archive(m)]
        if new:
            workspace["members"] = new
        else:
            del workspace["members"]
    if "default-members" in workspace:
        del workspace["default-members"]


def _without_package_tables(document: Any) -> None:
    for key in [k for k in document if k not in ("workspace", "profile", "patch", "replace")]:
        del document[key]


def sdist_members(
    *,
    files: Mapping[str, bytes],
    project_root: str,
    pyproject_path: Optional[str],
    main: SdistCrate,
    path_dependencies: Sequence[SdistCrate],
    workspace_root: str,
    included: Mapping[str, bytes] = {},
    excluded: Collection[str] = (),
) -> Dict[str, bytes]:
    """The archive's files (paths below its root) from the project's sources (`files`, repo
    paths: the crates', the workspace manifest and lock, the target's own).
    A pyproject.toml that moves to the archive's root keeps only the paths of `[project]`'s
    readme and licence valid: callers refuse projects with a Python layout beside it first.
    `included` and `excluded` (repo paths) are the files `[tool.maturin] include` and `exclude`
    name for the sdist: the first join the archive, then the second leave it, as in maturin.
    """
    crates = [main, *path_dependencies]
    root = archive_root(workspace_root, project_root, [c.directory for c in crates])
    members: Dict[str, bytes] = {}

    def add(path: str, content: bytes) -> None:
        relative = _relative(path, root)
        if members.get(relative, content) != content:
            raise SdistLayoutError(
                f"two different files would be `{relative}` in the source distribution."
            )
        members[relative] = content

    def read(path: str, what: str) -> bytes:
        if path not in files:
            raise SdistLayoutError(
                f"{what} `{path}` is not among the target's sources; add it to `sources` (or to "
                "the `sources` of the crate's `rust_crate` or `cargo_workspace` target)."
            )
        return files[path]

    manifests: Dict[str, Any] = {}
    for crate in crates:
        manifest_path = repo_path(crate.directory, "Cargo.toml")
        document = tomlkit.parse(read(manifest_path, "the manifest").decode())
        readme = crate.readme
        if readme is None and "readme" not in (document.get("package") or {}):
            # cargo's inference, which `cargo metadata` over manifests alone cannot make.
            readme = next(
                (n for n in _INFERRED_READMES if repo_path(crate.directory, n) in files), None
            )
        for key, value in (("readme", readme), ("license-file", crate.license_file)):
            if not value:
                continue
            source = posixpath.normpath(repo_path(crate.directory, value))
            name = posixpath.basename(source)
            add(repo_path(crate.directory, name), read(source, f"The {key}"))
            _set_asset(document, key, name)
        manifests[manifest_path] = document
        for path, content in files.items():
            if _under(path, crate.directory) and path not in (manifest_path, pyproject_path):
                add(path, content)

    workspace_manifest = repo_path(workspace_root, "Cargo.toml")
    dependencies = [_relative(c.directory, workspace_root) or "." for c in path_dependencies]
    if workspace_manifest not in manifests:
        document = tomlkit.parse(read(workspace_manifest, "The workspace manifest").decode())
        if "package" in document:
            # The root package's sources are not in the archive: a virtual workspace remains.
            _without_package_tables(document)
        manifests[workspace_manifest] = document
    _keep_members(
        manifests[workspace_manifest],
        dependencies,
        _relative(main.directory, workspace_root) or ".",
    )
    for path, document in manifests.items():
        add(path, tomlkit.dumps(document).encode())

    lock = repo_path(main.directory, "Cargo.lock")
    if lock not in files:
        lock = repo_path(workspace_root, "Cargo.lock")
    if lock in files:
        add(lock, files[lock])

    # The target's own files (Python sources, stubs, pyproject.toml) below the project root.
    own = {
        p: c
        for p, c in files.items()
        if _under(p, project_root) and p != pyproject_path and p not in manifests
    }
    if project_root == root or pyproject_path is None:
        for path, content in own.items():
            add(path, content)
        if pyproject_path is not None:
            add(pyproject_path, files[pyproject_path])
        return _with_globs(members, root, included, excluded)
    for path, content in own.items():
        add(path, content)
    pyproject = tomlkit.parse(files[pyproject_path].decode())
    main_manifest = _relative(repo_path(main.directory, "Cargo.toml"), root)
    tool = pyproject.setdefault("tool", tomlkit.table(is_super_table=True))
    tool.setdefault("maturin", tomlkit.table())["manifest-path"] = main_manifest
    project = pyproject.get("project") or {}
    readme = project.get("readme")
    licence = project.get("license")
    for value in (
        readme if isinstance(readme, str) else (readme or {}).get("file"),
        (licence or {}).get("file") if not isinstance(licence, str) else None,
    ):
        if not isinstance(value, str):
            continue
        if ".." in value.split("/") or value.startswith("/"):
            raise SdistLayoutError(
                f"{pyproject_path}: the file `{value}` is outside the project; the source "
                "distribution moves pyproject.toml to its root, where that path would not hold. "
                "Keep the file beside pyproject.toml."
            )
        add(repo_path(root, value), read(repo_path(project_root, value), "The file"))
    add(repo_path(root, "pyproject.toml"), tomlkit.dumps(pyproject).encode())
    return _with_globs(members, root, included, excluded)


def _with_globs(
    members: Dict[str, bytes],
    root: str,
    included: Mapping[str, bytes],
    excluded: Collection[str],
) -> Dict[str, bytes]:
    for path, content in included.items():
        if not _under(path, root):
            raise SdistLayoutError(
                f"`include` names `{path}`, outside the source distribution's root "
                f"`{root or '.'}`."
            )
        members[_relative(path, root)] = content
    gone = {_relative(path, root) for path in excluded if _under(path, root)}
    return {path: content for path, content in members.items() if path not in gone}
