"""What a rule counts in the history: counters over windows, and runs of consecutive failures.

A rule declares these specs; the two contexts answer them, the history context by scanning a list of earlier
attempts (the plain way, used by ``check_planned``), the stream context with per-key deques (the batch way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import attrgetter

from standards.records import ContactAttempt
from standards.vocabulary import CHANNELS, COUNTERPARTIES, OUTCOMES
from standards.windows import Window


@dataclass(frozen=True, slots=True)
class AttemptFilter:
    """Which attempts match: channel, counterparty and outcome sets (None = any) and a minimum duration."""

    channels: frozenset[str] | None = None
    counterparties: frozenset[str] | None = None
    outcomes: frozenset[str] | None = None
    min_duration_s: float = 0.0

    def matches_route(self, channel: str, counterparty: str, outcome: str | None) -> bool:
        """The static part of the test: channel, counterparty and (known) outcome."""
        if self.channels is not None and channel not in self.channels:
            return False
        if self.counterparties is not None and counterparty not in self.counterparties:
            return False
        return self.outcomes is None or (outcome is not None and outcome in self.outcomes)

    def matches(self, attempt: ContactAttempt) -> bool:
        """The whole test on one (logged) attempt."""
        if not self.matches_route(attempt.channel, attempt.counterparty, attempt.outcome):
            return False
        return self.min_duration_s <= 0 or (attempt.duration_s or 0.0) >= self.min_duration_s


@dataclass(frozen=True, eq=False)
class CounterSpec:
    """Count earlier attempts matching ``counted`` with the same key as the judged attempt, inside ``window``.

    ``capacity`` is the largest count the rule needs to know (its limit): the batch path keeps no more.
    """

    key_fields: tuple[str, ...]
    window: Window
    counted: AttemptFilter
    capacity: int

    @property
    def key_of(self) -> Callable[[ContactAttempt], object]:
        """Function giving an attempt's key (a value or a tuple of values)."""
        return attrgetter(*self.key_fields)


@dataclass(frozen=True, eq=False)
class RunSpec:
    """Length of the latest run of consecutive ``failure`` attempts with the same key, reset by a ``success``."""

    key_fields: tuple[str, ...]
    failure: AttemptFilter
    success: AttemptFilter

    @property
    def key_of(self) -> Callable[[ContactAttempt], object]:
        """Function giving an attempt's key."""
        return attrgetter(*self.key_fields)


def all_routes() -> Iterable[tuple[str, str, str | None]]:
    """Every (channel, counterparty, outcome) triple, outcome None standing for a planned attempt."""
    for channel in CHANNELS:
        for counterparty in COUNTERPARTIES:
            for outcome in (*OUTCOMES, None):
                yield channel, counterparty, outcome
