"""Checks of an installed hello-cpython wheel (rust-cpython bindings, built per interpreter)."""
import sys
from pathlib import Path

import hello_cpython

assert hello_cpython.count_words("to be or not to be") == 6
assert hello_cpython.word_frequencies("To be or not to be") == {"be": 2, "not": 1, "or": 1, "to": 2}
# python3-sys was built for the interpreter that imports it.
assert hello_cpython.python_version() == "%d.%d" % sys.version_info[:2]
native = Path(hello_cpython.hello_cpython.__file__).name
assert native == "hello_cpython.cpython-%d%d-x86_64-linux-gnu.so" % sys.version_info[:2], native
print("hello_cpython ok on", sys.version.split()[0])
