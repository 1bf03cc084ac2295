"""The batch context: history kept as per-key deques and counters, updated attempt by attempt in time order.

Each counter keeps at most ``capacity`` (the rule's limit) most recent instants per key, so a count is
``min(true count, capacity)`` and comparing it with the limit is exact. Local-time figures of the attempt being
judged are computed once (offsets cached per zone and UTC hour); local day starts are cached per (zone, day).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable
from typing import Any

from standards.casestate import CaseState
from standards.clock import SECONDS_PER_DAY, LocalClock, day_of, day_start_epoch, second_of_day, week_of
from standards.counting import CounterSpec, RunSpec, all_routes
from standards.records import ContactAttempt
from standards.windows import CALENDAR_DAYS, EVER, ROLLING

_FAILURE, _SUCCESS = True, False


class StreamContext:
    """History facts for attempts judged in time order; call ``begin`` before and ``observe`` after each one."""

    def __init__(self, counters: Iterable[CounterSpec], runs: Iterable[RunSpec]) -> None:
        self.clock = LocalClock()
        self.state = CaseState()
        self._counters: dict[CounterSpec, tuple[dict[Any, Any], Any, str, int]] = {}
        self._run_stores: dict[RunSpec, tuple[dict[Any, int], Any]] = {}
        self._day_starts: dict[tuple[str, int], float] = {}
        self._observers: dict[tuple[str, str, str | None], list[tuple[Any, ...]]] = {}
        self._run_observers: dict[tuple[str, str, str | None], list[tuple[Any, ...]]] = {}
        for spec in counters:
            self._add_counter(spec)
        for run in runs:
            self._add_run(run)
        self._second = 0
        self._day = 0

    def _add_counter(self, spec: CounterSpec) -> None:
        if spec in self._counters:
            return
        store: dict[Any, Any] = {}
        self._counters[spec] = (store, spec.key_of, spec.window.type, spec.window.size)
        entry = (store, spec.key_of, spec.counted.min_duration_s, spec.window.type == EVER, spec.capacity)
        for route in all_routes():
            if route[2] is not None and spec.counted.matches_route(*route):
                self._observers.setdefault(route, []).append(entry)

    def _add_run(self, run: RunSpec) -> None:
        if run in self._run_stores:
            return
        store: dict[Any, int] = {}
        self._run_stores[run] = (store, run.key_of)
        for route in all_routes():
            if route[2] is None:
                continue
            if run.failure.matches_route(*route):
                self._run_observers.setdefault(route, []).append((store, run.key_of, _FAILURE))
            elif run.success.matches_route(*route):
                self._run_observers.setdefault(route, []).append((store, run.key_of, _SUCCESS))

    def begin(self, attempt: ContactAttempt) -> None:
        """Compute the local-time figures of the attempt about to be judged."""
        local = attempt.epoch + self.clock.offset(attempt.debtor_tz, attempt.epoch)
        self._second = int(local % SECONDS_PER_DAY)  # second_of_day and day_of, inlined: this runs per attempt
        self._day = int(local // SECONDS_PER_DAY)

    def local(self, attempt: ContactAttempt, tz_name: str | None = None) -> tuple[int, int]:
        """(second of day, day number) of the attempt in ``tz_name`` (its debtor_tz by default)."""
        if tz_name is None or tz_name == attempt.debtor_tz:
            return self._second, self._day
        local = attempt.epoch + self.clock.offset(tz_name, attempt.epoch)
        return second_of_day(local), day_of(local)

    def count(self, spec: CounterSpec, attempt: ContactAttempt) -> int:
        """Earlier attempts counted by ``spec`` with the attempt's key inside its window, up to ``capacity``."""
        store, key_of, window_type, size = self._counters[spec]
        entries = store.get(key_of(attempt))
        if entries is None:
            return 0
        if window_type == CALENDAR_DAYS:
            first_day = self._day - size + 1
        elif window_type == ROLLING:
            return len(entries) - bisect_right(entries, attempt.epoch - size)
        elif window_type == EVER:
            return entries
        else:
            first_day = (week_of(self._day) - size + 1) * 7 - 3
        key = (attempt.debtor_tz, first_day)
        floor = self._day_starts.get(key)
        if floor is None:
            floor = self._day_starts[key] = day_start_epoch(attempt.debtor_tz, first_day)
        return len(entries) - bisect_left(entries, floor)

    def failure_run(self, run: RunSpec, attempt: ContactAttempt) -> int:
        """Consecutive failures counted by ``run`` for the attempt's key since the last success."""
        store, key_of = self._run_stores[run]
        return store.get(key_of(attempt), 0)

    def observe(self, attempt: ContactAttempt) -> None:
        """Add a judged (logged) attempt to the history."""
        route = (attempt.channel, attempt.counterparty, attempt.outcome)
        for store, key_of, min_duration, is_ever, capacity in self._observers.get(route, ()):
            if min_duration and (attempt.duration_s or 0.0) < min_duration:
                continue
            key = key_of(attempt)
            if is_ever:
                store[key] = min(store.get(key, 0) + 1, capacity)
                continue
            entries = store.get(key)
            if entries is None:
                entries = store[key] = deque(maxlen=capacity)
            entries.append(attempt.epoch)
        for store, key_of, is_failure in self._run_observers.get(route, ()):
            key = key_of(attempt)
            store[key] = store.get(key, 0) + 1 if is_failure else 0
