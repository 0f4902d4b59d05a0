from __future__ import annotations

import json
from typing import Any, Optional

import pytest
from pants_rust_python.maturin.compatibility import (
    AUTO,
    CHECK,
    LINUX,
    PYPI,
    REPAIR,
    SKIP,
    WARN,
    AuditReport,
    CompatibilityError,
    PlatformDecision,
    decide_platform,
    needs_audit,
    parse_auditwheel_mode,
    parse_compatibility,
    skipped_platforms,
)

# A slice of auditwheel's manylinux policies: name, aliases, priority, newest glibc version.
POLICIES: list[tuple[str, list[str], int, int]] = [
    ("manylinux_2_17", ["manylinux2014"], 80, 17),
    ("manylinux_2_28", [], 64, 28),
    ("manylinux_2_34", [], 58, 34),
    ("manylinux_2_35", [], 57, 35),
]


def _report(
    *,
    glibc: list[str],
    libs: Optional[dict[str, Optional[str]]] = None,
    blacklisted: Optional[dict[str, dict[str, list[str]]]] = None,
    libc: str = "glibc",
    isa: bool = False,
) -> AuditReport:
    """A report as tools/auditwheel/driver.py writes it, for files needing these GLIBC versions
    and linking these libraries outside every policy."""
    data: dict[str, Any] = {
        "libc": libc,
        "symbol_policy": "",
        "overall_policy": "",
        "pyfpe": False,
        "ucs2": False,
        "unsupported_isa": isa,
        "versioned_symbols": {"libc.so.6": [f"GLIBC_{v}" for v in glibc]},
        "symbols": {f"GLIBC_{v}": [f"sym_{v.replace('.', '_')} (pkg/ext.so)"] for v in glibc},
        "policies": [
            {
                "name": f"{name}_x86_64",
                "aliases": [f"{a}_x86_64" for a in aliases],
                "priority": priority,
                "symbol_versions": {
                    "GLIBC": ["2.2.5"] + [f"2.{m}" for m in range(3, newest + 1)],
                },
                "external_libs": dict(libs or {}),
                "blacklisted_symbols": (blacklisted or {}).get(name, {}),
            }
            for name, aliases, priority, newest in POLICIES
        ],
    }
    return AuditReport.from_json(json.dumps(data).encode())


def _decide(
    report: AuditReport, requested: str = AUTO, mode: str = REPAIR, bin: bool = False
) -> PlatformDecision:
    return decide_platform(
        report,
        requested=requested,
        mode=mode,
        linux_platform="linux_x86_64",
        allow_libpython=bin,
        what="src/x:x",
    )


def test_parse_compatibility_as_maturin_reads_it() -> None:
    assert parse_compatibility(None, "w") == AUTO
    assert parse_compatibility("off", "w") == LINUX
    assert parse_compatibility("2014", "w") == "manylinux2014"
    assert parse_compatibility("2_28", "w") == "manylinux_2_28"
    assert parse_compatibility("musllinux_1_2", "w") == "musllinux_1_2"
    assert parse_compatibility("PyPI", "w") == PYPI
    with pytest.raises(CompatibilityError, match="`manylinux_2_x` is not a platform"):
        parse_compatibility("manylinux_2_x", "w")
    with pytest.raises(CompatibilityError, match="w: `fix` is not an auditwheel mode"):
        parse_auditwheel_mode("fix", "w")


def test_auto_picks_the_most_compatible_policy_with_its_aliases() -> None:
    # In maturin 1.16's order (`maturin build --zig` writes
    # `manylinux2014_x86_64.manylinux_2_17_x86_64`): sorted, so the legacy alias comes first.
    assert _decide(_report(glibc=["2.2.5", "2.14"])).platforms == (
        "manylinux2014_x86_64",
        "manylinux_2_17_x86_64",
    )
    decision = _decide(_report(glibc=["2.2.5", "2.34"]))
    assert decision.platforms == ("manylinux_2_34_x86_64",)
    assert decision.graft == {} and decision.warnings == ()


def test_auto_falls_back_to_linux_with_a_warning_and_pypi_refuses() -> None:
    report = _report(glibc=["2.39"])
    decision = _decide(report)
    assert decision.platforms == ("linux_x86_64",)
    assert "no compatible platform tag" in decision.warnings[0]
    assert "GLIBC_2.39 (sym_2_39 (pkg/ext.so))" in decision.warnings[0]
    with pytest.raises(CompatibilityError, match="`pypi`"):
        _decide(report, PYPI)
    assert "manylinux_2_17_x86_64" in _decide(_report(glibc=["2.17"]), PYPI).platforms


def test_the_linux_fallback_names_blacklisted_symbols() -> None:
    """maturin's lib_with_disallowed_lib calls zlib's `gzflags`, which every policy blacklists:
    the warning says so, not an empty list of symbol versions."""
    everywhere = {name: {"libz.so.1": ["gzflags"]} for name, _, _, _ in POLICIES}
    decision = _decide(_report(glibc=["2.17"], blacklisted=everywhere))
    assert decision.platforms == ("linux_x86_64",)
    assert "black-listed symbols: libz.so.1: gzflags" in decision.warnings[0], decision.warnings
    assert "newer than every policy allows: )" not in decision.warnings[0]


def test_a_requested_policy_is_checked_and_errors_name_the_symbols() -> None:
    report = _report(glibc=["2.2.5", "2.34"])
    with pytest.raises(CompatibilityError) as error:
        _decide(report, "manylinux2014")
    message = str(error.value)
    assert "not manylinux_2_17 (aka manylinux2014) compliant" in message
    assert "GLIBC_2.34 (sym_2_34 (pkg/ext.so))" in message
    assert "`manylinux_2_34` holds it" in message
    # An older request than possible: the newer one it asks for, with maturin's hint.
    decision = _decide(_report(glibc=["2.17"]), "manylinux_2_28")
    assert decision.platforms == ("manylinux_2_28_x86_64",)
    assert "eligible for a higher priority tag" in decision.warnings[0]
    with pytest.raises(CompatibilityError, match="defines no `manylinux_2_99` policy"):
        _decide(report, "manylinux_2_99")


def test_blacklisted_symbols_skip_a_policy_or_fail_a_request() -> None:
    report = _report(glibc=["2.17"], blacklisted={"manylinux_2_17": {"libz.so.1": ["gzflags"]}})
    assert _decide(report).platforms == ("manylinux_2_28_x86_64",)
    with pytest.raises(CompatibilityError, match="black-listed symbols: libz.so.1: gzflags"):
        _decide(report, "manylinux_2_17")


def test_forbidden_libraries_by_auditwheel_mode() -> None:
    report = _report(glibc=["2.17"], libs={"libsqlite3.so.0": "/usr/lib/libsqlite3.so.0.8.6"})
    repaired = _decide(report)
    assert "manylinux_2_17_x86_64" in repaired.platforms
    assert repaired.repair_policy == "manylinux_2_17_x86_64"
    assert repaired.graft == {"libsqlite3.so.0": "/usr/lib/libsqlite3.so.0.8.6"}
    with pytest.raises(CompatibilityError, match=r"libsqlite3.so.0 \(/usr/lib/libsqlite3"):
        _decide(report, mode=CHECK)
    warned = _decide(report, mode=WARN)
    assert warned.graft == {} and "manylinux_2_17_x86_64" in warned.platforms
    assert 'auditwheel="repair"' in warned.warnings[0]
    missing = _report(glibc=["2.17"], libs={"libgone.so.1": None})
    with pytest.raises(CompatibilityError, match="libgone.so.1, which .* not installed"):
        _decide(missing)


def test_libpython_is_refused_for_modules_and_left_alone_for_programs() -> None:
    report = _report(glibc=["2.17"], libs={"libpython3.11.so.1.0": "/usr/lib/libpython3.11.so"})
    with pytest.raises(CompatibilityError, match="extension-module"):
        _decide(report)
    assert _decide(report, bin=True).graft == {}


def test_musl_and_isa() -> None:
    with pytest.raises(CompatibilityError, match="no musl target"):
        _decide(_report(glibc=["2.17"]), "musllinux_1_2")
    unsupported = _report(glibc=["2.17"], isa=True)
    assert _decide(unsupported).platforms == ("linux_x86_64",)
    with pytest.raises(CompatibilityError, match="instructions beyond"):
        _decide(unsupported, "manylinux_2_17")


def test_no_audit_for_linux_or_skip() -> None:
    assert not needs_audit(LINUX, REPAIR) and not needs_audit("manylinux_2_17", SKIP)
    assert needs_audit(AUTO, WARN)
    assert skipped_platforms(AUTO, "linux_x86_64", "x86_64") == ("linux_x86_64",)
    assert skipped_platforms("manylinux_2_17", "linux_x86_64", "x86_64") == (
        "manylinux_2_17_x86_64",
    )
