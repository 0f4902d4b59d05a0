"""A deterministic wheel writer: the same inputs give the same bytes.

Layout and ordering follow maturin 1.16 (and the binary distribution format spec):

- zip order: package files sorted by path components, then the .dist-info files sorted the same
  way, RECORD last (the spec recommends dist-info at the end);
- RECORD lists every other file sorted by path components (so `pkg/...` comes before
  `pkg-1.0.dist-info/...`), with `sha256=<urlsafe b64, no padding>,<size>`, then its own line `,,`;
- every entry has the same timestamp (SOURCE_DATE_EPOCH, else 1980-01-01), Unix as its origin,
  mode 0755 for executables and 0644 otherwise, and is deflated.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
import time
import zipfile
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from pants_rust_python.wheel.entry import WheelEntry

# The zip format cannot represent times before 1980 or after 2107.
ZIP_MIN_EPOCH = 315532800  # 1980-01-01T00:00:00Z
_ZIP_MAX_EPOCH = 4354819198  # 2107-12-31T23:59:58Z

# The .data/ sub-directories a wheel may contain.
DATA_SCHEMES = ("data", "scripts", "headers", "purelib", "platlib")


class WheelError(ValueError):
    """Wheel contents that cannot be written (bad paths, duplicates, bad tags)."""


def escape_distribution(name: str) -> str:
    """The distribution part of wheel and .dist-info names: runs of `-_.` become `_`, lowercased."""
    return re.sub(r"[-_.]+", "_", name).lower()


def escape_version(version: str) -> str:
    """The version part of wheel and .dist-info names (maturin only replaces `-`)."""
    return version.replace("-", "_")


def dist_info_dir(distribution: str, version: str) -> str:
    return f"{escape_distribution(distribution)}-{escape_version(version)}.dist-info"


def data_dir(distribution: str, version: str) -> str:
    return f"{escape_distribution(distribution)}-{escape_version(version)}.data"


def script_entry(distribution: str, version: str, name: str, content: bytes) -> WheelEntry:
    """An executable installed to the environment's scripts directory (bin/)."""
    return WheelEntry(f"{data_dir(distribution, version)}/scripts/{name}", content, executable=True)


def _split_tag(tag: str) -> Tuple[List[str], List[str], List[str]]:
    parts = tag.split("-")
    if len(parts) != 3 or not all(parts) or any(not p for part in parts for p in part.split(".")):
        raise WheelError(f"`{tag}` is not a wheel tag of the form <python>-<abi>-<platform>.")
    return parts[0].split("."), parts[1].split("."), parts[2].split(".")


def expand_tags(tags: Sequence[str]) -> List[str]:
    """Each (possibly dot-compressed) tag expanded, python outermost, platform innermost."""
    out: List[str] = []
    for tag in tags:
        pythons, abis, platforms = _split_tag(tag)
        for py in pythons:
            for abi in abis:
                for plat in platforms:
                    expanded = f"{py}-{abi}-{plat}"
                    if expanded not in out:
                        out.append(expanded)
    return out


def compress_tags(tags: Sequence[str]) -> str:
    """The compressed tag set for a file name (py2.py3-none-any style), parts in first-seen order."""
    expanded = expand_tags(tags)
    if not expanded:
        raise WheelError("A wheel needs at least one tag.")
    pythons: List[str] = []
    abis: List[str] = []
    platforms: List[str] = []
    for tag in expanded:
        for seen, part in zip((pythons, abis, platforms), tag.split("-")):
            if part not in seen:
                seen.append(part)
    if len(expanded) != len(pythons) * len(abis) * len(platforms):
        raise WheelError(
            f"The tags {', '.join(expanded)} cannot be written as one compressed tag set in a "
            "wheel file name; build one wheel per tag instead."
        )
    return f"{'.'.join(pythons)}-{'.'.join(abis)}-{'.'.join(platforms)}"


def wheel_filename(distribution: str, version: str, tags: Sequence[str]) -> str:
    """`{dist}-{version}-{python}-{abi}-{platform}.whl`, e.g. foo_bar-1.0-cp39-abi3-linux_x86_64.whl."""
    return (
        f"{escape_distribution(distribution)}-{escape_version(version)}-{compress_tags(tags)}.whl"
    )


def wheel_file(tags: Sequence[str], generator: str) -> bytes:
    """The WHEEL file: one Tag line per expanded tag, in the given order."""
    lines = ["Wheel-Version: 1.0", f"Generator: {generator}", "Root-Is-Purelib: false"]
    lines.extend(f"Tag: {tag}" for tag in expand_tags(tags))
    return ("\n".join(lines) + "\n").encode("utf-8")


def record_hash(content: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
    return f"sha256={digest.decode('ascii')}"


def _path_key(path: str) -> Tuple[str, ...]:
    # Component-wise, like maturin's PathBuf ordering: `pkg/x` sorts before `pkg-1.0.dist-info/x`.
    return tuple(path.split("/"))


def _check_path(path: str) -> None:
    problem = None
    if not path:
        problem = "it is empty"
    elif path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        problem = "it is absolute"
    elif "\\" in path:
        problem = "it contains a backslash (use `/`)"
    elif "\0" in path:
        problem = "it contains a NUL character"
    else:
        parts = path.split("/")
        if ".." in parts:
            problem = "it contains `..`"
        elif any(p in ("", ".") for p in parts):
            problem = "it has an empty or `.` component"
    if problem:
        raise WheelError(f"`{path}` cannot be a path inside a wheel: {problem}.")


def _zip_date_time(
    source_date_epoch: Optional[int],
) -> Tuple[int, int, int, int, int, int]:
    epoch = ZIP_MIN_EPOCH if source_date_epoch is None else int(source_date_epoch)
    epoch = min(max(epoch, ZIP_MIN_EPOCH), _ZIP_MAX_EPOCH)
    t = time.gmtime(epoch)
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)


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
    sboms: Optional[Mapping[str, bytes]] = None,
) -> Tuple[str, bytes]:
    """The wheel's file name and bytes.

    `entries` are the package files (paths relative to the wheel root); they may include
    `{dist}-{version}.data/<scheme>/...` files. `license_files` maps paths relative to
    `.dist-info/licenses/` (the License-File values) to their contents; `sboms` file names in
    `.dist-info/sboms/` (PEP 770) to theirs.
    """
    filename = wheel_filename(distribution, version, tags)
    info_dir = dist_info_dir(distribution, version)
    own_data_dir = data_dir(distribution, version)
    record_path = f"{info_dir}/RECORD"

    files: Dict[str, WheelEntry] = {}

    def add(entry: WheelEntry) -> None:
        _check_path(entry.path)
        if entry.path in files or entry.path == record_path:
            raise WheelError(
                f"Two files would be written to `{entry.path}` in the wheel {filename}; "
                "each path may be produced only once."
            )
        files[entry.path] = entry

    for entry in entries:
        top = entry.path.split("/", 1)[0]
        if top.endswith(".data") and top != own_data_dir:
            raise WheelError(
                f"`{entry.path}` is in `{top}/`, but this wheel's data directory is `{own_data_dir}/`."
            )
        if top == own_data_dir:
            parts = entry.path.split("/")
            if len(parts) < 3 or parts[1] not in DATA_SCHEMES:
                raise WheelError(
                    f"`{entry.path}` must be in one of {', '.join(f'{own_data_dir}/{s}/' for s in DATA_SCHEMES)}."
                )
        add(entry)
    add(WheelEntry(f"{info_dir}/METADATA", metadata))
    add(WheelEntry(f"{info_dir}/WHEEL", wheel_file(tags, generator)))
    if entry_points:
        add(WheelEntry(f"{info_dir}/entry_points.txt", entry_points))
    for name, content in license_files.items():
        _check_path(name)
        add(WheelEntry(f"{info_dir}/licenses/{name}", content))
    for name, content in (sboms or {}).items():
        if "/" in name:
            raise WheelError(f"SBOM file name `{name}` must not contain `/`.")
        _check_path(name)
        add(WheelEntry(f"{info_dir}/sboms/{name}", content))

    # The csv module's quoting (as the wheel spec asks): a path with a comma or a quote stays
    # one field.
    record_text = io.StringIO()
    writer = csv.writer(record_text, lineterminator="\n")
    for path in sorted(files, key=_path_key):
        writer.writerow((path, record_hash(files[path].content), len(files[path].content)))
    writer.writerow((record_path, "", ""))
    record = record_text.getvalue()

    in_dist_info = [p for p in files if p.startswith(info_dir + "/")]
    outside = [p for p in files if not p.startswith(info_dir + "/")]
    ordered = [files[p] for p in sorted(outside, key=_path_key)]
    ordered += [files[p] for p in sorted(in_dist_info, key=_path_key)]
    ordered.append(WheelEntry(record_path, record.encode("utf-8")))

    date_time = _zip_date_time(source_date_epoch)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for entry in ordered:
            info = zipfile.ZipInfo(entry.path, date_time=date_time)
            info.create_system = 3  # Unix, so that the permission bits below are honoured.
            info.external_attr = (0o100755 if entry.executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, entry.content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return filename, buffer.getvalue()


def unpacked_entries(content: bytes) -> List[WheelEntry]:
    """The files of a wheel outside its .dist-info (which `build_wheel` writes), with their
    executable bits: how a wheel another tool rewrote (auditwheel repair) is written again."""
    entries: List[WheelEntry] = []
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        for info in zf.infolist():
            top = info.filename.split("/", 1)[0]
            if info.is_dir() or top.endswith(".dist-info"):
                continue
            mode = info.external_attr >> 16
            entries.append(WheelEntry(info.filename, zf.read(info), executable=bool(mode & 0o111)))
    return entries
