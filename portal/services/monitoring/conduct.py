"""Collection conduct: attempts, violations by rule and family, compliance rate, reports, audit findings.

Five GROUP BY statements per request (attempts, attempts with a violation, violations, reports, findings), each
grouped by (agency, bank) or (agency, status), so the region, the viewer's own, the per-agency drill-down and the
bank's per-agency view all come from the same rows. A cell built from agencies and banks counts its institutions as
the smaller of the two sides (so neither a competitor agency nor a competitor bank can be read out of it). The audit
tables are read only when they exist (the audit service is still being finished); any failure there leaves
``audit_available`` false.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from sqlalchemy import exists, func, inspect, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased

from portal.access import Decision, Principal
from portal.registry.models import Debtor
from portal.services.compliance.models import AttemptViolation, ComplianceReport, ContactAttempt
from portal.services.monitoring.cells import (
    INSTITUTION,
    NOT_DEBTOR_BASED,
    OWN,
    REGION,
    CountFigure,
    Figure,
    Scope,
    Tally,
    apply_suppression,
    ratio,
)
from portal.tenancy.models import Institution

log = logging.getLogger(__name__)

COMPLIANCE_DEFINITION = (
    "合规率 = 无违规的已记录联系 ÷ 全部已记录联系; 违规率 = 违规条数 ÷ 联系次数 × 1000. "
    "Compliance rate = logged contact attempts that broke no rule of the standard in force, over all logged attempts "
    "in the period; violation rate = violations found per 1,000 logged attempts (refused attempts are not counted)."
)
FAMILIES = {
    "TIME": ("催收时段", "Contact hours"), "FREQ": ("联系频次", "Frequency"), "3P": ("第三人", "Third parties"),
    "CEASE": ("停止联系", "Cease requests"), "DISP": ("异议期间", "Open disputes"), "MED": ("调解期间", "Mediation"),
    "ID": ("身份告知", "Identification"), "REC": ("录音留存", "Recording"), "AGENCY": ("机构资质", "Agency admission"),
    "ESC": ("阶梯催收", "Escalation stages"),
}
STATUSES = {"filed": ("已提交待审", "Filed, awaiting review"), "accepted": ("已接受", "Accepted"),
            "returned": ("已退回", "Returned")}


def rule_family(rule: str) -> str:
    """The family of a rule id: its middle part ('CS-FREQ-03' → 'FREQ'); the whole id when it has none."""
    parts = rule.split("-")
    return parts[1] if len(parts) >= 3 else rule


@lru_cache(maxsize=1)
def rule_titles() -> dict[tuple[str, str], tuple[str, str]]:
    """(standard code, rule id) → (zh, en) title from the shipped standards catalogue (newest version wins)."""
    from standards import CATALOGUE_DIR

    titles: dict[tuple[str, str], tuple[str, str]] = {}
    for path in sorted(Path(CATALOGUE_DIR).glob("*/*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        code = data.get("standard", {}).get("code", path.parent.name)
        for rule in data.get("rules", []):
            if "id" in rule:
                titles[(code, rule["id"])] = (rule.get("title_zh", rule["id"]), rule.get("title_en", rule["id"]))
    return titles


@dataclass
class ConductFigure(Figure):
    """Attempts and violations of a set of agencies/banks, with its breakdowns by rule, family, report, finding."""

    VALUES: ClassVar[tuple[str, ...]] = ("attempts", "attempts_with_violation", "violations", "findings")
    attempts: int | None = 0
    attempts_with_violation: int | None = 0
    violations: int | None = 0
    findings: int | None = 0
    by_rule: list[CountFigure] = field(default_factory=list)
    by_family: list[CountFigure] = field(default_factory=list)
    findings_by_family: list[CountFigure] = field(default_factory=list)
    report_statuses: list[CountFigure] = field(default_factory=list)

    @property
    def compliance_rate(self) -> float | None:
        """Share of logged attempts without a violation (0–1)."""
        if self.attempts is None or not self.attempts:
            return None
        return ratio(self.attempts - (self.attempts_with_violation or 0), self.attempts)

    @property
    def violations_per_1000(self) -> float | None:
        """Violations per 1,000 logged attempts."""
        if self.violations is None or not self.attempts:
            return None
        return round(1000 * self.violations / self.attempts, 3)


def _attempt_filter(stmt, scope: Scope, attempt=ContactAttempt):
    stmt = stmt.where(attempt.state == "logged", attempt.started_at >= scope.start, attempt.started_at < scope.end)
    if scope.district:
        stmt = stmt.join(Debtor, Debtor.id == attempt.debtor_id).where(Debtor.district == scope.district)
    return stmt


def _attempt_rows(scope: Scope, session: Session) -> list:
    stmt = _attempt_filter(select(ContactAttempt.agency_id, ContactAttempt.creditor_id, func.count(),
                                  func.count(ContactAttempt.debtor_id.distinct())), scope)
    return session.execute(stmt.group_by(ContactAttempt.agency_id, ContactAttempt.creditor_id)).all()


def _broken_rows(scope: Scope, session: Session) -> list:
    """(agency, bank, attempts with at least one violation): read from the (small) violations side."""
    a = aliased(ContactAttempt)
    stmt = _attempt_filter(
        select(a.agency_id, a.creditor_id, func.count(AttemptViolation.attempt_id.distinct()))
        .join(a, a.id == AttemptViolation.attempt_id).where(AttemptViolation.phase == "logged"), scope, a)
    return session.execute(stmt.group_by(a.agency_id, a.creditor_id)).all()


def _violation_rows(scope: Scope, session: Session) -> list:
    a = aliased(ContactAttempt)
    stmt = _attempt_filter(
        select(a.agency_id, a.creditor_id, a.standard_code, AttemptViolation.rule, func.count(),
               func.count(a.debtor_id.distinct()))
        .join(a, a.id == AttemptViolation.attempt_id).where(AttemptViolation.phase == "logged"), scope, a)
    return session.execute(stmt.group_by(a.agency_id, a.creditor_id, a.standard_code, AttemptViolation.rule)).all()


def _report_rows(scope: Scope, session: Session) -> list:
    stmt = select(ComplianceReport.agency_id, ComplianceReport.status, func.count()).where(
        ComplianceReport.period_end >= scope.period_from, ComplianceReport.period_start <= scope.period_to)
    if scope.district:
        stmt = stmt.join(Institution, Institution.id == ComplianceReport.agency_id).where(
            Institution.district == scope.district)
    return session.execute(stmt.group_by(ComplianceReport.agency_id, ComplianceReport.status)).all()


_AUDIT_PRESENT: set[int] = set()


def _finding_rows(scope: Scope, session: Session) -> list | None:
    """(agency, bank, family, findings, debtors) rows, or None while the audit tables are not there."""
    try:
        from portal.services.audit.models import AuditFinding, FindingReview
    except ImportError:
        return None
    engine = session.get_bind()
    try:
        with session.begin_nested():
            if id(engine) not in _AUDIT_PRESENT:
                if not inspect(session.connection()).has_table(AuditFinding.__tablename__):
                    return None
                _AUDIT_PRESENT.add(id(engine))
            a = aliased(ContactAttempt)
            dismissed = exists().where(FindingReview.finding_id == AuditFinding.id,
                                       FindingReview.decision == "dismissed")
            stmt = _attempt_filter(
                select(AuditFinding.agency_id, AuditFinding.creditor_id, AuditFinding.family, func.count(),
                       func.count(a.debtor_id.distinct()))
                .join(a, a.id == AuditFinding.attempt_id).where(~dismissed), scope, a)
            return session.execute(
                stmt.group_by(AuditFinding.agency_id, AuditFinding.creditor_id, AuditFinding.family)).all()
    except SQLAlchemyError:
        log.warning("audit findings unavailable for region metrics", exc_info=True)
        return None


class _Book:
    """Tallies of one conduct cell (attempts, violations by rule, findings by family, reports by status)."""

    def __init__(self, rule_labels: dict[str, tuple[str, str]]) -> None:
        self.rule_labels = rule_labels
        self.total = Tally()
        self.rules: dict[str, Tally] = {}
        self.families: dict[str, Tally] = {}
        self.findings: dict[str, Tally] = {}
        self.reports: dict[str, Tally] = {}

    @staticmethod
    def tally(table: dict[str, Tally], key: str, count: int, debtors: int, **sides: int | None) -> None:
        """Add one SQL group to the tally of ``key`` in ``table``."""
        table.setdefault(key, Tally()).add({"count": count}, debtors, **sides)

    def figure(self, key: str, label: str, label_en: str, scope_name: str, principal: Principal) -> ConductFigure:
        """The figure of this cell, its breakdowns suppressed for ``principal`` where too small."""
        t = self.total

        def counts(table: dict[str, Tally], labels) -> list[CountFigure]:
            figures = [CountFigure(k, *labels(k), scope_name, institutions=v.institutions, debtors=v.debtors,
                                   count=int(v["count"])) for k, v in sorted(table.items())]
            return apply_suppression(principal, figures)

        return ConductFigure(
            key, label, label_en, scope_name, institutions=t.institutions, debtors=t.debtors,
            attempts=int(t["attempts"]), attempts_with_violation=int(t["broke"]), violations=int(t["violations"]),
            findings=int(t["findings"]),
            by_rule=counts(self.rules, lambda k: self.rule_labels.get(k, (k, k))),
            by_family=counts(self.families, lambda k: FAMILIES.get(k, (k, k))),
            findings_by_family=counts(self.findings, lambda k: (k, k)),
            report_statuses=counts(self.reports, lambda k: STATUSES.get(k, (k, k))),
        )


def contribute(principal: Principal, decision: Decision, metrics, session: Session) -> None:
    """Add ``conduct`` (region, own, by agency, own by counterparty) and ``audit_available`` to ``metrics.values``."""
    scope = Scope.of(principal, decision, metrics, session)
    findings = _finding_rows(scope, session)
    books: dict[tuple[str, int | None], _Book] = {}
    violation_rows = _violation_rows(scope, session)
    titles = rule_titles()
    rule_labels = {rule: titles[(standard, rule)] for _a, _c, standard, rule, *_ in violation_rows
                   if (standard, rule) in titles}

    def targets(agency_id: int, creditor_id: int | None):
        """The cells one row feeds: region, own, this agency (regulator), the counterparty (own rows)."""
        yield "region", None
        if scope.per_institution:
            yield "agency", agency_id
        if scope.is_agency and agency_id == scope.own_id:
            yield "own", None
            if creditor_id is not None:
                yield "counterparty", creditor_id
        if scope.is_bank and creditor_id == scope.own_id:
            yield "own", None
            yield "counterparty", agency_id

    def books_of(agency_id: int, creditor_id: int | None):
        for ident in targets(agency_id, creditor_id):
            yield books.setdefault(ident, _Book(rule_labels))

    for agency_id, creditor_id, attempts, debtors in _attempt_rows(scope, session):
        for book in books_of(agency_id, creditor_id):
            book.total.add({"attempts": attempts}, debtors, agency=agency_id, bank=creditor_id)
    for agency_id, creditor_id, broke in _broken_rows(scope, session):
        for book in books_of(agency_id, creditor_id):
            book.total.add({"broke": broke}, agency=agency_id, bank=creditor_id)
    for agency_id, creditor_id, _standard, rule, count, debtors in violation_rows:
        for book in books_of(agency_id, creditor_id):
            book.total.add({"violations": count}, debtors, agency=agency_id, bank=creditor_id)
            book.tally(book.rules, rule, count, debtors, agency=agency_id, bank=creditor_id)
            book.tally(book.families, rule_family(rule), count, debtors, agency=agency_id, bank=creditor_id)
    for agency_id, creditor_id, family, count, debtors in findings or []:
        for book in books_of(agency_id, creditor_id):
            book.total.add({"findings": count}, debtors, agency=agency_id, bank=creditor_id)
            book.tally(book.findings, family, count, debtors, agency=agency_id, bank=creditor_id)
    for agency_id, status, count in _report_rows(scope, session):
        if scope.is_bank:
            continue  # compliance reports: the agency's own and the regulator's (ACCESS.md), not the banks'
        for book in books_of(agency_id, None):
            book.tally(book.reports, status, count, NOT_DEBTOR_BASED, agency=agency_id)

    p = principal
    region = books.get(("region", None), _Book(rule_labels)).figure("region", "全区域", "Region", REGION, p)
    apply_suppression(p, [region])
    own = None
    if (scope.is_bank or scope.is_agency) and scope.own_id is not None:
        own_book = books.get(("own", None), _Book(rule_labels))
        own = own_book.figure(scope.inst(scope.own_id).code, "本机构", "own", OWN, p)
    by_agency, counterparty = [], []
    for (kind, inst_id), book in books.items():
        if kind in ("agency", "counterparty"):
            inst = scope.inst(inst_id)
            target = by_agency if kind == "agency" else counterparty
            target.append(book.figure(inst.code, inst.name, inst.name_en or inst.code,
                                      INSTITUTION if kind == "agency" else OWN, p))
    metrics.values["conduct"] = {
        "region": region, "own": own,
        "by_agency": sorted(by_agency, key=lambda f: f.key),
        "own_by_counterparty": sorted(counterparty, key=lambda f: f.key),
        "definition": COMPLIANCE_DEFINITION,
    }
    metrics.values["audit_available"] = findings is not None
