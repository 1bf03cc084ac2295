"""Escalation rows of ACCESS.md: a bank's ladder (stages, transitions, lawyer's letters) is part of its debts.

- the creditor bank reads its board, stages and letters (a reading role) and approves or rejects letters and runs
  its own sweep (the operator role);
- an agency sees the stage of the debts actively assigned to it, nothing else;
- the regulator sees stage counts per bank, reads stages and letters with purpose SUPERVISION, publishes the ladder
  and may run any bank's sweep; scheduled jobs (``Principal.system``) and the shell operator run sweeps;
- other banks see nothing of another's book; mediators and tracers see nothing (FORBIDDEN).
"""

from __future__ import annotations

from typing import Any

from portal.access import Decision, Kind, Principal, Role, policy
from portal.registry.vocab import Purpose

READ_ROLES = frozenset({Role.ANALYST, Role.OPERATOR, Role.AUDITOR})
WRITE_ROLES = frozenset({Role.OPERATOR})


def _member(principal: Principal) -> bool:
    return principal.kind is not None and principal.institution_id is not None


def _reads(principal: Principal) -> bool:
    return _member(principal) and bool(principal.roles & READ_ROLES)


def _writes(principal: Principal) -> bool:
    return _member(principal) and bool(principal.roles & WRITE_ROLES)


@policy("escalation.ladder.read")
def ladder_read(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """The ladder in force is the region's rule: every member may read it."""
    return Decision.allow() if _member(principal) or principal.operator else Decision.deny("members only")


@policy("escalation.ladder.publish")
def ladder_publish(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """The regulator sets the thresholds (a bank may not)."""
    if principal.operator or (principal.kind is Kind.REGULATOR and principal.roles & {Role.ADMIN, Role.OPERATOR}):
        return Decision.allow()
    return Decision.deny("only the regulator publishes the collection ladder")


@policy("escalation.sweep.run")
def sweep_run(principal: Principal, _target: Any = None, *, creditor_id: int | None = None, **_: Any) -> Decision:
    """A bank's operator sweeps its own book; the regulator's operator, scheduled jobs and the shell operator any."""
    if principal.operator or (principal.system and principal.kind in (Kind.BANK, Kind.REGULATOR)
                              and (principal.kind is Kind.REGULATOR or creditor_id == principal.institution_id)):
        return Decision.allow()
    if principal.kind is Kind.REGULATOR and _writes(principal):
        return Decision.allow()
    if principal.kind is Kind.BANK and _writes(principal) and creditor_id == principal.institution_id:
        return Decision.allow()
    return Decision.deny("a sweep is run by the creditor bank's operators or by the regulator")


@policy("escalation.board.read")
def board_read(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """The collections board is a bank's own (its book only)."""
    if principal.kind is Kind.BANK and _reads(principal):
        return Decision.allow()
    return Decision.deny("the collections board is shown to the creditor bank's staff only")


@policy("escalation.stage.list")
def stage_list(principal: Principal, _target: Any = None, *, purpose: Purpose | None = None, **_: Any) -> Decision:
    """Debts by stage: a bank its own, an agency its assigned ones, the regulator all with SUPERVISION."""
    if not _reads(principal):
        return Decision.deny("debts' stages are shown to a reading role of a member institution")
    if principal.kind is Kind.BANK:
        return Decision.allow(scope="creditor")
    if principal.kind is Kind.AGENCY:
        return Decision.allow(scope="assigned")
    if principal.kind is Kind.REGULATOR:
        if purpose is Purpose.SUPERVISION:
            return Decision.allow(scope="all")
        return Decision.deny("the regulator reads debts' stages with purpose SUPERVISION")
    return Decision.deny("debts' stages are not shown to mediators or tracers")


@policy("escalation.letter.list")
def letter_list(principal: Principal, _target: Any = None, *, purpose: Purpose | None = None, **_: Any) -> Decision:
    """Lawyer's letters: the creditor bank; the regulator with SUPERVISION; nobody else."""
    if not _reads(principal):
        return Decision.deny("lawyer's letters are shown to a reading role of the creditor bank")
    if principal.kind is Kind.BANK:
        return Decision.allow(scope="creditor")
    if principal.kind is Kind.REGULATOR and purpose is Purpose.SUPERVISION:
        return Decision.allow(scope="all")
    if principal.kind is Kind.REGULATOR:
        return Decision.deny("the regulator reads lawyer's letters with purpose SUPERVISION")
    return Decision.deny("lawyer's letters are shown to the creditor bank only")


@policy("escalation.letter.decide")
def letter_decide(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """The creditor bank's operators approve or reject its letters (rows are scoped to its book by the operation)."""
    if principal.kind is Kind.BANK and _writes(principal):
        return Decision.allow()
    return Decision.deny("lawyer's letters are approved or rejected by the creditor bank's operators")


@policy("escalation.aggregate.read")
def aggregate_read(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Stage counts per bank: the regulator (supervision of the region's collections)."""
    if principal.kind is Kind.REGULATOR and _reads(principal):
        return Decision.allow()
    return Decision.deny("stage counts per bank are shown to the regulator only")
