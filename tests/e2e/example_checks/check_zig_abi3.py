"""Checks of an installed zig-abi3 wheel (any CPython >= 3.9): the C code works, and the module
needs no glibc symbol newer than 2.17, the manylinux2014 floor zig linked it against."""
import re
import sys
import zlib
from pathlib import Path

import zig_abi3

for data in (b"", b"Wikipedia", bytes(range(256)) * 1000):
    assert zig_abi3.adler32(data) == zlib.adler32(data), data[:16]
# The machine's own glibc runs it, newer than the one it was linked against.
assert re.fullmatch(r"2\.\d+", zig_abi3.libc_version()), zig_abi3.libc_version()
module = Path(zig_abi3.zig_abi3.__file__).read_bytes()
needed = sorted({int(m) for m in re.findall(rb"GLIBC_2\.(\d+)", module)})
assert needed and needed[-1] <= 17, needed
print("zig_abi3 ok on %d.%d" % sys.version_info[:2])
