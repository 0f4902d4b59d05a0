"""A document parsed once, that the engine keys on by its text."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class ParsedDocument:
    """A TOML or JSON document (a pyproject, one package of `cargo metadata`): requests and
    results that carry it compare and hash by `text`, and rules read `value`, parsed once."""

    path: str
    text: str
    value: Mapping[str, Any] = field(compare=False, hash=False, repr=False)
