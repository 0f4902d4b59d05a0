__version__: str

def greet(name: str) -> str:
    """Returns a greeting for `name`; raises ValueError if it is blank."""

def sum_as_string(a: int, b: int) -> str:
    """Formats the sum of two non-negative numbers as a string."""

def main() -> int:
    """Entry point of the `hello-abi3` console script."""
