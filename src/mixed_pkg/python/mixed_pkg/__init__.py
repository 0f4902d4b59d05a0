"""mixed-pkg: JSON helpers, half Rust (``mixed_pkg._native``) and half Python."""

from __future__ import annotations

import json
from importlib import resources
from typing import Mapping

from ._native import dumps_sorted, sum_json_array

__all__ = [
    "dumps_sorted",
    "sum_json_array",
    "roundtrip",
    "mean_of_json_array",
    "example_arrays",
]


def roundtrip(mapping: Mapping[str, int]) -> dict[str, int]:
    """Sends ``mapping`` through the Rust serializer and back through Python's json module."""
    return json.loads(dumps_sorted(dict(mapping)))


def mean_of_json_array(text: str) -> float:
    """Mean of a JSON array of integers; the sum is computed in Rust."""
    count = len(json.loads(text))
    if count == 0:
        raise ValueError("empty array has no mean")
    return sum_json_array(text) / count


def example_arrays() -> list[str]:
    """The JSON arrays of the package's ``examples.json``, a data file shipped in the wheel."""
    text = resources.files(__name__).joinpath("examples.json").read_text(encoding="utf-8")
    return list(json.loads(text)["arrays"])
