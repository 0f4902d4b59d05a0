"""Wheel writer tests. The RECORD/WHEEL/ordering expectations were taken from a wheel that
maturin 1.16 built (`--compatibility linux`) for the same files."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import List, Optional

import pytest
from pants_rust_python.wheel.entry import WheelEntry
from pants_rust_python.wheel.wheel import (
    WheelError,
    build_wheel,
    compress_tags,
    data_dir,
    dist_info_dir,
    expand_tags,
    record_hash,
    script_entry,
    wheel_file,
    wheel_filename,
)

INIT_PY = (
    b"from .cargo_only_pkg import *\n\n__doc__ = cargo_only_pkg.__doc__\n"
    b'if hasattr(cargo_only_pkg, "__all__"):\n    __all__ = cargo_only_pkg.__all__'
)
SO = b"\x7fELF fake extension module"
METADATA = b"Metadata-Version: 2.4\nName: My.Fancy_Package\nVersion: 0.3.0b1\n"
ENTRY_POINTS = (
    b"[console_scripts]\nanother=p2_mod.cli:run\np2-cli=p2_mod:main\n[gui_scripts]\np2-gui=p2_mod:gui\n"
    b"[other]\na=p2_mod:a\nz=p2_mod:z\n[p2.plugins]\nplug=p2_mod:plugin\n"
)
LICENSES = {
    "LICENSE-MIT": b"MIT license text\n",
    "LICENSE-APACHE": b"Apache text\n",
    "licenses/sub/third.txt": b"third\n",
    "licenses/top.txt": b"top\n",
}
GENERATOR = "maturin (1.16.0)"


def _entries() -> List[WheelEntry]:
    # Deliberately unsorted.
    return [
        WheelEntry(
            "my_fancy_package-0.3.0b1.data/scripts/hello",
            b"#!/bin/sh\necho hi\n",
            executable=True,
        ),
        WheelEntry(
            "cargo_only_pkg/cargo_only_pkg.cpython-311-x86_64-linux-gnu.so",
            SO,
            executable=True,
        ),
        WheelEntry("my_fancy_package-0.3.0b1.data/data/share.cfg", b"cfg\n"),
        WheelEntry("cargo_only_pkg/__init__.py", INIT_PY),
    ]


def _build(
    entries: Optional[List[WheelEntry]] = None,
    *,
    tags: Optional[List[str]] = None,
    source_date_epoch: Optional[int] = None,
    metadata: bytes = METADATA,
):
    return build_wheel(
        distribution="My.Fancy_Package",
        version="0.3.0b1",
        tags=tags or ["cp311-cp311-linux_x86_64"],
        metadata=metadata,
        entries=_entries() if entries is None else entries,
        entry_points=ENTRY_POINTS,
        license_files=LICENSES,
        generator=GENERATOR,
        source_date_epoch=source_date_epoch,
    )


def test_layout_matches_maturin() -> None:
    filename, content = _build()
    assert filename == "my_fancy_package-0.3.0b1-cp311-cp311-linux_x86_64.whl"
    zf = zipfile.ZipFile(io.BytesIO(content))
    # maturin's order: package files by path component, then .dist-info, RECORD last.
    assert [(i.filename, oct(i.external_attr >> 16)) for i in zf.infolist()] == [
        ("cargo_only_pkg/__init__.py", "0o100644"),
        ("cargo_only_pkg/cargo_only_pkg.cpython-311-x86_64-linux-gnu.so", "0o100755"),
        ("my_fancy_package-0.3.0b1.data/data/share.cfg", "0o100644"),
        ("my_fancy_package-0.3.0b1.data/scripts/hello", "0o100755"),
        ("my_fancy_package-0.3.0b1.dist-info/METADATA", "0o100644"),
        ("my_fancy_package-0.3.0b1.dist-info/WHEEL", "0o100644"),
        ("my_fancy_package-0.3.0b1.dist-info/entry_points.txt", "0o100644"),
        ("my_fancy_package-0.3.0b1.dist-info/licenses/LICENSE-APACHE", "0o100644"),
        ("my_fancy_package-0.3.0b1.dist-info/licenses/LICENSE-MIT", "0o100644"),
        (
            "my_fancy_package-0.3.0b1.dist-info/licenses/licenses/sub/third.txt",
            "0o100644",
        ),
        ("my_fancy_package-0.3.0b1.dist-info/licenses/licenses/top.txt", "0o100644"),
        ("my_fancy_package-0.3.0b1.dist-info/RECORD", "0o100644"),
    ]
    for info in zf.infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.create_system == 3
    assert zf.read("my_fancy_package-0.3.0b1.dist-info/WHEEL") == (
        b"Wheel-Version: 1.0\nGenerator: maturin (1.16.0)\nRoot-Is-Purelib: false\n"
        b"Tag: cp311-cp311-linux_x86_64\n"
    )
    assert zf.read("my_fancy_package-0.3.0b1.dist-info/entry_points.txt") == ENTRY_POINTS
    assert zf.read("cargo_only_pkg/__init__.py") == INIT_PY


def test_record_matches_maturin() -> None:
    _, content = _build()
    record = (
        zipfile.ZipFile(io.BytesIO(content))
        .read("my_fancy_package-0.3.0b1.dist-info/RECORD")
        .decode()
    )
    so_line = f"cargo_only_pkg/cargo_only_pkg.cpython-311-x86_64-linux-gnu.so,{record_hash(SO)},{len(SO)}\n"
    metadata_line = (
        f"my_fancy_package-0.3.0b1.dist-info/METADATA,{record_hash(METADATA)},{len(METADATA)}\n"
    )
    # Hashes below are the ones in maturin's RECORD for the same file contents.
    assert record == (
        "cargo_only_pkg/__init__.py,sha256=brZ6UdiLMaqEOgKvJHEUoIx2SVJoaBEV2hxMnVVD4Bc,139\n"
        + so_line
        + "my_fancy_package-0.3.0b1.data/data/share.cfg,sha256=TVI97mvIwXo-KDVwUm2NbtPR7doHxT6UxV5JG794Azc,4\n"
        "my_fancy_package-0.3.0b1.data/scripts/hello,sha256=KZABho-4wC_UMcM2xtBY9VWMXf9bWvXm_gS4cKapy7o,18\n"
        + metadata_line
        + "my_fancy_package-0.3.0b1.dist-info/WHEEL,sha256=wz-LAekxkxzFXhmHC-alS2ahecTUZ7b6DZ5KJpimeKY,100\n"
        "my_fancy_package-0.3.0b1.dist-info/entry_points.txt,sha256=FIw6k-TaEdJ6FXDSndLUkPVSPWrC_WY3V0AuswSjA4Y,154\n"
        "my_fancy_package-0.3.0b1.dist-info/licenses/LICENSE-APACHE,sha256=uhGqSQyUO02sHBj6z9bfBmVoLIoNuPDPjTbX1DI3db0,12\n"
        "my_fancy_package-0.3.0b1.dist-info/licenses/LICENSE-MIT,sha256=2ftw60vBN-tPx3ZxqhN_O63eefcFlc_vPKFAF8VM5gY,17\n"
        "my_fancy_package-0.3.0b1.dist-info/licenses/licenses/sub/third.txt,sha256=Xu-AmO1uwKFiSfx8EkIgJ_yf11sWEwzJOCzwkQIBR5Y,6\n"
        "my_fancy_package-0.3.0b1.dist-info/licenses/licenses/top.txt,sha256=994pR8ZMtkNeFfsr7zWdHtX2NWsq67eyBTXjdykE5ts,4\n"
        "my_fancy_package-0.3.0b1.dist-info/RECORD,,\n"
    )


def test_record_is_component_sorted_and_root_files_after_dist_info() -> None:
    entries = [
        WheelEntry("zzz.py", b""),
        WheelEntry("a.b", b""),
        WheelEntry("a/b.py", b""),
    ]
    _, content = _build(entries)
    zf = zipfile.ZipFile(io.BytesIO(content))
    names = zf.namelist()
    # zip: all package files first (component order puts `a/b.py` before `a.b`).
    assert names[:3] == ["a/b.py", "a.b", "zzz.py"]
    record_paths = [line.split(",")[0] for line in zf.read(names[-1]).decode().splitlines()]
    # RECORD: one component-wise sort over everything, so a root file can follow .dist-info.
    info = "my_fancy_package-0.3.0b1.dist-info"
    assert record_paths == [
        "a/b.py",
        "a.b",
        f"{info}/METADATA",
        f"{info}/WHEEL",
        f"{info}/entry_points.txt",
        f"{info}/licenses/LICENSE-APACHE",
        f"{info}/licenses/LICENSE-MIT",
        f"{info}/licenses/licenses/sub/third.txt",
        f"{info}/licenses/licenses/top.txt",
        "zzz.py",
        f"{info}/RECORD",
    ]


def test_byte_identical_for_identical_input() -> None:
    first = _build()
    second = _build(list(reversed(_entries())))
    assert first == second


def test_source_date_epoch() -> None:
    _, content = _build(source_date_epoch=1700000000)
    zf = zipfile.ZipFile(io.BytesIO(content))
    assert {i.date_time for i in zf.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    assert _build(source_date_epoch=1700000000) == _build(source_date_epoch=1700000000)
    assert _build(source_date_epoch=1700000000)[1] != _build()[1]


def test_source_date_epoch_is_clamped_to_1980() -> None:
    assert _build(source_date_epoch=0) == _build()
    assert _build(source_date_epoch=-5) == _build()


@pytest.mark.parametrize(
    "path, problem",
    [
        ("/abs/x.py", "absolute"),
        ("../x.py", r"`\.\.`"),
        ("pkg/../../x.py", r"`\.\.`"),
        ("pkg//x.py", "empty"),
        ("pkg/./x.py", "empty or `.`"),
        ("pkg\\x.py", "backslash"),
        ("", "empty"),
    ],
)
def test_bad_paths_are_rejected(path: str, problem: str) -> None:
    with pytest.raises(WheelError, match=problem):
        _build([WheelEntry(path, b"")])


def test_duplicate_paths_are_rejected() -> None:
    with pytest.raises(WheelError, match=r"Two files would be written to `pkg/x\.py`"):
        _build([WheelEntry("pkg/x.py", b"1"), WheelEntry("pkg/x.py", b"2")])
    with pytest.raises(WheelError, match=r"dist-info/METADATA"):
        _build([WheelEntry("my_fancy_package-0.3.0b1.dist-info/METADATA", b"")])
    with pytest.raises(WheelError, match=r"dist-info/RECORD"):
        _build([WheelEntry("my_fancy_package-0.3.0b1.dist-info/RECORD", b"")])


def test_foreign_or_bad_data_dirs_are_rejected() -> None:
    with pytest.raises(WheelError, match=r"data directory is `my_fancy_package-0\.3\.0b1\.data/`"):
        _build([WheelEntry("other-1.0.data/scripts/x", b"")])
    with pytest.raises(WheelError, match=r"must be in one of"):
        _build([WheelEntry("my_fancy_package-0.3.0b1.data/bin/x", b"")])


def test_extra_dist_info_files_are_kept_in_order() -> None:
    entries = _entries() + [WheelEntry("my_fancy_package-0.3.0b1.dist-info/sboms/x.json", b"{}")]
    _, content = _build(entries)
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert names[-3:] == [
        "my_fancy_package-0.3.0b1.dist-info/licenses/licenses/top.txt",
        "my_fancy_package-0.3.0b1.dist-info/sboms/x.json",
        "my_fancy_package-0.3.0b1.dist-info/RECORD",
    ]


def test_no_entry_points_file_without_entry_points() -> None:
    _, content = build_wheel(
        distribution="x",
        version="1.0",
        tags=["py3-none-linux_x86_64"],
        metadata=b"m",
        entries=[],
        entry_points=None,
        license_files={},
        generator="g",
        source_date_epoch=None,
    )
    assert zipfile.ZipFile(io.BytesIO(content)).namelist() == [
        "x-1.0.dist-info/METADATA",
        "x-1.0.dist-info/WHEEL",
        "x-1.0.dist-info/RECORD",
    ]


def test_wheel_file_expands_compressed_tags_like_maturin() -> None:
    assert wheel_file(
        ["py2.py3-none-any", "cp37-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64"],
        "maturin (1.16.0)",
    ) == (
        b"Wheel-Version: 1.0\nGenerator: maturin (1.16.0)\nRoot-Is-Purelib: false\n"
        b"Tag: py2-none-any\nTag: py3-none-any\n"
        b"Tag: cp37-abi3-manylinux_2_17_x86_64\nTag: cp37-abi3-manylinux2014_x86_64\n"
    )


def test_wheel_filename() -> None:
    assert wheel_filename("cargo-only_Pkg", "1.2.0a1", ["cp311-cp311-linux_x86_64"]) == (
        "cargo_only_pkg-1.2.0a1-cp311-cp311-linux_x86_64.whl"
    )
    assert (
        wheel_filename("abi3-pkg", "1.2.0a1", ["cp39-abi3-linux_x86_64"])
        == "abi3_pkg-1.2.0a1-cp39-abi3-linux_x86_64.whl"
    )
    assert (
        wheel_filename("x", "1.0+local", ["py3-none-linux_x86_64"])
        == "x-1.0+local-py3-none-linux_x86_64.whl"
    )
    assert (
        wheel_filename(
            "x",
            "1",
            ["cp37-abi3-manylinux_2_17_x86_64", "cp37-abi3-manylinux2014_x86_64"],
        )
        == "x-1-cp37-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    )
    assert wheel_filename("x", "1", ["py2-none-any", "py3-none-any"]) == "x-1-py2.py3-none-any.whl"


def test_tag_helpers() -> None:
    assert expand_tags(["py2.py3-none-any"]) == ["py2-none-any", "py3-none-any"]
    assert compress_tags(["py3-none-any", "py2-none-any"]) == "py3.py2-none-any"
    with pytest.raises(WheelError, match="cannot be written as one compressed tag set"):
        compress_tags(["cp39-cp39-linux_x86_64", "cp310-cp310-linux_x86_64"])
    with pytest.raises(WheelError, match="not a wheel tag"):
        compress_tags(["cp39-linux_x86_64"])
    with pytest.raises(WheelError, match="at least one tag"):
        compress_tags([])


def test_names_and_scripts() -> None:
    assert dist_info_dir("My.Fancy_Package", "0.3.0b1") == "my_fancy_package-0.3.0b1.dist-info"
    assert data_dir("My.Fancy_Package", "0.3.0b1") == "my_fancy_package-0.3.0b1.data"
    assert script_entry("p", "1", "tool", b"\x7fELF") == WheelEntry(
        "p-1.data/scripts/tool", b"\x7fELF", True
    )
    assert record_hash(b"") == "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"


def test_record_quotes_paths_as_csv_does() -> None:
    odd = 'cargo_only_pkg/data,with comma and "quote".txt'
    _, content = _build([*_entries(), WheelEntry(odd, b"x")])
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        (record_name,) = [n for n in zf.namelist() if n.endswith(".dist-info/RECORD")]
        record = zf.read(record_name).decode()
    rows = list(csv.reader(io.StringIO(record)))
    assert all(len(row) == 3 for row in rows), rows
    assert odd in [row[0] for row in rows]
