"""Checks of an installed hello-abi3 wheel (any CPython >= 3.9)."""
import importlib.metadata as md
import subprocess
import sys
import sysconfig
from pathlib import Path

import hello_abi3

assert hello_abi3.greet("Ferris") == "Hello, Ferris!"
assert hello_abi3.sum_as_string(2, 40) == "42"
assert hello_abi3.sum_as_string(2**63, 2**63 - 1) == str(2**64 - 1)
for call, exc in [
    (lambda: hello_abi3.greet("   "), ValueError),  # blank name
    (lambda: hello_abi3.sum_as_string(2**64 - 1, 1), ValueError),  # u64 overflow
    (lambda: hello_abi3.sum_as_string(-1, 1), OverflowError),  # negative -> u64
]:
    try:
        call()
    except exc:
        pass
    else:
        raise AssertionError("expected " + exc.__name__)
# The generated package __init__ re-exports the module, including the dunder in pyo3's __all__.
assert hello_abi3.__version__ == md.version("hello-abi3") == "0.3.1"
assert sorted(hello_abi3.__all__) == ["__version__", "greet", "main", "sum_as_string"]
assert Path(hello_abi3.hello_abi3.__file__).name == "hello_abi3.abi3.so"
assert Path(hello_abi3.__file__).with_name("py.typed").exists()
assert Path(hello_abi3.__file__).with_name("__init__.pyi").exists()
# Console script from [project.scripts], pointing at the #[pyfunction] main.
script = Path(sysconfig.get_path("scripts")) / "hello-abi3"
out = subprocess.run([str(script), "Ana"], capture_output=True, text=True, check=True).stdout
assert out == "Hello, Ana!\n", out
out = subprocess.run([str(script)], capture_output=True, text=True, check=True).stdout
assert out == "Hello, world!\n", out
print("hello_abi3 ok on", sys.version.split()[0])
