from __future__ import annotations

import sys

from geometry_app.report import report


def test_report_calls_into_rust() -> None:
    text = report("Ferris", [(3.0, 4.0), (1.0, 2.0)], 1.0)
    assert text.splitlines() == [
        "Hello, Ferris!",
        "rectangles: 2, total area 14",
        "circle of radius 1: area 3.14",
        "mean rectangle area: 7",
    ]


def test_per_version_module_matches_the_running_interpreter() -> None:
    import stats_py

    tag = "cpython-%d%d" % sys.version_info[:2]
    assert tag in stats_py.stats_py.__file__
