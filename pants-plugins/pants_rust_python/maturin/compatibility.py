"""A Linux wheel's platform tag, decided as `maturin build` decides it, from auditwheel's report.

auditwheel (run by `tools/auditwheel/driver.py show`) analyses the compiled files and reports,
for every manylinux or musllinux policy, what stands in its way. This module turns that report,
the requested `compatibility` and the `auditwheel` mode into the platform tags and the libraries
to graft, with maturin's rules: without a request, the most compatible policy whose symbol
versions and blacklist the files satisfy, forbidden libraries being grafted; with one, that
policy or an error naming what breaks it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

AUDITWHEEL_MODES: Tuple[str, ...] = ("repair", "check", "warn", "skip")
REPAIR, CHECK, WARN, SKIP = AUDITWHEEL_MODES

AUTO = "auto"
LINUX = "linux"
PYPI = "pypi"

# maturin's shorthands for the legacy manylinux names and `off` for `linux`.
_SHORTHANDS = {
    "off": LINUX,
    "1": "manylinux1",
    "2010": "manylinux2010",
    "2014": "manylinux2014",
}
_POLICY_RE = re.compile(r"^(manylinux|musllinux)_(\d+)_(\d+)$")
_LEGACY_RE = re.compile(r"^manylinux(1|2010|2014)$")
_BARE_RE = re.compile(r"^(\d+)_(\d+)$")
_LIBPYTHON_RE = re.compile(r"^libpython3\.\d+")


class CompatibilityError(ValueError):
    """A requested compatibility that the build cannot have; the message says why and what to do."""


def parse_compatibility(value: Optional[str], where: str) -> str:
    """maturin's `--compatibility` value, normalized: `auto`, `linux`, `pypi` or a policy name
    (`manylinux_2_17`, `manylinux2014`, `musllinux_1_2`)."""
    if value is None or value == "":
        return AUTO
    text = _SHORTHANDS.get(value.strip().lower(), value.strip().lower())
    bare = _BARE_RE.match(text)
    if bare:
        text = f"manylinux_{bare.group(1)}_{bare.group(2)}"
    if text in (AUTO, LINUX, PYPI) or _POLICY_RE.match(text) or _LEGACY_RE.match(text):
        return text
    raise CompatibilityError(
        f"{where}: `{value}` is not a platform compatibility. Use one of maturin's values: "
        "`manylinux_X_Y` (e.g. `manylinux_2_17`), `manylinux2014`, `manylinux2010`, "
        "`manylinux1`, `musllinux_X_Y`, `pypi` or `linux`."
    )


def parse_auditwheel_mode(value: str, where: str) -> str:
    if value not in AUDITWHEEL_MODES:
        raise CompatibilityError(
            f"{where}: `{value}` is not an auditwheel mode; use one of "
            f"{', '.join(f'`{m}`' for m in AUDITWHEEL_MODES)}."
        )
    return value


@dataclass(frozen=True)
class PolicyReport:
    name: str  # with the architecture, e.g. manylinux_2_17_x86_64
    aliases: Tuple[str, ...]  # e.g. manylinux2014_x86_64
    priority: int  # higher = more compatible
    symbol_versions: Mapping[str, Tuple[str, ...]]  # GLIBC -> allowed versions
    external_libs: Mapping[str, Optional[str]]  # soname -> host path (None: not found)
    blacklisted_symbols: Mapping[str, Tuple[str, ...]]


@dataclass(frozen=True)
class AuditReport:
    libc: str  # "glibc" or "musl"
    policies: Tuple[PolicyReport, ...]  # most compatible first
    versioned_symbols: Mapping[str, Tuple[str, ...]]  # libc.so.6 -> GLIBC_2.34, ...
    symbols: Mapping[str, Tuple[str, ...]]  # GLIBC_2.34 -> "name (file)", ...
    unsupported: Optional[str]  # why no policy at all can hold the files

    @classmethod
    def from_json(cls, text: bytes) -> "AuditReport":
        data: Dict[str, Any] = json.loads(text)
        policies = sorted(
            (
                PolicyReport(
                    name=p["name"],
                    aliases=tuple(p["aliases"]),
                    priority=p["priority"],
                    symbol_versions={k: tuple(v) for k, v in p["symbol_versions"].items()},
                    external_libs=dict(p["external_libs"]),
                    blacklisted_symbols={k: tuple(v) for k, v in p["blacklisted_symbols"].items()},
                )
                for p in data["policies"]
            ),
            key=lambda p: -p.priority,
        )
        unsupported = None
        if data["unsupported_isa"]:
            unsupported = "it uses instructions beyond the architecture's baseline"
        elif data["pyfpe"]:
            unsupported = "it uses the PyFPE_jbuf function"
        elif data["ucs2"]:
            unsupported = "it is built for a narrow-unicode (UCS2) Python"
        return cls(
            libc=data["libc"],
            policies=tuple(policies),
            versioned_symbols={k: tuple(v) for k, v in data["versioned_symbols"].items()},
            symbols={k: tuple(v) for k, v in data["symbols"].items()},
            unsupported=unsupported,
        )

    def policy(self, requested: str) -> Optional[PolicyReport]:
        """The policy a request names, by its name or an alias, without the architecture."""
        for p in self.policies:
            if requested in (_strip_arch(p.name), *(_strip_arch(a) for a in p.aliases)):
                return p
        return None


def _strip_arch(name: str) -> str:
    match = re.match(r"^((?:manylinux|musllinux)(?:_\d+_\d+|1|2010|2014))_", name)
    return match.group(1) if match else name


def policy_display(policy: PolicyReport) -> str:
    """`manylinux_2_17 (aka manylinux2014)`, as maturin names a policy."""
    aliases = [_strip_arch(a) for a in policy.aliases]
    return _strip_arch(policy.name) + (f" (aka {', '.join(aliases)})" if aliases else "")


def _too_new_symbols(report: AuditReport, policy: PolicyReport) -> List[str]:
    """The symbol versions the files need that the policy does not allow, with their symbols."""
    offending: List[str] = []
    for versions in report.versioned_symbols.values():
        for version in versions:
            name, _, number = version.partition("_")
            allowed = policy.symbol_versions.get(name)
            if allowed is not None and number not in allowed:
                users = report.symbols.get(version, ())
                shown = ", ".join(users[:3]) + (
                    f" and {len(users) - 3} more" if len(users) > 3 else ""
                )
                offending.append(f"{version}" + (f" ({shown})" if shown else ""))
    return sorted(set(offending))


def _forbidden_libs(policy: PolicyReport, allow_libpython: bool) -> Dict[str, Optional[str]]:
    return {
        lib: path
        for lib, path in policy.external_libs.items()
        if not (allow_libpython and _LIBPYTHON_RE.match(lib))
    }


@dataclass(frozen=True)
class PlatformDecision:
    # Platform tags in maturin 1.16's order: the policy's name and its aliases, sorted
    # (`manylinux2014_x86_64.manylinux_2_17_x86_64`).
    platforms: Tuple[str, ...]
    # The auditwheel policy to repair the wheel to, when libraries are grafted; else None.
    repair_policy: Optional[str] = None
    # soname -> host path of the libraries to graft into `<dist>.libs/`.
    graft: Mapping[str, str] = field(default_factory=dict)
    warnings: Tuple[str, ...] = ()


def needs_audit(requested: str, mode: str) -> bool:
    """auditwheel runs unless the wheel is `linux` by request or the audit is skipped."""
    return requested != LINUX and mode != SKIP


def skipped_platforms(requested: str, linux_platform: str, arch: str) -> Tuple[str, ...]:
    """The tag without an audit: `linux_<arch>`, or the requested policy unchecked (maturin's
    `--auditwheel skip`)."""
    if requested in (AUTO, LINUX, PYPI):
        return (linux_platform,)
    return (f"{requested}_{arch}",)


def _blacklisted(policy: PolicyReport) -> str:
    return "; ".join(
        f"{lib}: {', '.join(names)}" for lib, names in sorted(policy.blacklisted_symbols.items())
    )


def _why_not(report: AuditReport, policy: PolicyReport) -> str:
    """Why even the most permissive policy does not hold the files."""
    reasons = []
    too_new = _too_new_symbols(report, policy)
    if too_new:
        reasons.append(f"symbol versions newer than every policy allows: {'; '.join(too_new)}")
    if policy.blacklisted_symbols:
        reasons.append(f"black-listed symbols: {_blacklisted(policy)}")
    return ", and ".join(reasons) or f"{policy_display(policy)} does not hold them"


def decide_platform(
    report: AuditReport,
    *,
    requested: str,
    mode: str,
    linux_platform: str,
    allow_libpython: bool,
    what: str,
) -> PlatformDecision:
    """The wheel's platform tags and the libraries to graft, as maturin decides them.

    `what` names the target for messages. `allow_libpython`: programs that embed Python link
    libpython (maturin allows that for `bin`); an extension module must not.
    """
    warnings: List[str] = []
    chosen: Optional[PolicyReport] = None
    if requested.startswith("musllinux") and report.libc != "musl":
        raise CompatibilityError(
            f"{what}: compatibility `{requested}` needs a build for a musl target, but the Rust "
            "toolchain builds for glibc and has no musl target installed here. Use a manylinux "
            "compatibility, or build with a toolchain whose target is `<arch>-unknown-linux-musl`."
        )
    if requested.startswith("manylinux") and report.libc == "musl":
        raise CompatibilityError(
            f"{what}: compatibility `{requested}` is a glibc policy, but the files are linked "
            "against musl. Use `musllinux_X_Y`."
        )
    if not allow_libpython:
        linked = sorted(
            lib for p in report.policies[:1] for lib in p.external_libs if _LIBPYTHON_RE.match(lib)
        )
        if linked:
            raise CompatibilityError(
                f"{what}: the library links {', '.join(linked)}, which extension modules must "
                "not do. Enable pyo3's `extension-module` feature (or do not link libpython)."
            )
    eligible = None
    if report.unsupported is None:
        for policy in report.policies:
            if not _too_new_symbols(report, policy) and not policy.blacklisted_symbols:
                eligible = policy
                break
    if requested in (AUTO, PYPI):
        chosen = eligible
        if chosen is None:
            reason = report.unsupported or (
                _why_not(report, report.policies[-1])
                if report.policies
                else "auditwheel knows no policy for it"
            )
            if requested == PYPI:
                raise CompatibilityError(
                    f"{what}: compatibility `pypi` asks for a tag the package index accepts, but "
                    f"no manylinux or musllinux policy holds the wheel: {reason}."
                )
            warnings.append(
                f"{what}: no compatible platform tag found ({reason}), using the linux tag "
                "instead. The package index does not accept such wheels."
            )
            return PlatformDecision((linux_platform,), warnings=tuple(warnings))
    else:
        chosen = report.policy(requested)
        if chosen is None:
            raise CompatibilityError(
                f"{what}: auditwheel defines no `{requested}` policy for this architecture. "
                'Choose another compatibility, or set `auditwheel="skip"` to tag the wheel '
                "without a check."
            )
        if report.unsupported is not None:
            raise CompatibilityError(
                f"{what}: the wheel is not {policy_display(chosen)} compliant: {report.unsupported}."
            )
        too_new = _too_new_symbols(report, chosen)
        if too_new:
            raise CompatibilityError(
                f"{what}: the wheel is not {policy_display(chosen)} compliant because of the "
                f"presence of too-recent versioned symbols: {'; '.join(too_new)}. Link against "
                "an older glibc (`zig=True`), or ask for a newer policy"
                + (f" (`{_strip_arch(eligible.name)}` holds it)." if eligible else ".")
            )
        if chosen.blacklisted_symbols:
            raise CompatibilityError(
                f"{what}: the wheel is not {policy_display(chosen)} compliant because it depends "
                f"on black-listed symbols: {_blacklisted(chosen)}."
            )
        if eligible is not None and eligible.priority > chosen.priority:
            warnings.append(
                f"{what}: the wheel is eligible for a higher priority tag. You requested "
                f"{policy_display(chosen)} but it is eligible for {policy_display(eligible)}."
            )
    platforms = tuple(sorted((chosen.name, *chosen.aliases)))
    forbidden = _forbidden_libs(chosen, allow_libpython)
    if not forbidden:
        return PlatformDecision(platforms, warnings=tuple(warnings))
    listed = ", ".join(f"{lib} ({path or 'not found'})" for lib, path in sorted(forbidden.items()))
    if mode == CHECK:
        raise CompatibilityError(
            f"{what}: the wheel links libraries that {policy_display(chosen)} does not allow: "
            f'{listed}. Set `auditwheel="repair"` to copy them into the wheel.'
        )
    if mode == WARN:
        warnings.append(
            f"{what}: the wheel links libraries that {policy_display(chosen)} does not allow: "
            f'{listed}. Set `auditwheel="repair"` to copy them into the wheel.'
        )
        return PlatformDecision(platforms, warnings=tuple(warnings))
    missing = sorted(lib for lib, path in forbidden.items() if path is None)
    if missing:
        raise CompatibilityError(
            f"{what}: the wheel links {', '.join(missing)}, which {policy_display(chosen)} does "
            "not allow and which is not installed on this machine, so it cannot be copied into "
            "the wheel. Install it, or link it statically."
        )
    return PlatformDecision(
        platforms,
        repair_policy=chosen.name,
        graft={lib: path for lib, path in forbidden.items() if path is not None},
        warnings=tuple(warnings),
    )
