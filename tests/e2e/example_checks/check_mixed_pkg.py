"""Checks of an installed mixed-pkg wheel (built for exactly this CPython version)."""
import importlib.util
import subprocess
import sys
import sysconfig
from pathlib import Path

import mixed_pkg
import mixed_pkg._native as native

assert mixed_pkg.dumps_sorted({"b": 2, "a": 1}) == '{"a":1,"b":2}'
assert mixed_pkg.sum_json_array("[1, 2, 3]") == 6
assert mixed_pkg.roundtrip({"z": 26, "a": 1}) == {"a": 1, "z": 26}
assert mixed_pkg.mean_of_json_array("[1, 2, 3, 4]") == 2.5
# examples.json came in through `[tool.maturin] include`.
assert [mixed_pkg.sum_json_array(a) for a in mixed_pkg.example_arrays()] == [6, 100]
for bad in ("not json", "[1, 2.5]", "[9223372036854775807, 1]"):
    try:
        mixed_pkg.sum_json_array(bad)
    except ValueError:
        pass
    else:
        raise AssertionError(bad)
assert native.__name__ == "mixed_pkg._native"
tag = "cpython-%d%d-x86_64-linux-gnu" % sys.version_info[:2]
assert Path(native.__file__).name == "_native.%s.so" % tag, native.__file__
pkg_dir = Path(mixed_pkg.__file__).parent
assert sorted(p.name for p in pkg_dir.iterdir() if p.name != "__pycache__") == sorted(
    ["__init__.py", "_native.%s.so" % tag, "_native.pyi", "cli.py", "examples.json", "py.typed"]
)
script = Path(sysconfig.get_path("scripts")) / "mixed-pkg-sum"
out = subprocess.run([str(script), "[1,2]", "[10, 20, 30]"], capture_output=True, text=True, check=True)
assert out.stdout == "3\n60\n", out.stdout
assert subprocess.run([str(script)], capture_output=True).returncode == 2
# `[tool.maturin] exclude` kept the repository-only module out of the wheel.
assert importlib.util.find_spec("mixed_pkg._dev") is None
print("mixed_pkg ok on", sys.version.split()[0])
