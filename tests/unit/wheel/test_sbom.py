from __future__ import annotations

import hashlib
import json
from typing import Any, Optional
from urllib.parse import quote

import pytest
from pants_rust_python.cargo.graph import parse_metadata
from pants_rust_python.wheel.sbom import (
    GraftedLibrary,
    SbomError,
    cyclonedx_sbom,
    grafted_libraries_sbom,
    lock_checksums,
    sbom_filename,
    spdx_expression,
)
from rust_python_testutil.metadata import REG

# A sandbox path, as cargo prints it: nothing of it may reach the SBOM.
WS = "/tmp/sandbox-1234/ws"
ROOT = f"path+file://{WS}/crates/app#0.1.0"
HELPER = f"path+file://{WS}/crates/helper#helper@0.2.0"
PYO3 = f"{REG}#pyo3@0.25.1"
CFG = f"{REG}#pyo3-build-config@0.25.1"
ITOA = f"{REG}#itoa@1.0.19"
GIT = "git+https://example.invalid/r.git?rev=abc#abc123"
GITDEP = f"{GIT.split('#')[0]}#gitdep@0.3.0"


def package(pid: str, name: str, version: str, manifest: str, **extra: Any) -> dict:
    return {
        "id": pid,
        "name": name,
        "version": version,
        "manifest_path": manifest,
        "targets": [],
        "features": {},
        "source": None,
        **extra,
    }


def dep(pkg: str, kind: Optional[str] = None) -> dict:
    return {"name": "x", "pkg": pkg, "dep_kinds": [{"kind": kind, "target": None}]}


def meta():
    return parse_metadata(
        {
            "version": 1,
            "workspace_root": WS,
            "workspace_members": [ROOT, HELPER],
            "packages": [
                package(
                    ROOT,
                    "app",
                    "0.1.0",
                    f"{WS}/crates/app/Cargo.toml",
                    description="The app.\n",
                    license="MIT",
                ),
                package(HELPER, "helper", "0.2.0", f"{WS}/crates/helper/Cargo.toml"),
                package(
                    PYO3,
                    "pyo3",
                    "0.25.1",
                    "/vendor/pyo3/Cargo.toml",
                    source=REG,
                    description="Bindings to Python",
                    license="MIT OR Apache-2.0",
                    repository="https://example.invalid/pyo3",
                    homepage="https://example.invalid/home",
                    links="python",
                    authors=["A <a@example.invalid>", "B"],
                ),
                package(CFG, "pyo3-build-config", "0.25.1", "/vendor/cfg/Cargo.toml", source=REG),
                package(ITOA, "itoa", "1.0.19", "/vendor/itoa/Cargo.toml", source=REG),
                package(GITDEP, "gitdep", "0.3.0", "/vendor/gitdep/Cargo.toml", source=GIT),
            ],
            "resolve": {
                "root": None,
                "nodes": [
                    {
                        "id": ROOT,
                        "deps": [dep(PYO3), dep(HELPER), dep(ITOA, "dev")],
                        "features": [],
                    },
                    {"id": HELPER, "deps": [dep(GITDEP)], "features": []},
                    {"id": PYO3, "deps": [dep(CFG, "build")], "features": []},
                    {"id": CFG, "deps": [], "features": []},
                    {"id": ITOA, "deps": [], "features": []},
                    {"id": GITDEP, "deps": [], "features": []},
                ],
            },
        }
    )


LOCK = {
    "version": 4,
    "package": [
        {"name": "app", "version": "0.1.0"},
        {"name": "pyo3", "version": "0.25.1", "source": REG, "checksum": "aa" * 32},
        {"name": "pyo3-build-config", "version": "0.25.1", "source": REG, "checksum": "bb" * 32},
        {"name": "itoa", "version": "1.0.19", "source": REG, "checksum": "cc" * 32},
        {"name": "gitdep", "version": "0.3.0", "source": GIT},
    ],
}


def sbom(**kwargs: Any) -> dict:
    m = meta()
    return json.loads(cyclonedx_sbom(m, m.package(ROOT), LOCK, **kwargs))


def test_lists_what_is_compiled_with_the_lockfile_checksums() -> None:
    doc = sbom()
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.5"
    rows = [(c["name"], c["purl"], c.get("hashes")) for c in doc["components"]]
    # Build dependencies are compiled too; the dev-dependency itoa is not. In the order of
    # their references, as cargo-cyclonedx lists them.
    assert rows == [
        ("gitdep", f"pkg:cargo/gitdep@0.3.0?vcs_url={quote(GIT, safe='')}", None),
        ("helper", "pkg:cargo/helper@0.2.0?download_url=file://../helper", None),
        (
            "pyo3-build-config",
            "pkg:cargo/pyo3-build-config@0.25.1",
            [{"alg": "SHA-256", "content": "bb" * 32}],
        ),
        ("pyo3", "pkg:cargo/pyo3@0.25.1", [{"alg": "SHA-256", "content": "aa" * 32}]),
    ]
    pyo3 = next(c for c in doc["components"] if c["name"] == "pyo3")
    assert pyo3["licenses"] == [{"expression": "MIT OR Apache-2.0"}]
    assert pyo3["description"] == "Bindings to Python"
    assert pyo3["externalReferences"] == [
        {"type": "website", "url": "https://example.invalid/home"},
        {"type": "other", "url": "python"},
        {"type": "vcs", "url": "https://example.invalid/pyo3"},
    ]
    assert pyo3["bom-ref"] == PYO3 and pyo3["author"] == "A <a@example.invalid>, B"
    # Compiled only for a build script: not part of what ships, as cargo-cyclonedx says it.
    scopes = {c["name"]: c["scope"] for c in doc["components"]}
    assert scopes == {
        "gitdep": "required",
        "helper": "required",
        "pyo3": "required",
        "pyo3-build-config": "excluded",
    }


def test_describes_the_crate_and_its_edges_without_sandbox_paths() -> None:
    text = cyclonedx_sbom(meta(), meta().package(ROOT), LOCK).decode()
    assert "sandbox-1234" not in text
    doc = json.loads(text)
    described = doc["metadata"]["component"]
    assert described["name"] == "app" and described["type"] == "library"
    assert described["bom-ref"] == "path+file:crates/app#app@0.1.0"
    assert described["purl"] == "pkg:cargo/app@0.1.0?download_url=file://."
    assert described["description"] == "The app. "
    edges = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert edges["path+file:crates/app#app@0.1.0"] == sorted(
        [PYO3, "path+file:crates/helper#helper@0.2.0"]
    )
    assert edges[PYO3] == [CFG]
    assert ITOA not in edges
    # Nothing that changes from one build to the next.
    assert "serialNumber" not in doc and "timestamp" not in doc["metadata"]


def test_same_inputs_same_bytes_and_programs_are_applications() -> None:
    m = meta()
    assert cyclonedx_sbom(m, m.package(ROOT), LOCK) == cyclonedx_sbom(meta(), m.package(ROOT), LOCK)
    assert sbom(application=True)["metadata"]["component"]["type"] == "application"


def test_unknown_root_and_lock_without_checksums() -> None:
    m = meta()
    with pytest.raises(SbomError, match="no resolve node"):
        cyclonedx_sbom(m.__class__(m.packages, (), m.workspace_members, WS), m.package(ROOT), LOCK)
    assert lock_checksums({"version": 1}) == {}
    assert sbom_filename("my-crate") == "my-crate.cyclonedx.json"


def test_legacy_slash_licenses_read_as_spdx_or() -> None:
    # vcpkg's `MIT/Apache-2.0`, as cargo-cyclonedx (and so maturin) writes it.
    assert spdx_expression("MIT/Apache-2.0") == "MIT OR Apache-2.0"
    assert spdx_expression("MIT OR Apache-2.0") == "MIT OR Apache-2.0"


def test_grafted_libraries_sbom_as_maturin_writes_it() -> None:
    assert grafted_libraries_sbom("sqlite-link", "0.1.0", []) is None
    library = GraftedLibrary(
        "/usr/lib/libsqlite3.so.0.8.6",
        "libsqlite3-0",
        "3.40.1",
        "pkg:deb/debian/libsqlite3-0@3.40.1",
    )
    content = grafted_libraries_sbom("sqlite-link", "0.1.0", [library])
    assert content is not None
    document = json.loads(content)
    wheel = "pkg:pypi/sqlite-link@0.1.0"
    (ref,) = [c["bom-ref"] for c in document["components"] if c["name"] == "libsqlite3-0"]
    # The reference hashes the library's path, as auditwheel's does.
    assert (
        ref
        == "pkg:deb/debian/libsqlite3-0@3.40.1#" + hashlib.sha256(library.path.encode()).hexdigest()
    )
    assert document["dependencies"] == [{"dependsOn": [ref], "ref": wheel}, {"ref": ref}]
    assert document["metadata"]["component"]["purl"] == wheel
    assert content == grafted_libraries_sbom("sqlite-link", "0.1.0", [library])
