"""Checks of the installed cffi-points and cffi-mixed wheels (any Python 3 with cffi)."""
import importlib.metadata as md
import os
import subprocess
import sys
from pathlib import Path

import cffi_mixed
from cffi_mixed import cffi_mixed as native
from cffi_points import ffi, lib

# Pure cffi project: `lib` calls Rust through the C ABI, `ffi` builds the C values.
assert lib.pts_distance(lib.pts_new(0, 0), lib.pts_new(3, 4)) == 5.0
origin = lib.pts_origin()
assert (origin.x, origin.y) == (0.0, 0.0)
points = ffi.new("pts_Point[]", [(1, 1), (3, 5)])
centroid = lib.pts_centroid(points, 2)
assert (centroid.x, centroid.y) == (2.0, 3.0)
assert lib.pts_centroid(ffi.NULL, 0).x == 0.0
lib_path = Path(sys.modules["cffi_points"].__file__).with_name("libcffi_points.so")
assert lib_path.is_file(), lib_path
# cffi_points.data/: maturin's data directory, installed by pip into the environment's scheme
# directories (the script executable, with its `#!python` pointing at this interpreter).
prefix = Path(sys.prefix)
script = prefix / "bin" / "cffi-points-distance"
assert os.access(script, os.X_OK), script
distance = subprocess.run([str(script), "0", "0", "3", "4"], capture_output=True, text=True)
assert distance.stdout.strip() == "5.0", (distance.stdout, distance.stderr)
units = prefix / "share" / "cffi-points" / "units.txt"
assert units.read_text() == "Coordinates are in metres.\n", units

# Mixed cffi project: Python API over the Rust core in the cffi_mixed.cffi_mixed subpackage.
assert cffi_mixed.mean([1, 2, 3, 4]) == 2.5
# data/sample.txt: package data, shipped as maturin ships every file of the package.
assert cffi_mixed.sample_mean() == 4.0
tally = cffi_mixed.Tally()
for value in (10, 20, 60):
    tally.add(value)
assert (tally.count, tally.mean) == (3, 30.0)
assert Path(native.__file__).parent.name == "cffi_mixed"
assert Path(native.__file__).with_name("libcffi_mixed.so").is_file()
# include/tally.h: written by build.rs into its OUT_DIR, shipped by an `include` from "out-dir".
header = Path(cffi_mixed.__file__).with_name("include") / "tally.h"
assert "Tally *tally_new(void);" in header.read_text(), header

# cffi is a declared dependency (listed by one project, added by the build for the other).
for dist in ("cffi-points", "cffi-mixed"):
    assert any(r.startswith("cffi") for r in md.requires(dist) or []), dist
print("cffi ok on", sys.version.split()[0])
