"""PEP 517 backend for a `python_distribution` that ships prebuilt Rust extension modules.

Read with pkgutil and written into the build root of such a distribution, never imported by
the plugin. It is setuptools' legacy backend, which runs Pants's generated setup.py, with two
additions to the `setup()` call, described by `pants_rust_python_dist.json` in the build root:

- the compiled modules join `package_data`: Pants only lists `.py`/`.pyi` files and resources,
  so the `.so` files the codegen laid out would be left out of the wheel;
- the distribution reports extension modules, so `bdist_wheel` writes `Root-Is-Purelib: false`
  and the running interpreter's tag (`cpXY-cpXY-<platform>`, or `cpXY-abi3-<platform>` with
  `py_limited_api`) instead of `py3-none-any`.

- the wheel is then retagged with the platform tags auditwheel's report decided (manylinux),
  since bdist_wheel only knows the interpreter's `linux_<arch>`.

Runs under the setuptools/wheel versions of Pants's `[setuptools]` tool (stdlib otherwise).
"""
import base64
import csv
import hashlib
import io
import json
import os
import sys
import zipfile

import setuptools  # pants: no-infer-dep
from setuptools.build_meta import __legacy__ as _legacy  # pants: no-infer-dep

CONFIG_FILE = "pants_rust_python_dist.json"


class NativeDistributionError(Exception):
    pass


def _config():
    with open(CONFIG_FILE) as f:
        return json.load(f)


def _check_interpreter(config):
    # A per-interpreter module only loads in the interpreter it was built for, and bdist_wheel
    # tags the wheel for the interpreter it runs in: the two must agree.
    wanted = config.get("python_version")
    running = "%d.%d" % sys.version_info[:2]
    if wanted and wanted != running:
        raise NativeDistributionError(
            "%s ships Rust extension modules built for Python %s, but its wheel is being built "
            "with Python %s (%s). Narrow the python_distribution's interpreter_constraints to "
            "one version." % (config["target"], wanted, running, sys.executable)
        )


def _native_distclass(base):
    class NativeDistribution(base):
        def has_ext_modules(self):
            # The compiled modules arrive as package data, not as setuptools Extensions.
            return True

    return NativeDistribution


_original_setup = setuptools.setup


def _setup_with_native_modules(**attrs):
    config = _config()
    _check_interpreter(config)
    # bdist_wheel stamps every zip entry with it, instead of the sandbox files' fresh mtimes.
    os.environ["SOURCE_DATE_EPOCH"] = str(config["source_date_epoch"])
    packages = set(attrs.get("packages") or ())
    package_data = {k: list(v) for k, v in (attrs.get("package_data") or {}).items()}
    for package, files in sorted(config["package_data"].items()):
        if package not in packages:
            raise NativeDistributionError(
                "%s: the Rust extension files %s belong to the package `%s`, which the "
                "distribution does not contain (it has: %s)."
                % (config["target"], ", ".join(files), package, ", ".join(sorted(packages)))
            )
        for name in files:
            path = os.path.join(*package.split("."), name)
            if not os.path.isfile(path):
                raise NativeDistributionError(
                    "%s: the Rust extension file %s is missing from the build root."
                    % (config["target"], path)
                )
        package_data.setdefault(package, [])
        package_data[package].extend(f for f in files if f not in package_data[package])
    attrs["package_data"] = package_data
    attrs["distclass"] = _native_distclass(attrs.get("distclass") or setuptools.dist.Distribution)
    if config.get("py_limited_api"):
        options = {k: dict(v) for k, v in (attrs.get("options") or {}).items()}
        options.setdefault("bdist_wheel", {}).setdefault("py_limited_api", config["py_limited_api"])
        attrs["options"] = options
    return _original_setup(**attrs)


# setup.py runs `from setuptools import setup` after this module is imported.
setuptools.setup = _setup_with_native_modules

get_requires_for_build_wheel = _legacy.get_requires_for_build_wheel
prepare_metadata_for_build_wheel = _legacy.prepare_metadata_for_build_wheel


def _record_hash(content):
    digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def retag_wheel(directory, filename, platforms):
    """The wheel renamed for `platforms` (compressed, in order), its WHEEL Tag lines and RECORD
    rewritten, every other entry (and its zip metadata) kept. Returns the new file name."""
    name, version, python, abi, _ = filename[: -len(".whl")].split("-")
    new_filename = "-".join([name, version, python, abi, ".".join(platforms)]) + ".whl"
    tags = [
        "%s-%s-%s" % (p, a, plat)
        for p in python.split(".")
        for a in abi.split(".")
        for plat in platforms
    ]
    source = os.path.join(directory, filename)
    with zipfile.ZipFile(source) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    contents = {}
    for info, content in entries:
        if info.filename.endswith(".dist-info/WHEEL"):
            lines = []
            for line in content.decode().split("\n"):
                if not line.startswith("Tag:"):
                    lines.append(line)
                elif not any(l.startswith("Tag:") for l in lines):
                    lines.extend("Tag: " + t for t in tags)
            content = "\n".join(lines).encode()
        contents[info.filename] = content
    for path, content in list(contents.items()):
        if path.endswith(".dist-info/RECORD"):
            rows = list(csv.reader(io.StringIO(content.decode())))
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            for row in rows:
                if row and row[0] in contents and not row[0].endswith("RECORD"):
                    data = contents[row[0]]
                    row = [row[0], _record_hash(data), str(len(data))]
                writer.writerow(row)
            contents[path] = out.getvalue().encode()
    target = os.path.join(directory, new_filename)
    with zipfile.ZipFile(target + ".tmp", "w") as zf:
        for info, _ in entries:
            zf.writestr(info, contents[info.filename])
    os.replace(target + ".tmp", target)
    if target != source:
        os.remove(source)
    return new_filename


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    filename = _legacy.build_wheel(wheel_directory, config_settings, metadata_directory)
    platforms = _config().get("platforms")
    if platforms:
        filename = retag_wheel(wheel_directory, filename, platforms)
    return filename


get_requires_for_build_sdist = _legacy.get_requires_for_build_sdist


def build_sdist(sdist_directory, config_settings=None):
    raise NativeDistributionError(
        "%s ships Rust extension modules, which an sdist could not rebuild (it holds no crate "
        "sources). Set `sdist=False` on the python_distribution." % _config()["target"]
    )
