"""The cargo driver's file handling: stable mtimes without touching what Pants linked in."""
from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from pants_rust_python.util_rules import cargo_driver
from pants_rust_python.util_rules.cargo_driver import (
    FIXED_MTIME,
    StoreError,
    collect_garbage,
    ensure_private_store,
    identify_toolchain,
    install_pyo3_config,
    install_vendor,
    link_toolchain,
    normalize_mtimes,
    stash_env,
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
    # Installed read-only: nothing but the driver's own replacement changes it.
    for directory in (installed, installed / "pyo3-0.30.1", installed / "pyo3-0.30.1" / "src"):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o555, directory
    assert stat.S_IMODE(copied.stat().st_mode) == 0o444
    # A second build with the same key reuses the copy, once it matches its manifest.
    assert install_vendor("/nonexistent", str(tmp_path / "store"), "k") == str(installed)
    # The store itself is private.
    assert stat.S_IMODE((tmp_path / "store").stat().st_mode) == 0o700


def _vendored(tmp_path: Path) -> Path:
    source = tmp_path / "sandbox" / "vendor"
    (source / "itoa-1.0.0" / "src").mkdir(parents=True)
    (source / "itoa-1.0.0" / "src" / "lib.rs").write_text("pub fn itoa() {}\n")
    (source / "itoa-1.0.0" / "Cargo.toml").write_text('[package]\nname = "itoa"\n')
    return source


def _writable(path: Path) -> None:
    for p in (path, *path.rglob("*")):
        if not p.is_symlink():
            p.chmod(0o755 if p.is_dir() else 0o644)


def test_an_altered_partial_or_grown_store_entry_is_replaced(tmp_path: Path) -> None:
    """Whatever changed an entry since it was installed (a killed run, another process, a
    person), the next build gets a fresh copy of its verified input instead."""
    source, store = _vendored(tmp_path), str(tmp_path / "store")
    entry = Path(install_vendor(str(source), store, "k"))
    lib_rs = entry / "itoa-1.0.0" / "src" / "lib.rs"

    _writable(entry)
    lib_rs.write_text("pub fn itoa() { std::process::abort() }\n")  # altered
    assert Path(install_vendor(str(source), store, "k")) == entry
    assert lib_rs.read_text() == "pub fn itoa() {}\n"
    assert lib_rs.stat().st_mtime == FIXED_MTIME

    _writable(entry)
    (entry / "itoa-1.0.0" / "Cargo.toml").unlink()  # partial
    (entry / "itoa-1.0.0" / "build.rs").write_text("fn main() {}\n")  # extra
    install_vendor(str(source), store, "k")
    assert (entry / "itoa-1.0.0" / "Cargo.toml").exists()
    assert not (entry / "itoa-1.0.0" / "build.rs").exists()

    # Same bytes, but a new mtime would make cargo rebuild: replaced as well.
    _writable(entry)
    os.utime(lib_rs, (STORE_MTIME, STORE_MTIME))
    install_vendor(str(source), store, "k")
    assert lib_rs.stat().st_mtime == FIXED_MTIME

    # An entry without its manifest (an interrupted install, an older plugin) is not trusted.
    (tmp_path / "store" / "vendor" / "k.manifest.json").unlink()
    _writable(entry)
    lib_rs.write_text("forged\n")
    install_vendor(str(source), store, "k")
    assert lib_rs.read_text() == "pub fn itoa() {}\n"


def test_a_store_others_may_write_to_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    store.chmod(0o777)
    with pytest.raises(StoreError, match="others may write to it.*chmod go-w"):
        install_vendor(str(_vendored(tmp_path)), str(store), "k")
    store.chmod(0o700)
    if os.getuid() == 0:  # only root can give a directory away
        os.chown(store, 65534, 65534)
        with pytest.raises(StoreError, match="belongs to user id 65534"):
            ensure_private_store(str(store))


def test_a_store_that_cannot_be_written_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "vendor").write_text("not a directory")
    sandbox = tmp_path / "sandbox"
    _vendored(tmp_path)
    (sandbox / "vendor-config.toml").write_text('[source.vendored]\ndirectory = "vendor"\n')
    proc = subprocess.run(
        [
            sys.executable,
            cargo_driver.__file__,
            "--mode=deps",
            "--out=out",
            f"--store={tmp_path / 'store'}",
            "--vendor-dir=vendor",
            "--vendor-config=vendor-config.toml",
            "--vendor-key=k",
            "--",
            "rustc",
        ],
        cwd=sandbox,
        env={**os.environ, "CARGO": "/nonexistent/cargo"},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == cargo_driver.REFUSED_EXIT, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"the build store {tmp_path / 'store'} cannot be written" in proc.stderr
    assert "[rust].store_dir" in proc.stderr


def test_entries_unused_for_long_and_leftovers_of_killed_runs_are_removed(tmp_path: Path) -> None:
    source, store = _vendored(tmp_path), str(tmp_path / "store")
    old = Path(install_vendor(str(source), store, "old"))
    recent = Path(install_vendor(str(source), store, "recent"))
    leftover = Path(tempfile.mkdtemp(prefix=".tmp-killed-", dir=old.parent))
    now = time.time()
    os.utime(old.parent / "old.manifest.json", (now - 40 * 86400, now - 40 * 86400))
    os.utime(leftover, (now - 2 * 86400, now - 2 * 86400))

    assert sorted(collect_garbage(store, 30, now=now)) == [leftover.name, "old"]
    assert not old.exists() and not leftover.exists()
    assert recent.exists()
    assert install_vendor("/nonexistent", store, "recent") == str(recent)


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
    def links(install: str) -> dict[str, str]:
        bin_dir = tmp_path / install / "bin"
        bin_dir.mkdir(parents=True, exist_ok=True)
        for name in ("cargo", "rustc", "rustdoc"):
            (bin_dir / name).write_text(install)
        return {name: str(bin_dir / name) for name in ("cargo", "rustc", "rustdoc")}

    store = str(tmp_path / "store")
    digest_a, links_a = link_toolchain(store, "rustc 1.95.0", links("a"))
    digest_b, links_b = link_toolchain(store, "rustc 1.95.0", links("b"), ["pkg-config"])
    assert (digest_a, links_a) == (digest_b, links_b)
    # The links follow the latest install of that toolchain.
    assert (Path(links_b) / "rustc").read_text() == "b"
    digest_c, links_c = link_toolchain(store, "rustc 1.96.0", links("a"))
    assert digest_c != digest_a and links_c != links_a
    # An undeclared tool's shim fails, naming the option.
    proc = subprocess.run(
        [str(Path(links_b) / "pkg-config"), "--libs", "zlib"], capture_output=True, text=True
    )
    assert proc.returncode == 127
    assert "`pkg-config`" in proc.stderr and "[rust].build_tools" in proc.stderr


def _fake_tool(directory: Path, name: str, version: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    tool = directory / name
    tool.write_text(f"#!/bin/sh\necho '{version}'\n")
    tool.chmod(0o755)
    return tool


def test_build_tools_are_linked_and_keyed_by_what_they_are(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    cc = str(_fake_tool(tmp_path / "usr" / "bin", "cc", "cc 12.2.0"))
    _fake_tool(tmp_path / "usr" / "bin", "ld", "GNU ld 2.40")
    tools = tmp_path / "tools"
    _fake_tool(tools, "pkg-config", "0.29.2")
    search = [str(tools)]

    plain = identify_toolchain(store, "rustc", cc, search)
    with_tool = identify_toolchain(store, "rustc", cc, search, ["pkg-config"])
    bin_dir = Path(with_tool["bin_dir"])
    assert os.readlink(bin_dir / "pkg-config") == str(tools / "pkg-config")
    assert os.readlink(bin_dir / "ld") == str(tmp_path / "usr" / "bin" / "ld")
    assert with_tool["tools"]["pkg-config"].startswith("0.29.2 sha256:")
    assert with_tool["fingerprint"] != plain["fingerprint"]
    assert "glibc" in with_tool["libc"]
    # Not declared: a shim that fails naming the option (`git` always is one).
    assert not (Path(plain["bin_dir"]) / "pkg-config").is_symlink()
    assert not (bin_dir / "git").is_symlink()

    # A new version of a declared tool, in place, is a new identity.
    _fake_tool(tools, "pkg-config", "0.29.3")
    updated = identify_toolchain(store, "rustc", cc, search, ["pkg-config"])
    assert updated["fingerprint"] != with_tool["fingerprint"]

    with pytest.raises(StoreError, match="`\\[rust\\].build_tools` names cmake"):
        identify_toolchain(store, "rustc", cc, search, ["cmake"])


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
        assert proc.returncode == cargo_driver.REFUSED_EXIT, (mode, proc.stderr)
        assert str(config) in proc.stderr
        assert "local_execution_root_dir" in proc.stderr
        assert not marker.exists(), mode


def test_stashed_secrets_are_named_by_an_hmac_of_this_store(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    first = Path(stash_env(store, {"REGISTRY_TOKEN": "hunter2"}))
    assert first.parent == tmp_path / "store" / "secret-env"
    assert json.loads(first.read_text()) == {"REGISTRY_TOKEN": "hunter2"}
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    # The name says nothing of the value: it is keyed by this store's own random key...
    assert "hunter2" not in first.name
    assert hashlib.sha256(b'{"REGISTRY_TOKEN": "hunter2"}').hexdigest() not in first.name
    # ...and is stable for the same values, new for others.
    assert Path(stash_env(store, {"REGISTRY_TOKEN": "hunter2"})) == first
    assert Path(stash_env(store, {"REGISTRY_TOKEN": "hunter3"})) != first
    other_store = str(tmp_path / "other")
    assert Path(stash_env(other_store, {"REGISTRY_TOKEN": "hunter2"})).name != first.name


def _wheel_zip(path: Path, entries: dict[str, tuple[bytes, int]]) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w") as wheel:
        for name, (content, mode) in entries.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            wheel.writestr(info, content)


def test_zig_is_unpacked_once_with_its_programs_executable_and_named_by_wrappers(
    tmp_path: Path,
) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    # Laid out as Pex's installed wheels are: zig beside its lib/, cargo-zigbuild's script.
    _wheel_zip(
        wheels / "ziglang.whl",
        {
            "ziglang/zig": (b"#!/bin/sh\n", 0o755),
            "ziglang/lib/libc/glibc/abilists": (b"abilists", 0o644),
            "../escape": (b"never written", 0o644),
        },
    )
    _wheel_zip(
        wheels / "cargo_zigbuild.whl", {".prefix/bin/cargo-zigbuild": (b"#!/bin/sh\n", 0o755)}
    )
    store = str(tmp_path / "store")
    entry = Path(cargo_driver.install_zig(str(wheels), store, "zigkey"))
    assert entry == tmp_path / "store" / "zig" / "zigkey"
    assert stat.S_IMODE((entry / "ziglang" / "zig").stat().st_mode) == 0o555
    assert stat.S_IMODE((entry / "ziglang/lib/libc/glibc/abilists").stat().st_mode) == 0o444
    assert not (tmp_path / "store" / "zig" / "escape").exists()
    # Installed once: a second install is the same verified entry, even without the wheels.
    assert cargo_driver.install_zig("/nonexistent", store, "zigkey") == str(entry)

    env = cargo_driver.zig_environment(
        store, str(entry), "x86_64-linux-gnu.2.17", "x86_64-unknown-linux-gnu"
    )
    assert sorted(env) == [
        "AR_x86_64_unknown_linux_gnu",
        "CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER",
        "CC_x86_64_unknown_linux_gnu",
        "CXX_x86_64_unknown_linux_gnu",
    ]
    linker = Path(env["CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER"]).read_text()
    assert env["CC_x86_64_unknown_linux_gnu"] == env["CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER"]
    assert f"'{entry}/.prefix/bin/cargo-zigbuild' zig cc -- -g -fno-sanitize=all -target " in linker
    assert (
        "x86_64-linux-gnu.2.17" in linker and f"ZIG_GLOBAL_CACHE_DIR='{store}/zig-cache'" in linker
    )
    # The same store, zig and target give the same wrapper path, so the same keys.
    again = cargo_driver.zig_environment(
        store, str(entry), "x86_64-linux-gnu.2.17", "x86_64-unknown-linux-gnu"
    )
    assert again == env
    other = cargo_driver.zig_environment(
        store, str(entry), "x86_64-linux-gnu.2.28", "x86_64-unknown-linux-gnu"
    )
    assert other["CC_x86_64_unknown_linux_gnu"] != env["CC_x86_64_unknown_linux_gnu"]
    # Hundreds of MB: the store's clean-up removes a zig no build used for long, like vendors.
    now = time.time()
    os.utime(entry.parent / "zigkey.manifest.json", (now - 40 * 86400, now - 40 * 86400))
    assert collect_garbage(store, 30, now=now) == ["zigkey"] and not entry.exists()


def test_a_zig_distribution_without_zig_is_refused(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel_zip(wheels / "other.whl", {"other/x": (b"x", 0o644)})
    store = str(tmp_path / "store")
    entry = cargo_driver.install_zig(str(wheels), store, "k")
    with pytest.raises(StoreError, match=r"has no zig .*must pin `ziglang` and `cargo-zigbuild`"):
        cargo_driver.zig_environment(
            store, entry, "x86_64-linux-gnu.2.17", "x86_64-unknown-linux-gnu"
        )


@pytest.mark.parametrize(
    "package_id, name",
    [
        ("registry+https://index.example/#pyo3-build-config@0.23.5", "pyo3-build-config"),
        ("path+file:///sandbox/src/cffi_mixed#2.0.1", "cffi_mixed"),
        ("path+file:///sandbox/crates/shapes#shapes-py@0.2.0", "shapes-py"),
        ("git+https://example.invalid/repo?rev=abc#dep@1.0.0", "dep"),
        ("git+https://example.invalid/dep?rev=abc#1.0.0", "dep"),
        ("hello 0.1.0 (path+file:///sandbox/hello)", "hello"),
    ],
)
def test_package_name_of_a_package_id(package_id: str, name: str) -> None:
    """The build-script messages name packages by ID; `crate_name` includes use the name."""
    assert cargo_driver.package_name(package_id) == name
