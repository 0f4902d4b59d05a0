"""The cargo driver's file handling: stable mtimes without touching what Pants linked in."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from pants_rust_python.util_rules import cargo_driver
from pants_rust_python.util_rules.cargo_driver import (
    FIXED_MTIME,
    install_pyo3_config,
    install_vendor,
    link_toolchain,
    normalize_mtimes,
)

STORE_MTIME = 1_700_000_000


def test_store_links_become_private_copies(tmp_path: Path) -> None:
    # What Pants does with a large input file: a read-only file in its store, hardlinked in.
    store_file = tmp_path / "store" / "ab" / "abcdef"
    store_file.parent.mkdir(parents=True)
    store_file.write_bytes(b"rlib bytes")
    store_file.chmod(0o555)
    os.utime(store_file, (STORE_MTIME, STORE_MTIME))
    target = tmp_path / "sandbox" / "cargo-target" / "release" / "deps"
    target.mkdir(parents=True)
    linked = target / "libpyo3-0123456789abcdef.rlib"
    os.link(store_file, linked)
    small = target / "pyo3-0123456789abcdef.d"
    small.write_text("deps\n")
    small_inode = small.stat().st_ino

    normalize_mtimes(str(tmp_path / "sandbox" / "cargo-target"))

    # The store's file is as Pants left it.
    assert store_file.stat().st_mtime == STORE_MTIME
    assert stat.S_IMODE(store_file.stat().st_mode) == 0o555
    assert store_file.stat().st_nlink == 1
    # The sandbox has its own writable copy with the fixed mtime.
    assert linked.read_bytes() == b"rlib bytes"
    assert linked.stat().st_mtime == FIXED_MTIME
    assert linked.stat().st_mode & stat.S_IWUSR
    assert not linked.stat().st_ino == store_file.stat().st_ino
    # A file of the sandbox's own is stamped in place, and so are directories.
    assert small.stat().st_ino == small_inode
    assert small.stat().st_mtime == FIXED_MTIME
    assert target.stat().st_mtime == FIXED_MTIME


def test_vendored_sources_linked_read_only_are_installed_as_a_movable_copy(tmp_path: Path) -> None:
    # Pants's immutable inputs: a read-only tree, linked into the sandbox.
    crate = tmp_path / "immutable" / "vendor" / "pyo3-0.30.1"
    (crate / "src").mkdir(parents=True)
    (crate / "src" / "lib.rs").write_text("// pyo3\n")
    for path in sorted(tmp_path.joinpath("immutable").rglob("*"), reverse=True):
        path.chmod(0o444 if path.is_file() else 0o555)
    (tmp_path / "sandbox").mkdir()
    (tmp_path / "sandbox" / "__vendor").symlink_to(tmp_path / "immutable")

    installed = Path(
        install_vendor(
            str(tmp_path / "sandbox" / "__vendor" / "vendor"), str(tmp_path / "store"), "k"
        )
    )

    assert installed == tmp_path / "store" / "vendor" / "k"
    copied = installed / "pyo3-0.30.1" / "src" / "lib.rs"
    assert copied.read_text() == "// pyo3\n"
    assert copied.stat().st_mtime == FIXED_MTIME
    for directory in (installed, installed / "pyo3-0.30.1", installed / "pyo3-0.30.1" / "src"):
        assert directory.stat().st_mode & stat.S_IWUSR, directory
    # A second build with the same key reuses the copy.
    assert install_vendor("/nonexistent", str(tmp_path / "store"), "k") == str(installed)


def test_pyo3_config_lands_at_a_path_named_by_its_text(tmp_path: Path) -> None:
    text = "implementation=CPython\nversion=3.9\n"
    path = install_pyo3_config(str(tmp_path / "store"), text)
    assert Path(path).read_text() == text
    assert os.stat(path).st_mtime == FIXED_MTIME
    assert not os.stat(path).st_mode & stat.S_IWUSR
    # Same text, same path; a file altered in the store is replaced.
    assert install_pyo3_config(str(tmp_path / "store"), text) == path
    os.chmod(path, 0o644)
    Path(path).write_text("version=3.13\n")
    assert install_pyo3_config(str(tmp_path / "store"), text) == path
    assert Path(path).read_text() == text
    assert install_pyo3_config(str(tmp_path / "store"), "version=3.10\n") != path


def test_toolchain_links_are_named_by_identity_not_location(tmp_path: Path) -> None:
    for install in ("a", "b"):
        bin_dir = tmp_path / install / "bin"
        bin_dir.mkdir(parents=True)
        for name in ("cargo", "rustc", "rustdoc"):
            (bin_dir / name).write_text(install)
    store = str(tmp_path / "store")
    digest_a, links_a = link_toolchain(store, "rustc 1.95.0", str(tmp_path / "a" / "bin"))
    digest_b, links_b = link_toolchain(store, "rustc 1.95.0", str(tmp_path / "b" / "bin"))
    assert (digest_a, links_a) == (digest_b, links_b)
    # The links follow the latest install of that toolchain.
    assert (Path(links_b) / "rustc").read_text() == "b"
    digest_c, links_c = link_toolchain(store, "rustc 1.96.0", str(tmp_path / "a" / "bin"))
    assert digest_c != digest_a and links_c != links_a


def test_every_cargo_step_refuses_a_cargo_config_above_the_sandbox(tmp_path: Path) -> None:
    """Pants sandboxes live under /tmp by default: anyone's `/tmp/.cargo/config.toml` would
    redirect `cargo vendor` to other crates. No mode may run cargo with one above it."""
    config = tmp_path / ".cargo" / "config.toml"
    config.parent.mkdir()
    config.write_text('[source.crates-io]\nreplace-with = "forged"\n')
    marker = tmp_path / "cargo-ran"
    fake_cargo = tmp_path / "cargo"
    fake_cargo.write_text(f"#!/bin/sh\ntouch {marker}\n")
    fake_cargo.chmod(0o755)
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    (sandbox / "vendor-config.toml").write_text("")
    for mode in ("vendor", "metadata", "deps", "build"):
        proc = subprocess.run(
            [
                sys.executable,
                cargo_driver.__file__,
                f"--mode={mode}",
                "--out=out",
                f"--store={tmp_path / 'store'}",
                "--vendor-dir=vendor",
                "--vendor-config=vendor-config.toml",
                "--",
                "metadata" if mode == "metadata" else "vendor" if mode == "vendor" else "rustc",
            ],
            cwd=sandbox,
            env={**os.environ, "CARGO": str(fake_cargo)},
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 2, (mode, proc.stderr)
        assert str(config) in proc.stderr
        assert "local_execution_root_dir" in proc.stderr
        assert not marker.exists(), mode
