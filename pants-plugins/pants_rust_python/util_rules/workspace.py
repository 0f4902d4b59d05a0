"""Find the Cargo workspace of a crate and build the manifests-only ("stub") tree of it.

The stub tree holds every manifest cargo must load (workspace root, members, path dependencies
outside the workspace), Cargo.lock, Cargo configuration files, and empty placeholder sources. It
is what vendoring and the compiled-dependencies layer are keyed on, so editing a `.rs` file of the
repo never invalidates them.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from pants.engine.engine_aware import EngineAwareParameter
from pants.engine.fs import CreateDigest, Digest, DigestContents, FileContent, PathGlobs, Snapshot
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.strutil import softwrap
from pants_rust_python.cargo.manifest import (
    ManifestError,
    cargo_config_paths,
    is_workspace_member,
    parse_toml,
    path_dependencies,
    stub_files,
    workspace_member_globs,
    workspace_root_of,
)
from pants_rust_python.parsed import ParsedDocument
from pants_rust_python.repo_paths import ancestors, inside_repo, repo_path


class CargoWorkspaceError(Exception):
    pass


@dataclass(frozen=True)
class CargoWorkspaceRequest(EngineAwareParameter):
    crate_dir: str
    description_of_origin: str

    def debug_hint(self) -> str:
        return self.description_of_origin


@dataclass(frozen=True)
class CargoWorkspace:
    root_dir: str
    crate_dir: str
    # Every crate cargo loads (root package, members, path dependencies), keyed by directory.
    crate_dirs: tuple[str, ...]
    # The manifest of every crate cargo loads, and of the workspace root, parsed once.
    manifests: FrozenDict[str, ParsedDocument]
    # The stub tree: the real manifests, Cargo.lock and config files (`real_paths`), and
    # placeholder sources (`stub_paths`, keyed by their crate's directory).
    stub_digest: Digest
    real_paths: tuple[str, ...]
    stub_paths: FrozenDict[str, tuple[str, ...]]
    # Cargo.lock, parsed once (its checksums go into the wheels' SBOMs).
    lockfile_document: ParsedDocument

    @property
    def crate_manifest_from_root(self) -> str:
        """The crate's Cargo.toml, relative to the workspace root (where cargo runs)."""
        return posixpath.join(
            posixpath.relpath(self.crate_dir or ".", self.root_dir or "."), "Cargo.toml"
        )

    @property
    def lockfile(self) -> str:
        return posixpath.join(self.root_dir, "Cargo.lock")

    def manifest(self, crate_dir: str) -> Mapping[str, Any]:
        return self.manifests[crate_dir].value


async def _read(paths: list[str]) -> dict[str, bytes]:
    contents = await Get(DigestContents, PathGlobs(paths))
    return {fc.path: fc.content for fc in contents}


def _parse(path: str, content: bytes) -> ParsedDocument:
    try:
        value = parse_toml(content, path)  # First: it names the file of a non-UTF-8 manifest.
    except ManifestError as e:
        raise CargoWorkspaceError(str(e)) from e
    return ParsedDocument(path, content.decode(), value)


@rule(desc="Find the Cargo workspace")
async def find_cargo_workspace(request: CargoWorkspaceRequest) -> CargoWorkspace:
    crate_dir = request.crate_dir
    crate_manifest_path = repo_path(crate_dir, "Cargo.toml")
    ancestor_manifests = await _read([repo_path(a, "Cargo.toml") for a in ancestors(crate_dir)])
    if crate_manifest_path not in ancestor_manifests:
        raise CargoWorkspaceError(
            softwrap(
                f"""
                {request.description_of_origin}: there is no Cargo.toml in `{crate_dir or '.'}`.
                Put the target in the BUILD file beside the crate's Cargo.toml.
                """
            )
        )

    parsed: dict[str, ParsedDocument] = {}

    def manifest_of(directory: str) -> Optional[Mapping[str, Any]]:
        path = repo_path(directory, "Cargo.toml")
        if path not in ancestor_manifests:
            return None
        if path not in parsed:
            parsed[path] = _parse(path, ancestor_manifests[path])
        return parsed[path].value

    root_dir = workspace_root_of(crate_dir, manifest_of)
    if root_dir is None:
        root_dir = crate_dir

    root_manifest_path = repo_path(root_dir, "Cargo.toml")
    if root_manifest_path not in ancestor_manifests:
        ancestor_manifests.update(await _read([root_manifest_path]))
    if root_manifest_path not in ancestor_manifests:
        raise CargoWorkspaceError(
            f"{crate_manifest_path}: `package.workspace` points at `{root_dir}`, which has no Cargo.toml."
        )
    root_manifest = parsed.get(root_manifest_path) or _parse(
        root_manifest_path, ancestor_manifests[root_manifest_path]
    )
    members, exclude = workspace_member_globs(root_manifest.value)

    manifests: dict[str, ParsedDocument] = {
        root_dir: root_manifest,
        # Parsed by the search for the workspace root, which asks about the crate first.
        crate_dir: parsed[crate_manifest_path],
    }
    raw: dict[str, bytes] = {
        root_manifest_path: ancestor_manifests[root_manifest_path],
        crate_manifest_path: ancestor_manifests[crate_manifest_path],
    }
    if members:
        found = await _read([repo_path(root_dir, m, "Cargo.toml") for m in members])
        for path, content in found.items():
            member_dir = posixpath.dirname(path)
            if is_workspace_member(root_dir, member_dir, members, exclude):
                manifests[member_dir] = _parse(path, content)
                raw[path] = content

    # Path dependencies outside the workspace are loaded by cargo too, transitively.
    pending = list(manifests)
    while pending:
        batch = []
        for crate in pending:
            for dep in path_dependencies(manifests[crate].value):
                dep_dir = repo_path(crate, dep)
                if not inside_repo(dep_dir):
                    raise CargoWorkspaceError(
                        softwrap(
                            f"""
                            {repo_path(crate, "Cargo.toml")}: the path dependency `{dep}` is
                            {"an absolute path" if posixpath.isabs(dep) else "outside the repository"};
                            builds read only the repository. Give a path relative to the crate,
                            inside the repository (with a `rust_crate()` there), or depend on
                            the crate through a registry so that Cargo.lock pins it.
                            """
                        )
                    )
                if dep_dir not in manifests and dep_dir not in batch:
                    batch.append(dep_dir)
        pending = []
        if batch:
            found = await _read([repo_path(d, "Cargo.toml") for d in batch])
            for dep_dir in batch:
                path = repo_path(dep_dir, "Cargo.toml")
                if path not in found:
                    raise CargoWorkspaceError(
                        softwrap(
                            f"""
                            A path dependency points at `{dep_dir}`, which has no Cargo.toml
                            (needed by {request.description_of_origin}). Fix the `path` in the
                            manifest that names it.
                            """
                        )
                    )
                manifests[dep_dir] = _parse(path, found[path])
                raw[path] = found[path]
                pending.append(dep_dir)

    lockfile = repo_path(root_dir, "Cargo.lock")
    extra = await _read([lockfile, *cargo_config_paths(root_dir)])
    if lockfile not in extra:
        raise CargoWorkspaceError(
            softwrap(
                f"""
                {request.description_of_origin}: the Cargo workspace at `{root_dir or '.'}` has no
                Cargo.lock. Builds use exactly the crate versions locked there: run
                `cargo generate-lockfile` in `{root_dir or '.'}` and commit Cargo.lock.
                """
            )
        )
    raw.update(extra)

    # Placeholder sources need to know which auto-discovered targets exist (names only).
    crate_dirs = sorted(
        d for d, m in manifests.items() if isinstance(m.value.get("package"), Mapping)
    )
    listings = await MultiGet(
        Get(
            Snapshot,
            PathGlobs(
                [
                    repo_path(d, "build.rs"),
                    repo_path(d, "src/lib.rs"),
                    repo_path(d, "src/main.rs"),
                    repo_path(d, "src/bin/*.rs"),
                    repo_path(d, "src/bin/*/main.rs"),
                ]
            ),
        )
        for d in crate_dirs
    )
    stubs: dict[str, FrozenDict[str, bytes]] = {}
    for d, listing in zip(crate_dirs, listings):
        existing = [posixpath.relpath(f, d or ".") for f in listing.files]
        try:
            files = stub_files(manifests[d].value, d, existing)
        except ManifestError as e:
            raise CargoWorkspaceError(f"{repo_path(d, 'Cargo.toml')}: {e}") from e
        stubs[d] = FrozenDict(files)

    stub_digest = await Get(
        Digest,
        CreateDigest(
            [FileContent(path, content) for path, content in sorted(raw.items())]
            + [
                FileContent(path, content)
                for files in stubs.values()
                for path, content in sorted(files.items())
            ]
        ),
    )
    return CargoWorkspace(
        root_dir=root_dir,
        crate_dir=crate_dir,
        crate_dirs=tuple(crate_dirs),
        manifests=FrozenDict(manifests),
        stub_digest=stub_digest,
        real_paths=tuple(sorted(raw)),
        stub_paths=FrozenDict({d: tuple(sorted(files)) for d, files in stubs.items()}),
        lockfile_document=_parse(lockfile, extra[lockfile]),
    )


def rules():
    return collect_rules()
