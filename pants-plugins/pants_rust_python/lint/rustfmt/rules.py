"""`pants fmt` and `pants lint` with rustfmt: the crates' `.rs` files, by edition, in a sandbox.

`lint` runs the same formatter and fails where it would change a file, as for every Pants
formatter. rustfmt runs on the files themselves (not through `cargo fmt`, which needs the whole
workspace and its dependencies resolved), with `--edition` from each crate's Cargo.toml and the
`rustfmt.toml` / `.rustfmt.toml` files of the crate's directory and its ancestors, which rustfmt
finds by itself. Nothing of the user's home is visible, so the result depends only on those.
"""
from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass

from pants.core.goals.fmt import FmtResult, FmtTargetsRequest
from pants.core.util_rules.partitions import Partition, Partitions
from pants.engine.fs import Digest, DigestContents, MergeDigests, PathGlobs
from pants.engine.process import Process, ProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import FieldSet, HydratedSources, HydrateSourcesRequest, Target
from pants.util.logging import LogLevel
from pants.util.strutil import pluralize, softwrap
from pants_rust_python.cargo.manifest import (
    ManifestError,
    crate_edition,
    manifest_reader,
    workspace_root_of,
)
from pants_rust_python.lint.rustfmt import skip_field
from pants_rust_python.lint.rustfmt.skip_field import SkipRustfmtField
from pants_rust_python.lint.rustfmt.subsystem import Rustfmt
from pants_rust_python.repo_paths import ancestors, repo_path
from pants_rust_python.target_types import CargoSourcesField
from pants_rust_python.util_rules.toolchain import RustToolchain, RustToolchainError

CONFIG_FILES = ("rustfmt.toml", ".rustfmt.toml")


@dataclass(frozen=True)
class RustfmtFieldSet(FieldSet):
    required_fields = (CargoSourcesField,)

    sources: CargoSourcesField

    @classmethod
    def opt_out(cls, tgt: Target) -> bool:
        return tgt.get(SkipRustfmtField).value


class RustfmtRequest(FmtTargetsRequest):
    field_set_type = RustfmtFieldSet
    tool_subsystem = Rustfmt


@dataclass(frozen=True)
class RustEdition:
    """What the files of one partition share: the edition rustfmt parses them with."""

    edition: str

    @property
    def description(self) -> str:
        return f"edition {self.edition}"


class RustfmtError(Exception):
    pass


@rule
async def partition_rustfmt(
    request: RustfmtRequest.PartitionRequest, rustfmt: Rustfmt
) -> Partitions:
    if rustfmt.skip:
        return Partitions()
    crate_dirs = [fs.address.spec_path for fs in request.field_sets]
    manifests = await Get(
        DigestContents,
        PathGlobs(sorted({repo_path(a, "Cargo.toml") for d in crate_dirs for a in ancestors(d)})),
    )
    sources = await MultiGet(
        Get(HydratedSources, HydrateSourcesRequest(fs.sources)) for fs in request.field_sets
    )
    manifest_of = manifest_reader({fc.path: fc.content for fc in manifests})
    by_edition: dict[str, set[str]] = defaultdict(set)
    for field_set, crate_dir, hydrated in zip(request.field_sets, crate_dirs, sources):
        path = repo_path(crate_dir, "Cargo.toml")
        try:
            manifest = manifest_of(crate_dir)
            if manifest is None:
                continue  # The target's own rules say where Cargo.toml must be.
            root = workspace_root_of(crate_dir, manifest_of)
            edition = crate_edition(manifest, manifest_of(root) if root is not None else None, path)
        except ManifestError as e:
            raise RustfmtError(f"{field_set.address}: {e}") from e
        by_edition[edition].update(f for f in hydrated.snapshot.files if f.endswith(".rs"))
    return Partitions(
        Partition(tuple(sorted(files)), RustEdition(edition))
        for edition, files in sorted(by_edition.items())
        if files
    )


@rule(desc="Format with rustfmt", level=LogLevel.DEBUG)
async def rustfmt_fmt(
    request: RustfmtRequest.Batch, rustfmt: Rustfmt, toolchain: RustToolchain
) -> FmtResult:
    component = toolchain.components.get("rustfmt")
    if component is None:
        raise RustToolchainError(
            softwrap(
                """
                The Rust toolchain has no rustfmt beside rustc. Install it (with rustup:
                `rustup component add rustfmt`), or skip it with `[rustfmt].skip = true` or
                `skip_rustfmt=True` on the targets.
                """
            )
        )
    edition = request.partition_metadata
    assert isinstance(edition, RustEdition)
    directories = sorted({a for f in request.files for a in ancestors(posixpath.dirname(f))})
    configs = await Get(
        Digest, PathGlobs([repo_path(d, name) for d in directories for name in CONFIG_FILES])
    )
    input_digest = await Get(Digest, MergeDigests((request.snapshot.digest, configs)))
    result = await Get(
        ProcessResult,
        Process(
            argv=(component.path, f"--edition={edition.edition}", *rustfmt.args, *request.files),
            input_digest=input_digest,
            output_files=request.files,
            # Not read by rustfmt: it names rustfmt's version in the cache key.
            env={"PANTS_RUSTFMT": component.identity},
            description=f"Run rustfmt on {pluralize(len(request.files), 'file')}.",
            level=LogLevel.DEBUG,
        ),
    )
    return await FmtResult.create(request, result)


def rules():
    return [*collect_rules(), *RustfmtRequest.rules(), *skip_field.rules()]
