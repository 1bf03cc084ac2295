"""The state of cases and agencies at an instant, built by applying case events in time order.

Holds (dispute, mediation, attorney representation, cease request) are open or closed per key; a debtor can be
marked unreachable; an agency has a licence end, white-listings per creditor and the time of its last evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from standards.records import CaseEvent, ContactAttempt
from standards.vocabulary import HOLDS

_OPENS = {str(spec["opens"]): hold for hold, spec in HOLDS.items()}
_CLOSES = {str(spec["closes"]): hold for hold, spec in HOLDS.items()}


@dataclass(slots=True)
class AgencyStanding:
    """What is known of an agency: licence end (None = no licence), white-listing creditors, last evaluation."""

    licence_until: float | None = None
    whitelisted_by: set[str] = field(default_factory=set)
    evaluated_at: float | None = None


_NO_STANDING = AgencyStanding()


class CaseState:
    """Open holds, unreachable debtors and agency standings after the events applied so far."""

    def __init__(self) -> None:
        # hold -> (key of its scope, key of its narrow scope or None, open keys); one-field keys are plain values
        self._books: dict[str, tuple[Any, Any, set[Any]]] = {
            hold: (
                attrgetter(*spec["scope"]),
                attrgetter(*spec["narrow_scope"]) if "narrow_scope" in spec else None,
                set(),
            )
            for hold, spec in HOLDS.items()
        }
        self._unreachable: set[str] = set()
        self._agencies: dict[str, AgencyStanding] = {}

    def apply(self, event: CaseEvent) -> None:
        """Take one event into account (events must come in time order)."""
        kind = event.kind
        if kind in _OPENS:
            self._books[_OPENS[kind]][2].add(self._event_key(_OPENS[kind], event))
        elif kind in _CLOSES:
            self._books[_CLOSES[kind]][2].discard(self._event_key(_CLOSES[kind], event))
        elif kind == "debtor_unreachable":
            self._unreachable.add(str(event.debtor_ref))
        elif kind == "debtor_reachable":
            self._unreachable.discard(str(event.debtor_ref))
        else:
            self._apply_agency(event)

    def _apply_agency(self, event: CaseEvent) -> None:
        standing = self._agencies.setdefault(str(event.agency_ref), AgencyStanding())
        if event.kind == "licence_granted":
            standing.licence_until = event.valid_until.timestamp() if event.valid_until else None
        elif event.kind == "licence_revoked":
            standing.licence_until = None
        elif event.kind == "whitelisted":
            standing.whitelisted_by.add(str(event.creditor_ref))
        elif event.kind == "delisted":
            standing.whitelisted_by.discard(str(event.creditor_ref))
        elif event.kind == "agency_evaluated":
            standing.evaluated_at = event.epoch

    def _event_key(self, hold: str, event: CaseEvent) -> Any:
        scope, narrow, _ = self._books[hold]
        return narrow(event) if narrow is not None and event.number else scope(event)

    def hold_open(self, hold: str, attempt: ContactAttempt) -> bool:
        """Whether events left ``hold`` open for the attempt's debt or debtor (or its number, where narrowed)."""
        scope, narrow, opened = self._books[hold]
        if not opened:
            return False
        if scope(attempt) in opened:
            return True
        return narrow is not None and narrow(attempt) in opened

    def debtor_unreachable(self, debtor_ref: str) -> bool:
        """Whether an event marked the debtor unreachable (number invalid, deceased, incapacitated...)."""
        return debtor_ref in self._unreachable

    def agency(self, agency_ref: str) -> AgencyStanding:
        """The agency's standing (empty when no event named it)."""
        return self._agencies.get(agency_ref) or _NO_STANDING
