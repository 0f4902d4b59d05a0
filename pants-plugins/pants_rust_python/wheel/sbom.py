"""The CycloneDX SBOM of the Rust crates compiled into a wheel (pure).

maturin (since 1.12) writes `<dist-info>/sboms/<crate>.cyclonedx.json` into every wheel, per
PEP 770, with cargo-cyclonedx: CycloneDX 1.5, one component per crate of the build's resolved
dependency graph (normal and build edges: what is compiled, not dev-dependencies), with its
version, package URL, licence, description, links and the checksum Cargo.lock records. This
one lists the same for the crates the build compiles for its target platform (cargo-cyclonedx
also lists dependencies of other platforms), and nothing in it varies between two builds of the
same inputs: no serial number, no timestamp, and the repo's crates named by their path inside
the workspace rather than by the absolute path of the sandbox cargo ran in.
"""
from __future__ import annotations

import hashlib
import json
import posixpath
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote

from pants_rust_python import __version__
from pants_rust_python.cargo.graph import (
    BUILD,
    NORMAL,
    CargoMetadata,
    Package,
    is_local,
    reachable_packages,
)

SPEC_VERSION = "1.5"
_COMPILED_KINDS = frozenset({NORMAL, BUILD})


class SbomError(ValueError):
    """The lockfile or the graph cannot describe the build."""


def spdx_expression(license: str) -> str:
    """A crate's `license` as an SPDX expression: the legacy `MIT/Apache-2.0` form (which cargo
    still accepts) means `MIT OR Apache-2.0`, as cargo-cyclonedx reads it leniently."""
    return " OR ".join(part.strip() for part in license.split("/")) if "/" in license else license


def sbom_filename(crate_name: str) -> str:
    """The SBOM's name under `<dist-info>/sboms/`, as maturin names it."""
    return f"{crate_name}.cyclonedx.json"


def lock_checksums(lock: Mapping[str, Any]) -> Dict[Tuple[str, str, str], str]:
    """(name, version, source) -> sha256 of each `[[package]]` of a Cargo.lock (v2 and later)."""
    found: Dict[Tuple[str, str, str], str] = {}
    for entry in lock.get("package") or ():
        if isinstance(entry, Mapping) and isinstance(entry.get("checksum"), str):
            key = (str(entry.get("name")), str(entry.get("version")), str(entry.get("source")))
            found[key] = entry["checksum"]
    return found


def _crate_dir(package: Package, workspace_root: str) -> str:
    """A repo crate's directory relative to the workspace root ("." for the root itself)."""
    return posixpath.relpath(posixpath.dirname(package.manifest_path), workspace_root)


def _ref(package: Package, workspace_root: str) -> str:
    if is_local(package.id):
        return f"path+file:{_crate_dir(package, workspace_root)}#{package.name}@{package.version}"
    return package.id


def _purl(package: Package, root: Package) -> str:
    base = f"pkg:cargo/{quote(package.name)}@{quote(package.version)}"
    if is_local(package.id):
        # Relative to the crate the wheel is built from, as cargo-cyclonedx writes it.
        where = posixpath.relpath(
            posixpath.dirname(package.manifest_path), posixpath.dirname(root.manifest_path)
        )
        return f"{base}?download_url=file://{quote(where)}"
    source = package.source or ""
    if source.startswith("git+"):
        return f"{base}?vcs_url={quote(source, safe='')}"
    # A registry crate by name and version alone (for another registry than the default one,
    # cargo-cyclonedx adds the index URL; the lockfile's checksum identifies it anyway).
    return base


def _component(
    package: Package,
    root: Package,
    workspace_root: str,
    checksums: Mapping[Tuple[str, str, str], str],
    *,
    runtime: bool = True,
) -> Dict[str, Any]:
    component: Dict[str, Any] = {
        "type": "library",
        "bom-ref": _ref(package, workspace_root),
    }
    if package.authors:
        component["author"] = ", ".join(package.authors)
    component["name"] = package.name
    component["version"] = package.version
    if package.description:
        # One line, as cargo-cyclonedx writes it (each newline a space, nothing trimmed).
        component["description"] = package.description.replace("\n", " ")
    # As cargo-cyclonedx says it: a crate only build scripts use is not part of what ships.
    component["scope"] = "required" if runtime else "excluded"
    checksum = checksums.get((package.name, package.version, str(package.source)))
    if checksum:
        component["hashes"] = [{"alg": "SHA-256", "content": checksum}]
    if package.license:
        component["licenses"] = [{"expression": spdx_expression(package.license)}]
    component["purl"] = _purl(package, root)
    references = [
        {"type": kind, "url": url}
        for kind, url in (
            ("documentation", package.documentation),
            ("website", package.homepage),
            # The native library a `-sys` crate links (`links = "python"`), as cargo-cyclonedx
            # records it.
            ("other", package.links),
            ("vcs", package.repository),
        )
        if url
    ]
    if references:
        component["externalReferences"] = references
    return component


def cyclonedx_sbom(
    meta: CargoMetadata,
    root: Package,
    lock: Mapping[str, Any],
    *,
    application: bool = False,
) -> bytes:
    """The SBOM of `root`'s build: `root` as the described component, every crate it compiles
    as a component, and the dependency edges between them. `application`: programs, not a
    library."""
    nodes = {node.id: node for node in meta.nodes}
    if root.id not in nodes:
        raise SbomError(f"`cargo metadata` has no resolve node for `{root.id}`.")
    checksums = lock_checksums(lock)
    workspace_root = meta.workspace_root
    included = {root.id} | {p.id for p in reachable_packages(meta, root.id, _COMPILED_KINDS)}
    runtime = {p.id for p in reachable_packages(meta, root.id, (NORMAL,))}
    edges = {
        pid: sorted({dep.pkg for dep in nodes[pid].deps if dep.has_kind(_COMPILED_KINDS)})
        for pid in included
    }
    packages = {pid: meta.package(pid) for pid in included}
    ref = {pid: _ref(p, workspace_root) for pid, p in packages.items()}
    described = _component(root, root, workspace_root, checksums)
    described["type"] = "application" if application else "library"
    components = sorted(
        (
            _component(p, root, workspace_root, checksums, runtime=pid in runtime)
            for pid, p in packages.items()
            if pid != root.id
        ),
        key=lambda c: c["bom-ref"],
    )
    dependencies: List[Dict[str, Any]] = []
    for pid in sorted(included, key=lambda p: ref[p]):
        entry: Dict[str, Any] = {"ref": ref[pid]}
        if edges.get(pid):
            entry["dependsOn"] = sorted(ref[t] for t in edges[pid])
        dependencies.append(entry)
    document: Dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": {
            "tools": [
                {"vendor": "pants-rust-python", "name": "pants-rust-python", "version": __version__}
            ],
            "component": described,
        },
        "components": components,
        "dependencies": dependencies,
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass(frozen=True)
class GraftedLibrary:
    """A host library copied into the wheel, and the system package that provides it."""

    path: str  # its path on the machine that built the wheel
    package_name: str
    package_version: str
    purl: str  # e.g. pkg:deb/debian/libsqlite3-0@3.40.1-2%2Bdeb12u2


GRAFTED_SBOM_FILENAME = "auditwheel.cdx.json"


def grafted_libraries_sbom(
    distribution: str, version: str, libraries: Sequence[GraftedLibrary]
) -> Optional[bytes]:
    """`<dist-info>/sboms/auditwheel.cdx.json` as maturin writes it when it grafts libraries: the
    wheel depending on each system package that provided one (None when none is known). Each
    package's reference carries the SHA-256 of the library's path, as auditwheel's does."""
    if not libraries:
        return None
    wheel_purl = f"pkg:pypi/{quote(distribution, safe='')}@{quote(version, safe='')}"
    wheel = {
        "bom-ref": wheel_purl,
        "name": distribution,
        "purl": wheel_purl,
        "type": "library",
        "version": version,
    }
    components: List[Dict[str, Any]] = [wheel]
    refs: List[str] = []
    for library in sorted(libraries, key=lambda lib: (lib.purl, lib.path)):
        ref = f"{library.purl}#{hashlib.sha256(library.path.encode()).hexdigest()}"
        refs.append(ref)
        components.append(
            {
                "bom-ref": ref,
                "name": library.package_name,
                "purl": library.purl,
                "type": "library",
                "version": library.package_version,
            }
        )
    document = {
        "bomFormat": "CycloneDX",
        "components": components,
        "dependencies": [{"dependsOn": refs, "ref": wheel_purl}, *({"ref": r} for r in refs)],
        "metadata": {
            "component": wheel,
            "tools": [{"name": "pants-rust-python", "version": __version__}],
        },
        "specVersion": "1.4",
        "version": 1,
    }
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode("utf-8")
