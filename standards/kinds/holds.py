"""Holds and agency qualification.

A hold (open dispute, mediation, attorney representation, cease request) stops contact about the debt or with
the debtor, except with the counterparties, on the channels or for the purposes the rule allows. A hold is open
when the attempt says so (its boolean column) or when a case event opened it and none closed it yet.
An agency is qualified when its licence is valid, the creditor white-listed it, and it was evaluated recently.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from standards.kinds.base import Rule, base_inputs
from standards.kinds.params import Param, boolean, choice, integer, string_list, subset
from standards.records import ContactAttempt
from standards.verdicts import Verdict
from standards.vocabulary import CHANNELS, COUNTERPARTIES, HOLDS

_HOLD_WORDS = {
    "dispute": ("the debt is under an open dispute", "该债务存在未处理完毕的异议"),
    "mediation": ("the debt is in mediation", "该债务正在调解中"),
    "attorney": ("the debtor is represented by an attorney", "债务人已委托律师代理"),
    "cease": ("the debtor asked to stop contact", "债务人已要求停止联系"),
}
_DAY = 86_400


class Hold(Rule):
    """Refuse contact while a hold is open, except what the rule allows."""

    kind: ClassVar[str] = "hold"
    summary: ClassVar[str] = "no contact while a dispute, mediation, attorney representation or cease request is open"
    PARAMS: ClassVar[dict[str, Param]] = {
        "hold": Param(choice(sorted(HOLDS)), "dispute, mediation, attorney or cease", required=True),
        "allowed_counterparties": Param(subset(COUNTERPARTIES), "counterparties still allowed (e.g. attorney)"),
        "allowed_channels": Param(subset(CHANNELS), "channels still allowed (e.g. letter)"),
        "allowed_purposes": Param(string_list, "purposes (column purpose) still allowed", default=()),
    }

    def __init__(self, entry: dict[str, Any], standard: str, standard_version: str) -> None:
        super().__init__(entry, standard, standard_version)
        self.hold: str = entry["hold"]
        self.column = str(HOLDS[self.hold]["column"])
        self.allowed_counterparties: frozenset[str] = entry["allowed_counterparties"] or frozenset()
        self.allowed_channels: frozenset[str] = entry["allowed_channels"] or frozenset()
        self.allowed_purposes: tuple[str, ...] = entry["allowed_purposes"]

    def check(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        """Refuse when the hold is open and the attempt is not one of the allowed exceptions."""
        stated = attempt.extra.get(self.column)
        if stated is not True and not context.state.hold_open(self.hold, attempt):
            return None
        if attempt.counterparty in self.allowed_counterparties or attempt.channel in self.allowed_channels:
            return None
        if attempt.extra.get("purpose") in self.allowed_purposes:
            return None
        why_en, why_zh = _HOLD_WORDS[self.hold]
        inputs = base_inputs(attempt) | {
            "hold": self.hold,
            "debt_ref": attempt.debt_ref,
            "debtor_ref": attempt.debtor_ref,
            "stated_in_attempt": stated,
            "purpose": attempt.extra.get("purpose"),
        }
        return self.verdict(attempt, inputs, f"{why_en}; this contact is not allowed", f"{why_zh}，不得进行本次联系")


class AgencyQualification(Rule):
    """Refuse contact by an agency without a valid licence, white-listing or a recent evaluation."""

    kind: ClassVar[str] = "agency_qualification"
    summary: ClassVar[str] = "the agency (column agency_ref) is licensed, white-listed by the creditor, evaluated"
    PARAMS: ClassVar[dict[str, Param]] = {
        "require_licence": Param(boolean, "a licence_granted event valid at the attempt is needed", default=True),
        "require_whitelist": Param(boolean, "the creditor (column creditor_ref) white-listed the agency", default=True),
        "evaluation_max_age_days": Param(integer(1), "the agency was evaluated at most this many days before"),
    }

    def __init__(self, entry: dict[str, Any], standard: str, standard_version: str) -> None:
        super().__init__(entry, standard, standard_version)
        self.require_licence: bool = entry["require_licence"]
        self.require_whitelist: bool = entry["require_whitelist"]
        self.max_age_days: int | None = entry["evaluation_max_age_days"]

    def check(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        """Refuse when any required qualification is missing at the attempt's time."""
        agency = attempt.extra.get("agency_ref")
        if agency is None:
            return None if self.skips_missing else self.missing(attempt, "agency_ref")
        standing = context.state.agency(agency)
        epoch = attempt.epoch
        creditor = attempt.extra.get("creditor_ref")
        licence_ok = not self.require_licence or (standing.licence_until is not None and standing.licence_until > epoch)
        listed_ok = not self.require_whitelist or creditor is None or creditor in standing.whitelisted_by
        evaluated_ok = self.max_age_days is None or (
            standing.evaluated_at is not None and epoch - standing.evaluated_at <= self.max_age_days * _DAY
        )
        if self.require_whitelist and creditor is None and not self.skips_missing:
            return self.missing(attempt, "creditor_ref")
        if licence_ok and listed_ok and evaluated_ok:
            return None
        problems_en: list[str] = []
        problems_zh: list[str] = []
        if not licence_ok:
            problems_en.append("no valid licence")
            problems_zh.append("无有效资质")
        if not listed_ok:
            problems_en.append(f"not on the white-list of {creditor}")
            problems_zh.append(f"不在{creditor}的合作机构白名单上")
        if not evaluated_ok:
            problems_en.append(f"not evaluated within {self.max_age_days} days")
            problems_zh.append(f"{self.max_age_days}天内未经评估")
        if not problems_en:
            return None
        inputs = base_inputs(attempt) | {
            "agency_ref": agency,
            "creditor_ref": creditor,
            "licence_until": _iso(standing.licence_until),
            "evaluated_at": _iso(standing.evaluated_at),
            "problems": problems_en,
        }
        return self.verdict(
            attempt, inputs, f"agency {agency}: {'; '.join(problems_en)}", f"催收机构{agency}：{'；'.join(problems_zh)}"
        )


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat()
