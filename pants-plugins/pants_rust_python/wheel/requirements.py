"""Requires-Dist and Requires-Python, parsed and rendered by `packaging`.

They match maturin's in meaning, not byte for byte (see wheel/metadata.py).
"""
from __future__ import annotations

import warnings
from typing import Optional

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.utils import canonicalize_name
from pants_rust_python.wheel.errors import MetadataError

# isort: split
# packaging 21.3 drives pyparsing through camelCase names that pyparsing >= 3.3 reports as
# deprecated, on import and on every parse; Pants shows deprecation warnings, so every run would
# print a dozen. (Pants silences its own noisy dependencies the same way.)
warnings.filterwarnings(
    "ignore", category=DeprecationWarning, module=r"packaging\.(markers|requirements)$"
)
from packaging.markers import Marker, UndefinedComparison  # noqa: E402
from packaging.requirements import InvalidRequirement, Requirement  # noqa: E402


def _legacy_specifier_problem(specifiers: SpecifierSet) -> Optional[str]:
    """What is wrong with the first specifier packaging 21.3 only took as a pre-PEP 440 one.

    packaging 21.3 falls back to LegacySpecifier (e.g. `>=banana`) instead of failing; maturin
    rejects those, and so do we.
    """
    legacy = sorted(str(s) for s in specifiers if not isinstance(s, Specifier))
    return f"`{legacy[0]}` is not a PEP 440 version specifier" if legacy else None


# A made-up value of every marker variable, to evaluate markers with: the build machine's own
# never matter, and the version-like ones are PEP 440 versions (comparing them makes no
# deprecated LegacyVersion).
MARKER_ENVIRONMENT = {
    "implementation_name": "cpython",
    "implementation_version": "3.9.0",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_release": "6.1.0",
    "platform_system": "Linux",
    "platform_version": "1",
    "python_full_version": "3.9.0",
    "python_version": "3.9",
    "sys_platform": "linux",
    "extra": "",
}


def _with_extra(marker: Optional[Marker], extra: str) -> Marker:
    """`marker and extra == "<extra>"` (the extra normalized, as in Provides-Extra)."""
    condition = f'extra == "{canonicalize_name(extra)}"'
    # The parentheses keep an `or` inside `marker` from binding looser than the added `and`.
    return Marker(condition if marker is None else f"({marker}) and {condition}")


def format_requirement(
    requirement: str,
    *,
    extra: Optional[str] = None,
    declared_in: str = "pyproject.toml",
) -> str:
    """`requirement` as a Requires-Dist value (packaging's rendering), limited to `extra`."""

    def invalid(problem: str) -> MetadataError:
        return MetadataError(
            f"Invalid requirement `{requirement}` in {declared_in}: {problem}. Dependencies must "
            "be PEP 508 strings such as `numpy>=1.20` or `tomli; python_version < '3.11'`."
        )

    try:
        req = Requirement(requirement)
    except InvalidRequirement as e:
        message = str(e)
        if "===" in requirement:
            # packaging 21.3 reads an arbitrary (`===`) version up to the next whitespace.
            message += " (put a space between a `===` version and what follows it)"
        raise invalid(message) from None
    problem = _legacy_specifier_problem(req.specifier)
    if problem is not None:
        raise invalid(problem)
    if req.marker is not None:
        # A comparison packaging cannot evaluate (`os_name ~= 'nt'`) would make installers fail
        # on the wheel later; it fails in any environment, so one made-up environment finds it.
        try:
            req.marker.evaluate(MARKER_ENVIRONMENT)
        except UndefinedComparison:
            raise invalid(
                "its marker can never be evaluated (`~=` and `===` only compare PEP 440 versions)"
            ) from None
    if extra is not None:
        req.marker = _with_extra(req.marker, extra)
    return str(req)


def format_requires_python(spec: str, *, declared_in: str = "pyproject.toml") -> str:
    """`requires-python` as a Requires-Python value (packaging's rendering)."""
    try:
        specifiers = SpecifierSet(spec)
    except InvalidSpecifier as e:
        problem: Optional[str] = str(e)
    else:
        problem = _legacy_specifier_problem(specifiers)
        if problem is None and not specifiers:
            problem = "it has no version specifier"
        if problem is None:
            return str(specifiers)
    raise MetadataError(
        f"Invalid `requires-python` value `{spec}` in {declared_in}: {problem}. Use something "
        "like `>=3.9`."
    )
