"""Channels allowed per escalation stage, stages being ranges of days past due (column ``days_past_due``)."""

from __future__ import annotations

from typing import Any, ClassVar

from standards.kinds.base import Rule, base_inputs
from standards.kinds.params import Param, subset, text
from standards.records import ContactAttempt
from standards.verdicts import Verdict
from standards.vocabulary import CHANNEL_ZH, CHANNELS


def stage_list(value: Any, columns: Any) -> tuple[tuple[str, int, int | None, frozenset[str]], ...]:
    """A list of stage tables {name, min_dpd, max_dpd (optional: open-ended), channels}, not overlapping."""
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty list of stage tables")
    stages = []
    for index, stage in enumerate(value):
        where = f"stage {index + 1}"
        if not isinstance(stage, dict):
            raise ValueError(f"{where} must be a table")
        unknown = set(stage) - {"name", "min_dpd", "max_dpd", "channels"}
        if unknown:
            raise ValueError(f"{where} has unknown field {sorted(unknown)[0]!r}")
        try:
            name = text(stage.get("name"), columns)
            low, high = stage.get("min_dpd"), stage.get("max_dpd")
            if isinstance(low, bool) or not isinstance(low, int):
                raise ValueError(f"min_dpd must be a whole number, got {low!r}")
            if high is not None and (isinstance(high, bool) or not isinstance(high, int) or high < low):
                raise ValueError(f"max_dpd must be a whole number not below min_dpd, got {high!r}")
            channels = subset(CHANNELS)(stage.get("channels"), columns)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        stages.append((name, low, high, channels))
    stages.sort(key=lambda s: s[1])
    for before, after in zip(stages, stages[1:], strict=False):
        if before[2] is None or before[2] >= after[1]:
            raise ValueError(f"stages {before[0]!r} and {after[0]!r} overlap")
    return tuple(stages)


class ChannelStages(Rule):
    """Refuse a channel the debt's escalation stage does not allow, or a debt outside every stage."""

    kind: ClassVar[str] = "channel_stages"
    summary: ClassVar[str] = "channels allowed per escalation stage (ranges of days past due)"
    PARAMS: ClassVar[dict[str, Param]] = {
        "stages": Param(
            stage_list, "[[rules.stages]] tables: name, min_dpd, max_dpd (optional), channels", required=True
        ),
    }

    def __init__(self, entry: dict[str, Any], standard: str, standard_version: str) -> None:
        super().__init__(entry, standard, standard_version)
        self.stages = entry["stages"]

    def check(self, attempt: ContactAttempt, context: Any) -> Verdict | None:
        """Refuse when no stage covers the days past due, or the stage does not allow the channel."""
        dpd = attempt.extra.get("days_past_due")
        if dpd is None:
            return None if self.skips_missing else self.missing(attempt, "days_past_due")
        for name, low, high, channels in self.stages:
            if low <= dpd and (high is None or dpd <= high):
                if attempt.channel in channels:
                    return None
                allowed = sorted(channels)
                inputs = base_inputs(attempt) | {"days_past_due": dpd, "stage": name, "allowed_channels": allowed}
                return self.verdict(
                    attempt,
                    inputs,
                    f"{attempt.channel} is not allowed in stage {name} ({dpd} days past due; allowed: "
                    f"{', '.join(allowed)})",
                    f"逾期{dpd}天处于{name}阶段，不允许使用{CHANNEL_ZH[attempt.channel]}"
                    f"（允许：{'、'.join(CHANNEL_ZH[c] for c in allowed)}）",
                )
        inputs = base_inputs(attempt) | {"days_past_due": dpd, "stage": None}
        return self.verdict(
            attempt, inputs, f"no escalation stage covers {dpd} days past due", f"逾期{dpd}天不属于任何催收阶段"
        )
