"""Third-party contact: only once the debtor is unreachable, and/or only for allowed purposes (e.g. location).

The debtor is unreachable when the attempt says so (``debtor_reachable = false``), when a ``debtor_unreachable``
case event is open, or - if the rule sets ``unreachable_after_failures`` - after that many consecutive failed
attempts to the debtor (a connected attempt resets the run).
"""

from __future__ import annotations

from typing import Any, ClassVar

from standards.counting import AttemptFilter, RunSpec
from standards.kinds.base import Rule, base_inputs
from standards.kinds.params import Param, boolean, integer, string_list, subset
from standards.records import ContactAttempt
from standards.verdicts import Verdict
from standards.vocabulary import CHANNELS, COUNTERPARTY_ZH, OUTCOMES

_DEFAULT_FAILURES = frozenset({"unanswered", "busy", "not_in_service", "voicemail"})


class ThirdParty(Rule):
    """Refuse third-party contact while the debtor is reachable, or for a purpose the standard does not allow."""

    kind: ClassVar[str] = "third_party"
    summary: ClassVar[str] = "third parties only once the debtor is unreachable and/or only for allowed purposes"
    PARAMS: ClassVar[dict[str, Param]] = {
        "requires_debtor_unreachable": Param(
            boolean, "contact allowed only once the debtor is unreachable", default=True
        ),
        "unreachable_after_failures": Param(integer(1), "consecutive failed attempts that make a debtor unreachable"),
        "failure_outcomes": Param(
            subset(OUTCOMES), "outcomes that count as a failed attempt", default=_DEFAULT_FAILURES
        ),
        "failure_channels": Param(
            subset(CHANNELS),
            "channels whose attempts count toward the failures",
            default=frozenset({"call", "ai_voice"}),
        ),
        "allowed_purposes": Param(
            string_list, "purposes (attempt column purpose) allowed with a third party", default=()
        ),
    }

    def __init__(self, entry: dict[str, Any], standard: str, standard_version: str) -> None:
        super().__init__(entry, standard, standard_version)
        self.requires_unreachable: bool = entry["requires_debtor_unreachable"]
        self.failures_needed: int | None = entry["unreachable_after_failures"]
        self.allowed_purposes: tuple[str, ...] = entry["allowed_purposes"]
        if not self.requires_unreachable and not self.allowed_purposes:
            raise ValueError("set requires_debtor_unreachable = true or list allowed_purposes")
        failure_outcomes = entry["failure_outcomes"]
        if "connected" in failure_outcomes:
            raise ValueError("failure_outcomes cannot include 'connected' (a connected attempt resets the run)")
        self.run = RunSpec(
            ("debtor_ref",),
            failure=AttemptFilter(
                channels=entry["failure_channels"], counterparties=frozenset({"debtor"}), outcomes=failure_outcomes
            ),
            success=AttemptFilter(
                channels=entry["failure_channels"],
                counterparties=frozenset({"debtor"}),
                outcomes=frozenset({"connected"}),
            ),
        )

    def runs(self) -> list[RunSpec]:
        """The run of failed attempts to the debtor, when the rule uses it."""
        return [self.run] if self.failures_needed else []

    def check(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        """Refuse for a purpose not allowed, or while the debtor is not shown unreachable."""
        if self.allowed_purposes:
            purpose = attempt.extra.get("purpose")
            if purpose is None:
                found = self.missing(attempt, "purpose")
                if found is not None:
                    return found
            elif purpose not in self.allowed_purposes:
                return self._refuse(
                    attempt,
                    {"purpose": purpose, "allowed_purposes": list(self.allowed_purposes)},
                    f"purpose {purpose!r} is not allowed with a third party (allowed: "
                    f"{', '.join(self.allowed_purposes)})",
                    f"联系目的“{purpose}”不允许用于联系第三人（仅限：{'、'.join(self.allowed_purposes)}）",
                )
        if self.requires_unreachable:
            return self._check_unreachable(attempt, context)
        return None

    def _check_unreachable(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        stated = attempt.extra.get("debtor_reachable")
        if stated is False or (stated is None and context.state.debtor_unreachable(attempt.debtor_ref)):
            return None
        failures = context.failure_run(self.run, attempt) if self.failures_needed else None
        if stated is None and failures is not None and failures >= self.failures_needed:
            return None
        inputs: dict[str, Any] = {
            "debtor_reachable": stated,
            "consecutive_failures": failures,
            "failures_needed": self.failures_needed,
        }
        if stated is True:
            reason_en, reason_zh = "the attempt records the debtor as reachable", "记录显示债务人可以联系上"
        elif failures is not None:
            reason_en = f"only {failures} consecutive failed attempts to the debtor (needs {self.failures_needed})"
            reason_zh = f"对债务人的连续失败联系仅{failures}次（需{self.failures_needed}次）"
        else:
            reason_en, reason_zh = "nothing shows the debtor is unreachable", "无证据表明债务人无法联系"
        return self._refuse(
            attempt,
            inputs,
            f"contact with a {attempt.counterparty} while the debtor is reachable: {reason_en}",
            f"债务人可联系时联系{COUNTERPARTY_ZH[attempt.counterparty]}：{reason_zh}",
        )

    def _refuse(self, attempt: ContactAttempt, extra: dict[str, Any], en: str, zh: str) -> Verdict:
        inputs = base_inputs(attempt) | {"debtor_ref": attempt.debtor_ref, "number": attempt.number} | extra
        return self.verdict(attempt, inputs, en, zh)
