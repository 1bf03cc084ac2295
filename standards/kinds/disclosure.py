"""Attempt fields a standard requires: identification and disclosures, recording, and record retention."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

from standards.counting import AttemptFilter, CounterSpec
from standards.kinds.base import Rule, base_inputs
from standards.kinds.frequency import key_fields
from standards.kinds.params import Param, choice, columns_of_type, integer, string_list
from standards.records import ContactAttempt
from standards.verdicts import Verdict
from standards.windows import EVER, Window


class RequiredFields(Rule):
    """Boolean columns that must be true and disclosure tokens that must be listed (column ``disclosures``).

    ``scope`` narrows the rule to the first contact per key (``first``), to later ones (``later``) or applies it
    to ``every`` contact; a first contact is one with no earlier contact matching the rule's channels,
    counterparties and outcomes for the same key (``first_per``).
    """

    kind: ClassVar[str] = "required_fields"
    summary: ClassVar[str] = "boolean columns that must be true and disclosures that must be made"
    PARAMS: ClassVar[dict[str, Param]] = {
        "fields_true": Param(
            columns_of_type("bool"), "boolean columns that must be true (e.g. identified)", default=()
        ),
        "disclosures": Param(string_list, "tokens the disclosures column must list (e.g. debt_collector)", default=()),
        "scope": Param(
            choice(("every", "first", "later")), "every contact, only the first, or only later ones", default="every"
        ),
        "first_per": Param(key_fields, "key of 'first contact' (default [\"debt_ref\"])"),
    }

    def __init__(self, entry: dict[str, Any], standard: str, standard_version: str) -> None:
        super().__init__(entry, standard, standard_version)
        self.fields_true: tuple[str, ...] = entry["fields_true"]
        self.disclosures: tuple[str, ...] = entry["disclosures"]
        if not self.fields_true and not self.disclosures:
            raise ValueError("list fields_true and/or disclosures")
        self.scope: str = entry["scope"]
        counted = AttemptFilter(channels=self.channels, counterparties=self.counterparties, outcomes=self.outcomes)
        self.earlier = CounterSpec(entry["first_per"] or ("debt_ref",), Window(EVER), counted, 1)

    def counters(self) -> list[CounterSpec]:
        """Earlier matching contacts, when the scope is first or later."""
        return [] if self.scope == "every" else [self.earlier]

    def check(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        """Refuse when a required column is false (or absent, if so configured) or a disclosure is missing."""
        if self.scope != "every":
            is_first = context.count(self.earlier, attempt) == 0
            if is_first != (self.scope == "first"):
                return None
        extra = attempt.extra
        for name in self.fields_true:
            if extra.get(name) is not True:
                break
        else:
            made = extra.get("disclosures", ())
            if all(token in made for token in self.disclosures) if self.disclosures else True:
                return None  # the usual case: everything required is there
        false_fields = [name for name in self.fields_true if extra.get(name) is False]
        absent = [name for name in self.fields_true if name not in extra]
        made = extra.get("disclosures")
        if made is None and self.disclosures:
            absent.append("disclosures")
            lacking: list[str] = []
        else:
            lacking = [token for token in self.disclosures if token not in (made or ())]
        if not false_fields and not lacking:
            return self.missing(attempt, ", ".join(absent)) if absent else None
        inputs = base_inputs(attempt) | {
            "false_fields": false_fields,
            "missing_disclosures": lacking,
            "scope": self.scope,
        }
        parts_en = [f"{name} is false" for name in false_fields] + [f"no {token} disclosure" for token in lacking]
        parts_zh = [f"{name}为否" for name in false_fields] + [f"未作{token}告知" for token in lacking]
        return self.verdict(attempt, inputs, "; ".join(parts_en), "；".join(parts_zh))


class Recording(Rule):
    """The attempt must be recorded (column ``recorded`` true) on the rule's channels and outcomes."""

    kind: ClassVar[str] = "recording"
    summary: ClassVar[str] = "attempts on the listed channels (and outcomes) must be recorded"
    PARAMS: ClassVar[dict[str, Param]] = {}

    def check(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        """Refuse an unrecorded attempt (an absent column follows when_missing)."""
        recorded = attempt.extra.get("recorded")
        if recorded is None:
            return None if self.skips_missing else self.missing(attempt, "recorded")
        if recorded:
            return None
        return self.verdict(
            attempt,
            base_inputs(attempt) | {"recorded": False},
            f"the {attempt.channel} was not recorded",
            "本次联系未录音录像",
        )


class Retention(Rule):
    """Records of an attempt are kept at least ``min_years`` after it (column ``retain_until``)."""

    kind: ClassVar[str] = "retention"
    summary: ClassVar[str] = "the attempt's record is kept at least `min_years` (column retain_until)"
    PARAMS: ClassVar[dict[str, Param]] = {
        "min_years": Param(integer(1), "years the record must be kept after the attempt", required=True),
    }

    def __init__(self, entry: dict[str, Any], standard: str, standard_version: str) -> None:
        super().__init__(entry, standard, standard_version)
        self.min_years: int = entry["min_years"]

    def check(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        """Refuse when ``retain_until`` is earlier than the attempt's local date plus ``min_years``."""
        retain_until = attempt.extra.get("retain_until")
        if retain_until is None:
            return None if self.skips_missing else self.missing(attempt, "retain_until")
        started = date.fromordinal(date(1970, 1, 1).toordinal() + context.local(attempt)[1])
        needed = _add_years(started, self.min_years)
        if retain_until >= needed:
            return None
        inputs = base_inputs(attempt) | {"retain_until": retain_until.isoformat(), "needed_until": needed.isoformat()}
        return self.verdict(
            attempt,
            inputs,
            f"kept only until {retain_until.isoformat()}, needs {self.min_years} years (until {needed.isoformat()})",
            f"记录仅保存至{retain_until.isoformat()}，应至少保存{self.min_years}年（至{needed.isoformat()}）",
        )


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
