"""A table of malformed projects (tests/e2e/bad_inputs.py): each fails with one clear message
naming its file or target and the fix, and leaves nothing in dist/.

All cases live in one copy of the repo and run through one pantsd, one `package` each.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Callable, Iterator, Sequence

import pytest
from rust_python_testutil.bad_inputs import CASES, Case
from rust_python_testutil.e2e import copy_repo, kill_pantsd, run_pants

# The last error Pants prints (engine traceback lines and log prefixes stripped).
_ERROR_LINE = re.compile(r"^\S+ \[ERROR\] ", re.M)


def _write_cases(repo: Path, cases: Sequence[Case]) -> None:
    for case in cases:
        for rel, content in case.all_files().items():
            if content is None:
                continue
            path = repo / case.directory / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        for rel, target in case.symlinks.items():
            path = repo / case.directory / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, path)


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[Case], Path]]:
    """The checkout a case runs in: one shared by all ordinary cases, one per `own_repo` case;
    all share one set of Pants caches."""
    root = tmp_path_factory.mktemp("bad-inputs")
    made: dict[str, Path] = {}

    def repo_for(case: Case) -> Path:
        key = case.name if case.own_repo else ""
        if key not in made:
            made[key] = copy_repo(root / (key or "shared") / "repo")
            _write_cases(
                made[key], [case] if case.own_repo else [c for c in CASES if not c.own_repo]
            )
        return made[key]

    yield repo_for
    for repo in made.values():
        kill_pantsd(repo)


def test_there_are_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_refused_clearly(repos: Callable[[Case], Path], case: Case) -> None:
    checkout = repos(case)
    cache = checkout.parent.parent / "cache"
    dist = checkout / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    result = run_pants(
        checkout,
        ["package", case.target or f"{case.directory}:"],
        cache_dir=cache,
        pantsd=True,
    )
    assert result.returncode != 0, result.stderr[-3000:]
    errors = _ERROR_LINE.split(result.stderr)
    message = errors[-1] if len(errors) > 1 else result.stderr
    for fragment in case.expect:
        assert fragment in message, f"{fragment!r} not in:\n{message[-5000:]}"
    assert "Traceback" not in message, message[-5000:]
    written = [p for p in dist.rglob("*") if p.is_file()] if dist.exists() else []
    assert written == [], written
