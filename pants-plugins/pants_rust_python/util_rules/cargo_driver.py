"""Runs cargo inside a Pants sandbox. Executed as a script (stdlib only, any CPython >= 3.6).

Pants materializes inputs at a fresh absolute path with fresh mtimes, and cargo judges freshness by
absolute source paths and mtimes. This script makes both stable so that a compiled-dependencies
layer produced in one sandbox is reused, not rebuilt, in the next:
  * vendored crate sources are copied once into a content-addressed directory at a fixed absolute
    path (`--store`), keyed by the vendor digest, and cargo is pointed there;
  * every file of the vendored sources and of an input target directory gets the same old mtime,
    and so do the repo crates that an earlier layer compiled; the crate being built keeps its
    fresh mtimes and so always counts as changed;
  * input files that Pants hardlinked from its store (large ones, read-only) are replaced by
    private copies before their mtime is set: the store stays untouched, and cargo can rewrite them.
"""
import argparse
import fcntl
import hashlib
import hmac
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile

# Older than any real source file, so inputs stamped with it never look newer than an output.
FIXED_MTIME = 946684800  # 2000-01-01T00:00:00Z

# The text of a PYO3_CONFIG_FILE (maturin/interpreter_env.py writes it; the names must agree).
PYO3_CONFIG_TEXT_ENV = "PANTS_RUST_PYTHON_PYO3_CONFIG"

# The toolchain binaries a build runs, linked under `<store>/toolchains/<identity>/bin`.
TOOLCHAIN_BINARIES = ("cargo", "rustc", "rustdoc")
# Toolchain components that only Pants's own goals run (`fmt`, `lint`), linked apart from the
# builds' PATH (a build script that formats generated code when rustfmt is found, as bindgen
# does, would otherwise depend on a tool whose version is not in the build's key). Each one's
# identity goes into the keys of the processes that run it, not into the toolchain's.
TOOLCHAIN_COMPONENTS = ("rustfmt", "cargo-clippy", "clippy-driver")


def pin_mtime(path):
    """Give `path` the fixed mtime, on a private writable copy if Pants linked it in.

    Pants hardlinks large input files read-only from its store into the sandbox. Touching such
    a link would change the store's file (whose mtime Pants also uses as a lease, and resets
    while builds run), and cargo could not rewrite it; so the sandbox gets its own copy first.
    """
    st = os.lstat(path)
    if stat.S_ISREG(st.st_mode) and (st.st_nlink > 1 or not st.st_mode & stat.S_IWUSR):
        private = path + ".private"
        shutil.copyfile(path, private)
        os.chmod(private, stat.S_IMODE(st.st_mode) | stat.S_IWUSR)
        os.replace(private, path)
    os.utime(path, (FIXED_MTIME, FIXED_MTIME))


def normalize_mtimes(root):
    # Bottom-up: replacing a file updates its directory's mtime, so directories come last.
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames + dirnames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                pin_mtime(path)


# Exit code of a step the driver refused to run (the store, or a cargo configuration, cannot be
# trusted): its stderr is the whole message, with the fix, and no cargo output.
REFUSED_EXIT = 78


class StoreError(Exception):
    """The store cannot be used; the message says why and how to fix it."""


def ensure_private_store(store):
    """Create the store `0700`, or refuse one another user owns or others may write to.

    Builds compile what the store holds and may push the results to a shared remote cache, so
    nobody else may be able to change it.
    """
    try:
        if not os.path.isdir(store):
            os.makedirs(store, exist_ok=True)
            os.chmod(store, 0o700)
        st = os.stat(store)
    except OSError as e:
        raise StoreError(
            "cannot create the build store %s (%s). Set `[rust].store_dir` to a directory you "
            "can write, the same on every machine that shares a cache." % (store, e.strerror)
        )
    problems = []
    if st.st_uid != os.getuid():
        problems.append("it belongs to user id %d, not to you (%d)" % (st.st_uid, os.getuid()))
    if st.st_mode & 0o022:
        problems.append("group or others may write to it (mode %o)" % stat.S_IMODE(st.st_mode))
    if problems:
        raise StoreError(
            "the build store %s cannot be trusted: %s. Builds compile what it holds. If it is "
            "yours, `chmod go-w %s`; otherwise remove it (it is only a cache) or set "
            "`[rust].store_dir` to a directory of your own, the same on every machine that "
            "shares a cache." % (store, "; ".join(problems), store)
        )


def _walk(root):
    """(relative path, lstat) of `root` and everything below it, sorted."""
    entries = [("", os.lstat(root))]
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = os.path.join(dirpath, name)
            entries.append((os.path.relpath(path, root), os.lstat(path)))
    return entries


def _digests(root):
    """What an entry holds: each path's kind, size, mode, mtime and content digest."""
    result = {}
    for rel, st in _walk(root):
        path = os.path.join(root, rel)
        if stat.S_ISLNK(st.st_mode):
            content = os.readlink(path)
        elif stat.S_ISREG(st.st_mode):
            h = hashlib.sha256()
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            content = h.hexdigest()
        else:
            content = ""
        result[rel] = [
            stat.S_IFMT(st.st_mode),
            st.st_size,
            stat.S_IMODE(st.st_mode),
            int(st.st_mtime),
            content,
        ]
    return result


def _identity(root):
    """A cheap fingerprint: any write, chmod, rename or added file changes some inode's ctime,
    which no user can set back."""
    return {rel: [st.st_ino, st.st_size, st.st_ctime_ns] for rel, st in _walk(root)}


def _make_read_only(root):
    # Programs (zig's) stay executable.
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, 0o555 if os.stat(path).st_mode & stat.S_IXUSR else 0o444)
        os.chmod(dirpath, 0o555)


def _discard(path):
    """Move `path` aside at once (so nothing uses it any more), then delete it."""
    if not os.path.lexists(path):
        return
    trash = tempfile.mkdtemp(prefix=".trash-", dir=os.path.dirname(path))
    os.rename(path, os.path.join(trash, "entry"))
    for dirpath, _, _ in os.walk(trash):
        os.chmod(dirpath, 0o700)
    shutil.rmtree(trash, ignore_errors=True)


def _verified(entry, manifest_path):
    """Whether `entry` holds exactly what the manifest, written when it was installed, says."""
    try:
        with open(manifest_path) as f:
            manifest = json.load(f)
        if not os.path.isdir(entry) or os.path.islink(entry):
            return False
        if _identity(entry) == manifest["identity"]:
            return True
        return _digests(entry) == manifest["digests"]
    except (OSError, ValueError, KeyError):
        return False


def install_verified(parent, key, populate):
    """`<parent>/<key>`, filled once by `populate(directory)`, verified before every use.

    The entry is trusted only if it matches the manifest of digests written beside it (outside
    it) when it was installed: an entry that is partial, altered or has extra files is replaced
    by a fresh one. Installed files are read-only.
    """
    final = os.path.join(parent, key)
    manifest = final + ".manifest.json"
    os.makedirs(parent, exist_ok=True)
    with open(final + ".lock", "a") as lock:
        # Concurrent builds wait for one install rather than judge a half-written one.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _verified(final, manifest):
            os.utime(manifest)  # last use, for the store's clean-up
            return final
        _discard(final)
        tmp = tempfile.mkdtemp(prefix=".tmp-" + key[:12] + "-", dir=parent)
        try:
            staged = os.path.join(tmp, "entry")
            populate(staged)
            os.rename(staged, final)
            _make_read_only(final)
            record = {"digests": _digests(final), "identity": _identity(final)}
            fd, tmp_manifest = tempfile.mkstemp(prefix=".tmp-manifest-", dir=parent)
            with os.fdopen(fd, "w") as f:
                json.dump(record, f)
            os.replace(tmp_manifest, manifest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return final


def install_vendor(vendor_dir, store, key):
    """Copy vendored sources to `<store>/vendor/<key>` once (see install_verified)."""

    def populate(staged):
        shutil.copytree(vendor_dir, staged, symlinks=True)
        # The sources may come read-only (Pants's immutable inputs); the copy is writable
        # until it is in place.
        for dirpath, _, _ in os.walk(staged):
            os.chmod(dirpath, stat.S_IMODE(os.stat(dirpath).st_mode) | stat.S_IWUSR)
        normalize_mtimes(staged)

    ensure_private_store(store)
    return install_verified(os.path.join(store, "vendor"), key, populate)


def install_zig(wheels_dir, store, key):
    """Unpack the installed wheels of ziglang and cargo-zigbuild (zip files, from the `[zig]`
    lockfile) to `<store>/zig/<key>` once (see install_verified)."""

    def populate(staged):
        for name in sorted(os.listdir(wheels_dir)):
            with zipfile.ZipFile(os.path.join(wheels_dir, name)) as wheel:
                for info in wheel.infolist():
                    parts = info.filename.split("/")
                    if info.is_dir() or info.filename.startswith("/") or ".." in parts:
                        continue
                    path = os.path.join(staged, *parts)
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with wheel.open(info) as src, open(path, "wb") as dst:
                        shutil.copyfileobj(src, dst)
                    executable = (info.external_attr >> 16) & stat.S_IXUSR
                    os.chmod(path, 0o755 if executable else 0o644)

    ensure_private_store(store)
    return install_verified(os.path.join(store, "zig"), key, populate)


# The linker and C compiler of a zig build: cargo-zigbuild's `zig cc` with the arguments its own
# wrappers pass (debug info kept, sanitizers off, the glibc to link against in the target). The
# script lives at a path that depends on its text alone, so the build's keys stay the same.
ZIG_WRAPPER_SCRIPT = """\
#!/bin/sh
# Written by pants-rust-python's cargo driver (cargo_driver.py).
CARGO_ZIGBUILD_ZIG_PATH='%(zig)s'
ZIG_GLOBAL_CACHE_DIR='%(cache)s'
ZIG_LOCAL_CACHE_DIR='%(cache)s'
export CARGO_ZIGBUILD_ZIG_PATH ZIG_GLOBAL_CACHE_DIR ZIG_LOCAL_CACHE_DIR
exec '%(zigbuild)s' zig %(command)s -- %(args)s"$@"
"""


def zig_environment(store, entry, zig_target, rust_triple):
    """What cargo and the cc crate need to link and compile with zig for `rust_triple`."""
    values = {
        "zig": os.path.join(entry, "ziglang", "zig"),
        "zigbuild": os.path.join(entry, ".prefix", "bin", "cargo-zigbuild"),
        # Zig's own cache of compiled C libraries (the glibc stubs); private like the store.
        "cache": os.path.join(store, "zig-cache"),
    }
    for name in ("zig", "zigbuild"):
        if not os.path.isfile(values[name]):
            raise StoreError(
                "the `[zig]` distribution has no %s (looked for %s): its lockfile must pin "
                "`ziglang` and `cargo-zigbuild`." % (name, values[name])
            )
    wrappers = {}
    compiler_args = "-g -fno-sanitize=all -target %s " % zig_target
    for command, args in (("cc", compiler_args), ("c++", compiler_args), ("ar", "")):
        script = ZIG_WRAPPER_SCRIPT % dict(values, command=command, args=args)
        wrappers[command] = install_by_content(
            os.path.join(store, "zig-wrappers"), script.encode(), ".sh", 0o555
        )
    env_triple = rust_triple.replace("-", "_")
    return {
        "CARGO_TARGET_%s_LINKER" % env_triple.upper(): wrappers["cc"],
        "CC_" + env_triple: wrappers["cc"],
        "CXX_" + env_triple: wrappers["c++"],
        "AR_" + env_triple: wrappers["ar"],
    }


def stash_env(store, values):
    """Write variables that may hold secrets to `<store>/secret-env/<HMAC>.json` (0600), and
    return that path.

    A remote cache stores every process's Command, environment included. A step that needs such
    values gets this path instead, and the driver loads the file: the step's key then holds an
    HMAC of the values under a random key of this machine's store, which says nothing of them
    and changes when they do. This runs in an uncached process, once per Pants run.
    """
    ensure_private_store(store)
    directory = os.path.join(store, "secret-env")
    os.makedirs(directory, mode=0o700, exist_ok=True)
    key_path = os.path.join(directory, ".hmac-key")
    if not os.path.exists(key_path):
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
        try:
            os.link(tmp, key_path)  # the first writer wins; concurrent runs share its key
        except FileExistsError:
            pass
        os.remove(tmp)
    with open(key_path, "rb") as f:
        key = f.read()
    payload = json.dumps(values, sort_keys=True).encode("utf-8")
    path = os.path.join(directory, hmac.new(key, payload, hashlib.sha256).hexdigest() + ".json")
    if not os.path.exists(path):
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.replace(tmp, path)
    return path


def collect_garbage(store, max_unused_days, now=None):
    """Remove vendor and zig entries unused for `max_unused_days`, and what killed runs left
    behind."""
    now = time.time() if now is None else now
    removed = []
    for kind in ("vendor", "zig"):
        removed.extend(_collect_entries(os.path.join(store, kind), max_unused_days, now))
    return removed


def _collect_entries(parent, max_unused_days, now):
    if not os.path.isdir(parent):
        return []
    removed = []
    for name in sorted(os.listdir(parent)):
        path = os.path.join(parent, name)
        age_days = (now - os.lstat(path).st_mtime) / 86400
        if name.startswith((".tmp-", ".trash-")) and age_days > 1:
            _discard(path)
            removed.append(name)
        elif name.endswith(".manifest.json") and age_days > max_unused_days:
            key = name[: -len(".manifest.json")]
            with open(os.path.join(parent, key + ".lock"), "a") as lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # in use right now
                _discard(os.path.join(parent, key))
                os.remove(path)
            os.remove(os.path.join(parent, key + ".lock"))
            removed.append(key)
    return removed


def install_by_content(directory, data, suffix, mode=0o444):
    """Write `data` once at `<directory>/<sha256 of data><suffix>`, read-only, with the fixed
    mtime, and return that path: the same bytes get the same absolute path in every sandbox."""
    path = os.path.join(directory, hashlib.sha256(data).hexdigest() + suffix)
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return path
    except OSError:
        pass
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, mode)
    os.utime(tmp, (FIXED_MTIME, FIXED_MTIME))
    os.replace(tmp, path)
    return path


def install_pyo3_config(store, text):
    """Write a PYO3_CONFIG_FILE at a path that depends on its text alone, and return that path.

    pyo3's build script reruns when the variable's value or the file's mtime changes, so the
    same interpreter facts must give the same absolute path and an old mtime in every sandbox.
    """
    return install_by_content(os.path.join(store, "pyo3-config"), text.encode("utf-8"), ".txt")


# cargo runs `$RUSTC_WRAPPER <rustc> <args>`. Paths under the sandbox become relative in debug
# info, panic messages and `file!()`, so builds in different sandboxes give the same bytes; the
# flag is not in cargo's fingerprints, which a sandbox-specific RUSTFLAGS would break.
RUSTC_WRAPPER_SCRIPT = """\
#!/bin/sh
# Written by pants-rust-python's cargo driver (cargo_driver.py).
remap="--remap-path-prefix=$PANTS_RUST_PYTHON_SANDBOX/="
if [ -n "$PANTS_RUST_PYTHON_INNER_WRAPPER" ]; then
  exec "$PANTS_RUST_PYTHON_INNER_WRAPPER" "$@" "$remap"
fi
exec "$@" "$remap"
"""


def install_rustc_wrapper(store):
    return install_by_content(
        os.path.join(store, "rustc-wrapper"), RUSTC_WRAPPER_SCRIPT.encode(), ".sh", 0o555
    )


# What rustc's linker (cc) runs through PATH, linked beside it when found; each is optional.
LINKER_COMPANIONS = ("c++", "ar", "as", "ld", "ranlib", "strip")

# Programs build scripts often run. Unless declared in `[rust].build_tools`, a build finds a shim
# under each name that fails saying how to declare it.
WELL_KNOWN_TOOLS = (
    "bash", "clang", "cmake", "curl", "g++", "gcc", "git", "gmake", "make", "nasm", "ninja",
    "perl", "pkg-config", "protoc", "python", "python3", "sh", "wget",
)  # fmt: skip

UNDECLARED_TOOL_MARKER = "pants-rust-python: a build ran"

_SHIM = """\
#!/bin/sh
echo "%s \\`%s\\`, which builds cannot see: add \\"%s\\" to [rust].build_tools in pants.toml (its version then becomes part of the cache keys)." >&2
exit 127
"""


def link_toolchain(store, identity, links, shims=()):
    """`<store>/toolchains/<sha256 of identity>/bin/`: `links` (name -> real binary) and, for
    each name in `shims`, a script that fails saying the tool is not declared.

    Builds name the toolchain by these links, so their keys hold its versions, not its install
    path: the same toolchain under two different directories gives the same keys.
    """
    digest = hashlib.sha256(identity.encode("utf-8")).hexdigest()
    link_dir = os.path.join(store, "toolchains", digest, "bin")
    link_binaries(link_dir, links)
    for name in shims:
        script = (_SHIM % (UNDECLARED_TOOL_MARKER, name, name)).encode()
        path = os.path.join(link_dir, name)
        try:
            with open(path, "rb") as f:
                if f.read() == script:
                    continue
        except OSError:
            pass
        tmp = "%s.tmp-%d" % (path, os.getpid())
        with open(tmp, "wb") as f:
            f.write(script)
        os.chmod(tmp, 0o555)
        os.replace(tmp, path)
    return digest, link_dir


def link_binaries(component_dir, links):
    """Links `name -> real binary` in `component_dir`. Atomic per link: concurrent runs, or
    another install of the same toolchain, replace one with an equally valid one."""
    os.makedirs(component_dir, exist_ok=True)
    for name, target in sorted(links.items()):
        link = os.path.join(component_dir, name)
        if os.path.islink(link) and os.readlink(link) == target:
            continue
        tmp = "%s.tmp-%d" % (link, os.getpid())
        if os.path.lexists(tmp):
            os.remove(tmp)
        os.symlink(target, tmp)
        os.replace(tmp, link)


def _output(cmd):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise SystemExit(
            "error: `%s` failed (exit code %d): %s"
            % (" ".join(cmd), proc.returncode, proc.stderr.decode("utf-8", "replace").strip())
        )
    return proc.stdout.decode("utf-8", "replace").strip()


def find_program(name, search_path):
    for directory in search_path:
        path = os.path.join(directory, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def tool_identity(path):
    """What a tool is: its `--version` line, if it has one, and its binary's digest."""
    real = os.path.realpath(path)
    h = hashlib.sha256()
    with open(real, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    try:
        proc = subprocess.run(
            [path, "--version"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=20,
        )
        lines = proc.stdout.decode("utf-8", "replace").strip().splitlines()
        version = lines[0] if proc.returncode == 0 and lines else ""
    except (OSError, subprocess.TimeoutExpired):
        version = ""
    return ("%s sha256:%s" % (version, h.hexdigest())).strip()


def identify_toolchain(store, rustc, cc, search_path=(), build_tools=()):
    """Probe the toolchain's real binaries (past any rustup proxy), the linker and the declared
    build tools, and link them into the store: the only programs a build finds on PATH.

    Runs on every Pants run (it is never cached), so a toolchain or tool updated in place gets
    new keys at once, even under a long-lived pantsd.
    """
    real_bin_dir = os.path.join(_output([rustc, "--print", "sysroot"]), "bin")
    rustc_version = _output([os.path.join(real_bin_dir, "rustc"), "-vV"])
    cargo_version = _output([os.path.join(real_bin_dir, "cargo"), "-V"])
    cc_version = _output([cc, "--version"]).splitlines()[0]
    links = {name: os.path.join(real_bin_dir, name) for name in TOOLCHAIN_BINARIES}
    links["cc"] = cc
    linker_search = [os.path.dirname(cc)] + [d for d in search_path if d != os.path.dirname(cc)]
    for name in LINKER_COMPANIONS:
        found = find_program(name, linker_search)
        if found:
            links[name] = found
    missing = []
    for name in build_tools:
        found = find_program(name, search_path)
        if found:
            links[name] = found
        else:
            missing.append(name)
    if missing:
        raise StoreError(
            "`[rust].build_tools` names %s, which is not in any of `[rust].linker_search_paths` "
            "(%s). Install it, add its directory there, or drop it from `[rust].build_tools`."
            % (", ".join(missing), os.pathsep.join(search_path) or "empty")
        )
    tools = {
        name: tool_identity(path)
        for name, path in sorted(links.items())
        if name not in TOOLCHAIN_BINARIES
    }
    # The C library the host links against: an artifact needing a newer glibc must not be
    # served from a cache to a host with an older one.
    libc = " ".join(filter(None, [os.confstr("CS_GNU_LIBC_VERSION")]))
    identity = "\n".join(
        [rustc_version, cargo_version, "python " + sys.version.splitlines()[0], "libc " + libc]
        + ["%s: %s" % item for item in sorted(tools.items())]
    )
    shims = [name for name in WELL_KNOWN_TOOLS if name not in links]
    digest, link_dir = link_toolchain(store, identity, links, shims)
    component_dir = os.path.join(os.path.dirname(link_dir), "components")
    found = {
        name: os.path.join(real_bin_dir, name)
        for name in TOOLCHAIN_COMPONENTS
        if os.path.isfile(os.path.join(real_bin_dir, name))
    }
    if found:
        link_binaries(component_dir, found)
    return {
        "components": {
            name: {"path": os.path.join(component_dir, name), "identity": tool_identity(path)}
            for name, path in sorted(found.items())
        },
        "fingerprint": digest,
        "bin_dir": link_dir,
        "real_bin_dir": real_bin_dir,
        "rustc_version": rustc_version,
        "cargo_version": cargo_version,
        "cc_version": cc_version,
        "libc": libc,
        "tools": tools,
    }


def write_source_config(snippet_path, vendored, out_path):
    """cargo vendor's printed source replacement, with the directory made absolute and stable."""
    with open(snippet_path) as f:
        snippet = f.read()
    snippet = re.sub(r'(?m)^directory\s*=\s*".*"$', 'directory = "%s"' % vendored, snippet)
    with open(out_path, "w") as f:
        f.write(snippet)


CRATE_ARTIFACT = re.compile(r"^(?P<name>.+)-[0-9a-f]{16}$")


def _crate_names(entry):
    """`libfoo-<hash>.rlib`, `foo-<hash>.d` and `.fingerprint/foo-<hash>` all belong to foo."""
    stem = entry.split(".", 1)[0]
    for candidate in (stem, stem[3:] if stem.startswith("lib") else None):
        m = CRATE_ARTIFACT.match(candidate or "")
        if m:
            yield m.group("name")


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.remove(path)


def prune_local_artifacts(profile_dir, local_names):
    """Drop what the repo's own (stub) crates left behind, and cargo's uplifted copies.

    The layer should hold third-party crates only; the repo's crates are always compiled on top.
    """
    local = set(local_names) | {n.replace("-", "_") for n in local_names}
    for sub in (".fingerprint", "build", "deps"):
        d = os.path.join(profile_dir, sub)
        if os.path.isdir(d):
            for entry in os.listdir(d):
                if local.intersection(_crate_names(entry)):
                    _remove(os.path.join(d, entry))
    for entry in os.listdir(profile_dir):
        if entry not in (".fingerprint", "build", "deps"):
            _remove(os.path.join(profile_dir, entry))


def outside_cargo_config(sandbox):
    """Cargo reads `.cargo/config.toml` in every ancestor of its cwd, including the sandbox's."""
    directory = os.path.dirname(sandbox)
    while True:
        for name in ("config.toml", "config"):
            path = os.path.join(directory, ".cargo", name)
            if os.path.isfile(path):
                return path
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def refuse(message):
    sys.stderr.write("error: %s\n" % message)
    return REFUSED_EXIT


def _parse_args(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=sorted(MODES), required=True)
    parser.add_argument("--workspace-root", default=".")
    parser.add_argument("--vendor-dir", default="")
    parser.add_argument("--vendor-config", default="")
    parser.add_argument("--vendor-key", default="")
    parser.add_argument("--store", default="")
    parser.add_argument("--target-dir", default="cargo-target")
    parser.add_argument("--profile-dir", default="release")
    parser.add_argument("--local-package", action="append", default=[])
    parser.add_argument("--out", default="out")
    parser.add_argument("--tree-package", default="")
    # deps/build: link (and compile C) with zig: the `[zig]` wheels, their key, zig's target
    # (`x86_64-linux-gnu.2.17`) and the Rust target whose linker it becomes.
    parser.add_argument("--zig-wheels", default="")
    parser.add_argument("--zig-key", default="")
    parser.add_argument("--zig-target", default="")
    parser.add_argument("--zig-rust-triple", default="")
    # build: C headers a build script may have written (first one found is kept), for cffi.
    parser.add_argument("--header-candidate", action="append", default=[])
    # Packages whose build script's OUT_DIR is kept (`[tool.maturin] include` from "out-dir").
    parser.add_argument("--out-dir-package", action="append", default=[])
    # deps/build: a file listing repo sources compiled in an earlier layer; they get the fixed
    # mtime so that cargo finds that layer's artifacts of them fresh.
    parser.add_argument("--stable-sources", default="")
    # cbindgen: the header generator and the crate it reads.
    parser.add_argument("--cbindgen", default="")
    parser.add_argument("--crate-dir", default="")
    # toolchain: the rustc found on the search path (maybe a rustup proxy) and the C compiler.
    parser.add_argument("--rustc", default="")
    parser.add_argument("--cc", default="")
    # toolchain (it runs once per Pants run, uncached): vendor entries unused this long go.
    parser.add_argument("--store-max-unused-days", type=float, default=0)
    # toolchain: where to find the linker's companions and `[rust].build_tools`.
    parser.add_argument("--tool-search-path", default="")
    parser.add_argument("--build-tool", action="append", default=[])
    # stash-env: the variables (from this process's environment) to stash; other modes: the
    # stashed file to load.
    parser.add_argument("--stash", action="append", default=[])
    parser.add_argument("--secret-env", default="")
    # goal: a cargo subcommand's own program to run in cargo's place (`cargo-clippy`).
    parser.add_argument("--cargo-program", default="")
    # goal: cargo's output straight to the terminal (`pants test --debug`).
    parser.add_argument("--stream-output", action="store_true")
    parser.add_argument("cargo_args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.cargo_args and args.cargo_args[0] == "--":
        args.cargo_args = args.cargo_args[1:]
    return args


def _store_unwritable(store, error):
    # A full disk, a read-only store: one message, not a traceback shown as cargo's.
    return refuse(
        "the build store %s cannot be written (%s: %s). Free space there, or set "
        "`[rust].store_dir` to a writable directory, the same on every machine that shares "
        "a cache." % (store, error.strerror or error, error.filename or "")
    )


def run_stash_env(args):
    try:
        print(stash_env(args.store, {n: os.environ.get(n, "") for n in args.stash}))
    except StoreError as e:
        return refuse(str(e))
    except OSError as e:
        return _store_unwritable(args.store, e)
    return 0


def run_toolchain(args):
    try:
        ensure_private_store(args.store)
        if args.store_max_unused_days > 0:
            collect_garbage(args.store, args.store_max_unused_days)
    except StoreError as e:
        return refuse(str(e))
    except OSError as e:
        return _store_unwritable(args.store, e)
    try:
        info = identify_toolchain(
            args.store,
            args.rustc,
            args.cc,
            [p for p in args.tool_search_path.split(os.pathsep) if p],
            args.build_tool,
        )
    except (StoreError, OSError) as e:
        return refuse(str(e))
    json.dump(info, sys.stdout, sort_keys=True)
    return 0


class Step(object):
    """What a cargo step runs with: the sandbox, the environment, the cargo command line."""

    def __init__(self, args, sandbox, env):
        self.args = args
        self.sandbox = sandbox
        self.env = env
        self.cwd = os.path.join(sandbox, args.workspace_root)
        self.cargo = [args.cargo_program or env.get("CARGO", "cargo")] + args.cargo_args
        self.out_dir = os.path.join(sandbox, args.out)
        self.target_dir = os.path.join(sandbox, args.target_dir)
        # The source replacement pointing cargo at the store's copy of the vendored crates.
        self.source_config = None


def _load_secret_env(args, env):
    """Values that must not be part of the step's Command (see stash_env); None if refused."""
    if args.secret_env:
        try:
            with open(args.secret_env) as f:
                env.update(json.load(f))
        except (OSError, ValueError) as e:
            return refuse(
                "cannot read %s, where this machine's Pants run put the step's secret "
                "variables (%s); run the build again." % (args.secret_env, e)
            )
    return None


def _refuse_outside_config(sandbox):
    # Before any cargo runs, vendoring included: a configuration there could swap the crates.
    leak = outside_cargo_config(sandbox)
    if not leak:
        return None
    return refuse(
        "%s is a Cargo configuration file above the build sandbox; cargo would apply "
        "it to this build (its sources, registries, flags), which must depend only on the "
        "repository. If it is yours, move its settings into the repository's "
        ".cargo/config.toml, or remove it. If it is not (Pants makes sandboxes under /tmp by "
        "default, where any user can write), point `[GLOBAL].local_execution_root_dir` in "
        "pants.toml at a directory only you can write." % leak
    )


def run_vendor(step):
    # The one networked step: cargo uses the caller's CARGO_HOME (registries, mirrors,
    # credentials, download cache). The output is checked against Cargo.lock's checksums.
    vendor_dir = os.path.join(step.out_dir, "vendor")
    cmd = [step.cargo[0], "vendor"] + step.args.cargo_args + [vendor_dir]
    proc = subprocess.run(cmd, cwd=step.cwd, env=step.env, stdout=subprocess.PIPE)
    if proc.returncode != 0:
        return proc.returncode
    os.makedirs(vendor_dir, exist_ok=True)
    snippet = proc.stdout.decode("utf-8") if b"[source." in proc.stdout else ""
    # The printed `directory` is this sandbox's absolute path; keep the output (and so the
    # cache key of everything built from it) independent of where the sandbox was.
    snippet = re.sub(r'(?m)^directory\s*=\s*".*"$', 'directory = "vendor"', snippet)
    with open(os.path.join(step.out_dir, "config.toml"), "w") as f:
        f.write(snippet)
    return 0


def run_lock(step):
    # Networked like vendoring (the caller's CARGO_HOME); the new Cargo.lock is the output.
    proc = subprocess.run(step.cargo, cwd=step.cwd, env=step.env, stdout=subprocess.PIPE)
    sys.stderr.write(_as_in_repo(proc.stdout, step))
    if proc.returncode != 0:
        return proc.returncode
    os.makedirs(step.out_dir, exist_ok=True)
    shutil.copyfile(os.path.join(step.cwd, "Cargo.lock"), os.path.join(step.out_dir, "Cargo.lock"))
    return 0


def _prepare_offline(step):
    """A private CARGO_HOME, the store's wrapper and crates, stable mtimes; None, or the exit."""
    args, sandbox, env = step.args, step.sandbox, step.env
    for name in ("CARGO_HOME", "HOME"):
        path = os.path.join(sandbox, "." + name.lower().replace("_", "-"))
        os.makedirs(path, exist_ok=True)
        env[name] = path
    env["CARGO_TARGET_DIR"] = step.target_dir
    if env.get("RUSTC_WRAPPER"):
        # A wrapper of the user's own (`[rust].build_env_vars`, sccache say) still runs.
        env["PANTS_RUST_PYTHON_INNER_WRAPPER"] = env["RUSTC_WRAPPER"]
    env["PANTS_RUST_PYTHON_SANDBOX"] = sandbox
    pyo3_config = env.pop(PYO3_CONFIG_TEXT_ENV, None)
    try:
        ensure_private_store(args.store)
        env["RUSTC_WRAPPER"] = install_rustc_wrapper(args.store)
        if pyo3_config is not None:
            env["PYO3_CONFIG_FILE"] = install_pyo3_config(args.store, pyo3_config)
        if args.zig_wheels:
            entry = install_zig(os.path.join(sandbox, args.zig_wheels), args.store, args.zig_key)
            env.update(zig_environment(args.store, entry, args.zig_target, args.zig_rust_triple))
        if args.vendor_dir and os.path.getsize(os.path.join(sandbox, args.vendor_config)) > 0:
            vendored = install_vendor(
                os.path.join(sandbox, args.vendor_dir), args.store, args.vendor_key
            )
            step.source_config = os.path.join(sandbox, ".vendor-config.toml")
            write_source_config(
                os.path.join(sandbox, args.vendor_config), vendored, step.source_config
            )
            # `--config` goes right after the subcommand.
            step.cargo[2:2] = ["--config", step.source_config]
    except StoreError as e:
        return refuse(str(e))
    except OSError as e:
        return _store_unwritable(args.store, e)

    if os.path.isdir(step.target_dir):
        normalize_mtimes(step.target_dir)
    if args.stable_sources:
        with open(os.path.join(sandbox, args.stable_sources)) as f:
            for line in f:
                path = os.path.join(sandbox, line.rstrip("\n"))
                if line.strip() and os.path.isfile(path):
                    pin_mtime(path)
    os.makedirs(step.out_dir, exist_ok=True)
    return None


def run_cbindgen(step):
    # cbindgen runs `cargo metadata` itself, without our --config: the source replacement
    # goes into the sandbox's CARGO_HOME, and the network stays off.
    if step.source_config:
        shutil.copyfile(step.source_config, os.path.join(step.env["CARGO_HOME"], "config.toml"))
    step.env["CARGO_NET_OFFLINE"] = "true"
    proc = subprocess.run(
        [
            os.path.join(step.sandbox, step.args.cbindgen),
            os.path.join(step.sandbox, step.args.crate_dir),
            os.path.join(step.out_dir, "header.h"),
        ],
        cwd=step.cwd,
        env=step.env,
        stderr=subprocess.PIPE,
    )
    sys.stderr.write(proc.stderr.decode("utf-8", "replace").replace(step.sandbox + os.sep, ""))
    return proc.returncode


def run_metadata(step):
    proc = subprocess.run(step.cargo, cwd=step.cwd, env=step.env, stdout=subprocess.PIPE)
    if proc.returncode != 0:
        return proc.returncode
    with open(os.path.join(step.out_dir, "metadata.json"), "wb") as f:
        f.write(proc.stdout)
    if not step.args.tree_package:
        return 0
    # `cargo metadata` unifies features over the whole workspace; `cargo tree -p` gives
    # the features one package's build really gets (e.g. whether pyo3 is abi3 for it).
    tree = [
        "tree" if a == "metadata" else a.replace("--filter-platform=", "--target=")
        for a in step.cargo
        if not a.startswith(("--format-version", "--manifest-path"))
    ]
    tree += ["--package=" + step.args.tree_package, "--prefix=none", "--format={p}|{f}"]
    # All of the build, then the crate's own code only (no build scripts, no
    # proc-macros): a crate in both may get other features in each.
    for edges, name in (("normal,build", "tree.txt"), ("normal,no-proc-macro", "tree-target.txt")):
        proc = subprocess.run(
            tree + ["--edges=" + edges], cwd=step.cwd, env=step.env, stdout=subprocess.PIPE
        )
        if proc.returncode != 0:
            return proc.returncode
        with open(os.path.join(step.out_dir, name), "wb") as f:
            f.write(proc.stdout)
    return 0


def _run_cargo_build(step):
    """cargo's JSON messages, or the exit code when it failed."""
    proc = subprocess.run(
        step.cargo, cwd=step.cwd, env=step.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    sys.stderr.write(_as_in_repo(proc.stderr, step))
    if proc.returncode != 0:
        return proc.returncode, []
    messages = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        if not line.startswith("{"):
            continue
        try:
            messages.append(json.loads(line))
        except ValueError:
            continue
    return 0, messages


def _compiled(messages):
    """What cargo actually compiled (not fresh): the evidence that layers are reused."""
    return sorted(
        {
            msg.get("package_id", "")
            for msg in messages
            if msg.get("reason") == "compiler-artifact" and not msg.get("fresh", False)
        }
    )


def run_deps(step):
    code, messages = _run_cargo_build(step)
    if code != 0:
        return code
    prune_local_artifacts(
        os.path.join(step.target_dir, step.args.profile_dir), step.args.local_package
    )
    with open(os.path.join(step.out_dir, "compiled.json"), "w") as f:
        json.dump({"compiled": _compiled(messages)}, f, indent=1, sort_keys=True)
    return 0


def run_build(step):
    code, messages = _run_cargo_build(step)
    if code != 0:
        return code
    artifacts = []
    for msg in messages:
        if msg.get("reason") != "compiler-artifact":
            continue
        target = msg.get("target", {})
        kinds = set(target.get("kind", []))
        if not kinds & {"cdylib", "bin"}:
            continue
        for filename in msg.get("filenames", []):
            base = os.path.basename(filename)
            if base.endswith((".rlib", ".rmeta", ".d")):
                continue
            # With its mode: programs stay executable.
            shutil.copy(filename, os.path.join(step.out_dir, base))
            artifacts.append(
                {
                    "kind": "bin" if "bin" in kinds else "cdylib",
                    "target": target.get("name"),
                    "package_id": msg.get("package_id"),
                    "file": base,
                }
            )
    out_dirs = _out_dirs(messages, step.args.out_dir_package)
    for name, out_dir in out_dirs.items():
        shutil.copytree(out_dir, os.path.join(step.out_dir, "out-dirs", name))
    for candidate in step.args.header_candidate:
        path = os.path.join(step.sandbox, candidate)
        if os.path.isfile(path):
            shutil.copyfile(path, os.path.join(step.out_dir, "header.h"))
            break
    with open(os.path.join(step.out_dir, "artifacts.json"), "w") as f:
        json.dump(
            {"artifacts": artifacts, "compiled": _compiled(messages), "out_dirs": sorted(out_dirs)},
            f,
            indent=1,
            sort_keys=True,
        )
    return 0


def package_name(package_id):
    """The package name in a cargo package ID: `name 1.0 (source)` (cargo before 1.77), or a
    package ID spec, `registry+...#name@1.0`, or `path+file:///.../name#1.0` when the name is
    the directory's."""
    if " " in package_id:
        return package_id.split(" ", 1)[0]
    url, _, fragment = package_id.partition("#")
    if "@" in fragment:
        return fragment.split("@", 1)[0]
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _out_dirs(messages, wanted):
    """OUT_DIR of each wanted package's build script, from cargo's messages (a fresh build
    script is reported too)."""
    found = {}
    for msg in messages:
        if msg.get("reason") == "build-script-executed" and msg.get("out_dir"):
            name = package_name(msg.get("package_id", ""))
            if name in wanted and os.path.isdir(msg["out_dir"]):
                found[name] = msg["out_dir"]
    return found


# A diagnostic's location line, `  --> src/lib.rs:10:5`, as rustc prints it.
_LOCATION = re.compile(r"^(\s*--> )(?![/<])", re.MULTILINE)


def _as_in_repo(data, step):
    """cargo's output naming files by their repo paths: not in a sandbox that no longer exists,
    nor relative to the workspace root (where rustc names a workspace member's files)."""
    text = data.decode("utf-8", "replace").replace(step.sandbox + os.sep, "")
    root = os.path.normpath(step.args.workspace_root)
    if root == ".":
        return text
    return _LOCATION.sub(lambda m: m.group(1) + root + "/", text)


def run_goal(step):
    """`cargo test`, `check` or `clippy` for a Pants goal: cargo's output and exit code as they are."""
    if step.args.stream_output:
        return subprocess.run(step.cargo, cwd=step.cwd, env=step.env).returncode
    proc = subprocess.run(
        step.cargo, cwd=step.cwd, env=step.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    sys.stdout.write(_as_in_repo(proc.stdout, step))
    sys.stderr.write(_as_in_repo(proc.stderr, step))
    return proc.returncode


# Modes that run before any sandboxed cargo step, and the cargo steps (offline but these).
NETWORKED_MODES = ("vendor", "lock")
STORE_MODES = {"stash-env": run_stash_env, "toolchain": run_toolchain}
CARGO_MODES = {
    "vendor": run_vendor,
    "lock": run_lock,
    "cbindgen": run_cbindgen,
    "metadata": run_metadata,
    "deps": run_deps,
    "build": run_build,
    "goal": run_goal,
}
MODES = sorted([*STORE_MODES, *CARGO_MODES])


def main(argv=None):
    args = _parse_args(argv)
    if args.mode in STORE_MODES:
        return STORE_MODES[args.mode](args)
    sandbox = os.getcwd()
    env = dict(os.environ)
    refused = _load_secret_env(args, env) or _refuse_outside_config(sandbox)
    if refused:
        return refused
    step = Step(args, sandbox, env)
    if args.mode not in NETWORKED_MODES:
        refused = _prepare_offline(step)
        if refused:
            return refused
    return CARGO_MODES[args.mode](step)


if __name__ == "__main__":
    sys.exit(main())
