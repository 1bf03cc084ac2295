"""Small-cell suppression of aggregates (ACCESS.md): no one reads a competitor's book out of a regional chart.

Any cell built from fewer than 5 institutions or fewer than 10 debtors is suppressed for everyone but the regulator.
A cell made only of the viewer's own figures is never suppressed (its own book is no secret to it). Complementary
suppression: when exactly one cell of a group would be hidden, the group total would give it away by subtraction,
so the next-smallest cell is hidden as well.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from portal.access.principal import Kind, Principal

MIN_INSTITUTIONS = 5
MIN_DEBTORS = 10


@dataclass(frozen=True)
class Cell:
    """One aggregate cell: its key, its value, and how many distinct institutions and debtors it was built from."""

    key: Hashable
    value: Any
    institutions: int
    debtors: int
    own: bool = False  # built only from the viewer's own institution's records
    suppressed: bool = False


def too_small(institutions: int, debtors: int) -> bool:
    """Whether a cell with these contributor counts is below the thresholds."""
    return institutions < MIN_INSTITUTIONS or debtors < MIN_DEBTORS


def must_suppress(principal: Principal, cell: Cell) -> bool:
    """Whether ``principal`` may not see ``cell`` on its own merits (before complementary suppression)."""
    if principal.kind is Kind.REGULATOR or cell.own:
        return False
    return too_small(cell.institutions, cell.debtors)


def suppress(principal: Principal, cells: Iterable[Cell], *, complementary: bool = True) -> list[Cell]:
    """The cells with suppressed ones' values replaced by ``None`` and ``suppressed=True``; order kept."""
    cells = list(cells)
    hidden = {i for i, cell in enumerate(cells) if must_suppress(principal, cell)}
    if complementary and len(hidden) == 1 and len(cells) > 1:
        candidates = [i for i, c in enumerate(cells) if i not in hidden and not c.own]
        if candidates:
            hidden.add(min(candidates, key=lambda i: (cells[i].debtors, cells[i].institutions)))
    return [replace(c, value=None, suppressed=True) if i in hidden else c for i, c in enumerate(cells)]


def suppress_rows(
    principal: Principal,
    rows: Iterable[Mapping[str, Any]],
    *,
    value_keys: Sequence[str],
    institutions_key: str = "institutions",
    debtors_key: str = "debtors",
    own_key: str | None = None,
    complementary: bool = True,
) -> list[dict[str, Any]]:
    """Dict rows (e.g. from SQL) with ``value_keys`` set to None where the cell is suppressed; adds ``suppressed``."""
    rows = [dict(r) for r in rows]
    cells = [
        Cell(i, None, int(r[institutions_key]), int(r[debtors_key]), bool(own_key and r.get(own_key)))
        for i, r in enumerate(rows)
    ]
    for row, cell in zip(rows, suppress(principal, cells, complementary=complementary), strict=True):
        row["suppressed"] = cell.suppressed
        if cell.suppressed:
            for key in value_keys:
                row[key] = None
    return rows
