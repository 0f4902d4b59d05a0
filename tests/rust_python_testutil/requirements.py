"""Requires-Dist / Requires-Python compared by meaning, as `packaging` parses them.

maturin (the `pep508_rs` crate) and pants-rust-python (`packaging`) write the same requirement
with different bytes: `numpy>=1.20,<2` against `numpy<2,>=1.20`, or
`tomli ; python_full_version < '3.11'` against `tomli; python_version < "3.11"`. Names and
extras are compared normalized, specifiers as sets of PEP 440 normal forms, URLs as written, and
markers by evaluating both (with the installed packaging) in environments on and around every
value they mention.
"""
from __future__ import annotations

import itertools
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

from packaging.markers import Marker, Variable
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from pants_rust_python.wheel.requirements import MARKER_ENVIRONMENT

_PYTHON = ("python_version", "python_full_version")
_VERSION_VARIABLES = (*_PYTHON, "implementation_version")


def _normal_version(text: str) -> str:
    """PEP 440 normal form (`1.0.0-alpha` -> `1.0.0a0`), keeping a trailing `.*`."""
    star = text.endswith(".*")
    try:
        return str(Version(text[:-2] if star else text)) + (".*" if star else "")
    except InvalidVersion:
        return text


def specifier_key(specifiers: SpecifierSet) -> FrozenSet[Tuple[str, str]]:
    """The specifiers as (operator, normal version); `===` compares its text as written."""
    return frozenset(
        (s.operator, s.version if s.operator == "===" else _normal_version(s.version))
        for s in specifiers
    )


def _requirement_key(req: Requirement) -> Tuple[Any, ...]:
    extras = frozenset(canonicalize_name(e) for e in req.extras)
    return (canonicalize_name(req.name), extras, specifier_key(req.specifier), req.url)


def _comparisons(markers: List[Any]) -> Iterator[Tuple[str, str]]:
    """(variable, literal) of every comparison in packaging's parsed marker."""
    for item in markers:
        if isinstance(item, list):
            yield from _comparisons(item)
        elif isinstance(item, tuple):
            lhs, _, rhs = item
            variable, literal = (lhs, rhs) if isinstance(lhs, Variable) else (rhs, lhs)
            yield variable.value, literal.value


def _release3(text: str) -> Optional[Tuple[int, int, int]]:
    try:
        release = Version(text[:-2] if text.endswith(".*") else text).release
    except InvalidVersion:
        return None
    major, minor, micro = (release + (0, 0))[:3]
    return major, minor, micro


def _previous(v: Tuple[int, int, int]) -> Tuple[int, int, int]:
    major, minor, micro = v
    if micro:
        return major, minor, micro - 1
    if minor:
        return major, minor - 1, 99
    return (major - 1, 99, 99) if major else v


def _version_points(literals: Set[str]) -> List[str]:
    """X.Y.Z versions on and around every boundary the literals can draw (a `.*`, `~=` or
    python_version comparison also bounds at the next minor and major)."""
    points: Set[Tuple[int, int, int]] = set()
    for literal in literals:
        for word in literal.split():
            v = _release3(word)
            if v is None:
                continue
            for bound in (v, (v[0], v[1] + 1, 0), (v[0] + 1, 0, 0)):
                points.update({bound, _previous(bound), (bound[0], bound[1], bound[2] + 1)})
    return [".".join(map(str, p)) for p in sorted(points)]


def _string_points(literals: Set[str]) -> List[str]:
    """Each literal, its words (for `in`), the string just above it, and the two extremes."""
    points = {"", "\U0010ffff"}
    for literal in literals:
        points.update({literal, literal + "\0", *literal.split()})
    return sorted(points)


def _environments(*markers: Marker) -> Iterator[Dict[str, str]]:
    literals: Dict[str, Set[str]] = {}
    for marker in markers:
        for variable, literal in _comparisons(marker._markers):
            key = "python" if variable in _PYTHON else variable
            literals.setdefault(key, set()).add(literal)
    axes: List[List[Tuple[Tuple[str, str], ...]]] = []
    for key, values in sorted(literals.items()):
        if key == "python":
            # python_version is always the major.minor of python_full_version.
            axes.append(
                [
                    (("python_full_version", v), ("python_version", v.rsplit(".", 1)[0]))
                    for v in _version_points(values)
                ]
            )
        elif key in _VERSION_VARIABLES:
            axes.append([((key, v),) for v in _version_points(values)])
        else:
            axes.append([((key, v),) for v in _string_points(values)])
    for combination in itertools.product(*axes):
        env = dict(MARKER_ENVIRONMENT)  # for the variables no marker mentions
        for assignments in combination:
            env.update(assignments)
        yield env


def marker_counterexample(ours: Optional[Marker], theirs: Optional[Marker]) -> Optional[dict]:
    """An environment where the two markers disagree (a missing marker always holds), or None."""
    if str(ours) == str(theirs):
        return None
    present = [m for m in (ours, theirs) if m is not None]
    for env in _environments(*present):
        if (ours is None or ours.evaluate(env)) != (theirs is None or theirs.evaluate(env)):
            return env
    return None


def requirement_difference(ours: str, theirs: str) -> Optional[str]:
    """Why two Requires-Dist values are not the same requirement, or None when they are."""
    a, b = Requirement(ours), Requirement(theirs)
    if _requirement_key(a) != _requirement_key(b):
        return f"{_requirement_key(a)} != {_requirement_key(b)}"
    env = marker_counterexample(a.marker, b.marker)
    if env is not None:
        return f"the markers disagree in {env}"
    return None


def _split_metadata(text: str) -> Tuple[str, List[str], List[str]]:
    """METADATA with the Requires-Dist / Requires-Python values cut out of the headers (their
    places kept), and those values."""
    headers, blank, body = text.partition("\n\n")
    kept: List[str] = []
    values: Dict[str, List[str]] = {"Requires-Dist": [], "Requires-Python": []}
    for line in headers.split("\n"):
        field, sep, value = line.partition(": ")
        if sep and field in values:
            values[field].append(value)
            line = f"{field}: ..."
        kept.append(line)
    return "\n".join(kept) + blank + body, values["Requires-Dist"], values["Requires-Python"]


def metadata_difference(ours: str, theirs: str) -> Optional[str]:
    """Why two METADATA files differ: any byte outside Requires-Dist / Requires-Python, or a
    requirement or Python specifier that means something else. None when they agree."""
    our_rest, our_dists, our_python = _split_metadata(ours)
    their_rest, their_dists, their_python = _split_metadata(theirs)
    if our_rest != their_rest:
        return f"the other fields differ:\n{our_rest!r}\n!=\n{their_rest!r}"
    for our_dist, their_dist in zip(our_dists, their_dists):
        why = requirement_difference(our_dist, their_dist)
        if why is not None:
            return f"Requires-Dist `{our_dist}` is not `{their_dist}`: {why}"
    ours_key = [specifier_key(SpecifierSet(s)) for s in our_python]
    if ours_key != [specifier_key(SpecifierSet(s)) for s in their_python]:
        return f"Requires-Python {our_python} is not {their_python}"
    return None
