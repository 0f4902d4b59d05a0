"""Ship Rust extensions in a `python_distribution` built from Pants's generated setup.py.

The codegen rule (codegen.py) already puts the compiled modules into the distribution's build
root, but Pants's setup.py generation lists only `.py`/`.pyi` files and resources, and setuptools
calls a distribution without `ext_modules` pure: the wheel would lack the `.so` files and be
tagged `py3-none-any`. Neither `provides=python_artifact(...)` (no code in setup.py) nor a
`SetupKwargsRequest` (one per target, so it would clash with a user's own, and it cannot make the
distribution impure) can fix that. `DistBuildEnvironmentRequest` can: every applicable member
runs, and its files join the build root before Pants reads the build system from
`pyproject.toml`. So for a distribution that owns extensions we add a `pyproject.toml` naming a
small backend (dist_backend.py) that runs setuptools' legacy backend on the generated setup.py,
adding the compiled files to `package_data` and declaring the distribution impure.

The wheel's tag is then the one `bdist_wheel` gives the interpreter that runs the build:
`cpXY-abi3-<platform>` when every extension is abi3, else `cpXY-cpXY-<platform>`, which holds
exactly one interpreter's build. A distribution whose constraints allow several interpreter
versions for a per-interpreter extension is an error that says how to narrow them.
"""
from __future__ import annotations

import json
import pkgutil
import posixpath
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from pants.backend.python.subsystems.setup_py_generation import SetupPyGeneration
from pants.backend.python.subsystems.setuptools import Setuptools
from pants.backend.python.target_types import GenerateSetupField, PythonProvidesField
from pants.backend.python.util_rules.package_dists import (
    DistBuildEnvironment,
    DistBuildEnvironmentRequest,
    ExportedTarget,
    OwnedDependency,
)
from pants.engine.addresses import Addresses
from pants.engine.fs import EMPTY_DIGEST, CreateDigest, Digest, DigestContents, FileContent
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Target, Targets
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel
from pants.util.strutil import softwrap
from pants_rust_python.maturin.interpreter_env import PythonInterpreter
from pants_rust_python.maturin.layout import plan_extension
from pants_rust_python.maturin.project import ProjectSpec
from pants_rust_python.maturin.tags import platform_tag
from pants_rust_python.target_types import RustPythonSourcesField
from pants_rust_python.util_rules.auditwheel import decide_wheel_platforms
from pants_rust_python.util_rules.extension import (
    NativeLibrary,
    NativeLibraryRequest,
    RustProject,
    RustProjectRequest,
    extension_suffix,
)
from pants_rust_python.util_rules.interpreters import Interpreters, InterpretersRequest
from pants_rust_python.util_rules.source_date_epoch import SourceDateEpoch, SourceDateEpochRequest
from pants_rust_python.wheel.entry import WheelEntry
from pants_rust_python.wheel.wheel import ZIP_MIN_EPOCH, build_wheel

# Names in the distribution's build root (Pants's chroot, next to the generated setup.py).
BACKEND_MODULE = "pants_rust_python_dist_backend"
CONFIG_FILE = "pants_rust_python_dist.json"


class RustDistributionError(Exception):
    pass


@dataclass(frozen=True)
class NativeFilesPlan:
    """What the backend adds to the generated setup.py's `setup()` call."""

    # Package -> file names of the compiled modules (and maturin's py.typed) in it.
    package_data: dict[str, list[str]]
    # The one interpreter version a per-interpreter module was built for; None if all are abi3.
    python_version: Optional[str]
    # bdist_wheel's `py_limited_api` (e.g. "cp39") when every module is abi3.
    py_limited_api: Optional[str]
    # Which interpreter's build of each extension (by address) the wheel ships.
    built_with: Tuple[Tuple[str, PythonInterpreter], ...] = ()

    def config_json(
        self, target: str, source_date_epoch: Optional[int], platforms: Sequence[str]
    ) -> bytes:
        return json.dumps(
            {
                "target": target,
                # As for the plugin's own wheels: the same inputs give the same bytes.
                "source_date_epoch": ZIP_MIN_EPOCH
                if source_date_epoch is None
                else source_date_epoch,
                "package_data": self.package_data,
                "python_version": self.python_version,
                "py_limited_api": self.py_limited_api,
                # The platform tags the wheel is retagged with (maturin's manylinux decision).
                "platforms": list(platforms),
            },
            indent=2,
            sort_keys=True,
        ).encode()


@dataclass(frozen=True)
class OwnedExtension:
    """An extension a distribution owns, as the codegen rule laid it out in the build root."""

    address: str
    spec: ProjectSpec
    # What the codegen rule built it for: the oldest allowed interpreter if abi3, else each.
    built_for: tuple[PythonInterpreter, ...]

    @classmethod
    def of(cls, project: RustProject) -> OwnedExtension:
        spec = project.spec
        return cls(
            address=str(project.address),
            spec=spec,
            built_for=project.build_for,
        )

    def abi3_floor(self) -> tuple[int, int]:
        """The version an abi3 module targets: its `abi3-pyXY` feature, else its build's."""
        if self.spec.abi3_minimum is not None:
            return self.spec.abi3_minimum
        return self.built_for[0].major, self.built_for[0].minor


def _versions(interpreters: Sequence[PythonInterpreter]) -> list[tuple[int, int]]:
    return sorted({(i.major, i.minor) for i in interpreters})


def plan_native_files(
    dist: str, extensions: Sequence[OwnedExtension], dist_interpreters: Sequence[PythonInterpreter]
) -> NativeFilesPlan:
    """Which built files go into the wheel, and for which interpreter.

    `dist_interpreters`: the interpreters found for the distribution's constraints (which
    include the extensions' own); the wheel is built with one of them.
    """
    per_interpreter = [e for e in extensions if e.spec.abi3 is None]
    versions = [f"{a}.{b}" for a, b in _versions(dist_interpreters)]
    chosen: Optional[str] = None
    if per_interpreter:
        if len(versions) != 1:
            names = ", ".join(e.address for e in per_interpreter)
            raise RustDistributionError(
                softwrap(
                    f"""
                    {dist} ships the Rust extension(s) {names}, which are built separately for
                    each Python version, and a wheel tagged `cpXY-cpXY` holds one. The
                    distribution's interpreter constraints (its own and those of everything it
                    contains) allow {', '.join(versions) or 'no version'} on this machine. Set
                    `interpreter_constraints=["CPython=={versions[0] if versions else '3.X'}.*"]`
                    on the python_distribution (one distribution target per Python version for
                    several wheels), or build the extension for the stable ABI (pyo3's `abi3`
                    features) to get one `abi3` wheel.
                    """
                )
            )
        chosen = versions[0]

    package_data: dict[str, set[str]] = {}
    built_with: list[tuple[str, PythonInterpreter]] = []
    for extension in extensions:
        spec = extension.spec
        if spec.abi3 is None:
            matching = [i for i in extension.built_for if i.major_minor == chosen]
            if not matching:
                raise RustDistributionError(
                    f"{dist} is built for Python {chosen}, but {extension.address} is not: its "
                    "interpreter_constraints exclude that version."
                )
            interpreter = matching[0]
        else:
            interpreter = extension.built_for[0]
        built_with.append((extension.address, interpreter))
        # The paths the codegen rule lays out, relative to the python source root (so also in
        # the setup.py build root).
        for entry in plan_extension(
            spec,
            ext_suffix=extension_suffix(spec, interpreter),
            python_paths=(),
            with_stub=spec.stub_path is not None,
        ):
            if entry.path.endswith((".py", ".pyi")):
                continue  # Pants's setup.py generation lists these already.
            package, name = posixpath.split(entry.path)
            package_data.setdefault(package.replace("/", "."), set()).add(name)

    py_limited_api = None
    if not per_interpreter:
        # One abi3 wheel must load on the newest floor among its modules.
        major, minor = max(e.abi3_floor() for e in extensions)
        py_limited_api = f"cp{major}{minor}"
        older = [f"{a}.{b}" for a, b in _versions(dist_interpreters) if (a, b) < (major, minor)]
        if older:
            raise RustDistributionError(
                softwrap(
                    f"""
                    {dist} ships abi3 Rust extensions for Python >= {major}.{minor}, but its
                    interpreter constraints also allow {', '.join(older)}, which could neither
                    build nor load its `{py_limited_api}-abi3` wheel. Set
                    `interpreter_constraints=["CPython>={major}.{minor}"]` on the
                    python_distribution.
                    """
                )
            )
    return NativeFilesPlan(
        package_data={k: sorted(v) for k, v in sorted(package_data.items())},
        python_version=chosen,
        py_limited_api=py_limited_api,
        built_with=tuple(built_with),
    )


def pyproject_toml(requires: Sequence[str]) -> bytes:
    """The build system Pants reads from the build root: our backend, on `[setuptools]`'s versions.

    The backend module sits in the build root, which is the build's working directory and so
    importable. setuptools and wheel are named here rather than added as a build-time PEX:
    Pants 2.17 puts such PEXes on the backend's PEX_PATH with paths relative to the sandbox root,
    which its venv re-creation resolves from the build root and fails, and a venv PEX would
    not expose a PEX_PATH entry's plain modules anyway. So they resolve from `[setuptools]`'s
    requirement strings, not its lockfile.
    """
    lines = [
        "# Generated by pants_rust_python for a python_distribution with Rust extensions.",
        "[build-system]",
        f"requires = {json.dumps(list(requires))}",
        f'build-backend = "{BACKEND_MODULE}"',
    ]
    return ("\n".join(lines) + "\n").encode()


@dataclass(frozen=True)
class RustExtensionsDistBuildEnvironmentRequest(DistBuildEnvironmentRequest):
    @classmethod
    def is_applicable(cls, tgt: Target) -> bool:
        # Only the target is known here; the rule looks at what the distribution owns.
        return tgt.has_field(PythonProvidesField)


_NOTHING = DistBuildEnvironment(
    extra_build_time_requirements=(), extra_build_time_inputs=EMPTY_DIGEST
)


async def _distribution_platforms(
    dist: str, projects: Sequence[RustProject], plan: NativeFilesPlan
) -> Tuple[str, ...]:
    """The platform tags of the distribution's wheel, decided as for the extensions' own wheels
    from auditwheel's report on the compiled files it ships."""
    settings = {(p.compatibility, p.audit_mode) for p in projects}
    if len(settings) != 1:
        raise RustDistributionError(
            f"{dist} ships Rust extensions whose `compatibility` or `auditwheel` settings differ "
            f"({', '.join(str(p.address) for p in projects)}); its one wheel has one platform "
            "tag. Give them the same settings."
        )
    ((requested, mode),) = settings
    by_address = {str(p.address): p for p in projects}
    interpreter = plan.built_with[0][1]
    libraries = await MultiGet(
        Get(NativeLibrary, NativeLibraryRequest(by_address[address], built_for))
        for address, built_for in plan.built_with
    )
    contents = await MultiGet(Get(DigestContents, Digest, lib.digest) for lib in libraries)

    def draft(platform: str) -> tuple[str, bytes]:
        # Just the compiled files: they are all auditwheel looks at.
        return build_wheel(
            distribution="draft",
            version="0",
            tags=[f"py3-none-{platform}"],
            metadata=b"Metadata-Version: 2.1\nName: draft\nVersion: 0\n",
            entries=[
                WheelEntry(f"{index}/{fc.path}", fc.content)
                for index, files in enumerate(contents)
                for fc in files
            ],
            entry_points=None,
            license_files={},
            generator="pants-rust-python",
            source_date_epoch=None,
        )

    decided = await decide_wheel_platforms(
        linux_platform=platform_tag(interpreter.platform),
        requested=requested,
        mode=mode,
        allow_libpython=False,
        what=dist,
        draft=draft,
    )
    if decided.repaired is not None:
        raise RustDistributionError(
            f"{dist}: its Rust extensions link shared libraries that the wheel's policy does not "
            "allow, and a python_distribution's wheel is not repaired. Ship the extension in "
            "its own wheel (`pants package` on the rust_python_extension), link the library "
            'statically, or set `auditwheel="warn"` on the extension.'
        )
    return decided.platforms


@rule(desc="Prepare a python_distribution's build for Rust extensions", level=LogLevel.DEBUG)
async def rust_extensions_dist_build_environment(
    request: RustExtensionsDistBuildEnvironmentRequest,
    setuptools: Setuptools,
    setup_py_generation: SetupPyGeneration,
) -> DistBuildEnvironment:
    # The addresses are the distribution's transitive closure, the distribution first (before
    # any distribution it depends on).
    targets = await Get(Targets, Addresses(request.target_addresses))
    dist = next(t for t in targets if t.has_field(PythonProvidesField))
    generate_setup = dist[GenerateSetupField].value
    if generate_setup is None:
        generate_setup = setup_py_generation.generate_setup_default
    extensions = [t for t in targets if t.has_field(RustPythonSourcesField)]
    # A hand-written setup.py decides itself what to do with the compiled files.
    if not extensions or not generate_setup:
        return _NOTHING
    # A distribution ships the extensions it owns, not those of distributions it depends on.
    owners = await MultiGet(Get(ExportedTarget, OwnedDependency(t)) for t in extensions)
    owned = [t for t, owner in zip(extensions, owners) if owner.target.address == dist.address]
    if not owned:
        return _NOTHING

    projects = await MultiGet(Get(RustProject, RustProjectRequest(t.address)) for t in owned)
    interpreters = await Get(
        Interpreters,
        InterpretersRequest(
            request.interpreter_constraints, f"the python_distribution {dist.address}"
        ),
    )
    plan = plan_native_files(
        str(dist.address), [OwnedExtension.of(p) for p in projects], interpreters.interpreters
    )
    epoch = await Get(SourceDateEpoch, SourceDateEpochRequest())
    platforms = await _distribution_platforms(str(dist.address), projects, plan)
    backend = pkgutil.get_data("pants_rust_python.python_interop", "dist_backend.py")
    assert backend is not None
    inputs = await Get(
        Digest,
        CreateDigest(
            [
                FileContent("pyproject.toml", pyproject_toml(setuptools.all_requirements)),
                FileContent(f"{BACKEND_MODULE}.py", backend),
                FileContent(
                    CONFIG_FILE, plan.config_json(str(dist.address), epoch.seconds, platforms)
                ),
            ]
        ),
    )
    return DistBuildEnvironment(extra_build_time_requirements=(), extra_build_time_inputs=inputs)


def rules():
    return [
        *collect_rules(),
        UnionRule(DistBuildEnvironmentRequest, RustExtensionsDistBuildEnvironmentRequest),
    ]
