from __future__ import annotations

from importlib import resources
from typing import Iterable

from cffi_mixed.cffi_mixed import ffi, lib


class Tally:
    """Count and mean of the numbers added so far, kept by Rust."""

    def __init__(self) -> None:
        # Freed by Rust when Python drops the handle.
        self._handle = ffi.gc(lib.tally_new(), lib.tally_free)

    def add(self, value: float) -> None:
        lib.tally_add(self._handle, value)

    @property
    def count(self) -> int:
        return int(lib.tally_count(self._handle))

    @property
    def mean(self) -> float:
        return float(lib.tally_mean(self._handle))


def mean(values: Iterable[float]) -> float:
    tally = Tally()
    for value in values:
        tally.add(value)
    return tally.mean


def sample_mean() -> float:
    """The mean of data/sample.txt, a data file of the package (maturin ships it in the wheel)."""
    sample = resources.files("cffi_mixed").joinpath("data/sample.txt")
    return mean(float(line) for line in sample.read_text(encoding="utf-8").split())
