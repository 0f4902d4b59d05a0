"""A table of malformed projects (tests/e2e/bad_inputs.py): each fails with one clear message
naming its file or target and the fix, and leaves nothing in dist/.

All cases live in one copy of the repo and run through one pantsd, one `package` each.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from e2e.bad_inputs import CASES, Case
from rust_python_testutil.e2e import copy_repo, kill_pantsd, run_pants

# The last error Pants prints (engine traceback lines and log prefixes stripped).
_ERROR_LINE = re.compile(r"^\S+ \[ERROR\] ", re.M)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("bad-inputs")
    repo = copy_repo(root / "repo")
    for case in CASES:
        for rel, content in case.all_files().items():
            path = repo / case.directory / rel
            if content is None:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content)
        for rel, target in case.symlinks.items():
            path = repo / case.directory / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, path)
        for rel, content in case.repo_files.items():
            path = repo / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content) if isinstance(content, bytes) else path.write_text(
                content or ""
            )
    yield repo, root / "cache"
    kill_pantsd(repo)


def test_there_are_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_refused_clearly(repo, case: Case) -> None:
    checkout, cache = repo
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
