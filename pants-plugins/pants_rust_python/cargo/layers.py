"""Which repo sources belong to which compiled layer (plain functions; rules in cargo_build).

An extension's build is a chain of cached layers: third-party crates, then one layer per repo
crate it depends on (each on top of the layers of the crates it uses), then its own crate. A file
belongs to the deepest crate directory that contains it, so a member nested inside a root
package's directory is still its own crate.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple


def crate_of(path: str, crate_dirs: Iterable[str]) -> Optional[str]:
    """The deepest crate directory containing `path` ("" is the repository root), or None."""
    best: Optional[str] = None
    for crate_dir in crate_dirs:
        inside = crate_dir == "" or path == crate_dir or path.startswith(crate_dir + "/")
        if inside and (best is None or len(crate_dir) > len(best)):
            best = crate_dir
    return best


def split_layer_sources(
    files: Iterable[str], crate_dirs: Iterable[str], crate_dir: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(files of the crates the crate depends on, the crate's own files), each sorted.

    Files outside every crate (a workspace README, say) go with the dependencies: they change
    rarely and the crate's own step recompiles it anyway.
    """
    dirs = tuple(crate_dirs)
    others: list[str] = []
    own: list[str] = []
    for path in sorted(files):
        (own if crate_of(path, dirs) == crate_dir else others).append(path)
    return tuple(others), tuple(own)


def has_other_crates(files: Iterable[str], crate_dirs: Iterable[str], crate_dir: str) -> bool:
    """Whether `files` (see split_layer_sources) hold the real sources of another repo crate."""
    manifests = set(files)
    return any(posixpath.join(d, "Cargo.toml") in manifests for d in crate_dirs if d != crate_dir)


def repo_crate_layers(
    files: Iterable[str], crate_dirs: Iterable[str], order: Sequence[str]
) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    """One layer per repo crate in `order` (dependencies first) that has sources in `files`:
    (its directory, the files real in that layer: its own and those of the layers before it).

    Files of no crate in `order` (a workspace README, say) join the first layer: they change
    rarely. Editing a crate's file changes that layer and the ones after it, never one before.
    """
    dirs = tuple(crate_dirs)
    by_crate: Dict[Optional[str], List[str]] = {}
    for path in sorted(files):
        by_crate.setdefault(crate_of(path, dirs), []).append(path)
    built = [d for d in order if posixpath.join(d, "Cargo.toml") in by_crate.get(d, ())]
    loose = [p for crate, paths in by_crate.items() if crate not in built for p in paths]
    layers = []
    real: List[str] = list(loose)
    for crate_dir in built:
        real.extend(by_crate[crate_dir])
        layers.append((crate_dir, tuple(sorted(real))))
    return tuple(layers)


def profile_dir_name(profile: str) -> str:
    """The directory under the target dir that cargo writes a profile's output to."""
    return {"dev": "debug", "test": "debug", "release": "release", "bench": "release"}.get(
        profile, profile
    )


@dataclass(frozen=True)
class GoalCommand:
    """How one Pants goal runs cargo over a crate: its compiled layer of third-party crates
    (`layer`, over the manifests-only tree) and the command over the real sources."""

    layer: Tuple[str, ...]
    command: Tuple[str, ...]
    target_args: Tuple[str, ...]
    profile: str


# `check` and `clippy` share one layer: clippy checks the repo's crates only (cargo's
# RUSTC_WORKSPACE_WRAPPER) and compiles third-party crates as `cargo check` does.
GOAL_COMMANDS: Dict[str, GoalCommand] = {
    "test": GoalCommand(("test", "--no-run"), ("test",), (), "test"),
    "check": GoalCommand(("check",), ("check",), ("--all-targets",), "dev"),
    "clippy": GoalCommand(("check",), ("clippy",), ("--all-targets",), "dev"),
}
