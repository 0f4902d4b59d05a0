"""A deterministic wheel writer: same inputs, same bytes (PEP 427 / the binary distribution spec)."""
from __future__ import annotations

import base64
import hashlib
import io
import posixpath
import re
import time
import zipfile
from typing import Mapping, Optional, Sequence

from pants_rust_python.wheels.entry import WheelEntry

# The zip format cannot represent anything earlier.
_ZIP_EPOCH = 315532800  # 1980-01-01T00:00:00Z


class WheelError(ValueError):
    pass


def escape_distribution(name: str) -> str:
    """The distribution part of a wheel or dist-info name: runs of `-_.` become `_`, lowercased."""
    return re.sub(r"[-_.]+", "_", name).lower()


def wheel_filename(distribution: str, version: str, tags: Sequence[str]) -> str:
    """`{dist}-{version}-{python}-{abi}-{platform}.whl`, compressing several tags per the spec."""
    pythons: list[str] = []
    abis: list[str] = []
    platforms: list[str] = []
    for tag in tags:
        python, abi, platform = tag.split("-")
        for seen, part in ((pythons, python), (abis, abi), (platforms, platform)):
            if part not in seen:
                seen.append(part)
    return (
        f"{escape_distribution(distribution)}-{version}-"
        f"{'.'.join(pythons)}-{'.'.join(abis)}-{'.'.join(platforms)}.whl"
    )


def _record_hash(content: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def _check_path(path: str) -> None:
    normalized = posixpath.normpath(path)
    if path.startswith("/") or normalized.startswith("..") or normalized != path or "\\" in path:
        raise WheelError(f"`{path}` cannot be a wheel entry: paths must be relative and normalized.")


def _zip_time(source_date_epoch: Optional[int]) -> tuple[int, int, int, int, int, int]:
    epoch = max(_ZIP_EPOCH, source_date_epoch if source_date_epoch is not None else _ZIP_EPOCH)
    return time.gmtime(epoch)[:6]  # type: ignore[return-value]


def _record_sort_key(path: str) -> tuple[str, ...]:
    # maturin sorts RECORD by path components: `pkg/...` before `pkg-1.0.dist-info/...`.
    return tuple(path.split("/"))


def build_wheel(
    *,
    distribution: str,
    version: str,
    tags: Sequence[str],
    metadata: bytes,
    entries: Sequence[WheelEntry],
    entry_points: Optional[bytes],
    license_files: Mapping[str, bytes],
    generator: str,
    source_date_epoch: Optional[int],
) -> tuple[str, bytes]:
    """The wheel's file name and bytes.

    Package files come first, sorted; then the dist-info files in maturin's order (METADATA,
    WHEEL, entry_points.txt, licenses/, RECORD). Every entry has the same timestamp
    (SOURCE_DATE_EPOCH, else 1980-01-01), mode 0644 or 0755, and Unix as its origin.
    """
    dist_info = f"{escape_distribution(distribution)}-{version}.dist-info"
    wheel_text = "".join(
        [
            "Wheel-Version: 1.0\n",
            f"Generator: {generator}\n",
            "Root-Is-Purelib: false\n",
            *(f"Tag: {tag}\n" for tag in tags),
        ]
    )
    files: list[WheelEntry] = sorted(entries, key=lambda e: e.path)
    seen: set[str] = set()
    for entry in files:
        _check_path(entry.path)
        if entry.path in seen:
            raise WheelError(f"Two files would be written to `{entry.path}` in the wheel.")
        if entry.path.startswith(f"{dist_info}/"):
            raise WheelError(f"`{entry.path}` is inside the generated {dist_info} directory.")
        seen.add(entry.path)
    files.append(WheelEntry(f"{dist_info}/METADATA", metadata))
    files.append(WheelEntry(f"{dist_info}/WHEEL", wheel_text.encode()))
    if entry_points:
        files.append(WheelEntry(f"{dist_info}/entry_points.txt", entry_points))
    for name, content in sorted(license_files.items()):
        _check_path(name)
        files.append(WheelEntry(f"{dist_info}/licenses/{name}", content))

    record_path = f"{dist_info}/RECORD"
    record_lines = [
        f"{e.path},{_record_hash(e.content)},{len(e.content)}"
        for e in sorted(files, key=lambda e: _record_sort_key(e.path))
    ]
    record_lines.append(f"{record_path},,")
    files.append(WheelEntry(record_path, ("\n".join(record_lines) + "\n").encode()))

    date_time = _zip_time(source_date_epoch)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for entry in files:
            info = zipfile.ZipInfo(entry.path, date_time=date_time)
            info.create_system = 3
            info.external_attr = (0o100755 if entry.executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, entry.content)
    return wheel_filename(distribution, version, tags), buffer.getvalue()
