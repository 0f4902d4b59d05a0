from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WheelEntry:
    """One file inside a wheel, at `path` (POSIX, relative to the wheel root)."""

    path: str
    content: bytes
    executable: bool = False
