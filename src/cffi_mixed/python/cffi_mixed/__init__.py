"""Running statistics over a Rust core loaded with cffi."""
from cffi_mixed.stats import Tally, mean, sample_mean

__all__ = ["Tally", "mean", "sample_mean"]
