"""The planned-check context: history facts computed plainly by scanning a list of earlier attempts and events.

This is the reference path: no caches, local times straight from zoneinfo. ``check_planned`` uses it (a pre-dial
gate fetches the debtor's, number's and debt's history and asks); the batch path must agree with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from standards.casestate import CaseState
from standards.clock import day_start_epoch, wall_clock, week_of
from standards.counting import CounterSpec, RunSpec
from standards.records import CaseEvent, ContactAttempt
from standards.windows import CALENDAR_DAYS, EVER, ROLLING

_EPOCH_DATE = date(1970, 1, 1)


class HistoryContext:
    """History facts for one attempt, from the attempts and events before it."""

    def __init__(
        self, attempt: ContactAttempt, history: Iterable[ContactAttempt], events: Iterable[CaseEvent] = ()
    ) -> None:
        before = [h for h in history if h.epoch <= attempt.epoch and h.attempt_id != attempt.attempt_id]
        self.prior = sorted(before, key=lambda h: h.epoch)
        self.state = CaseState()
        for event in sorted(events, key=lambda e: e.epoch):
            if event.epoch <= attempt.epoch:
                self.state.apply(event)

    def local(self, attempt: ContactAttempt, tz_name: str | None = None) -> tuple[int, int]:
        """(second of day, day number) of the attempt in ``tz_name`` (its debtor_tz by default)."""
        moment = wall_clock(tz_name or attempt.debtor_tz, attempt.epoch)
        return moment.hour * 3600 + moment.minute * 60 + moment.second, (moment.date() - _EPOCH_DATE).days

    def count(self, spec: CounterSpec, attempt: ContactAttempt) -> int:
        """Earlier attempts counted by ``spec`` with the attempt's key inside its window, up to ``capacity``."""
        key = _key(spec.key_fields, attempt)
        window = spec.window
        if window.type == ROLLING:
            floor = attempt.epoch - window.size

            def inside(epoch: float) -> bool:
                return epoch > floor
        elif window.type == EVER:

            def inside(epoch: float) -> bool:
                return True
        else:
            day = self.local(attempt)[1]
            first = day - window.size + 1 if window.type == CALENDAR_DAYS else (week_of(day) - window.size + 1) * 7 - 3
            start = day_start_epoch(attempt.debtor_tz, first)

            def inside(epoch: float) -> bool:
                return epoch >= start

        total = sum(
            1 for h in self.prior if spec.counted.matches(h) and _key(spec.key_fields, h) == key and inside(h.epoch)
        )
        return min(total, spec.capacity)

    def failure_run(self, run: RunSpec, attempt: ContactAttempt) -> int:
        """Consecutive failures counted by ``run`` for the attempt's key since the last success."""
        key = _key(run.key_fields, attempt)
        length = 0
        for h in self.prior:
            if _key(run.key_fields, h) != key:
                continue
            if run.failure.matches_route(h.channel, h.counterparty, h.outcome):
                length += 1
            elif run.success.matches_route(h.channel, h.counterparty, h.outcome):
                length = 0
        return length


def _key(fields: tuple[str, ...], attempt: ContactAttempt) -> tuple[object, ...]:
    return tuple(getattr(attempt, name) for name in fields)
