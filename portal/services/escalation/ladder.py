"""The collection ladder as data (no database, no Flask): stages with their day thresholds, read from TOML and
validated.

The stage codes are fixed by the portal (``reminder``, ``lawyer_letter``, ``judicial``, in that order): a bank may not
invent stages. Their thresholds, names, the pay-by period of a lawyer's letter, the referral threshold and the legal
basis quoted in letters are data, so the regulator can publish a new version without a code change.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from portal.core.errors import BadInput
from portal.core.money import parse_amount

STAGE_CODES = ("reminder", "lawyer_letter", "judicial")
"""The stages every ladder has, in order."""
DEFAULT_PATH = Path(__file__).with_name("ladder.toml")
_TOP_KEYS = {"version", "title_zh", "title_en", "letter_pay_within_days", "referral_threshold_yuan",
             "legal_basis_zh", "stages"}
_STAGE_KEYS = {"code", "name_zh", "name_en", "min_dpd", "max_dpd", "actions"}


@dataclass(frozen=True)
class Stage:
    """One stage: its fixed code, its names, and the range of days past due it covers (``max_dpd`` None: open)."""

    code: str
    name_zh: str
    name_en: str
    min_dpd: int
    max_dpd: int | None
    actions: tuple[str, ...]

    def covers(self, dpd: int) -> bool:
        """Whether a debt ``dpd`` days past due is in this stage."""
        return self.min_dpd <= dpd and (self.max_dpd is None or dpd <= self.max_dpd)


@dataclass(frozen=True)
class Ladder:
    """A validated ladder version."""

    version: str
    stages: tuple[Stage, ...]
    letter_pay_within_days: int
    referral_threshold_fen: int
    legal_basis_zh: str
    source_text: str

    def stage_for(self, dpd: int) -> Stage | None:
        """The stage of a debt ``dpd`` days past due (None: not on the ladder, e.g. not yet overdue)."""
        for stage in self.stages:
            if stage.covers(dpd):
                return stage
        return None

    def stage(self, code: str) -> Stage:
        """The stage called ``code``; BadInput naming it otherwise."""
        for stage in self.stages:
            if stage.code == code:
                return stage
        raise BadInput(f"stage {code!r} is not one of {', '.join(STAGE_CODES)}", field="stage")

    def due_on_or_before(self, as_of: date) -> dict[str, date]:
        """For each stage, the latest due date that puts a debt in it or beyond as of ``as_of`` (SQL-friendly:
        ``due_on <= as_of - min_dpd`` is ``days past due >= min_dpd`` without any date arithmetic in SQL)."""
        return {s.code: as_of - timedelta(days=s.min_dpd) for s in self.stages}

    def pay_by(self, as_of: date) -> date:
        """The deadline written in a lawyer's letter generated on ``as_of``."""
        return as_of + timedelta(days=self.letter_pay_within_days)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"ladder: {where} must be a non-empty string, got {value!r}")
    return value.strip()


def _whole(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"ladder: {where} must be a whole number, got {value!r}")
    return value


def _stage(raw: Any, index: int) -> Stage:
    where = f"stage {index + 1}"
    if not isinstance(raw, dict):
        raise BadInput(f"ladder: {where} must be a table")
    unknown = set(raw) - _STAGE_KEYS
    if unknown:
        raise BadInput(f"ladder: {where} has unknown field {sorted(unknown)[0]!r}")
    code = _text(raw.get("code"), f"{where} code")
    if code != STAGE_CODES[index]:
        raise BadInput(f"ladder: {where} is {code!r}; the stages are {', '.join(STAGE_CODES)} in that order")
    high = raw.get("max_dpd")
    actions = raw.get("actions", [])
    if not isinstance(actions, list) or not all(isinstance(a, str) and a for a in actions):
        raise BadInput(f"ladder: {where} actions must be a list of names")
    return Stage(code, _text(raw.get("name_zh"), f"{where} name_zh"), _text(raw.get("name_en"), f"{where} name_en"),
                 _whole(raw.get("min_dpd"), f"{where} min_dpd"),
                 None if high is None else _whole(high, f"{where} max_dpd"), tuple(actions))


def parse_ladder(source: str) -> Ladder:
    """A ladder from TOML text; BadInput naming the first problem (unknown or missing stage, gap, overlap...)."""
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"ladder: not valid TOML ({exc})") from None
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise BadInput(f"ladder: unknown field {sorted(unknown)[0]!r}")
    raw_stages = data.get("stages")
    if not isinstance(raw_stages, list) or len(raw_stages) != len(STAGE_CODES):
        raise BadInput(f"ladder: exactly {len(STAGE_CODES)} stages are needed: {', '.join(STAGE_CODES)}")
    stages = tuple(_stage(raw, i) for i, raw in enumerate(raw_stages))
    if stages[0].min_dpd < 1:
        raise BadInput("ladder: the first stage starts at day 1 or later (a debt not yet due is not collected)")
    for before, after in zip(stages, stages[1:], strict=False):
        if before.max_dpd is None or before.max_dpd < before.min_dpd:
            raise BadInput(f"ladder: stage {before.code!r} needs max_dpd not below its min_dpd")
        if after.min_dpd != before.max_dpd + 1:
            raise BadInput(f"ladder: stage {after.code!r} must start the day after {before.code!r} ends "
                           f"(day {before.max_dpd + 1}, not {after.min_dpd})")
    if stages[-1].max_dpd is not None:
        raise BadInput(f"ladder: the last stage {stages[-1].code!r} is open-ended (no max_dpd)")
    days = _whole(data.get("letter_pay_within_days"), "letter_pay_within_days")
    if not 1 <= days <= 90:
        raise BadInput(f"ladder: letter_pay_within_days must be between 1 and 90, got {days}")
    threshold = data.get("referral_threshold_yuan")
    if not isinstance(threshold, str):
        raise BadInput(f"ladder: referral_threshold_yuan must be a decimal string, got {threshold!r}")
    return Ladder(_text(data.get("version"), "version"), stages, days,
                  parse_amount(threshold, "referral_threshold_yuan"),
                  _text(data.get("legal_basis_zh"), "legal_basis_zh"), source)


@lru_cache(maxsize=1)
def default_ladder() -> Ladder:
    """The region's default ladder shipped with the portal (ladder.toml beside this module)."""
    return parse_ladder(DEFAULT_PATH.read_text(encoding="utf-8"))
