"""What is wrong with a project's wheel metadata."""
from __future__ import annotations


class MetadataError(ValueError):
    """Invalid project metadata; the message names the file and how to fix it."""


class MetadataFileMissing(MetadataError):
    """A file referenced by the metadata (readme, license file) was not provided."""

    def __init__(self, path: str, field: str, declared_in: str) -> None:
        self.path = path
        self.field = field
        self.declared_in = declared_in
        super().__init__(
            f"The file `{path}` referenced by `{field}` in {declared_in} does not exist "
            f"(or was not read). Create it, fix the path, or remove the `{field}` entry."
        )
