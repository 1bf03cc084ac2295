"""The engine: judge a planned attempt before contact, or a batch of logged attempts, against a standard.

``check_planned(attempt, history, events)`` scans the given history plainly (the reference path). ``evaluate``
sorts the attempts by time and keeps per-key deques, run counters and the case state as it goes (the fast path);
with a ``StandardSet``, each attempt is judged by the version in force at its time, the history before a
version's start still counting toward its windows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from standards.context_history import HistoryContext
from standards.context_stream import StreamContext
from standards.errors import NoVersionInForce
from standards.records import CaseEvent, ContactAttempt
from standards.verdicts import Decision, Verdict
from standards.versions import Standard, StandardSet
from standards.vocabulary import CHANNELS, COUNTERPARTIES

_INPUT_ORDER = itemgetter(0, 1)  # (attempt index, rule position) of a found verdict


class Engine:
    """Judges contact attempts against one standard version, or against a set of versions by effective date."""

    def __init__(self, standard: Standard | StandardSet) -> None:
        self.versions = standard if isinstance(standard, StandardSet) else None
        self.pinned = standard if isinstance(standard, Standard) else None

    @property
    def columns(self) -> dict[str, str]:
        """Optional attempt columns (name -> type) that the standard's versions read; pass them to the readers."""
        versions = self.versions.versions if self.versions is not None else (self.pinned,)
        merged: dict[str, str] = {}
        for standard in versions:
            assert standard is not None
            merged.update(standard.columns)
        return merged

    def attempt_from(self, row: Mapping[str, Any], *, logged: bool = False) -> ContactAttempt:
        """A ``ContactAttempt`` from raw values, reading the optional columns this standard defines."""
        return ContactAttempt.from_mapping(row, columns=self.columns, require_outcome=logged)

    def standard_for(self, attempt: ContactAttempt) -> Standard:
        """The version that judges ``attempt``: the pinned one, or the one in force at its start."""
        if self.pinned is not None:
            return self.pinned
        assert self.versions is not None
        try:
            return self.versions.version_at(attempt.started_at)
        except NoVersionInForce as exc:
            raise NoVersionInForce(f"attempt {attempt.attempt_id}: {exc.reason}", field="started_at") from None

    def check_planned(
        self,
        attempt: ContactAttempt,
        history: Iterable[ContactAttempt] = (),
        events: Iterable[CaseEvent] = (),
    ) -> Decision:
        """Allowed or refused (with the rules) for an attempt about to be made, given what happened before it.

        ``history`` holds earlier attempts of the same debtor, numbers and debts (more does no harm; later ones
        and the attempt itself are ignored); ``events`` the case and agency events known so far.
        """
        standard = self.standard_for(attempt)
        context = HistoryContext(attempt, history, events)
        verdicts = tuple(v for rule in standard.rules if (v := rule.judge(attempt, context)) is not None)
        return Decision(attempt.attempt_id, standard.code, standard.version, verdicts)

    def evaluate(self, attempts: Sequence[ContactAttempt], events: Iterable[CaseEvent] = ()) -> list[Verdict]:
        """Every rule broken by every logged attempt, in input order (then rule order)."""
        epochs = [attempt.epoch for attempt in attempts]
        order = sorted(range(len(attempts)), key=epochs.__getitem__)
        timeline = sorted(events, key=lambda e: e.epoch)
        found: list[tuple[int, int, Verdict]] = []
        for standard, start, until in self._passes(attempts, order):
            found.extend(_run_pass(standard, attempts, order, timeline, start, until))
        found.sort(key=_INPUT_ORDER)
        return [verdict for _, _, verdict in found]

    def _passes(self, attempts: Sequence[ContactAttempt], order: list[int]) -> list[tuple[Standard, float, float]]:
        if self.pinned is not None:
            return [(self.pinned, float("-inf"), float("inf"))]
        assert self.versions is not None
        if order:
            self.standard_for(attempts[order[0]])  # the earliest attempt must have a version in force
            first, last = attempts[order[0]].epoch, attempts[order[-1]].epoch
        else:
            return []
        return [(s, start, until) for s, start, until in self.versions.periods() if start <= last and until > first]


def _run_pass(
    standard: Standard,
    attempts: Sequence[ContactAttempt],
    order: list[int],
    timeline: list[CaseEvent],
    start: float,
    until: float,
) -> list[tuple[int, int, Verdict]]:
    """Judge the attempts in [start, until) with ``standard``, feeding every earlier attempt to the history."""
    rules = standard.rules
    context = StreamContext(
        (spec for rule in rules for spec in rule.counters()), (run for rule in rules for run in rule.runs())
    )
    routes: dict[str, dict[str, list[tuple[int, Any]]]] = {
        channel: {
            counterparty: [
                (position, rule.judge_routed)
                for position, rule in enumerate(rules)
                if rule.applies_to_route(channel, counterparty)
            ]
            for counterparty in COUNTERPARTIES
        }
        for channel in CHANNELS
    }
    begin, observe, apply_event = context.begin, context.observe, context.state.apply
    found: list[tuple[int, int, Verdict]] = []
    append = found.append
    next_event, event_count = 0, len(timeline)
    next_event_epoch = timeline[0].epoch if timeline else float("inf")
    for index in order:
        attempt = attempts[index]
        epoch = attempt.epoch
        if epoch >= until:
            break
        while next_event_epoch <= epoch:
            apply_event(timeline[next_event])
            next_event += 1
            next_event_epoch = timeline[next_event].epoch if next_event < event_count else float("inf")
        if epoch >= start:
            begin(attempt)
            for position, judge in routes[attempt.channel][attempt.counterparty]:
                verdict = judge(attempt, context)
                if verdict is not None:
                    append((index, position, verdict))
        observe(attempt)
    return found
