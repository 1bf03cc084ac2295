"""The base of every rule kind: the common fields of a rule entry, applicability and verdict building.

A rule is built from a validated rule entry. ``judge`` answers for one attempt given a context (history facts);
the engine routes attempts by (channel, counterparty) to the rules that apply and then calls ``judge_routed``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from standards.counting import CounterSpec, RunSpec
from standards.kinds.params import Param, choice, columns_of_type, pattern, subset, text
from standards.records import ContactAttempt
from standards.verdicts import Verdict
from standards.vocabulary import ACTIONS, CHANNELS, COUNTERPARTIES, OUTCOMES, SEVERITIES

RULE_ID = r"[A-Z][A-Z0-9]*(-[A-Z0-9]+)+"
VERSION = r"\d{4}\.\d+"

COMMON_PARAMS: dict[str, Param] = {
    "id": Param(pattern(RULE_ID, "a rule id such as CS-TIME-01"), "rule id (RULES.md platform id)", required=True),
    "version": Param(pattern(VERSION, "a version such as 2026.1"), "rule version; bump on any change", required=True),
    "kind": Param(text, "rule kind (see the kinds below)", required=True),
    "severity": Param(choice(SEVERITIES), "critical, high, medium or low", required=True),
    "action": Param(choice(sorted(ACTIONS)), "block (refuse before contact) or flag (audit only)", default="block"),
    "title_en": Param(text, "short English title", required=True),
    "title_zh": Param(text, "short Chinese title", required=True),
    "source": Param(text, "where the rule comes from (RULES.md row and legal source)", required=True),
    "note": Param(text, "free remark (assumptions, open questions)"),
    "channels": Param(subset(CHANNELS), "channels the rule applies to (default all)"),
    "counterparties": Param(subset(COUNTERPARTIES), "counterparties the rule applies to (default all)"),
    "outcomes": Param(subset(OUTCOMES), "outcomes of a logged attempt the rule applies to (default all)"),
    "exempt_when": Param(columns_of_type("bool"), "boolean columns that exempt an attempt when true", default=()),
    "when_missing": Param(
        choice(("skip", "violation")),
        "what an absent optional column means: skip the check or a violation",
        default="skip",
    ),
}


class Rule:
    """One rule of a standard version. Subclasses set ``kind``, ``PARAMS`` and implement ``check``."""

    kind: ClassVar[str] = ""
    PARAMS: ClassVar[dict[str, Param]] = {}
    summary: ClassVar[str] = ""

    def __init__(self, entry: dict[str, Any], standard: str, standard_version: str) -> None:
        self.id: str = entry["id"]
        self.version: str = entry["version"]
        self.severity: str = entry["severity"]
        self.action: str = entry["action"]
        self.title_en: str = entry["title_en"]
        self.title_zh: str = entry["title_zh"]
        self.source: str = entry["source"]
        self.channels: frozenset[str] | None = entry["channels"]
        self.counterparties: frozenset[str] | None = entry["counterparties"]
        self.outcomes: frozenset[str] | None = entry["outcomes"]
        self.exempt_when: tuple[str, ...] = entry["exempt_when"]
        self.when_missing: str = entry["when_missing"]
        self.standard = standard
        self.standard_version = standard_version
        self.entry = entry
        self.skips_missing = self.when_missing == "skip"
        if self.outcomes is None and not self.exempt_when:
            self.judge_routed = self.check  # type: ignore[method-assign]  # nothing to filter: skip a call

    # -- what the contexts must be able to answer for this rule
    def counters(self) -> list[CounterSpec]:
        """Counters over the history this rule reads."""
        return []

    def runs(self) -> list[RunSpec]:
        """Runs of consecutive failures this rule reads."""
        return []

    # -- applicability
    def applies_to_route(self, channel: str, counterparty: str) -> bool:
        """Whether the rule applies to attempts on ``channel`` with ``counterparty``."""
        return (self.channels is None or channel in self.channels) and (
            self.counterparties is None or counterparty in self.counterparties
        )

    def judge(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        """The verdict of this rule on ``attempt`` (None when it does not apply or is kept)."""
        if not self.applies_to_route(attempt.channel, attempt.counterparty):
            return None
        return self.judge_routed(attempt, context)

    def judge_routed(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        """``judge`` for an attempt already known to be on a route the rule applies to."""
        outcomes = self.outcomes
        if outcomes is not None and attempt.outcome is not None and attempt.outcome not in outcomes:
            return None
        if self.exempt_when:
            extra = attempt.extra
            for name in self.exempt_when:
                if extra.get(name) is True:
                    return None
        return self.check(attempt, context)

    def check(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        """The kind's own test, on an attempt the rule applies to."""
        raise NotImplementedError

    # -- verdicts
    def verdict(self, attempt: ContactAttempt, inputs: dict[str, Any], detail_en: str, detail_zh: str) -> Verdict:
        """A verdict of this rule on ``attempt`` with the inputs used and the explanation in both languages."""
        return Verdict(
            attempt_id=attempt.attempt_id,
            rule=self.id,
            rule_version=self.version,
            kind=self.kind,
            severity=self.severity,
            action=self.action,
            standard=self.standard,
            standard_version=self.standard_version,
            inputs=inputs,
            message_en=f"{self.title_en}: {detail_en}",
            message_zh=f"{self.title_zh}：{detail_zh}",
            source=self.source,
        )

    def missing(self, attempt: ContactAttempt, column: str) -> Verdict | None:
        """The verdict for an absent optional column: a violation or nothing, as ``when_missing`` says."""
        if self.when_missing != "violation":
            return None
        return self.verdict(
            attempt,
            {"missing_column": column},
            f"the attempt does not say {column}, which this rule needs",
            f"该次联系缺少本规则所需的字段 {column}",
        )


def base_inputs(attempt: ContactAttempt) -> dict[str, Any]:
    """The attempt fields every verdict records."""
    return {"channel": attempt.channel, "counterparty": attempt.counterparty, "outcome": attempt.outcome}
