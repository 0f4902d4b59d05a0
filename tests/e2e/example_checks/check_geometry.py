"""Checks of installed geometry-shapes (abi3) and, if installed, stats_py (per-version) wheels."""
import importlib.metadata as md
import math
import sys
from pathlib import Path

import shapes_py

assert md.version("geometry-shapes") == "0.2.0"
assert math.isclose(shapes_py.circle_area(1.0), math.pi)
assert shapes_py.triangle_area(3.0, 4.0, 5.0) == 6.0
r = shapes_py.Rectangle(3.0, 4.0)
assert (r.width, r.height, r.area(), r.perimeter()) == (3.0, 4.0, 12.0, 14.0)
assert repr(r) == "Rectangle(width=3, height=4)"
assert type(r).__module__ == "shapes_py"
for bad in (
    lambda: shapes_py.circle_area(-1.0),
    lambda: shapes_py.circle_area(float("nan")),
    lambda: shapes_py.triangle_area(1.0, 2.0, 3.0),
    lambda: shapes_py.Rectangle(0.0, 1.0),
):
    try:
        bad()
    except ValueError:
        pass
    else:
        raise AssertionError("expected ValueError")
assert Path(shapes_py.shapes_py.__file__).name == "shapes_py.abi3.so"

try:
    import stats_py
except ImportError:
    print("geometry ok on", sys.version.split()[0], "(shapes_py only)")
    raise SystemExit(0)
assert md.version("stats_py") == "0.2.0"
assert stats_py.mean([1.0, 2.0, 6.0]) == 3.0
assert stats_py.mean([]) is None
assert stats_py.total_area([(2.0, 3.0), (1.0, 1.0)]) == 7.0
((area, perimeter),) = stats_py.circle_table([2.0])
assert math.isclose(area, 4 * math.pi) and math.isclose(perimeter, 4 * math.pi)
try:
    stats_py.total_area([(1.0, -1.0)])
except ValueError:
    pass
else:
    raise AssertionError("expected ValueError")
tag = "cpython-%d%d-x86_64-linux-gnu" % sys.version_info[:2]
assert Path(stats_py.stats_py.__file__).name == "stats_py.%s.so" % tag
print("geometry ok on", sys.version.split()[0])
