"""Frequency caps and cooling-off periods: counts of earlier attempts with the same key inside a window.

A cap refuses an attempt when ``limit`` counted attempts with its key (number, debtor, debt... as ``per`` says)
already lie inside the window; cooling-off refuses any attempt while one triggering conversation does.
"""

from __future__ import annotations

from typing import Any, ClassVar

from standards.counting import AttemptFilter, CounterSpec
from standards.kinds.base import Rule, base_inputs
from standards.kinds.params import Param, boolean, integer, number, ordered_fields, subset, window
from standards.records import ContactAttempt
from standards.verdicts import Verdict
from standards.vocabulary import CHANNELS, COUNTERPARTIES, IDENTITY_KEYS, KEY_FIELDS, OUTCOME_ZH, OUTCOMES

_KEY_ZH = {"number": "号码", "debtor_ref": "债务人", "debt_ref": "债务", "counterparty": "联系对象", "channel": "渠道"}


def key_fields(value: Any, columns: Any) -> tuple[str, ...]:
    """Fields an attempt is counted by; at least one of number, debtor_ref, debt_ref."""
    fields = ordered_fields(KEY_FIELDS)(value, columns)
    if not IDENTITY_KEYS & set(fields):
        raise ValueError(f"must name at least one of {sorted(IDENTITY_KEYS)}")
    return fields


def _describe_key(fields: tuple[str, ...], attempt: ContactAttempt) -> tuple[str, str]:
    en = ", ".join(f"{name} {getattr(attempt, name)}" for name in fields)
    zh = "，".join(f"{_KEY_ZH[name]}{getattr(attempt, name)}" for name in fields)
    return en, zh


def _outcome_words(outcomes: frozenset[str] | None) -> tuple[str, str]:
    if outcomes is None:
        return "", ""
    ordered = sorted(outcomes)
    return "/".join(ordered) + " ", "/".join(OUTCOME_ZH[o] for o in ordered)


class Cap(Rule):
    """At most ``limit`` counted attempts per key inside the window."""

    kind: ClassVar[str] = "cap"
    summary: ClassVar[str] = "at most `limit` counted attempts per key (`per`) inside `window`"
    PARAMS: ClassVar[dict[str, Param]] = {
        "per": Param(
            key_fields, 'fields that make the key, e.g. ["number"] or ["debt_ref", "debtor_ref"]', required=True
        ),
        "window": Param(window, "counting window (rolling, calendar_days, calendar_weeks, ever)", required=True),
        "limit": Param(integer(1), "how many counted attempts the window may hold", required=True),
        "count_channels": Param(subset(CHANNELS), "channels counted (default: the rule's channels)"),
        "count_outcomes": Param(subset(OUTCOMES), "outcomes counted (default: every outcome)"),
        "count_counterparties": Param(subset(COUNTERPARTIES), "counterparties counted (default: the rule's)"),
        "min_duration_s": Param(number, "only attempts lasting at least this long count", default=0.0),
        "only_if_attempt_counts": Param(
            boolean, "a logged attempt breaks the cap only if it would itself be counted", default=False
        ),
    }

    def __init__(self, entry: dict[str, Any], standard: str, standard_version: str) -> None:
        super().__init__(entry, standard, standard_version)
        self.limit: int = entry["limit"]
        self.only_if_attempt_counts: bool = entry["only_if_attempt_counts"]
        counted = AttemptFilter(
            channels=entry["count_channels"] or self.channels,
            counterparties=entry["count_counterparties"] or self.counterparties,
            outcomes=entry["count_outcomes"],
            min_duration_s=entry["min_duration_s"],
        )
        self.counter = CounterSpec(entry["per"], entry["window"], counted, self.limit)

    def counters(self) -> list[CounterSpec]:
        """The one counter this cap reads."""
        return [self.counter]

    def check(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        """Refuse when the window already holds ``limit`` counted attempts with this attempt's key."""
        if self.only_if_attempt_counts and attempt.outcome is not None and not self.counter.counted.matches(attempt):
            return None
        counted = context.count(self.counter, attempt)
        if counted < self.limit:
            return None
        key_en, key_zh = _describe_key(self.counter.key_fields, attempt)
        what_en, what_zh = _outcome_words(self.counter.counted.outcomes)
        window = self.counter.window
        inputs = base_inputs(attempt) | {
            "key": {name: getattr(attempt, name) for name in self.counter.key_fields},
            "counted": counted,
            "limit": self.limit,
            "window": window.as_inputs(),
        }
        return self.verdict(
            attempt,
            inputs,
            f"{counted} earlier {what_en}attempts for {key_en} within {window.describe_en()} "
            f"already reach the limit of {self.limit}",
            f"{key_zh}在{window.describe_zh()}已有{counted}次{what_zh}联系，达到上限{self.limit}次",
        )


class CoolingOff(Rule):
    """No attempt while a triggering contact (a conversation, by default) with the same key is inside the window."""

    kind: ClassVar[str] = "cooling_off"
    summary: ClassVar[str] = "after a triggering contact (e.g. a conversation) no attempt with the same key in `window`"
    PARAMS: ClassVar[dict[str, Param]] = {
        "per": Param(key_fields, "fields that make the key", required=True),
        "window": Param(window, 'the cooling-off period (e.g. { type = "calendar_days", days = 7 })', required=True),
        "trigger_channels": Param(subset(CHANNELS), "channels of a triggering contact", default=frozenset({"call"})),
        "trigger_outcomes": Param(
            subset(OUTCOMES), "outcomes of a triggering contact", default=frozenset({"connected"})
        ),
        "trigger_counterparties": Param(subset(COUNTERPARTIES), "counterparties of a triggering contact"),
        "min_duration_s": Param(number, "a triggering contact lasts at least this long", default=0.0),
    }

    def __init__(self, entry: dict[str, Any], standard: str, standard_version: str) -> None:
        super().__init__(entry, standard, standard_version)
        trigger = AttemptFilter(
            channels=entry["trigger_channels"],
            counterparties=entry["trigger_counterparties"] or self.counterparties,
            outcomes=entry["trigger_outcomes"],
            min_duration_s=entry["min_duration_s"],
        )
        self.counter = CounterSpec(entry["per"], entry["window"], trigger, 1)

    def counters(self) -> list[CounterSpec]:
        """The counter of triggering contacts."""
        return [self.counter]

    def check(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        """Refuse while a triggering contact with this attempt's key lies inside the window."""
        if context.count(self.counter, attempt) < 1:
            return None
        key_en, key_zh = _describe_key(self.counter.key_fields, attempt)
        window = self.counter.window
        inputs = base_inputs(attempt) | {
            "key": {name: getattr(attempt, name) for name in self.counter.key_fields},
            "window": window.as_inputs(),
        }
        return self.verdict(
            attempt,
            inputs,
            f"a conversation with {key_en} took place within {window.describe_en()}; no further attempt until "
            "the period ends",
            f"{key_zh}在{window.describe_zh()}已有通话，冷静期结束前不得再次联系",
        )
