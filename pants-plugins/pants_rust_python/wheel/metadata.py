"""Core metadata (the wheel's METADATA file) computed the way maturin 1.16 does it.

The inputs are already-read data (one `cargo metadata` package object, the parsed
pyproject.toml and the bytes of the files the rule read), so everything here is pure.

maturin's quirks are mirrored on purpose, because the goal is byte-identical METADATA:

- Cargo-only: `Author` is all Cargo authors joined with ", " and `Author-email` is the very same
  string when it contains an "@"; `Home-Page` comes from `homepage` and survives a [project] table.
- With [project]: fields not listed in `dynamic` are dropped from the Cargo side, except
  `Home-Page` and the Cargo `license-file`, which maturin never clears.
- TOML tables (urls, scripts, optional-dependencies, entry-points) come out sorted by key,
  because maturin's TOML reader does not preserve table order.

Requires-Dist and Requires-Python are the exception: `packaging` parses and renders them, so
they match maturin's in meaning, not byte for byte (names and extras as written, specifiers
sorted as text, `"` quotes). maturin's `pep508_rs` also rewrites markers into a canonical form
(python_version becomes python_full_version, terms sorted, DNF); we keep the marker the project
wrote, which is what installers (built on `packaging`) evaluate. Where pep508_rs reads a marker
differently from packaging (`python_version ~= '3.8.0'`), ours means what packaging reads.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from pants_rust_python.repo_paths import inside_repo, repo_path
from pants_rust_python.wheel.errors import MetadataError, MetadataFileMissing
from pants_rust_python.wheel.folding import fold_header
from pants_rust_python.wheel.requirements import (
    Requirement,
    format_requirement,
    format_requires_python,
)
from pants_rust_python.wheel.wheel import dist_info_dir

METADATA_VERSION = "2.4"

PLAINTEXT_CONTENT_TYPE = "text/plain; charset=UTF-8"
GFM_CONTENT_TYPE = "text/markdown; charset=UTF-8; variant=GFM"
RST_CONTENT_TYPE = "text/x-rst; charset=UTF-8"

# maturin guesses these (in this order) when Cargo reports no readme; cargo itself only knows
# the first, second and fourth, so in practice this finds README.rst or a `readme = false` file.
README_GUESSES = ("README.md", "README.txt", "README.rst", "README")

# License files auto-included when [project] has no `license-files` (maturin's backwards-compat
# discovery, matched in the pyproject.toml directory only).
LICENSE_AUTO_GLOBS = ("LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*")


# ---------------------------------------------------------------------------------------------
# Names and versions
# ---------------------------------------------------------------------------------------------

# PEP 508's name (and extra name) rule; packaging 21.3 offers no validator of its own.
_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)


def is_valid_name(name: str) -> bool:
    return bool(_NAME_RE.match(name))


def normalize_version(raw: str, *, declared_in: str, field: str = "version") -> str:
    """The PEP 440 normal form of `raw` (Cargo semver pre-releases such as 1.0.0-alpha.1
    become 1.0.0a1, build metadata becomes a local version), or a MetadataError."""
    try:
        return str(Version(raw))
    except InvalidVersion:
        raise MetadataError(
            f"The {field} `{raw}` in {declared_in} is not a valid Python (PEP 440) version. "
            "Rust uses SemVer and Python uses PEP 440: pre-releases must look like "
            "`1.0.0-alpha.1`, `1.0.0-beta.2`, `1.0.0-rc.1` or `1.0.0-dev.3` (one name and one "
            "number), which become 1.0.0a1, 1.0.0b2, 1.0.0rc1 and 1.0.0.dev3."
        ) from None


def _content_type_for(path: str) -> str:
    ext = posixpath.splitext(path)[1].lower()
    if ext == ".rst":
        return RST_CONTENT_TYPE
    if ext in (".md", ".markdown"):
        return GFM_CONTENT_TYPE
    return PLAINTEXT_CONTENT_TYPE


@dataclass(frozen=True)
class CoreMetadata:
    """Everything that ends up in METADATA, entry_points.txt and .dist-info/licenses/."""

    name: str
    version: str
    metadata_version: str = METADATA_VERSION
    summary: Optional[str] = None
    description: Optional[str] = None
    description_content_type: Optional[str] = None
    keywords: Optional[str] = None
    home_page: Optional[str] = None
    download_url: Optional[str] = None
    author: Optional[str] = None
    author_email: Optional[str] = None
    maintainer: Optional[str] = None
    maintainer_email: Optional[str] = None
    license: Optional[str] = None
    license_expression: Optional[str] = None
    # Paths relative to .dist-info/licenses/, with their contents.
    license_files: Tuple[Tuple[str, bytes], ...] = ()
    classifiers: Tuple[str, ...] = ()
    requires_dist: Tuple[str, ...] = ()
    provides_extra: Tuple[str, ...] = ()
    requires_python: Optional[str] = None
    project_urls: Tuple[Tuple[str, str], ...] = ()
    platform: Tuple[str, ...] = ()
    supported_platform: Tuple[str, ...] = ()
    provides_dist: Tuple[str, ...] = ()
    obsoletes_dist: Tuple[str, ...] = ()
    requires_external: Tuple[str, ...] = ()
    scripts: Tuple[Tuple[str, str], ...] = ()
    gui_scripts: Tuple[Tuple[str, str], ...] = ()
    entry_points: Tuple[Tuple[str, Tuple[Tuple[str, str], ...]], ...] = ()

    @property
    def dist_info_dir(self) -> str:
        return dist_info_dir(self.name, self.version)

    def license_file_map(self) -> Dict[str, bytes]:
        return dict(self.license_files)


def check_header_values(md: CoreMetadata, declared_in: str) -> None:
    """A line break in a one-line field would end METADATA's header block early or inject a
    header of its own: such a value is an error (only `License` is folded, as maturin does)."""
    for key, value in _header_fields(md):
        if key != "License" and ("\n" in value or "\r" in value):
            raise MetadataError(
                f"The `{key}` metadata field holds a line break ({value!r}), from {declared_in}. "
                "Core metadata headers are one line each: put the text on one line (a long text "
                "belongs in the readme, which becomes the description)."
            )


def _header_fields(md: CoreMetadata) -> List[Tuple[str, str]]:
    """The header fields of METADATA in maturin's order, values as given."""
    fields: List[Tuple[str, str]] = [
        ("Metadata-Version", md.metadata_version),
        ("Name", md.name),
        ("Version", md.version),
    ]
    for key, values in (
        ("Platform", md.platform),
        ("Supported-Platform", md.supported_platform),
        ("Classifier", md.classifiers),
        ("Requires-Dist", md.requires_dist),
        ("Provides-Dist", md.provides_dist),
        ("Obsoletes-Dist", md.obsoletes_dist),
        ("Requires-External", md.requires_external),
        ("Provides-Extra", md.provides_extra),
        ("License-File", tuple(p for p, _ in md.license_files)),
    ):
        fields.extend((key, v) for v in values)
    for key, value in (
        ("Summary", md.summary),
        ("Keywords", md.keywords),
        ("Home-Page", md.home_page),
        ("Download-URL", md.download_url),
        ("Author", md.author),
        ("Author-email", md.author_email),
        ("Maintainer", md.maintainer),
        ("Maintainer-email", md.maintainer_email),
        ("License-Expression", md.license_expression),
        ("License", md.license),
        ("Requires-Python", md.requires_python),
        ("Description-Content-Type", md.description_content_type),
    ):
        if value is not None:
            fields.append((key, value))
    fields.extend(("Project-URL", f"{label}, {url}") for label, url in md.project_urls)
    return fields


def render_metadata(md: CoreMetadata) -> bytes:
    """METADATA in maturin's field order; the description is the message body."""
    check_header_values(md, "the project's metadata")
    fields = [(k, fold_header(v) if k == "License" else v) for k, v in _header_fields(md)]
    out = "".join(f"{k}: {v}\n" for k, v in fields)
    if md.description is not None:
        out += f"\n{md.description}\n"
    return out.encode("utf-8")


def render_entry_points(md: CoreMetadata) -> Optional[bytes]:
    """entry_points.txt for `md`: console_scripts, gui_scripts, then the other groups."""
    sections: List[Tuple[str, Sequence[Tuple[str, str]]]] = []
    if md.scripts:
        sections.append(("console_scripts", md.scripts))
    if md.gui_scripts:
        sections.append(("gui_scripts", md.gui_scripts))
    sections.extend(md.entry_points)
    if not sections:
        return None
    # maturin writes the sections back to back, without blank lines.
    text = "".join(
        f"[{group}]\n" + "".join(f"{k}={v}\n" for k, v in entries) for group, entries in sections
    )
    return text.encode("utf-8")


def _sorted_table(value: Any, *, field: str, declared_in: str) -> Tuple[Tuple[str, Any], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise MetadataError(f"`{field}` in {declared_in} must be a table.")
    # maturin reads TOML tables into sorted maps, so their order is by key, not as written.
    return tuple(sorted(value.items(), key=lambda kv: kv[0]))


def _string_table(value: Any, *, field: str, declared_in: str) -> Tuple[Tuple[str, str], ...]:
    items = _sorted_table(value, field=field, declared_in=declared_in)
    for k, v in items:
        if not isinstance(v, str):
            raise MetadataError(f"`{field}.{k}` in {declared_in} must be a string.")
    return items


# An installer writes each script to `<bin>/<name>`: a name is one plain file name.
_SCRIPT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*")


def _check_script_name(name: str, field: str, declared_in: str) -> None:
    if not _SCRIPT_NAME.fullmatch(name):
        raise MetadataError(
            f"`{field}` in {declared_in} names a script {name!r}; installers write scripts "
            "into the environment's bin directory under that name, so it must be a plain file "
            "name: letters, digits, `_`, `.`, `+` and `-`, not starting with `.`, `+` or `-`."
        )


def _entry_point_sections(project: Mapping[str, Any], declared_in: str):
    scripts = _string_table(
        project.get("scripts"), field="project.scripts", declared_in=declared_in
    )
    gui = _string_table(
        project.get("gui-scripts"), field="project.gui-scripts", declared_in=declared_in
    )
    groups = _sorted_table(
        project.get("entry-points"),
        field="project.entry-points",
        declared_in=declared_in,
    )
    for field, table in (("project.scripts", scripts), ("project.gui-scripts", gui)):
        for name, _ in table:
            _check_script_name(name, field, declared_in)
    entry_points = []
    for group, table in groups:
        if group in ("console_scripts", "gui_scripts"):
            table_name = "project.scripts" if group == "console_scripts" else "project.gui-scripts"
            raise MetadataError(
                f"`{group}` is not allowed in the `project.entry-points` table of {declared_in}; "
                f"use the `{table_name}` table instead."
            )
        entry_points.append(
            (
                group,
                _string_table(
                    table,
                    field=f"project.entry-points.{group}",
                    declared_in=declared_in,
                ),
            )
        )
    return scripts, gui, tuple(entry_points)


def entry_points_txt(
    pyproject: Optional[Mapping[str, Any]], *, declared_in: str = "pyproject.toml"
) -> Optional[bytes]:
    """entry_points.txt from [project.scripts], [project.gui-scripts] and [project.entry-points.*]."""
    project = (pyproject or {}).get("project")
    if not isinstance(project, Mapping):
        return None
    scripts, gui, groups = _entry_point_sections(project, declared_in)
    return render_entry_points(
        CoreMetadata(name="x", version="0", scripts=scripts, gui_scripts=gui, entry_points=groups)
    )


def _escape_email_display_name(name: str, email: str) -> str:
    if any(c in '()<>@,;:\\".[]' for c in name):
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}" <{email}>'
    return f"{name} <{email}>"


def _split_contacts(
    contacts: Any, *, field: str, declared_in: str
) -> Tuple[Optional[str], Optional[str]]:
    if not isinstance(contacts, list):
        raise MetadataError(
            f"`{field}` in {declared_in} must be an array of tables with `name` and/or `email`."
        )
    names: List[str] = []
    emails: List[str] = []
    for contact in contacts:
        if not isinstance(contact, Mapping):
            raise MetadataError(
                f"`{field}` in {declared_in} must be an array of tables with `name` and/or `email`."
            )
        name, email = contact.get("name"), contact.get("email")
        if name is not None and email is not None:
            emails.append(_escape_email_display_name(name, email))
        elif name is not None:
            names.append(name)
        elif email is not None:
            emails.append(email)
    return (", ".join(names) or None), (", ".join(emails) or None)


def _relative_to(path: str, directory: str) -> Optional[str]:
    """`path` relative to `directory` when it lies inside it, else None."""
    if not directory:
        return path
    prefix = directory.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None


# A readme becomes the METADATA description, which every installer and index reads whole.
MAX_README_BYTES = 16 * 1024 * 1024


def _read_text(files: Mapping[str, bytes], path: str, *, field: str, declared_in: str) -> str:
    if path not in files:
        raise MetadataFileMissing(path, field, declared_in)
    if len(files[path]) > MAX_README_BYTES:
        raise MetadataError(
            f"The file `{path}` referenced by `{field}` in {declared_in} is "
            f"{len(files[path]) / 2**20:.0f} MiB; it becomes the wheel's METADATA description, "
            f"which every installer reads whole. Keep it under {MAX_README_BYTES // 2**20} MiB."
        )
    try:
        return files[path].decode("utf-8")
    except UnicodeDecodeError:
        raise MetadataError(
            f"The file `{path}` referenced by `{field}` in {declared_in} is not valid UTF-8."
        ) from None


def _glob_to_regex(pattern: str) -> "re.Pattern[str]":
    """A component-wise glob (`*`, `?`, `[...]`, `**` for any number of directories)."""
    # Not fnmatch.translate: its `*` crosses `/` and it knows no `**` (glob.translate is 3.13+).
    parts = []
    components = pattern.split("/")
    for idx, comp in enumerate(components):
        last = idx == len(components) - 1
        if comp == "**":
            parts.append("(?:[^/]*(?:/|$))*" if last else "(?:[^/]+/)*")
            continue
        rx = ""
        i = 0
        while i < len(comp):
            c = comp[i]
            if c == "*":
                rx += "[^/]*"
            elif c == "?":
                rx += "[^/]"
            elif c == "[":
                end = comp.find("]", i + 2)
                if end < 0:
                    rx += re.escape(c)
                else:
                    body = comp[i + 1 : end]
                    if body.startswith("!"):
                        body = "^" + body[1:]
                    rx += "[" + body.replace("\\", "\\\\") + "]"
                    i = end
            else:
                rx += re.escape(c)
            i += 1
        parts.append(rx + ("" if last else "/"))
    return re.compile("^" + "".join(parts) + "$")


def _check_license_glob(pattern: str, declared_in: str) -> None:
    problem = None
    if pattern.startswith("/") or re.match(r"^[A-Za-z]:", pattern):
        problem = "it must be relative"
    elif ".." in pattern.split("/"):
        problem = "it must not contain `..`"
    elif "\\" in pattern:
        problem = "use `/` as the path separator"
    elif re.search(r"[^A-Za-z0-9._\-/*?\[\]]", pattern):
        problem = "only letters, digits, `-`, `.`, `_`, `/`, `*`, `?` and `[...]` are allowed"
    elif any("**" in c and c != "**" for c in pattern.split("/")):
        problem = "`**` must be a whole path component"
    if problem:
        raise MetadataError(
            f"Invalid `project.license-files` glob `{pattern}` in {declared_in}: {problem}."
        )


def _path_sort_key(path: str) -> Tuple[str, ...]:
    # Paths compare component by component, like Rust's PathBuf (and glob's directory walk).
    return tuple(path.split("/"))


def _match_files(files: Mapping[str, bytes], base_dir: str, pattern: str) -> List[str]:
    rx = _glob_to_regex(pattern)
    matches = []
    for path in files:
        rel = _relative_to(path, base_dir)
        if rel is not None and rx.match(rel):
            matches.append(rel)
    return sorted(matches, key=_path_sort_key)


def metadata_input_globs(
    *,
    cargo_package: Mapping[str, Any],
    pyproject: Optional[Mapping[str, Any]],
    crate_dir: str,
    pyproject_dir: str,
) -> List[str]:
    """Repo-relative paths/globs of every file `build_core_metadata` may need in `files`
    (readme, license files, maturin's guessed readme and license names). Read those that exist.
    """
    out: List[str] = []
    readme = cargo_package.get("readme")
    if readme:
        out.append(repo_path(crate_dir, readme))
    else:
        out.extend(repo_path(crate_dir, g) for g in README_GUESSES)
    if cargo_package.get("license_file"):
        out.append(repo_path(crate_dir, cargo_package["license_file"]))
    project = (pyproject or {}).get("project")
    if isinstance(project, Mapping):
        r = project.get("readme")
        if isinstance(r, str):
            out.append(repo_path(pyproject_dir, r))
        elif isinstance(r, Mapping) and isinstance(r.get("file"), str):
            out.append(repo_path(pyproject_dir, r["file"]))
        lic = project.get("license")
        if isinstance(lic, Mapping) and isinstance(lic.get("file"), str):
            out.append(repo_path(pyproject_dir, lic["file"]))
        globs = project.get("license-files")
        for g in globs if isinstance(globs, list) else LICENSE_AUTO_GLOBS:
            out.append(repo_path(pyproject_dir, g) if pyproject_dir else g)
    # Paths that leave the repository are not read: build_core_metadata reports them.
    return [p for p in dict.fromkeys(out) if inside_repo(p)]


# What cffi bindings need at run time; PyPy ships cffi itself (maturin's template says the same).
CFFI_REQUIREMENT = "cffi; platform_python_implementation != 'PyPy'"


def require_cffi(metadata: CoreMetadata) -> CoreMetadata:
    """`metadata` with cffi in Requires-Dist, unless the project already lists it.

    maturin only warns when a cffi project omits it; the wheel cannot work without it.
    """
    for requirement in metadata.requires_dist:
        if canonicalize_name(Requirement(requirement).name) == "cffi":
            return metadata
    return dataclasses.replace(
        metadata,
        requires_dist=(*metadata.requires_dist, format_requirement(CFFI_REQUIREMENT)),
    )


@dataclass(frozen=True)
class _Sources:
    """Where the metadata is read from: the files, and the directories paths are relative to."""

    files: Mapping[str, bytes]
    crate_dir: str
    pyproject_dir: str
    workspace_dir: str

    @property
    def cargo_toml(self) -> str:
        return repo_path(self.crate_dir, "Cargo.toml")

    @property
    def pyproject_toml(self) -> str:
        return repo_path(self.pyproject_dir, "pyproject.toml")


class _LicenseFiles:
    """The files for `.dist-info/licenses/`: their path there -> their path in the repo, in the
    order maturin lists them."""

    def __init__(self) -> None:
        self.sources: Dict[str, str] = {}

    def add(self, target: str, source: str, *, replace: bool = True) -> None:
        if replace or target not in self.sources:
            self.sources[target] = source

    def contents(self, sources: _Sources, declared_in: str) -> Tuple[Tuple[str, bytes], ...]:
        out = []
        for target, source in self.sources.items():
            if source not in sources.files:
                raise MetadataFileMissing(source, "license file", declared_in)
            out.append((target, sources.files[source]))
        return tuple(out)


def _cargo_readme(
    cargo_package: Mapping[str, Any], src: _Sources
) -> Tuple[Optional[str], Optional[str]]:
    """(description, content type) from `package.readme`, or maturin's guessed readme names."""
    readme = cargo_package.get("readme")
    if readme == "false":
        return None, None
    if readme:
        path = repo_path(src.crate_dir, readme)
        return (
            _read_text(src.files, path, field="package.readme", declared_in=src.cargo_toml),
            _content_type_for(path),
        )
    for guess in README_GUESSES:
        path = repo_path(src.crate_dir, guess)
        if path in src.files:
            return (
                _read_text(src.files, path, field="package.readme", declared_in=src.cargo_toml),
                _content_type_for(path),
            )
    return None, None


def _cargo_license_file(
    cargo_package: Mapping[str, Any], src: _Sources, licenses: _LicenseFiles
) -> None:
    declared = cargo_package.get("license_file")
    if not declared:
        return
    source = repo_path(src.crate_dir, declared)
    if not _is_within(source, src.workspace_dir):
        raise MetadataError(
            f"The license file `{declared}` specified in {src.cargo_toml} resolves outside the "
            f"Cargo workspace root `{src.workspace_dir or '.'}`; move it inside the workspace."
        )
    if source not in src.files:
        raise MetadataFileMissing(source, "package.license-file", src.cargo_toml)
    rel = _relative_to(source, src.crate_dir)
    licenses.add(rel if rel is not None else posixpath.basename(source), source)


def _from_cargo(
    cargo_package: Mapping[str, Any], src: _Sources, licenses: _LicenseFiles
) -> CoreMetadata:
    """Step 1: what Cargo.toml says (maturin's Metadata24::from_cargo_toml)."""
    name = cargo_package.get("name")
    if not isinstance(name, str) or not name:
        raise MetadataError(f"{src.cargo_toml} has no package name; set `[package] name`.")
    version = normalize_version(str(cargo_package.get("version")), declared_in=src.cargo_toml)
    authors_list = list(cargo_package.get("authors") or [])
    authors = ", ".join(authors_list)
    description, content_type = _cargo_readme(cargo_package, src)
    urls = tuple(
        (label, cargo_package[key])
        for key, label in (
            ("homepage", "Homepage"),
            ("documentation", "Documentation"),
            ("repository", "Source Code"),
        )
        if cargo_package.get(key)
    )
    _cargo_license_file(cargo_package, src, licenses)
    summary = cargo_package.get("description")
    keywords = list(cargo_package.get("keywords") or [])
    return CoreMetadata(
        name=name,
        version=version,
        summary=summary.strip() if isinstance(summary, str) else None,
        description=description,
        description_content_type=content_type,
        keywords=",".join(keywords) if keywords else None,
        home_page=cargo_package.get("homepage") or None,
        author=authors if authors_list else None,
        author_email=authors if "@" in authors else None,
        license=cargo_package.get("license") or None,
        project_urls=urls,
    )


# [project] keys whose Cargo values survive only when the key is listed in `project.dynamic`,
# and the fields they stand for.
_DYNAMIC_FIELDS = (
    ("description", ("summary",)),
    ("authors", ("author", "author_email")),
    ("maintainers", ("maintainer", "maintainer_email")),
    ("keywords", ("keywords",)),
    ("urls", ("project_urls",)),
    ("license", ("license", "license_expression")),
    ("classifiers", ("classifiers",)),
    ("readme", ("description", "description_content_type")),
    ("requires-python", ("requires_python",)),
)


def _project_table(
    pyproject: Optional[Mapping[str, Any]], src: _Sources
) -> Optional[Mapping[str, Any]]:
    project = (pyproject or {}).get("project")
    if project is None:
        return None
    if not isinstance(project, Mapping):
        raise MetadataError(f"`project` in {src.pyproject_toml} must be a table.")
    return project


def _project_name_and_statics(
    md: CoreMetadata, project: Mapping[str, Any], src: _Sources
) -> CoreMetadata:
    """Step 2: `[project] name` and `version`; Cargo's values of static fields are dropped."""
    dynamic = set(project.get("dynamic") or [])
    if "name" in dynamic:
        raise MetadataError(
            f"`project.dynamic` must not contain `name` in {src.pyproject_toml}; set `project.name`."
        )
    pname = project.get("name")
    if not isinstance(pname, str) or not is_valid_name(pname):
        raise MetadataError(
            f"`project.name` {pname!r} in {src.pyproject_toml} is not a valid Python package name: use "
            "letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit."
        )
    cleared: Dict[str, Any] = {
        key: () if key in ("project_urls", "classifiers") else None
        for dyn, keys in _DYNAMIC_FIELDS
        if dyn not in dynamic
        for key in keys
    }
    if project.get("version") is not None:
        cleared["version"] = normalize_version(
            str(project["version"]), declared_in=src.pyproject_toml, field="project.version"
        )
    return dataclasses.replace(md, name=pname, **cleared)


def _project_readme(md: CoreMetadata, project: Mapping[str, Any], src: _Sources) -> CoreMetadata:
    value = project.get("readme")
    where = src.pyproject_toml
    if value is None:
        return md
    if isinstance(value, str):
        path, _ = _metadata_path(
            src.pyproject_dir, src.workspace_dir, value, "project.readme", where
        )
        return dataclasses.replace(
            md,
            description=_read_text(src.files, path, field="project.readme", declared_in=where),
            description_content_type=_content_type_for(path),
        )
    if not isinstance(value, Mapping):
        raise MetadataError(f"`project.readme` in {where} must be a path or a table.")
    if "file" in value and "text" in value:
        raise MetadataError(
            f"`project.readme` in {where} has both `file` and `text`; they are "
            "mutually exclusive, keep only one."
        )
    description = md.description
    if value.get("file") is not None:
        path, _ = _metadata_path(
            src.pyproject_dir, src.workspace_dir, value["file"], "project.readme.file", where
        )
        description = _read_text(src.files, path, field="project.readme.file", declared_in=where)
    if value.get("text") is not None:
        description = value["text"]
    # maturin takes the table's content-type as is, even when it is absent.
    return dataclasses.replace(
        md, description=description, description_content_type=value.get("content-type")
    )


def _project_license(
    md: CoreMetadata, project: Mapping[str, Any], src: _Sources, licenses: _LicenseFiles
) -> CoreMetadata:
    lic = project.get("license")
    where = src.pyproject_toml
    if isinstance(lic, str):
        md = dataclasses.replace(md, license_expression=lic)
    elif isinstance(lic, Mapping):
        if lic.get("file") is not None:
            declared = lic["file"]
            source, root = _metadata_path(
                src.pyproject_dir, src.workspace_dir, declared, "project.license.file", where
            )
            if source not in src.files:
                raise MetadataFileMissing(source, "project.license.file", where)
            if ".." in declared.split("/"):
                target = _relative_to(source, root) or source
            else:
                rel = _relative_to(source, src.pyproject_dir)
                target = rel if rel is not None else posixpath.basename(source)
            licenses.add(target, source)
        elif lic.get("text") is not None:
            md = dataclasses.replace(md, license=lic["text"])
    elif lic is not None:
        raise MetadataError(f"`project.license` in {where} must be an SPDX string or a table.")

    globs = project.get("license-files")
    if globs is not None:
        if not isinstance(globs, list):
            raise MetadataError(f"`project.license-files` in {where} must be an array of globs.")
        for pattern in globs:
            _check_license_glob(pattern, where)
            for rel in _match_files(src.files, src.pyproject_dir, pattern):
                # An explicit glob match always comes from the pyproject.toml directory.
                licenses.add(rel, repo_path(src.pyproject_dir, rel))
    else:
        for pattern in LICENSE_AUTO_GLOBS:
            for rel in _match_files(src.files, src.pyproject_dir, pattern):
                licenses.add(rel, repo_path(src.pyproject_dir, rel), replace=False)
    return md


def _project_fields(md: CoreMetadata, project: Mapping[str, Any], src: _Sources) -> CoreMetadata:
    """Contacts, summary, requires-python, keywords, classifiers and urls, as declared."""
    where = src.pyproject_toml
    changes: Dict[str, Any] = {}
    for field_name, (name_key, email_key) in (
        ("authors", ("author", "author_email")),
        ("maintainers", ("maintainer", "maintainer_email")),
    ):
        if project.get(field_name) is not None:
            names, emails = _split_contacts(
                project[field_name], field=f"project.{field_name}", declared_in=where
            )
            if names is not None:
                changes[name_key] = names
            if emails is not None:
                changes[email_key] = emails
    if project.get("description") is not None:
        changes["summary"] = project["description"]
    if project.get("requires-python") is not None:
        changes["requires_python"] = format_requires_python(
            project["requires-python"], declared_in=where
        )
    if project.get("keywords") is not None:
        changes["keywords"] = ",".join(project["keywords"])
    if project.get("classifiers") is not None:
        changes["classifiers"] = tuple(project["classifiers"])
    if project.get("urls") is not None:
        changes["project_urls"] = _string_table(
            project["urls"], field="project.urls", declared_in=where
        )
    return dataclasses.replace(md, **changes)


def _project_requirements(
    md: CoreMetadata, project: Mapping[str, Any], src: _Sources
) -> CoreMetadata:
    where = src.pyproject_toml
    requires_dist = [
        format_requirement(dep, declared_in=f"`project.dependencies` of {where}")
        for dep in project.get("dependencies") or []
    ]
    provides_extra: List[str] = []
    optional = _sorted_table(
        project.get("optional-dependencies"),
        field="project.optional-dependencies",
        declared_in=where,
    )
    for extra, deps in optional:
        if not is_valid_name(extra):
            raise MetadataError(
                f"Invalid extra name `{extra}` in `project.optional-dependencies` of {where}: "
                "use letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit."
            )
        provides_extra.append(canonicalize_name(extra))
        requires_dist.extend(
            format_requirement(
                dep,
                extra=extra,
                declared_in=f"`project.optional-dependencies.{extra}` of {where}",
            )
            for dep in deps
        )
    scripts, gui_scripts, entry_points = _entry_point_sections(project, where)
    return dataclasses.replace(
        md,
        requires_dist=tuple(requires_dist),
        provides_extra=tuple(provides_extra),
        scripts=scripts,
        gui_scripts=gui_scripts,
        entry_points=entry_points,
    )


def build_core_metadata(
    *,
    cargo_package: Mapping[str, Any],
    pyproject: Optional[Mapping[str, Any]],
    files: Mapping[str, bytes],
    crate_dir: str,
    pyproject_dir: str,
    workspace_dir: Optional[str] = None,
) -> CoreMetadata:
    """Core metadata from Cargo metadata merged with pyproject.toml [project], as maturin does.

    `files` maps repo-relative paths to contents; files maturin would only use if they exist
    (guessed readmes, auto-discovered license files) are simply looked up there.
    `workspace_dir` (the Cargo workspace root, repo-relative) bounds `..` paths in metadata the
    way maturin does; without it they are only kept inside the repository.
    """
    src = _Sources(
        files=files,
        crate_dir=repo_path(crate_dir, ""),
        pyproject_dir=repo_path(pyproject_dir, ""),
        workspace_dir="" if workspace_dir is None else repo_path(workspace_dir, ""),
    )
    licenses = _LicenseFiles()
    md = _from_cargo(cargo_package, src, licenses)
    project = _project_table(pyproject, src)
    if project is not None:
        md = _project_name_and_statics(md, project, src)
        md = _project_readme(md, project, src)
        md = _project_license(md, project, src, licenses)
        md = _project_fields(md, project, src)
        md = _project_requirements(md, project, src)
    declared_in = src.pyproject_toml if project is not None else src.cargo_toml
    return dataclasses.replace(md, license_files=licenses.contents(src, declared_in))


def _is_within(path: str, directory: str) -> bool:
    if path == ".." or path.startswith("../"):
        return False
    return not directory or path == directory or path.startswith(directory + "/")


def _metadata_path(
    pyproject_dir: str, workspace_dir: str, declared: str, field: str, declared_in: str
) -> Tuple[str, str]:
    """(repo-relative source, allowed root) for a file named in [project]; `..` may only climb
    up to the Cargo workspace root (when pyproject.toml lies inside the workspace)."""
    if declared.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", declared):
        raise MetadataError(
            f"`{field}` path `{declared}` in {declared_in} must be relative to pyproject.toml."
        )
    source = repo_path(pyproject_dir, declared)
    root = workspace_dir if _is_within(pyproject_dir, workspace_dir) else pyproject_dir
    if ".." in declared.split("/") and not _is_within(source, root):
        raise MetadataError(
            f"`{field}` path `{declared}` in {declared_in} resolves outside the allowed metadata "
            f"root `{root or '.'}`; keep metadata files inside the Cargo workspace."
        )
    return source, root
