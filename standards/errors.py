"""Errors of the standards package: every one names the file, the line where known, and the field.

The package is pure Python and imports nothing of ``portal``; the CLI converts these into ``BadInput``.
"""

from __future__ import annotations


class StandardError(ValueError):
    """A malformed standard, attempt or event, located by file, line and field where they are known."""

    def __init__(self, reason: str, *, file: str | None = None, line: int | None = None, field: str | None = None):
        self.reason = reason
        self.file = file
        self.line = line
        self.field = field
        super().__init__(self._render())

    def _render(self) -> str:
        place = ""
        if self.file:
            place = self.file if self.line is None else f"{self.file}:{self.line}"
        elif self.line is not None:
            place = f"line {self.line}"
        parts = [p for p in (place, f"field {self.field!r}" if self.field else "") if p]
        prefix = ", ".join(parts)
        return f"{prefix}: {self.reason}" if prefix else self.reason

    def located(self, *, file: str | None = None, line: int | None = None) -> StandardError:
        """A copy of this error with the file and/or line filled in where they were missing."""
        return type(self)(
            self.reason,
            file=self.file or file,
            line=self.line if self.line is not None else line,
            field=self.field,
        )


class MalformedStandard(StandardError):
    """A standard version file that does not follow the schema (see docs/standards.md)."""


class MalformedRecord(StandardError):
    """A contact attempt or case event that cannot be read (bad column, bad value, duplicate id)."""


class NoVersionInForce(StandardError):
    """No version of a standard was in force at the asked time, or the asked version does not exist."""


class UnknownStandard(StandardError):
    """No shipped (or given) standard has the asked code."""
