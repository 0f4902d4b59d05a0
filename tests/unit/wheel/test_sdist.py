from __future__ import annotations

import gzip
import io
import tarfile

import pytest
from pants_rust_python.wheel.sdist import DEFAULT_PYPROJECT, SdistError, build_sdist


def _build(**overrides: object) -> tuple[str, bytes]:
    arguments: dict = dict(
        distribution="Hello.World",
        version="1.0.0-rc1",
        pkg_info=b"Metadata-Version: 2.4\nName: Hello.World\nVersion: 1.0.0rc1\n",
        files={"src/lib.rs": b"// lib\n", "Cargo.toml": b"[package]\n", "run.sh": b"#!/bin/sh\n"},
        executables={"run.sh"},
        source_date_epoch=1700000000,
    )
    arguments.update(overrides)
    return build_sdist(**arguments)  # type: ignore[arg-type]


def test_layout_names_and_modes() -> None:
    filename, content = _build()
    assert filename == "hello_world-1.0.0_rc1.tar.gz"
    with tarfile.open(fileobj=io.BytesIO(content)) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert list(members) == [
            f"hello_world-1.0.0_rc1/{p}"
            for p in ("PKG-INFO", "Cargo.toml", "pyproject.toml", "run.sh", "src/lib.rs")
        ]
        # Without a pyproject.toml, the build system maturin writes.
        pyproject = tar.extractfile("hello_world-1.0.0_rc1/pyproject.toml")
        assert pyproject is not None and pyproject.read() == DEFAULT_PYPROJECT
    assert {m.mtime for m in members.values()} == {1700000000}
    assert members["hello_world-1.0.0_rc1/run.sh"].mode == 0o755
    assert members["hello_world-1.0.0_rc1/Cargo.toml"].mode == 0o644
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members.values()} == {(0, 0, "", "")}


def test_same_inputs_same_bytes_and_no_time_in_gzip_header() -> None:
    assert _build()[1] == _build()[1]
    header = _build()[1][:10]
    assert header[4:8] == b"\0\0\0\0"  # gzip MTIME
    assert gzip.decompress(_build()[1]) != gzip.decompress(_build(source_date_epoch=None)[1])


@pytest.mark.parametrize("path", ["../escape", "/abs", "PKG-INFO", "a//b"])
def test_bad_paths_are_refused(path: str) -> None:
    with pytest.raises(SdistError):
        _build(files={path: b""})
