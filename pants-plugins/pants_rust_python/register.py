"""Pants plugin that builds Rust-backed Python packages (pyo3, cffi, rust-cpython, binaries)."""
from __future__ import annotations


def rules():
    return []


def target_types():
    return []
