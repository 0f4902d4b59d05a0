# Type stub of the Rust extension module mixed_pkg._native (src/lib.rs).

def dumps_sorted(mapping: dict[str, int]) -> str:
    """Serializes a str -> int mapping as compact JSON with sorted keys."""

def sum_json_array(text: str) -> int:
    """Parses a JSON array of integers and returns their sum; ValueError on bad input."""
