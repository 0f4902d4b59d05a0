"""Core metadata (the wheel's METADATA file) computed the way maturin 1.16 does it.

The inputs are already-read data (one `cargo metadata` package object, the parsed
pyproject.toml and the bytes of the files the rule read), so everything here is pure.

maturin's quirks are mirrored on purpose, because the goal is byte-identical METADATA:

- Cargo-only: `Author` is all Cargo authors joined with ", " and `Author-email` is the very same
  string when it contains an "@"; `Home-Page` comes from `homepage` and survives a [project] table.
- With [project]: fields not listed in `dynamic` are dropped from the Cargo side, except
  `Home-Page` and the Cargo `license-file`, which maturin never clears.
- TOML tables (urls, scripts, optional-dependencies, entry-points) come out sorted by key,
  because maturin's TOML reader does not preserve table order.
- Requires-Dist is rendered like the `pep508_rs` crate renders it: normalized names and extras,
  specifiers sorted by version, " ; " before markers, and markers rebuilt in a canonical DNF
  (python_version becomes python_full_version, terms ordered by marker variable, ...). That
  canonical form comes from a decision diagram, re-implemented below (`_Algebra`).
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from packaging.specifiers import InvalidSpecifier, Specifier
from packaging.version import InvalidVersion, Version
from pants_rust_python.wheels.wheel import escape_distribution, escape_version

METADATA_VERSION = "2.4"

PLAINTEXT_CONTENT_TYPE = "text/plain; charset=UTF-8"
GFM_CONTENT_TYPE = "text/markdown; charset=UTF-8; variant=GFM"
RST_CONTENT_TYPE = "text/x-rst; charset=UTF-8"

# maturin guesses these (in this order) when Cargo reports no readme; cargo itself only knows
# the first, second and fourth, so in practice this finds README.rst or a `readme = false` file.
README_GUESSES = ("README.md", "README.txt", "README.rst", "README")

# License files auto-included when [project] has no `license-files` (maturin's backwards-compat
# discovery, matched in the pyproject.toml directory only).
LICENSE_AUTO_GLOBS = ("LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*")


class MetadataError(ValueError):
    """Invalid project metadata; the message names the file and how to fix it."""


class MetadataFileMissing(MetadataError):
    """A file referenced by the metadata (readme, license file) was not provided."""

    def __init__(self, path: str, field: str, declared_in: str) -> None:
        self.path = path
        self.field = field
        self.declared_in = declared_in
        super().__init__(
            f"The file `{path}` referenced by `{field}` in {declared_in} does not exist "
            f"(or was not read). Create it, fix the path, or remove the `{field}` entry."
        )


# ---------------------------------------------------------------------------------------------
# Names and versions
# ---------------------------------------------------------------------------------------------

_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_SEPARATORS_RE = re.compile(r"[-_.]+")


def canonicalize_name(name: str) -> str:
    """PEP 503 normalization, as pep508_rs does for requirement and extra names."""
    return _SEPARATORS_RE.sub("-", name).lower()


def is_valid_name(name: str) -> bool:
    return bool(_NAME_RE.match(name))


def normalize_version(raw: str, *, declared_in: str, field: str = "version") -> str:
    """The PEP 440 normal form of `raw` (Cargo semver pre-releases such as 1.0.0-alpha.1
    become 1.0.0a1, build metadata becomes a local version), or a MetadataError."""
    try:
        return str(Version(raw))
    except InvalidVersion:
        raise MetadataError(
            f"The {field} `{raw}` in {declared_in} is not a valid Python (PEP 440) version. "
            "Rust uses SemVer and Python uses PEP 440: pre-releases must look like "
            "`1.0.0-alpha.1`, `1.0.0-beta.2`, `1.0.0-rc.1` or `1.0.0-dev.3` (one name and one "
            "number), which become 1.0.0a1, 1.0.0b2, 1.0.0rc1 and 1.0.0.dev3."
        ) from None


def _content_type_for(path: str) -> str:
    ext = posixpath.splitext(path)[1].lower()
    if ext == ".rst":
        return RST_CONTENT_TYPE
    if ext in (".md", ".markdown"):
        return GFM_CONTENT_TYPE
    return PLAINTEXT_CONTENT_TYPE


# ---------------------------------------------------------------------------------------------
# Ranges over ordered values (versions or strings), as sorted, disjoint, non-touching segments.
# A bound is (kind, value) with kind _UNB (unbounded), _INC (included) or _EXC (excluded).
# ---------------------------------------------------------------------------------------------

_UNB, _INC, _EXC = 0, 1, 2
_UNBOUNDED: Tuple[int, Any] = (_UNB, None)

Bound = Tuple[int, Any]
Segment = Tuple[Bound, Bound]
Ranges = Tuple[Segment, ...]


def _lower_key(b: Bound) -> tuple:
    if b[0] == _UNB:
        return (0,)
    return (1, b[1], 0 if b[0] == _INC else 1)


def _upper_key(b: Bound) -> tuple:
    if b[0] == _UNB:
        return (2,)
    return (1, b[1], 0 if b[0] == _EXC else 1)


def _segment_valid(lo: Bound, hi: Bound) -> bool:
    if lo[0] == _UNB or hi[0] == _UNB:
        return True
    if lo[1] < hi[1]:
        return True
    return bool(lo[1] == hi[1] and lo[0] == _INC and hi[0] == _INC)


def _touches(hi: Bound, lo: Bound) -> bool:
    """Whether a segment ending at `hi` and one starting at `lo` (not before it) form one interval."""
    if hi[0] == _UNB or lo[0] == _UNB:
        return True
    if hi[1] > lo[1]:
        return True
    if hi[1] == lo[1]:
        return not (hi[0] == _EXC and lo[0] == _EXC)
    return False


def _r_normalize(segments: Iterable[Segment]) -> Ranges:
    out: List[Segment] = []
    for lo, hi in sorted(segments, key=lambda s: _lower_key(s[0])):
        if out and _touches(out[-1][1], lo):
            prev_lo, prev_hi = out[-1]
            out[-1] = (prev_lo, max(prev_hi, hi, key=_upper_key))
        else:
            out.append((lo, hi))
    return tuple(out)


def _r_from_bounds(lo: Bound, hi: Bound) -> Ranges:
    return ((lo, hi),) if _segment_valid(lo, hi) else ()


def _r_singleton(v: Any) -> Ranges:
    return (((_INC, v), (_INC, v)),)


def _flip(b: Bound) -> Bound:
    return (_EXC, b[1]) if b[0] == _INC else (_INC, b[1])


def _r_complement(r: Ranges) -> Ranges:
    out: List[Segment] = []
    cur: Optional[Bound] = _UNBOUNDED
    for lo, hi in r:
        if lo[0] != _UNB and cur is not None:
            out.append((cur, _flip(lo)))
        if hi[0] == _UNB:
            cur = None
            break
        cur = _flip(hi)
    if cur is not None:
        out.append((cur, _UNBOUNDED))
    return tuple(out)


def _r_intersection(a: Ranges, b: Ranges) -> Ranges:
    out = []
    for lo1, hi1 in a:
        for lo2, hi2 in b:
            lo = max(lo1, lo2, key=_lower_key)
            hi = min(hi1, hi2, key=_upper_key)
            if _segment_valid(lo, hi):
                out.append((lo, hi))
    return _r_normalize(out)


def _r_union(a: Ranges, b: Ranges) -> Ranges:
    return _r_normalize(a + b)


def _r_bounding(r: Ranges) -> Segment:
    return (r[0][0], r[-1][1])


def _can_conjoin(r1: Ranges, r2: Ranges) -> bool:
    if not r1 or not r2:
        return False
    end = r1[-1][1]
    start = r2[0][0]
    if end[0] == _UNB or start[0] == _UNB or end[1] != start[1]:
        return False
    return {end[0], start[0]} == {_INC, _EXC}


# ---------------------------------------------------------------------------------------------
# Marker expressions
# ---------------------------------------------------------------------------------------------

# Order matters: it is the decision-diagram variable order (pep508_rs enum order).
_VERSION_KEYS = ("implementation_version", "python_full_version", "python_version")
_PY_FULL = 1
_PY_VERSION = 2
_STRING_KEYS: Tuple[Tuple[str, str], ...] = (
    ("implementation_name", "implementation_name"),
    ("os_name", "os_name"),
    ("os.name", "os_name"),
    ("platform_machine", "platform_machine"),
    ("platform.machine", "platform_machine"),
    ("platform_python_implementation", "platform_python_implementation"),
    ("platform.python_implementation", "platform_python_implementation"),
    ("python_implementation", "platform_python_implementation"),
    ("platform_release", "platform_release"),
    ("platform_system", "platform_system"),
    ("platform_version", "platform_version"),
    ("platform.version", "platform_version"),
    ("sys_platform", "sys_platform"),
    ("sys.platform", "sys_platform"),
)
_STRING_KEY_INDEX = {name: i for i, (name, _) in enumerate(_STRING_KEYS)}
_VERSION_KEY_INDEX = {name: i for i, name in enumerate(_VERSION_KEYS)}

# Expressions are plain tuples (compared with ==, where versions compare by PEP 440 value):
#   ("version", key_index, op, Version)      op: == ==* === != !=* ~= < <= > >=
#   ("version_in", key_index, (Version, ...), negated)
#   ("string", key_index, op, value)         op: == != < <= > >= in "not in" contains "not contains"
#   ("extra", op, kind, name)                op: == !=; kind 0 = valid (normalized), 1 = arbitrary
Expr = tuple

_OP_NEGATION = {
    "==": "!=",
    "!=": "==",
    "==*": "!=*",
    "!=*": "==*",
    "===": "!=",
    "<": ">=",
    ">=": "<",
    "<=": ">",
    ">": "<=",
    "in": "not in",
    "not in": "in",
    "contains": "not contains",
    "not contains": "contains",
}
_STRING_OP_INVERT = {
    "<": ">",
    "<=": ">=",
    ">": "<",
    ">=": "<=",
    "==": "==",
    "!=": "!=",
    "~=": "~=",
    "in": "contains",
    "not in": "not contains",
}


def _expr_to_str(e: Expr) -> str:
    if e[0] == "version":
        _, key, op, version = e
        if op in ("==*", "!=*"):
            return f"{_VERSION_KEYS[key]} {op[:2]} '{version}.*'"
        return f"{_VERSION_KEYS[key]} {op} '{version}'"
    if e[0] == "version_in":
        _, key, versions, negated = e
        joined = " ".join(str(v) for v in versions)
        return f"{_VERSION_KEYS[key]} {'not in' if negated else 'in'} '{joined}'"
    if e[0] == "string":
        _, key, op, value = e
        name = _STRING_KEYS[key][1]
        if op == "contains":
            return f"'{value}' in {name}"
        if op == "not contains":
            return f"'{value}' not in {name}"
        return f"{name} {op} '{value}'"
    _, op, _kind, name = e
    return f"extra {op} '{name}'"


def _is_negation(a: Expr, b: Expr) -> bool:
    if a[0] != b[0]:
        return False
    if a[0] == "version":
        return a[1] == b[1] and a[3] == b[3] and _OP_NEGATION.get(a[2]) == b[2]
    if a[0] == "version_in":
        return a[1] == b[1] and a[2] == b[2] and a[3] != b[3]
    if a[0] == "string":
        return a[1] == b[1] and a[3] == b[3] and _OP_NEGATION.get(a[2]) == b[2]
    return a[2:] == b[2:] and _OP_NEGATION[a[1]] == b[1]


# ---------------------------------------------------------------------------------------------
# The decision diagram (a reduced, ordered algebraic decision diagram like pep508_rs builds).
# Nodes are interned, so structural equality is identity. Negation flips the terminals, which
# yields the same structure as pep508_rs' complemented edges.
# ---------------------------------------------------------------------------------------------


class _Node:
    __slots__ = ("var", "ranges", "high", "low", "__weakref__")

    def __init__(self, var: tuple, ranges: Optional[tuple], high: Any, low: Any) -> None:
        self.var = var
        # For version/string variables: ((Ranges, child), ...) sorted by start; else None.
        self.ranges = ranges
        # For boolean variables (in / contains / extra).
        self.high = high
        self.low = low

    def children(self) -> List[Any]:
        if self.ranges is not None:
            return [c for _, c in self.ranges]
        return [self.high, self.low]


TRUE = "TRUE"
FALSE = "FALSE"


class _Algebra:
    def __init__(self) -> None:
        self._unique: Dict[tuple, _Node] = {}
        self._and_cache: Dict[Tuple[int, int], Any] = {}
        self._not_cache: Dict[int, Any] = {}

    # -- construction ---------------------------------------------------------------------

    def _create(self, var: tuple, ranges: Optional[tuple], high: Any = None, low: Any = None):
        children = [c for _, c in ranges] if ranges is not None else [high, low]
        first = children[0]
        if all(c is first for c in children):
            return first
        if ranges is not None:
            key: tuple = (var, tuple((r, id(c)) for r, c in ranges))
        else:
            key = (var, id(high), id(low))
        node = self._unique.get(key)
        if node is None:
            node = _Node(var, ranges, high, low)
            self._unique[key] = node
        return node

    def _map(self, node: _Node, f: Callable[[Any], Any]):
        if node.ranges is not None:
            return self._create(node.var, tuple((r, f(c)) for r, c in node.ranges))
        return self._create(node.var, None, f(node.high), f(node.low))

    @staticmethod
    def _edges_from_range(r: Ranges) -> tuple:
        edges = [((seg,), TRUE) for seg in r] + [((seg,), FALSE) for seg in _r_complement(r)]
        edges.sort(key=lambda e: _lower_key(e[0][0][0]))
        return tuple(edges)

    def _bool(self, var: tuple, value: bool):
        return (
            self._create(var, None, TRUE, FALSE) if value else self._create(var, None, FALSE, TRUE)
        )

    def expression(self, e: Expr):
        kind = e[0]
        if kind == "version":
            _, key, op, version = e
            if key == _PY_VERSION:
                converted = _python_version_to_full(*_normalize_specifier(op, version))
                if converted is TRUE or converted is FALSE:
                    return converted
                return self._create(
                    (0, _PY_FULL), self._edges_from_range(_release_range(*converted))
                )
            op, version = _normalize_specifier(op, version)
            return self._create((0, key), self._edges_from_range(_release_range(op, version)))
        if kind == "version_in":
            _, key, versions, negated = e
            r: Ranges = ()
            if key == _PY_VERSION:
                for v in versions:
                    converted = _python_version_to_full("==", v)
                    if converted is TRUE or converted is FALSE:
                        return converted
                    r = _r_union(r, _release_range(*_normalize_specifier(*converted)))
                key = _PY_FULL
            else:
                for v in versions:
                    r = _r_union(r, _r_singleton(v))
            if negated:
                r = _r_complement(r)
            return self._create((0, key), self._edges_from_range(r))
        if kind == "string":
            _, key, op, value = e
            if op in ("in", "not in"):
                return self._bool((2, key, value), op == "in")
            if op in ("contains", "not contains"):
                return self._bool((3, key, value), op == "contains")
            if op == "==":
                r = _r_singleton(value)
            elif op == "!=":
                r = _r_complement(_r_singleton(value))
            elif op == ">":
                r = _r_from_bounds((_EXC, value), _UNBOUNDED)
            elif op == ">=":
                r = _r_from_bounds((_INC, value), _UNBOUNDED)
            elif op == "<":
                r = _r_from_bounds(_UNBOUNDED, (_EXC, value))
            else:
                r = _r_from_bounds(_UNBOUNDED, (_INC, value))
            return self._create((1, key), self._edges_from_range(r))
        _, op, ekind, name = e
        return self._bool((4, ekind, name), op == "==")

    # -- boolean operations ----------------------------------------------------------------

    def not_(self, x):
        if x is TRUE:
            return FALSE
        if x is FALSE:
            return TRUE
        cached = self._not_cache.get(id(x))
        if cached is None:
            cached = self._map(x, self.not_)
            self._not_cache[id(x)] = cached
        return cached

    def and_(self, x, y):
        if x is TRUE:
            return y
        if y is TRUE:
            return x
        if x is y:
            return x
        if x is FALSE or y is FALSE:
            return FALSE
        if self.not_(x) is y:
            return FALSE
        cache_key = (id(x), id(y))
        cached = self._and_cache.get(cache_key)
        if cached is not None:
            return cached
        # Shannon expansion on the higher-order (smaller) variable.
        if x.var < y.var:
            result = self._map(x, lambda n: self.and_(n, y))
        elif x.var > y.var:
            result = self._map(y, lambda n: self.and_(n, x))
        elif x.ranges is not None:
            combined: List[Tuple[Ranges, Any]] = []
            for lr, lc in x.ranges:
                for rr, rc in y.ranges:
                    inter = _r_intersection(rr, lr)
                    if not inter:
                        continue
                    node = self.and_(lc, rc)
                    if (
                        combined
                        and combined[-1][1] is node
                        and _can_conjoin(combined[-1][0], inter)
                    ):
                        combined[-1] = (_r_union(combined[-1][0], inter), node)
                    else:
                        combined.append((inter, node))
            result = self._create(x.var, tuple(combined))
        else:
            result = self._create(x.var, None, self.and_(x.high, y.high), self.and_(x.low, y.low))
        self._and_cache[cache_key] = result
        return result

    def or_(self, x, y):
        return self.not_(self.and_(self.not_(x), self.not_(y)))

    # -- rendering ---------------------------------------------------------------------------

    def to_string(self, tree) -> Optional[str]:
        """The marker as pep508_rs displays it, or None for an always-true marker."""
        if tree is TRUE:
            return None
        if tree is FALSE:
            return "python_version < '0'"
        dnf: List[List[Expr]] = []
        _collect_dnf(tree, dnf, [])
        _simplify_dnf(dnf)

        def conj(clause: List[Expr]) -> str:
            return " and ".join(_expr_to_str(e) for e in clause)

        if len(dnf) == 1:
            return conj(dnf[0])
        return " or ".join(conj(c) if len(c) == 1 else f"({conj(c)})" for c in dnf)


def _normalize_specifier(op: str, version: Version) -> Tuple[str, Version]:
    """Release-only version; trailing zeros stripped (not for star operators, and never below
    the first segment), so 3.8 and 3.8.0 display the same."""
    release = list(version.release)
    if op not in ("==*", "!=*"):
        nonzero = [i for i, seg in enumerate(release) if seg != 0]
        if nonzero and nonzero[-1] > 0:
            release = release[: nonzero[-1] + 1]
    return op, Version(".".join(str(s) for s in release))


def _release(parts: Sequence[int]) -> Version:
    return Version(".".join(str(p) for p in parts))


def _python_version_to_full(op: str, version: Version):
    """python_version (major.minor only) as an equivalent python_full_version specifier, or a
    constant TRUE/FALSE when the comparison can never / always hold."""
    release = version.release
    if len(release) == 1 and op in ("==*", "!=*"):
        return op, version
    if len(release) <= 2:
        major = release[0]
        minor = release[1] if len(release) == 2 else 0
        if op in ("==", "==="):
            return "==*", _release((major, minor))
        if op == "!=":
            return "!=*", _release((major, minor))
        if op == ">":
            return ">=", _release((major, minor + 1))
        if op == "<=":
            return "<", _release((major, minor + 1))
        return op, version
    major, minor = release[0], release[1]
    if op in ("==", "===", "==*", "~="):
        return FALSE
    if op in ("!=", "!=*"):
        return TRUE
    if op in ("<", "<="):
        return "<", _release((major, minor + 1))
    return ">=", _release((major, minor + 1))


def _release_range(op: str, version: Version) -> Ranges:
    v = _release(version.release)
    if op in ("==", "==="):
        return _r_singleton(v)
    if op == "!=":
        return _r_complement(_r_singleton(v))
    if op == "~=":
        rest = list(version.release[:-2])
        upper = _release(rest + [version.release[-2] + 1])
        return _r_from_bounds((_INC, v), (_EXC, upper))
    if op == "<":
        return _r_from_bounds(_UNBOUNDED, (_EXC, v))
    if op == "<=":
        return _r_from_bounds(_UNBOUNDED, (_INC, v))
    if op == ">":
        return _r_from_bounds((_EXC, v), _UNBOUNDED)
    if op == ">=":
        return _r_from_bounds((_INC, v), _UNBOUNDED)
    high = list(version.release)
    high[-1] += 1
    star = _r_from_bounds((_INC, v), (_EXC, _release(high)))
    return star if op == "==*" else _r_complement(star)


def _collect_edges(ranges: tuple) -> List[Tuple[Any, Ranges]]:
    """Group the edges leading to the same child, in order of first appearance."""
    groups: Dict[int, List[Any]] = {}
    order: List[int] = []
    for r, child in ranges:
        lo, hi = _r_bounding(r)
        piece = _r_from_bounds(lo, hi)
        entry = groups.get(id(child))
        if entry is None:
            groups[id(child)] = [child, piece]
            order.append(id(child))
        else:
            entry[1] = _r_union(entry[1], piece)
    return [(groups[i][0], groups[i][1]) for i in order]


def _range_inequality(r: Ranges) -> Optional[List[Any]]:
    if not r or _r_bounding(r) != (_UNBOUNDED, _UNBOUNDED):
        return None
    excluded = []
    for (_, end), (start, _) in zip(r, r[1:]):
        if end[0] == _EXC and start[0] == _EXC and end[1] == start[1]:
            excluded.append(end[1])
        else:
            return None
    return excluded


def _star_range_inequality(r: Ranges) -> Optional[Tuple[str, Version]]:
    if len(r) != 2:
        return None
    (lo1, hi1), (lo2, hi2) = r
    if lo1[0] == _UNB and hi1[0] == _EXC and lo2[0] == _INC and hi2[0] == _UNB:
        v1, v2 = hi1[1].release, lo2[1].release
        if len(v1) == 2 and v2 == (v1[0], v1[1] + 1):
            return "!=*", hi1[1]
    return None


def _version_bounds_specifiers(lo: Bound, hi: Bound) -> List[Tuple[str, Version]]:
    if lo[0] == _INC and hi[0] == _INC and lo[1] == hi[1]:
        return [("==", lo[1])]
    if lo[0] == _INC and hi[0] == _EXC:
        v1, v2 = lo[1].release, hi[1].release
        if len(v1) == 2 and v2 == (v1[0], v1[1] + 1):
            return [("==*", lo[1])]
    out = []
    if lo[0] != _UNB:
        out.append((">=" if lo[0] == _INC else ">", lo[1]))
    if hi[0] != _UNB:
        out.append(("<=" if hi[0] == _INC else "<", hi[1]))
    return out


def _string_bounds_ops(lo: Bound, hi: Bound) -> List[Tuple[str, str]]:
    if lo[0] == _INC and hi[0] == _INC and lo[1] == hi[1]:
        return [("==", lo[1])]
    if lo[0] == _EXC and hi[0] == _EXC and lo[1] == hi[1]:
        return [("!=", lo[1])]
    out = []
    if lo[0] != _UNB:
        out.append((">=" if lo[0] == _INC else ">", lo[1]))
    if hi[0] != _UNB:
        out.append(("<=" if hi[0] == _INC else "<", hi[1]))
    return out


def _collect_dnf(tree, dnf: List[List[Expr]], path: List[Expr]) -> None:
    if tree is FALSE:
        return
    if tree is TRUE:
        if path:
            dnf.append(list(path))
        return
    var = tree.var
    if var[0] in (0, 1):
        is_version = var[0] == 0
        key = var[1]
        for child, r in _collect_edges(tree.ranges):
            depth = len(path)
            excluded = _range_inequality(r)
            if excluded is not None:
                for value in excluded:
                    path.append(
                        ("version", key, "!=", value)
                        if is_version
                        else ("string", key, "!=", value)
                    )
                _collect_dnf(child, dnf, path)
                del path[depth:]
                continue
            if is_version:
                star = _star_range_inequality(r)
                if star is not None:
                    path.append(("version", key, star[0], star[1]))
                    _collect_dnf(child, dnf, path)
                    del path[depth:]
                    continue
            for lo, hi in r:
                if is_version:
                    for op, v in _version_bounds_specifiers(lo, hi):
                        path.append(("version", key, op, v))
                else:
                    for op, s in _string_bounds_ops(lo, hi):
                        path.append(("string", key, op, s))
                _collect_dnf(child, dnf, path)
                del path[depth:]
        return
    for value, child in ((True, tree.high), (False, tree.low)):
        if var[0] == 2:
            expr: Expr = ("string", var[1], "in" if value else "not in", var[2])
        elif var[0] == 3:
            expr = ("string", var[1], "contains" if value else "not contains", var[2])
        else:
            expr = ("extra", "==" if value else "!=", var[1], var[2])
        path.append(expr)
        _collect_dnf(child, dnf, path)
        path.pop()


def _simplify_dnf(dnf: List[List[Expr]]) -> None:
    """Drop terms made redundant by other clauses (`A or (not A and B)` -> `A or B`), then
    clauses that are supersets of others; same greedy order as pep508_rs."""
    for i in range(len(dnf)):
        clause = dnf[i]
        redundant: List[int] = []
        for skipped, skipped_term in enumerate(clause):
            for j, other in enumerate(dnf):
                if i == j:
                    continue

                def covered(term: Expr) -> bool:
                    if term == skipped_term:
                        return False
                    if _is_negation(term, skipped_term):
                        return True
                    for pos, x in enumerate(clause):
                        if x == term:
                            return pos not in redundant
                    return False

                if all(covered(t) for t in other):
                    redundant.append(skipped)
                    break
        for pos in sorted(redundant, reverse=True):
            del dnf[i][pos]

    redundant_clauses: List[int] = []
    for i in range(len(dnf)):
        clause = dnf[i]
        for j, other in enumerate(dnf):
            if i == j or j in redundant_clauses:
                continue
            if all(t in clause for t in other):
                redundant_clauses.append(i)
                break
    for i in reversed(redundant_clauses):
        del dnf[i]


# ---------------------------------------------------------------------------------------------
# PEP 508 parsing (grammar and leniency of pep508_rs)
# ---------------------------------------------------------------------------------------------


class _ParseError(Exception):
    pass


class _Cursor:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> Optional[str]:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def next(self) -> Optional[str]:
        c = self.peek()
        if c is not None:
            self.pos += 1
        return c

    def eat_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def take_while(self, pred: Callable[[str], bool]) -> str:
        start = self.pos
        while self.pos < len(self.text) and pred(self.text[self.pos]):
            self.pos += 1
        return self.text[start : self.pos]

    def expect(self, char: str) -> None:
        got = self.next()
        if got != char:
            raise _ParseError(
                f"expected `{char}`, found {'end of input' if got is None else repr(got)}"
            )


_MARKER_OPS = ("==", "!=", ">", ">=", "<", "<=", "~=")
_ENV_VALUE_STOP = set("><=!~)")


def _parse_marker_value(cur: _Cursor) -> Tuple[str, Any]:
    c = cur.peek()
    if c is None:
        raise _ParseError("expected a marker value, found end of input")
    if c in ("'", '"'):
        cur.next()
        value = cur.take_while(lambda ch: ch != c)
        cur.expect(c)
        return ("quoted", value)
    word = cur.take_while(lambda ch: not ch.isspace() and ch not in _ENV_VALUE_STOP)
    if word in _VERSION_KEY_INDEX:
        return ("version_key", _VERSION_KEY_INDEX[word])
    if word in _STRING_KEY_INDEX:
        return ("string_key", _STRING_KEY_INDEX[word])
    if word == "extra":
        return ("extra", None)
    raise _ParseError(f"expected a quoted string or a valid marker name, found `{word}`")


def _parse_marker_operator(cur: _Cursor) -> str:
    c = cur.peek()
    if c is not None and c.isalpha():
        word = cur.take_while(lambda ch: not ch.isspace() and ch not in ("'", '"'))
        if word == "in":
            return "in"
        if word == "not":
            nxt = cur.next()
            if nxt is None or not nxt.isspace():
                raise _ParseError("expected whitespace after `not`")
            cur.eat_ws()
            cur.expect("i")
            cur.expect("n")
            return "not in"
        raise _ParseError(f"expected a valid marker operator, found `{word}`")
    op = cur.take_while(lambda ch: ch in "<=>~!")
    if op not in _MARKER_OPS:
        raise _ParseError(
            f"expected a valid marker operator (such as `>=` or `not in`), found `{op}`"
        )
    return op


def _version_specifier(op: str, raw: str, *, allow_star: bool) -> Optional[Tuple[str, Version]]:
    """A (possibly star) PEP 440 specifier as (op, Version), or None when pep508_rs would ignore it."""
    raw = raw.strip()
    star = allow_star and raw.endswith(".*")
    if star and op not in ("==", "!="):
        return None
    text = op + raw
    try:
        Specifier(text)
    except InvalidSpecifier:
        return None
    try:
        version = Version(raw[:-2] if star else raw)
    except InvalidVersion:
        return None
    return (op + "*" if star else op), version


def _parse_key_op_value(cur: _Cursor) -> Optional[Expr]:
    cur.eat_ws()
    left = _parse_marker_value(cur)
    cur.eat_ws()
    op = _parse_marker_operator(cur)
    cur.eat_ws()
    right = _parse_marker_value(cur)

    if left[0] == "version_key":
        if right[0] != "quoted":
            return None
        key, value = left[1], right[1]
        if op in ("in", "not in"):
            versions = []
            for token in value.split():
                try:
                    versions.append(Version(token))
                except InvalidVersion:
                    versions = None  # type: ignore[assignment]
                    break
            if versions is not None:
                return ("version_in", key, tuple(versions), op == "not in")
            return None
        spec = _version_specifier(op, value, allow_star=True)
        return None if spec is None else ("version", key, spec[0], spec[1])
    if left[0] == "string_key":
        if right[0] != "quoted" or op == "~=":
            return None
        return ("string", left[1], op, right[1])
    if left[0] == "extra":
        if right[0] != "quoted":
            return None
        return _extra_expr(op, right[1])
    # A quoted string on the left: normalize to `<key> <op> <value>`.
    value = left[1]
    if right[0] == "version_key":
        inverted = _STRING_OP_INVERT[op]
        if inverted not in _MARKER_OPS:
            return None
        spec = _version_specifier(inverted, value, allow_star=False)
        return None if spec is None else ("version", right[1], spec[0], spec[1])
    if right[0] == "string_key":
        if op == "~=":
            return None
        return ("string", right[1], _STRING_OP_INVERT[op], value)
    if right[0] == "extra":
        return _extra_expr(op, value)
    return None


def _extra_expr(op: str, value: str) -> Optional[Expr]:
    if op not in ("==", "!="):
        return None
    if is_valid_name(value):
        return ("extra", op, 0, canonicalize_name(value))
    return ("extra", op, 1, value)


def _parse_marker_expr(cur: _Cursor, alg: _Algebra):
    cur.eat_ws()
    if cur.peek() == "(":
        cur.next()
        tree = _parse_marker_or(cur, alg)
        cur.eat_ws()
        cur.expect(")")
        return tree
    expr = _parse_key_op_value(cur)
    return None if expr is None else alg.expression(expr)


def _parse_marker_op(cur: _Cursor, alg: _Algebra, word: str, inner, combine):
    tree = inner(cur, alg)
    while True:
        cur.eat_ws()
        end = cur.pos
        while end < len(cur.text) and not cur.text[end].isspace():
            end += 1
        if cur.text[cur.pos : end] != word:
            return tree
        cur.pos = end
        nxt = inner(cur, alg)
        if nxt is not None:
            tree = nxt if tree is None else combine(tree, nxt)


def _parse_marker_and(cur: _Cursor, alg: _Algebra):
    return _parse_marker_op(cur, alg, "and", _parse_marker_expr, alg.and_)


def _parse_marker_or(cur: _Cursor, alg: _Algebra):
    return _parse_marker_op(cur, alg, "or", _parse_marker_and, alg.or_)


_NAME_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


@dataclass(frozen=True)
class _Requirement:
    name: str
    extras: Tuple[str, ...]
    specifiers: Tuple[Tuple[str, Version, str], ...]  # (op, version, rendered)
    url: Optional[str]
    marker: Any


def _parse_requirement(text: str, alg: _Algebra) -> _Requirement:
    cur = _Cursor(text)
    cur.eat_ws()
    first = cur.peek()
    if first is None:
        raise _ParseError("empty requirement")
    if not first.isascii() or not first.isalnum():
        raise _ParseError(
            f"expected a package name starting with a letter or digit, found `{first}`"
        )
    name = cur.take_while(lambda ch: ch in _NAME_CHARS)
    if name[-1] in "._-":
        raise _ParseError(f"package name must end with a letter or digit, not `{name[-1]}`")
    cur.eat_ws()

    extras: List[str] = []
    if cur.peek() == "[":
        cur.next()
        cur.eat_ws()
        first_extra = True
        while True:
            if cur.peek() == "]":
                cur.next()
                break
            if not first_extra:
                if cur.peek() != ",":
                    raise _ParseError("expected `,` or `]` in the extras")
                cur.next()
            cur.eat_ws()
            extra = cur.take_while(lambda ch: ch in _NAME_CHARS)
            if not extra or not extra[0].isalnum() or not is_valid_name(extra):
                raise _ParseError(f"invalid extra name `{extra}`")
            nxt = cur.peek()
            if nxt is None:
                raise _ParseError("missing closing `]` after the extras")
            if nxt not in (",", "]") and not nxt.isspace():
                raise _ParseError(f"invalid character `{nxt}` in the extras")
            cur.eat_ws()
            extras.append(canonicalize_name(extra))
            first_extra = False
    cur.eat_ws()

    url: Optional[str] = None
    raw_specs: List[str] = []
    c = cur.peek()
    if c == "@":
        cur.next()
        cur.eat_ws()
        start = cur.pos
        while cur.pos < len(text):
            ch = text[cur.pos]
            if ch in "\r\n":
                break
            if ch.isspace():
                rest = text[cur.pos :].lstrip()
                if not rest or rest[0] in ";#":
                    break
            cur.pos += 1
        url = text[start : cur.pos]
        if not url:
            raise _ParseError("expected a URL after `@`")
    elif c == "(":
        cur.next()
        close = text.find(")", cur.pos)
        if close < 0:
            raise _ParseError("missing closing `)`")
        raw_specs = text[cur.pos : close].split(",")
        cur.pos = close + 1
    elif c is not None and c in "<=>~!":
        end = text.find(";", cur.pos)
        end = len(text) if end < 0 else end
        raw_specs = text[cur.pos : end].split(",")
        cur.pos = end
    elif c is not None and c != ";":
        raise _ParseError(f"expected one of `@`, `(`, `<`, `=`, `>`, `~`, `!`, `;`, found `{c}`")

    specifiers = []
    for raw in raw_specs:
        raw = raw.strip()
        try:
            Specifier(raw)
        except InvalidSpecifier:
            raise _ParseError(f"invalid version specifier `{raw}`") from None
        m = re.match(r"^(===|~=|==|!=|<=|>=|<|>)\s*(.*)$", raw)
        assert m is not None
        op, version_text = m.group(1), m.group(2).strip()
        star = version_text.endswith(".*")
        try:
            version = Version(version_text[:-2] if star else version_text)
        except InvalidVersion:
            if op != "===":
                raise _ParseError(f"invalid version in `{raw}`") from None
            specifiers.append((op, Version("0"), op + version_text))
            continue
        rendered = f"{op}{version}{'.*' if star else ''}"
        specifiers.append((op, version, rendered))
    # pep508_rs keeps specifiers sorted by version (stable for equal versions).
    specifiers.sort(key=lambda s: s[1])

    cur.eat_ws()
    marker: Any = TRUE
    if cur.peek() == ";":
        cur.next()
        tree = _parse_marker_or(cur, alg)
        marker = TRUE if tree is None else tree
    cur.eat_ws()
    if cur.peek() is not None:
        raise _ParseError(f"unexpected `{cur.peek()}` at position {cur.pos + 1}")
    return _Requirement(canonicalize_name(name), tuple(extras), tuple(specifiers), url, marker)


def _render_requirement(req: _Requirement, marker: Any, alg: _Algebra) -> str:
    out = req.name
    if req.extras:
        out += "[" + ",".join(req.extras) + "]"
    if req.url is not None:
        out += f" @ {req.url}"
    else:
        out += ",".join(s[2] for s in req.specifiers)
    marker_text = alg.to_string(marker)
    if marker_text is not None:
        out += f" ; {marker_text}"
    return out


def format_requirement(
    requirement: str,
    *,
    extra: Optional[str] = None,
    declared_in: str = "pyproject.toml",
) -> str:
    """A requirement as maturin writes it into Requires-Dist, optionally limited to `extra`."""
    alg = _Algebra()
    try:
        req = _parse_requirement(requirement, alg)
    except _ParseError as e:
        raise MetadataError(
            f"Invalid requirement `{requirement}` in {declared_in}: {e}. Dependencies must be "
            "PEP 508 strings such as `numpy>=1.20` or `tomli; python_version < '3.11'`."
        ) from None
    marker = req.marker
    if extra is not None:
        marker = alg.and_(marker, alg.expression(("extra", "==", 0, canonicalize_name(extra))))
    return _render_requirement(req, marker, alg)


def format_requires_python(spec: str, *, declared_in: str = "pyproject.toml") -> str:
    """`requires-python` as maturin writes it: normalized, sorted by version, joined by ", "."""
    parts = []
    for raw in spec.split(","):
        raw = raw.strip()
        try:
            Specifier(raw)
            m = re.match(r"^(===|~=|==|!=|<=|>=|<|>)\s*(.*)$", raw)
            assert m is not None
            op, text = m.group(1), m.group(2).strip()
            star = text.endswith(".*")
            version = Version(text[:-2] if star else text)
        except (InvalidSpecifier, InvalidVersion):
            raise MetadataError(
                f"Invalid `requires-python` value `{spec}` in {declared_in}: `{raw}` is not a "
                "PEP 440 version specifier. Use something like `>=3.9`."
            ) from None
        parts.append((version, f"{op}{version}{'.*' if star else ''}"))
    parts.sort(key=lambda p: p[0])
    return ", ".join(p[1] for p in parts)


# ---------------------------------------------------------------------------------------------
# RFC 5322 folding of the License field (textwrap 0.16 optimal fit, width 78, tab indent)
# ---------------------------------------------------------------------------------------------

_WIDTH = 78


def _split_words(line: str) -> List[Tuple[str, str, str]]:
    """(word, trailing whitespace, penalty) fragments, split at spaces and at hyphens between
    alphanumerics, with words longer than the line width broken up."""
    words: List[Tuple[str, str]] = []
    for m in re.finditer(r"([^ ]*)( *)", line):
        if m.group(0) == "" and m.start() == len(line) and words:
            break
        words.append((m.group(1), m.group(2)))
        if m.end() == len(line):
            break
    fragments: List[Tuple[str, str, str]] = []
    for word, ws in words:
        splits = [
            i + 1
            for i, ch in enumerate(word)
            if ch == "-"
            and i > 0
            and word[i - 1].isalnum()
            and i + 1 < len(word)
            and word[i + 1].isalnum()
        ]
        prev = 0
        for idx in splits:
            fragments.append((word[prev:idx], "", ""))
            prev = idx
        fragments.append((word[prev:], ws, ""))
    broken: List[Tuple[str, str, str]] = []
    for word, ws, penalty in fragments:
        if len(word) > _WIDTH:
            pieces = [word[i : i + _WIDTH] for i in range(0, len(word), _WIDTH)]
            for piece in pieces[:-1]:
                broken.append((piece, "", ""))
            broken.append((pieces[-1], ws, penalty))
        else:
            broken.append((word, ws, penalty))
    return broken


def _optimal_fit(fragments: List[Tuple[str, str, str]]) -> List[List[Tuple[str, str, str]]]:
    n = len(fragments)
    widths = [0.0]
    for word, ws, _ in fragments:
        widths.append(widths[-1] + len(word) + len(ws))
    minima: List[Tuple[int, float]] = [(0, 0.0)]
    target = float(_WIDTH)
    for j in range(1, n + 1):
        best: Optional[Tuple[int, float]] = None
        for i in range(j):
            line_width = widths[j] - widths[i] - len(fragments[j - 1][1]) + len(fragments[j - 1][2])
            cost = minima[i][1] + 1000
            if line_width > target:
                cost += (line_width - target) * 2500
            elif j < n:
                gap = target - line_width
                cost += gap * gap
            elif i + 1 == j and line_width < target / 4:
                cost += 25
            if fragments[j - 1][2]:
                cost += 25
            if best is None or cost < best[1]:
                best = (i, cost)
        assert best is not None
        minima.append(best)
    lines = []
    pos = n
    while True:
        prev = minima[pos][0]
        lines.append(fragments[prev:pos])
        pos = prev
        if pos == 0:
            break
    lines.reverse()
    return lines


def fold_header(text: str) -> str:
    """Fold a long header value the way maturin does for `License` (CRLF + tab continuation)."""
    lines: List[str] = []
    for line in text.split("\n"):
        if not lines and len(line.encode("utf-8")) < _WIDTH:
            lines.append(line.rstrip(" "))
            continue
        fragments = _split_words(line)
        for group in _optimal_fit(fragments) if fragments else [[]]:
            if not group:
                lines.append("")
                continue
            body = "".join(w + ws for w, ws, _ in group[:-1]) + group[-1][0] + group[-1][2]
            lines.append(body if not lines else "\t" + body)
    out = []
    for line in lines:
        stripped = line.rstrip()
        out.append(stripped if stripped else "\t")
    return "\r\n".join(out)


# ---------------------------------------------------------------------------------------------
# Core metadata
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoreMetadata:
    """Everything that ends up in METADATA, entry_points.txt and .dist-info/licenses/."""

    name: str
    version: str
    metadata_version: str = METADATA_VERSION
    summary: Optional[str] = None
    description: Optional[str] = None
    description_content_type: Optional[str] = None
    keywords: Optional[str] = None
    home_page: Optional[str] = None
    download_url: Optional[str] = None
    author: Optional[str] = None
    author_email: Optional[str] = None
    maintainer: Optional[str] = None
    maintainer_email: Optional[str] = None
    license: Optional[str] = None
    license_expression: Optional[str] = None
    # Paths relative to .dist-info/licenses/, with their contents.
    license_files: Tuple[Tuple[str, bytes], ...] = ()
    classifiers: Tuple[str, ...] = ()
    requires_dist: Tuple[str, ...] = ()
    provides_extra: Tuple[str, ...] = ()
    requires_python: Optional[str] = None
    project_urls: Tuple[Tuple[str, str], ...] = ()
    platform: Tuple[str, ...] = ()
    supported_platform: Tuple[str, ...] = ()
    provides_dist: Tuple[str, ...] = ()
    obsoletes_dist: Tuple[str, ...] = ()
    requires_external: Tuple[str, ...] = ()
    scripts: Tuple[Tuple[str, str], ...] = ()
    gui_scripts: Tuple[Tuple[str, str], ...] = ()
    entry_points: Tuple[Tuple[str, Tuple[Tuple[str, str], ...]], ...] = ()

    @property
    def distribution_escaped(self) -> str:
        return escape_distribution(self.name)

    @property
    def version_escaped(self) -> str:
        return escape_version(self.version)

    @property
    def dist_info_dir(self) -> str:
        return f"{self.distribution_escaped}-{self.version_escaped}.dist-info"

    @property
    def data_dir(self) -> str:
        return f"{self.distribution_escaped}-{self.version_escaped}.data"

    def license_file_map(self) -> Dict[str, bytes]:
        return dict(self.license_files)


def render_metadata(md: CoreMetadata) -> bytes:
    """METADATA in maturin's field order; the description is the message body."""
    fields: List[Tuple[str, str]] = [
        ("Metadata-Version", md.metadata_version),
        ("Name", md.name),
        ("Version", md.version),
    ]
    for key, values in (
        ("Platform", md.platform),
        ("Supported-Platform", md.supported_platform),
        ("Classifier", md.classifiers),
        ("Requires-Dist", md.requires_dist),
        ("Provides-Dist", md.provides_dist),
        ("Obsoletes-Dist", md.obsoletes_dist),
        ("Requires-External", md.requires_external),
        ("Provides-Extra", md.provides_extra),
        ("License-File", tuple(p for p, _ in md.license_files)),
    ):
        fields.extend((key, v) for v in values)
    for key, value in (
        ("Summary", md.summary),
        ("Keywords", md.keywords),
        ("Home-Page", md.home_page),
        ("Download-URL", md.download_url),
        ("Author", md.author),
        ("Author-email", md.author_email),
        ("Maintainer", md.maintainer),
        ("Maintainer-email", md.maintainer_email),
        ("License-Expression", md.license_expression),
        ("License", None if md.license is None else fold_header(md.license)),
        ("Requires-Python", md.requires_python),
        ("Description-Content-Type", md.description_content_type),
    ):
        if value is not None:
            fields.append((key, value))
    fields.extend(("Project-URL", f"{label}, {url}") for label, url in md.project_urls)
    out = "".join(f"{k}: {v}\n" for k, v in fields)
    if md.description is not None:
        out += f"\n{md.description}\n"
    return out.encode("utf-8")


def render_entry_points(md: CoreMetadata) -> Optional[bytes]:
    """entry_points.txt for `md`: console_scripts, gui_scripts, then the other groups."""
    sections: List[Tuple[str, Sequence[Tuple[str, str]]]] = []
    if md.scripts:
        sections.append(("console_scripts", md.scripts))
    if md.gui_scripts:
        sections.append(("gui_scripts", md.gui_scripts))
    sections.extend(md.entry_points)
    if not sections:
        return None
    # maturin writes the sections back to back, without blank lines.
    text = "".join(
        f"[{group}]\n" + "".join(f"{k}={v}\n" for k, v in entries) for group, entries in sections
    )
    return text.encode("utf-8")


def _sorted_table(value: Any, *, field: str, declared_in: str) -> Tuple[Tuple[str, Any], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise MetadataError(f"`{field}` in {declared_in} must be a table.")
    # maturin reads TOML tables into sorted maps, so their order is by key, not as written.
    return tuple(sorted(value.items(), key=lambda kv: kv[0]))


def _string_table(value: Any, *, field: str, declared_in: str) -> Tuple[Tuple[str, str], ...]:
    items = _sorted_table(value, field=field, declared_in=declared_in)
    for k, v in items:
        if not isinstance(v, str):
            raise MetadataError(f"`{field}.{k}` in {declared_in} must be a string.")
    return items


def _entry_point_sections(project: Mapping[str, Any], declared_in: str):
    scripts = _string_table(
        project.get("scripts"), field="project.scripts", declared_in=declared_in
    )
    gui = _string_table(
        project.get("gui-scripts"), field="project.gui-scripts", declared_in=declared_in
    )
    groups = _sorted_table(
        project.get("entry-points"),
        field="project.entry-points",
        declared_in=declared_in,
    )
    entry_points = []
    for group, table in groups:
        if group in ("console_scripts", "gui_scripts"):
            table_name = "project.scripts" if group == "console_scripts" else "project.gui-scripts"
            raise MetadataError(
                f"`{group}` is not allowed in the `project.entry-points` table of {declared_in}; "
                f"use the `{table_name}` table instead."
            )
        entry_points.append(
            (
                group,
                _string_table(
                    table,
                    field=f"project.entry-points.{group}",
                    declared_in=declared_in,
                ),
            )
        )
    return scripts, gui, tuple(entry_points)


def entry_points_txt(
    pyproject: Optional[Mapping[str, Any]], *, declared_in: str = "pyproject.toml"
) -> Optional[bytes]:
    """entry_points.txt from [project.scripts], [project.gui-scripts] and [project.entry-points.*]."""
    project = (pyproject or {}).get("project")
    if not isinstance(project, Mapping):
        return None
    scripts, gui, groups = _entry_point_sections(project, declared_in)
    return render_entry_points(
        CoreMetadata(name="x", version="0", scripts=scripts, gui_scripts=gui, entry_points=groups)
    )


def _escape_email_display_name(name: str, email: str) -> str:
    if any(c in '()<>@,;:\\".[]' for c in name):
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}" <{email}>'
    return f"{name} <{email}>"


def _split_contacts(
    contacts: Any, *, field: str, declared_in: str
) -> Tuple[Optional[str], Optional[str]]:
    if not isinstance(contacts, list):
        raise MetadataError(
            f"`{field}` in {declared_in} must be an array of tables with `name` and/or `email`."
        )
    names: List[str] = []
    emails: List[str] = []
    for contact in contacts:
        if not isinstance(contact, Mapping):
            raise MetadataError(
                f"`{field}` in {declared_in} must be an array of tables with `name` and/or `email`."
            )
        name, email = contact.get("name"), contact.get("email")
        if name is not None and email is not None:
            emails.append(_escape_email_display_name(name, email))
        elif name is not None:
            names.append(name)
        elif email is not None:
            emails.append(email)
    return (", ".join(names) or None), (", ".join(emails) or None)


def _join(directory: str, path: str) -> str:
    joined = (
        posixpath.normpath(posixpath.join(directory, path))
        if directory
        else posixpath.normpath(path)
    )
    return "" if joined == "." else joined


def _relative_to(path: str, directory: str) -> Optional[str]:
    """`path` relative to `directory` when it lies inside it, else None."""
    if not directory:
        return path
    prefix = directory.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None


def _read_text(files: Mapping[str, bytes], path: str, *, field: str, declared_in: str) -> str:
    if path not in files:
        raise MetadataFileMissing(path, field, declared_in)
    try:
        return files[path].decode("utf-8")
    except UnicodeDecodeError:
        raise MetadataError(
            f"The file `{path}` referenced by `{field}` in {declared_in} is not valid UTF-8."
        ) from None


def _glob_to_regex(pattern: str) -> "re.Pattern[str]":
    """A component-wise glob (`*`, `?`, `[...]`, `**` for any number of directories)."""
    parts = []
    components = pattern.split("/")
    for idx, comp in enumerate(components):
        last = idx == len(components) - 1
        if comp == "**":
            parts.append("(?:[^/]*(?:/|$))*" if last else "(?:[^/]+/)*")
            continue
        rx = ""
        i = 0
        while i < len(comp):
            c = comp[i]
            if c == "*":
                rx += "[^/]*"
            elif c == "?":
                rx += "[^/]"
            elif c == "[":
                end = comp.find("]", i + 2)
                if end < 0:
                    rx += re.escape(c)
                else:
                    body = comp[i + 1 : end]
                    if body.startswith("!"):
                        body = "^" + body[1:]
                    rx += "[" + body.replace("\\", "\\\\") + "]"
                    i = end
            else:
                rx += re.escape(c)
            i += 1
        parts.append(rx + ("" if last else "/"))
    return re.compile("^" + "".join(parts) + "$")


def _check_license_glob(pattern: str, declared_in: str) -> None:
    problem = None
    if pattern.startswith("/") or re.match(r"^[A-Za-z]:", pattern):
        problem = "it must be relative"
    elif ".." in pattern.split("/"):
        problem = "it must not contain `..`"
    elif "\\" in pattern:
        problem = "use `/` as the path separator"
    elif re.search(r"[^A-Za-z0-9._\-/*?\[\]]", pattern):
        problem = "only letters, digits, `-`, `.`, `_`, `/`, `*`, `?` and `[...]` are allowed"
    elif any("**" in c and c != "**" for c in pattern.split("/")):
        problem = "`**` must be a whole path component"
    if problem:
        raise MetadataError(
            f"Invalid `project.license-files` glob `{pattern}` in {declared_in}: {problem}."
        )


def _path_sort_key(path: str) -> Tuple[str, ...]:
    # Paths compare component by component, like Rust's PathBuf (and glob's directory walk).
    return tuple(path.split("/"))


def _match_files(files: Mapping[str, bytes], base_dir: str, pattern: str) -> List[str]:
    rx = _glob_to_regex(pattern)
    matches = []
    for path in files:
        rel = _relative_to(path, base_dir)
        if rel is not None and rx.match(rel):
            matches.append(rel)
    return sorted(matches, key=_path_sort_key)


def metadata_input_globs(
    *,
    cargo_package: Mapping[str, Any],
    pyproject: Optional[Mapping[str, Any]],
    crate_dir: str,
    pyproject_dir: str,
) -> List[str]:
    """Repo-relative paths/globs of every file `build_core_metadata` may need in `files`
    (readme, license files, maturin's guessed readme and license names). Read those that exist.
    """
    out: List[str] = []
    readme = cargo_package.get("readme")
    if readme:
        out.append(_join(crate_dir, readme))
    else:
        out.extend(_join(crate_dir, g) for g in README_GUESSES)
    if cargo_package.get("license_file"):
        out.append(_join(crate_dir, cargo_package["license_file"]))
    project = (pyproject or {}).get("project")
    if isinstance(project, Mapping):
        r = project.get("readme")
        if isinstance(r, str):
            out.append(_join(pyproject_dir, r))
        elif isinstance(r, Mapping) and isinstance(r.get("file"), str):
            out.append(_join(pyproject_dir, r["file"]))
        lic = project.get("license")
        if isinstance(lic, Mapping) and isinstance(lic.get("file"), str):
            out.append(_join(pyproject_dir, lic["file"]))
        globs = project.get("license-files")
        for g in globs if isinstance(globs, list) else LICENSE_AUTO_GLOBS:
            out.append(_join(pyproject_dir, g) if pyproject_dir else g)
    return list(dict.fromkeys(out))


# What cffi bindings need at run time; PyPy ships cffi itself (maturin's template says the same).
CFFI_REQUIREMENT = "cffi; platform_python_implementation != 'PyPy'"


def require_cffi(metadata: CoreMetadata) -> CoreMetadata:
    """`metadata` with cffi in Requires-Dist, unless the project already lists it.

    maturin only warns when a cffi project omits it; the wheel cannot work without it.
    """
    for requirement in metadata.requires_dist:
        if canonicalize_name(re.split(r"[\s;\[(<>=!~]", requirement, 1)[0]) == "cffi":
            return metadata
    return dataclasses.replace(
        metadata,
        requires_dist=(*metadata.requires_dist, format_requirement(CFFI_REQUIREMENT)),
    )


def build_core_metadata(
    *,
    cargo_package: Mapping[str, Any],
    pyproject: Optional[Mapping[str, Any]],
    files: Mapping[str, bytes],
    crate_dir: str,
    pyproject_dir: str,
    workspace_dir: Optional[str] = None,
) -> CoreMetadata:
    """Core metadata from Cargo metadata merged with pyproject.toml [project], as maturin does.

    `files` maps repo-relative paths to contents; files maturin would only use if they exist
    (guessed readmes, auto-discovered license files) are simply looked up there.
    `workspace_dir` (the Cargo workspace root, repo-relative) bounds `..` paths in metadata the
    way maturin does; without it they are only kept inside the repository.
    """
    crate_dir = _join(crate_dir, "")
    pyproject_dir = _join(pyproject_dir, "")
    workspace_dir = "" if workspace_dir is None else _join(workspace_dir, "")
    cargo_toml = _join(crate_dir, "Cargo.toml")
    pyproject_toml = _join(pyproject_dir, "pyproject.toml")

    # --- Cargo.toml ---------------------------------------------------------------------
    name = cargo_package.get("name")
    if not isinstance(name, str) or not name:
        raise MetadataError(f"{cargo_toml} has no package name; set `[package] name`.")
    version = normalize_version(str(cargo_package.get("version")), declared_in=cargo_toml)
    authors_list = list(cargo_package.get("authors") or [])
    authors = ", ".join(authors_list)

    description: Optional[str] = None
    content_type: Optional[str] = None
    readme = cargo_package.get("readme")
    if readme == "false":
        pass
    elif readme:
        path = _join(crate_dir, readme)
        description = _read_text(files, path, field="package.readme", declared_in=cargo_toml)
        content_type = _content_type_for(path)
    else:
        for guess in README_GUESSES:
            path = _join(crate_dir, guess)
            if path in files:
                description = _read_text(
                    files, path, field="package.readme", declared_in=cargo_toml
                )
                content_type = _content_type_for(path)
                break

    urls: List[Tuple[str, str]] = []
    for key, label in (
        ("homepage", "Homepage"),
        ("documentation", "Documentation"),
        ("repository", "Source Code"),
    ):
        if cargo_package.get(key):
            urls.append((label, cargo_package[key]))

    license_files: List[str] = []
    license_sources: Dict[str, str] = {}
    if cargo_package.get("license_file"):
        declared = cargo_package["license_file"]
        source = _join(crate_dir, declared)
        if not _is_within(source, workspace_dir):
            raise MetadataError(
                f"The license file `{declared}` specified in {cargo_toml} resolves outside the Cargo "
                f"workspace root `{workspace_dir or '.'}`; move it inside the workspace."
            )
        if source not in files:
            raise MetadataFileMissing(source, "package.license-file", cargo_toml)
        rel = _relative_to(source, crate_dir)
        target = rel if rel is not None else posixpath.basename(source)
        license_files.append(target)
        license_sources[target] = source

    summary = cargo_package.get("description")
    keywords = list(cargo_package.get("keywords") or [])
    fields: Dict[str, Any] = {
        "name": name,
        "version": version,
        "summary": summary.strip() if isinstance(summary, str) else None,
        "description": description,
        "description_content_type": content_type,
        "keywords": ",".join(keywords) if keywords else None,
        "home_page": cargo_package.get("homepage") or None,
        "author": authors if authors_list else None,
        "author_email": authors if "@" in authors else None,
        "license": cargo_package.get("license") or None,
        "project_urls": tuple(urls),
    }
    scripts: Tuple[Tuple[str, str], ...] = ()
    gui_scripts: Tuple[Tuple[str, str], ...] = ()
    entry_points: tuple = ()

    # --- pyproject.toml [project] -------------------------------------------------------------
    project = (pyproject or {}).get("project")
    if project is not None:
        if not isinstance(project, Mapping):
            raise MetadataError(f"`project` in {pyproject_toml} must be a table.")
        dynamic = set(project.get("dynamic") or [])
        if "name" in dynamic:
            raise MetadataError(
                f"`project.dynamic` must not contain `name` in {pyproject_toml}; set `project.name`."
            )
        pname = project.get("name")
        if not isinstance(pname, str) or not is_valid_name(pname):
            raise MetadataError(
                f"`project.name` {pname!r} in {pyproject_toml} is not a valid Python package name: use "
                "letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit."
            )
        # Cargo values survive only where [project] declares the field dynamic.
        for dyn, keys in (
            ("description", ("summary",)),
            ("authors", ("author", "author_email")),
            ("maintainers", ("maintainer", "maintainer_email")),
            ("keywords", ("keywords",)),
            ("urls", ("project_urls",)),
            ("license", ("license", "license_expression")),
            ("classifiers", ("classifiers",)),
            ("readme", ("description", "description_content_type")),
            ("requires-python", ("requires_python",)),
        ):
            if dyn not in dynamic:
                for key in keys:
                    fields[key] = () if key in ("project_urls", "classifiers") else None
        fields["name"] = pname
        if project.get("version") is not None:
            fields["version"] = normalize_version(
                str(project["version"]),
                declared_in=pyproject_toml,
                field="project.version",
            )

        readme_value = project.get("readme")
        if isinstance(readme_value, str):
            path, _ = _metadata_path(
                pyproject_dir,
                workspace_dir,
                readme_value,
                "project.readme",
                pyproject_toml,
            )
            fields["description"] = _read_text(
                files, path, field="project.readme", declared_in=pyproject_toml
            )
            fields["description_content_type"] = _content_type_for(path)
        elif isinstance(readme_value, Mapping):
            if "file" in readme_value and "text" in readme_value:
                raise MetadataError(
                    f"`project.readme` in {pyproject_toml} has both `file` and `text`; they are "
                    "mutually exclusive, keep only one."
                )
            if readme_value.get("file") is not None:
                path, _ = _metadata_path(
                    pyproject_dir,
                    workspace_dir,
                    readme_value["file"],
                    "project.readme.file",
                    pyproject_toml,
                )
                fields["description"] = _read_text(
                    files, path, field="project.readme.file", declared_in=pyproject_toml
                )
            if readme_value.get("text") is not None:
                fields["description"] = readme_value["text"]
            # maturin takes the table's content-type as is, even when it is absent.
            fields["description_content_type"] = readme_value.get("content-type")
        elif readme_value is not None:
            raise MetadataError(f"`project.readme` in {pyproject_toml} must be a path or a table.")

        lic = project.get("license")
        if isinstance(lic, str):
            fields["license_expression"] = lic
        elif isinstance(lic, Mapping):
            if lic.get("file") is not None:
                declared = lic["file"]
                source, root = _metadata_path(
                    pyproject_dir,
                    workspace_dir,
                    declared,
                    "project.license.file",
                    pyproject_toml,
                )
                if source not in files:
                    raise MetadataFileMissing(source, "project.license.file", pyproject_toml)
                if ".." in declared.split("/"):
                    target = _relative_to(source, root) or source
                else:
                    rel = _relative_to(source, pyproject_dir)
                    target = rel if rel is not None else posixpath.basename(source)
                license_sources[target] = source
                if target not in license_files:
                    license_files.append(target)
            elif lic.get("text") is not None:
                fields["license"] = lic["text"]
        elif lic is not None:
            raise MetadataError(
                f"`project.license` in {pyproject_toml} must be an SPDX string or a table."
            )

        globs = project.get("license-files")
        if globs is not None:
            if not isinstance(globs, list):
                raise MetadataError(
                    f"`project.license-files` in {pyproject_toml} must be an array of globs."
                )
            for pattern in globs:
                _check_license_glob(pattern, pyproject_toml)
                for rel in _match_files(files, pyproject_dir, pattern):
                    # An explicit glob match always comes from the pyproject.toml directory.
                    license_sources[rel] = _join(pyproject_dir, rel)
                    if rel not in license_files:
                        license_files.append(rel)
        else:
            for pattern in LICENSE_AUTO_GLOBS:
                for rel in _match_files(files, pyproject_dir, pattern):
                    if rel not in license_files:
                        license_sources[rel] = _join(pyproject_dir, rel)
                        license_files.append(rel)

        for field_name, (name_key, email_key) in (
            ("authors", ("author", "author_email")),
            ("maintainers", ("maintainer", "maintainer_email")),
        ):
            if project.get(field_name) is not None:
                names, emails = _split_contacts(
                    project[field_name],
                    field=f"project.{field_name}",
                    declared_in=pyproject_toml,
                )
                if names is not None:
                    fields[name_key] = names
                if emails is not None:
                    fields[email_key] = emails

        if project.get("description") is not None:
            fields["summary"] = project["description"]
        if project.get("requires-python") is not None:
            fields["requires_python"] = format_requires_python(
                project["requires-python"], declared_in=pyproject_toml
            )
        if project.get("keywords") is not None:
            fields["keywords"] = ",".join(project["keywords"])
        if project.get("classifiers") is not None:
            fields["classifiers"] = tuple(project["classifiers"])
        if project.get("urls") is not None:
            fields["project_urls"] = _string_table(
                project["urls"], field="project.urls", declared_in=pyproject_toml
            )

        requires_dist: List[str] = []
        for dep in project.get("dependencies") or []:
            requires_dist.append(
                format_requirement(dep, declared_in=f"`project.dependencies` of {pyproject_toml}")
            )
        provides_extra: List[str] = []
        optional = _sorted_table(
            project.get("optional-dependencies"),
            field="project.optional-dependencies",
            declared_in=pyproject_toml,
        )
        for extra, deps in optional:
            if not is_valid_name(extra):
                raise MetadataError(
                    f"Invalid extra name `{extra}` in `project.optional-dependencies` of {pyproject_toml}: "
                    "use letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit."
                )
            provides_extra.append(canonicalize_name(extra))
            for dep in deps:
                requires_dist.append(
                    format_requirement(
                        dep,
                        extra=extra,
                        declared_in=f"`project.optional-dependencies.{extra}` of {pyproject_toml}",
                    )
                )
        fields["requires_dist"] = tuple(requires_dist)
        fields["provides_extra"] = tuple(provides_extra)
        scripts, gui_scripts, entry_points = _entry_point_sections(project, pyproject_toml)

    license_contents = []
    for target in license_files:
        source = license_sources.get(target, _join(pyproject_dir, target))
        if source not in files:
            raise MetadataFileMissing(
                source,
                "license file",
                pyproject_toml if project is not None else cargo_toml,
            )
        license_contents.append((target, files[source]))

    return CoreMetadata(
        license_files=tuple(license_contents),
        scripts=scripts,
        gui_scripts=gui_scripts,
        entry_points=entry_points,
        **fields,
    )


def _is_within(path: str, directory: str) -> bool:
    if path == ".." or path.startswith("../"):
        return False
    return not directory or path == directory or path.startswith(directory + "/")


def _metadata_path(
    pyproject_dir: str, workspace_dir: str, declared: str, field: str, declared_in: str
) -> Tuple[str, str]:
    """(repo-relative source, allowed root) for a file named in [project]; `..` may only climb
    up to the Cargo workspace root (when pyproject.toml lies inside the workspace)."""
    if declared.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", declared):
        raise MetadataError(
            f"`{field}` path `{declared}` in {declared_in} must be relative to pyproject.toml."
        )
    source = _join(pyproject_dir, declared)
    root = workspace_dir if _is_within(pyproject_dir, workspace_dir) else pyproject_dir
    if ".." in declared.split("/") and not _is_within(source, root):
        raise MetadataError(
            f"`{field}` path `{declared}` in {declared_in} resolves outside the allowed metadata "
            f"root `{root or '.'}`; keep metadata files inside the Cargo workspace."
        )
    return source, root
