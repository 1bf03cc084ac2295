"""HTTP byte ranges (RFC 9110 §14) of a recording: parsing a ``Range`` header and resolving it against the size.

Pure Python, no Flask: the view parses the header, the recording operation resolves the range once it knows the size
(after the access check). Only a single range of unit ``bytes`` is served as 206; a header naming several ranges, an
unknown unit or a malformed one is ignored (RFC 9110 lets a server answer any Range request with the full 200).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPEC = re.compile(r"^\s*([0-9]*)\s*-\s*([0-9]*)\s*$")  # ASCII digits only
_MAX_DIGITS = 18  # larger numbers than any recording; avoids int() on absurdly long input


@dataclass(frozen=True)
class RangeSpec:
    """One byte range as asked: ``first``-``last`` (inclusive), ``first``- (open-ended) or -``suffix``."""

    first: int | None
    last: int | None
    suffix: int | None = None

    def resolve(self, size: int) -> tuple[int, int] | None:
        """``(start, end)`` with ``end`` exclusive within a representation of ``size`` bytes, or None when the range
        is unsatisfiable (answered with 416 and ``Content-Range: bytes */size``)."""
        if self.suffix is not None:
            if self.suffix == 0 or size == 0:
                return None
            return max(0, size - self.suffix), size
        assert self.first is not None
        if self.first >= size:
            return None
        last = size - 1 if self.last is None else min(self.last, size - 1)
        return self.first, last + 1


def parse_range(header: str | None) -> RangeSpec | None:
    """The single byte range of a ``Range`` header; None when there is none or it is to be ignored (several ranges,
    another unit, bad syntax, ``last`` before ``first``): the caller then sends the whole recording."""
    if not header:
        return None
    unit, sep, specs = header.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    if "," in specs:
        # Multi-range requests are answered with the full 200 body (no multipart/byteranges): RFC 9110 §14.2 allows
        # ignoring Range, and media players ask for one range at a time.
        return None
    match = _SPEC.match(specs)
    if match is None:
        return None
    first, last = match.groups()
    if len(first) > _MAX_DIGITS or len(last) > _MAX_DIGITS:
        return None
    if not first:
        return RangeSpec(None, None, suffix=int(last)) if last else None
    if last and int(last) < int(first):
        return None
    return RangeSpec(int(first), int(last) if last else None)


def content_range(start: int, end: int, size: int) -> str:
    """The ``Content-Range`` value of a 206 for ``[start, end)``."""
    return f"bytes {start}-{end - 1}/{size}"
