"""Python import inference: `import pkg._native` depends on the extension that provides it."""
from __future__ import annotations

import posixpath
from collections import defaultdict
from typing import DefaultDict, Mapping

from pants.backend.python.dependency_inference.module_mapper import (
    FirstPartyPythonMappingImpl,
    FirstPartyPythonMappingImplMarker,
    ModuleProvider,
    ModuleProviderType,
    ResolveName,
)
from pants.backend.python.subsystems.setup import PythonSetup
from pants.backend.python.target_types import PythonResolveField
from pants.engine.addresses import Address
from pants.engine.fs import DigestContents, PathGlobs
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import AllTargets
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel
from pants_rust_python.cargo.manifest import ManifestError, parse_toml
from pants_rust_python.maturin.project import (
    ProjectError,
    declared_module_name,
    is_importable_module_name,
)
from pants_rust_python.target_types import RustModuleNameField


class RustPythonMappingMarker(FirstPartyPythonMappingImplMarker):
    pass


@rule(desc="Map Rust Python extensions to the modules they provide", level=LogLevel.DEBUG)
async def map_rust_extensions_to_python_modules(
    all_targets: AllTargets, python_setup: PythonSetup, marker: RustPythonMappingMarker
) -> FirstPartyPythonMappingImpl:
    extensions = [tgt for tgt in all_targets if tgt.has_field(RustModuleNameField)]
    paths = []
    for tgt in extensions:
        for name in ("Cargo.toml", "pyproject.toml"):
            paths.append(posixpath.join(tgt.address.spec_path, name))
    contents = await Get(DigestContents, PathGlobs(paths))
    files = {fc.path: fc.content for fc in contents}

    # An extension has no Python dependencies of its own: it can serve every resolve.
    # With resolves disabled, Pants files every Python target under one placeholder resolve; ask
    # the resolve field for it rather than spelling it out.
    resolves = (
        list(python_setup.resolves)
        if python_setup.enable_resolves
        else [PythonResolveField(None, Address("")).normalized_value(python_setup)]
    )
    mapping: DefaultDict[ResolveName, DefaultDict[str, list[ModuleProvider]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for tgt in extensions:
        crate_dir = tgt.address.spec_path
        try:
            manifest_path = posixpath.join(crate_dir, "Cargo.toml")
            pyproject_path = posixpath.join(crate_dir, "pyproject.toml")
            manifest = (
                parse_toml(files[manifest_path], manifest_path) if manifest_path in files else {}
            )
            pyproject = (
                parse_toml(files[pyproject_path], pyproject_path)
                if pyproject_path in files
                else None
            )
            package = manifest.get("package")
            package_name = package.get("name") if isinstance(package, Mapping) else None
            if not isinstance(package_name, str):
                continue  # Not a package: building the target says so.
            module, _source = declared_module_name(
                field=tgt[RustModuleNameField].value,
                pyproject=pyproject,
                cargo_manifest=manifest,
                package_name=package_name,
                pyproject_path=pyproject_path,
                cargo_toml_path=manifest_path,
            )
        except (ManifestError, ProjectError):
            continue  # Building the target reports the malformed file.
        if not is_importable_module_name(module):
            continue  # Building the target reports the name (a minus, say) and the fix.
        for resolve in resolves:
            mapping[resolve][module].append(ModuleProvider(tgt.address, ModuleProviderType.IMPL))
    return FirstPartyPythonMappingImpl.create(mapping)


def rules():
    return (
        *collect_rules(),
        UnionRule(FirstPartyPythonMappingImplMarker, RustPythonMappingMarker),
    )
