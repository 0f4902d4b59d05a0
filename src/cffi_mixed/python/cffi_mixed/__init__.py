"""Running statistics over a Rust core loaded with cffi."""
from cffi_mixed.stats import Tally, mean

__all__ = ["Tally", "mean"]
