"""Helpers for working on mixed_pkg in the repository: `[tool.maturin] exclude` keeps this module
out of the wheel, as it keeps it out of maturin's."""


def describe() -> str:
    return "mixed_pkg, from the repository"
