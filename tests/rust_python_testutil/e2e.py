"""End-to-end helpers: a copy of this repo, the real ./pants launcher, real venvs and pip."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional, Sequence

# What a checkout needs to run `./pants package ::`; the e2e tests' `files` dependency on
# //:repo_files puts exactly these into the test sandbox.
REPO_ENTRIES = ("pants", "pants.toml", "BUILD", "3rdparty", "pants-plugins", "src")

# What a nested Pants run may see of the machine: the toolchain, interpreters, registries.
PASSTHROUGH_ENV = (
    "PATH",
    "HOME",
    "PYENV_ROOT",
    "CARGO_HOME",
    "RUSTUP_HOME",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "PIP_CERT",
    "XDG_CACHE_HOME",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
)


def source_checkout() -> Path:
    """Where the repo's files are: the test sandbox (cwd) under Pants, else this file's repo."""
    cwd = Path.cwd()
    if (cwd / "pants.toml").exists():
        return cwd
    return Path(__file__).resolve().parents[2]


def copy_repo(dest: Path, extra_files: Optional[Mapping[str, str]] = None) -> Path:
    src = source_checkout()
    dest.mkdir(parents=True, exist_ok=True)
    for entry in REPO_ENTRIES:
        path = src / entry
        if path.is_dir():
            shutil.copytree(
                path,
                dest / entry,
                ignore=shutil.ignore_patterns("target", "__pycache__", "*.pyc"),
                symlinks=True,
            )
        elif path.exists():
            shutil.copy2(path, dest / entry)
    os.chmod(dest / "pants", 0o755)
    for rel, content in (extra_files or {}).items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    return dest


@dataclass(frozen=True)
class PantsResult:
    returncode: int
    stdout: str
    stderr: str

    def assert_success(self) -> "PantsResult":
        assert self.returncode == 0, f"pants failed ({self.returncode}):\n{self.stderr[-20000:]}"
        return self


def run_pants(
    repo: Path,
    args: Sequence[str],
    *,
    cache_dir: Path,
    extra_env: Optional[Mapping[str, str]] = None,
    pantsd: bool = False,
    timeout: int = 3600,
) -> PantsResult:
    """`./pants` in `repo`, with local caches of its own (so results cannot leak between tests)."""
    env = {name: os.environ[name] for name in PASSTHROUGH_ENV if name in os.environ}
    env.update(extra_env or {})
    argv = [
        "./pants",
        "--pantsd" if pantsd else "--no-pantsd",
        "--no-dynamic-ui",
        f"--local-store-dir={cache_dir / 'lmdb_store'}",
        f"--named-caches-dir={cache_dir / 'named_caches'}",
        *args,
    ]
    proc = subprocess.run(
        argv, cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout
    )
    return PantsResult(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def kill_pantsd(repo: Path) -> None:
    """Stop the pantsd a `run_pants(..., pantsd=True)` left running in `repo`."""
    for pid_file in repo.glob(".pids/**/pantsd/pid"):
        try:
            os.kill(int(pid_file.read_text().strip()), 15)
        except (ValueError, OSError):
            pass


def find_python(version: str) -> str:
    """A CPython `version` (e.g. "3.11") on PATH or under pyenv."""
    for candidate in (
        f"python{version}",
        f"/usr/bin/python{version}",
        f"/usr/local/bin/python{version}",
    ):
        path = shutil.which(candidate)
        if path and _is_version(path, version):
            return path
    pyenv_root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    for path in sorted(
        glob.glob(f"{pyenv_root}/versions/{version}.*/bin/python{version}"), reverse=True
    ):
        if _is_version(path, version):
            return path
    raise AssertionError(f"No CPython {version} found on PATH or under pyenv.")


def _is_version(python: str, version: str) -> bool:
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and out.stdout.decode().strip() == version


@dataclass(frozen=True)
class Venv:
    root: Path

    @property
    def python(self) -> str:
        return str(self.root / "bin" / "python")

    @property
    def bin_dir(self) -> str:
        return str(self.root / "bin")

    def pip_install(self, *requirements: str, no_deps: bool = False) -> None:
        args = [self.python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        if no_deps:
            args.append("--no-deps")
        subprocess.run([*args, *requirements], check=True, env=_clean_env())

    def run(self, code: str, *, env: Optional[Mapping[str, str]] = None) -> str:
        proc = subprocess.run(
            [self.python, "-c", code],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**_clean_env(), **(env or {})},
            cwd="/",
        )
        assert proc.returncode == 0, proc.stderr.decode()
        return proc.stdout.decode()


def _clean_env() -> dict[str, str]:
    # No PYTHONPATH or PEX_* from the test runner: the venv must stand on its own.
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PEX"))}


def make_venv(python: str, root: Path) -> Venv:
    subprocess.run([python, "-m", "venv", str(root)], check=True, env=_clean_env())
    return Venv(root)


def wheels_in(directory: Path) -> list[Path]:
    return sorted(Path(p) for p in glob.glob(str(directory / "**" / "*.whl"), recursive=True))


def files_in_zip(path: Path) -> list[str]:
    """Entry names in archive order."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


def read_from_zip(path: Path, member_suffix: str) -> str:
    import zipfile

    with zipfile.ZipFile(path) as zf:
        (name,) = [n for n in zf.namelist() if n.endswith(member_suffix)]
        return zf.read(name).decode()


def link_tree(src: Path, dest: Path) -> Path:
    """A copy of an installation at another path (hard links where the file system allows)."""

    def link_or_copy(source: str, target: str) -> None:
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    if not dest.exists():
        shutil.copytree(src, dest, symlinks=True, copy_function=link_or_copy)
    return dest


def installs_elsewhere(root: Path, pythons: Sequence[str]) -> list[str]:
    """Pants options under which the toolchain and `pythons` are found only at copies under
    `root`, as on a machine that installed them in other directories."""
    sysroot = subprocess.run(
        ["rustc", "--print", "sysroot"], check=True, stdout=subprocess.PIPE, text=True
    ).stdout.strip()
    rust = link_tree(Path(sysroot), root / "rust")
    bins = []
    for python in pythons:
        prefix = Path(python).resolve().parents[1]
        # A self-contained install (pyenv, python.org), not the system's /usr.
        assert (prefix / "lib").is_dir() and prefix != Path("/usr"), prefix
        bins.append(str(link_tree(prefix, root / f"python-{Path(python).name}") / "bin"))
    return [
        f"--rust-toolchain-search-paths=['{rust / 'bin'}']",
        f"--python-bootstrap-search-path={bins!r}",
    ]
