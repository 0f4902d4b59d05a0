"""Formats a report with the help of `shapes_py` (geometry workspace) and `hello_abi3`."""
from __future__ import annotations

import hello_abi3
import stats_py
from shapes_py import Rectangle, circle_area


def report(name: str, rectangles: list[tuple[float, float]], radius: float) -> str:
    areas = [Rectangle(w, h).area() for w, h in rectangles]
    lines = [
        hello_abi3.greet(name),
        f"rectangles: {len(areas)}, total area {sum(areas):g}",
        f"circle of radius {radius:g}: area {circle_area(radius):.2f}",
        f"mean rectangle area: {stats_py.mean(areas):g}",
    ]
    return "\n".join(lines)
