"""The debtor report across institutions, its inquiry record (no inquiry, no read), and the inquiry list."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, exists, func, select, text
from sqlalchemy.orm import Session

from portal.access import Kind, Principal, check_access, guarded
from portal.core.crypto import Keyring
from portal.core.errors import BadInput, NotFound
from portal.core.identifiers import mask_id_number
from portal.registry import inputs, scoping
from portal.registry.models import Debt, Debtor, Dispute, Inquiry
from portal.registry.parties import SUMMARY_FUNCTION, definer_available, find_debtor
from portal.registry.views import (
    DebtorReport,
    Disclosure,
    InquiryView,
    Keys,
    Page,
    SharedSummary,
    build_debt_views,
    debtor_view,
    institution_ref,
)
from portal.registry.vocab import ARREARS, DebtStatus, Purpose, Relation, check_limit
from portal.tenancy.models import Institution

SUBJECT_INQUIRIES = 100


def _purpose(value: Any) -> Purpose:
    if value is None or value == "":
        raise BadInput("purpose is required", field="purpose")
    return Purpose.parse(value, "purpose")


@guarded("registry.debtor.report")
def debtor_report(principal: Principal, ref: Any, purpose: Any, consent_ref: str | None = None, *,
                  session: Session, keyring: Keyring, as_of: date | None = None) -> DebtorReport:
    """One debtor across all institutions, as much as the policy allows; logs the inquiry in the same transaction.

    The inquiry row is flushed before anything of the report is read: if it cannot be written the call fails and
    shows nothing. The principal's own debts come in full; the others' only as the shared summary.
    """
    purpose = _purpose(purpose)
    kind, number = inputs.debtor_ref(ref)
    consent_ref = inputs.consent(consent_ref)
    as_of = scoping.read_date(principal, as_of)
    debtor = find_debtor(session, keyring, kind, number)
    debtor_id = debtor.id if debtor is not None else None
    relation = scoping.relation_to_debtor(session, principal, debtor_id, as_of=as_of)
    decision = check_access("registry.debtor.report", principal, debtor, relation=relation, purpose=purpose,
                            consent_ref=consent_ref, debtor_kind=kind)
    if debtor is None:
        raise NotFound(f"no debtor with identifier {mask_id_number(number)!r} in the registry")
    inquiry = Inquiry(user_id=principal.user_id, institution_id=principal.institution_id, debtor_id=debtor.id,
                      purpose=purpose.value, consent_ref=consent_ref)
    session.add(inquiry)
    session.flush()  # no inquiry, no read: a failure here propagates before any data is gathered
    keys = Keys(session, keyring)
    disclosure = Disclosure(principal, purpose)
    debts = ()
    if decision["debts"]:
        stmt = (
            select(Debt, Debtor, Institution)
            .join(Debtor, Debtor.id == Debt.debtor_id)
            .join(Institution, Institution.id == Debt.creditor_id)
            .where(Debt.debtor_id == debtor.id, scoping.debts_in_full(principal, purpose=purpose, as_of=as_of))
            .order_by(Debt.id)
        )
        rows = list(session.execute(stmt).tuples())
        debts = tuple(build_debt_views(session, keys, rows, disclosure=disclosure, as_of=as_of,
                                       relation_of=lambda d: scoping.relation_of_row(principal, d.creditor_id)))
    shared = _shared_summary(session, principal, debtor.id, as_of) if decision["summary"] else None
    inquiries = _subject_inquiries(session, keys, debtor, disclosure(relation)) if decision["subject_inquiries"] else ()
    return DebtorReport(debtor=debtor_view(debtor, keys, disclosure(relation)), debts=debts, shared=shared,
                        inquiry_id=inquiry.id, purpose=purpose, as_of=as_of, inquiries=inquiries)


def _shared_summary(session: Session, principal: Principal, debtor_id: int, as_of: date) -> SharedSummary:
    """The shared summary of the debts of ``debtor_id`` held by institutions other than the principal's.

    Only call it after ``registry.debtor.report`` allowed it. On PostgreSQL with row-level security installed it
    goes through the SECURITY DEFINER function of rls.py (the only way to aggregate other tenants' rows there).
    """
    if definer_available(session, SUMMARY_FUNCTION):
        rows = session.execute(
            text("SELECT currency, creditor_kind, debt_count, outstanding_fen, oldest_arrears_due, in_litigation, "
                 "under_objection FROM registry_shared_summary(:d, :a)"),
            {"d": debtor_id, "a": as_of},
        ).all()
    else:
        rows = session.execute(_summary_query(principal, debtor_id, as_of)).all()
    totals: dict[str, int] = {}
    count = objections = 0
    oldest: date | None = None
    litigation = False
    kinds: set[str] = set()
    for currency, creditor_kind, n, outstanding, oldest_due, in_litigation, objected in rows:
        count += int(n)
        totals[currency] = totals.get(currency, 0) + int(outstanding or 0)
        if oldest_due is not None:
            oldest_due = date.fromisoformat(oldest_due) if isinstance(oldest_due, str) else oldest_due
            oldest = oldest_due if oldest is None else min(oldest, oldest_due)
        litigation = litigation or bool(in_litigation)
        objections += int(objected or 0)
        kinds.add(creditor_kind)
    worst = max(0, (as_of - oldest).days) if oldest is not None else 0
    return SharedSummary(count, totals, worst, litigation, tuple(sorted(kinds)), objections)


def _summary_query(principal: Principal, debtor_id: int, as_of: date):  # noqa: ANN202 - a Select
    """The same aggregate as ``rls.SUMMARY_FUNCTION``, dialect-neutral (grouped by currency and creditor kind)."""
    arrears = [s.value for s in ARREARS]
    objected = exists().where(Dispute.debt_id == Debt.id, Dispute.answered_at.is_(None))
    stmt = (
        select(
            Debt.currency,
            Institution.kind,
            func.count(Debt.id),
            func.sum(Debt.outstanding_fen),
            func.min(case((Debt.status.in_(arrears), Debt.due_on))),
            func.max(case((Debt.status == DebtStatus.IN_LITIGATION.value, 1), else_=0)),
            func.sum(case((objected, 1), else_=0)),
        )
        .join(Institution, Institution.id == Debt.creditor_id)
        .where(Debt.debtor_id == debtor_id, scoping.shown_debts(principal, as_of=as_of))
        .group_by(Debt.currency, Institution.kind)
    )
    if principal.institution_id is not None:
        stmt = stmt.where(Debt.creditor_id != principal.institution_id)
    return stmt


def _subject_inquiries(session: Session, keys: Keys, debtor: Debtor, shown: Any) -> tuple[InquiryView, ...]:
    """Who looked the debtor up, newest first: part of a data subject's own report (institutions named)."""
    stmt = (
        select(Inquiry, Institution)
        .join(Institution, Institution.id == Inquiry.institution_id)
        .where(Inquiry.debtor_id == debtor.id)
        .order_by(Inquiry.id.desc())
        .limit(SUBJECT_INQUIRIES)
    )
    view = debtor_view(debtor, keys, shown)
    return tuple(
        InquiryView(i.id, i.at, institution_ref(inst), inst.kind, view, Purpose(i.purpose), None)
        for i, inst in session.execute(stmt).tuples()
    )


@guarded("registry.inquiry.list")
def list_inquiries(principal: Principal, *, session: Session, keyring: Keyring, after_id: int | None = None,
                   limit: int | None = None, debtor_id: int | None = None) -> Page:
    """Inquiries the principal may see, newest first; keyset pages (``after_id`` = the last id of the previous page).

    Another institution's inquiry about a bank's own debtor shows only the inquirer's kind, not its name or consent
    reference: who is courting a bank's customer is that competitor's business secret.
    """
    check_access("registry.inquiry.list", principal)
    limit = check_limit(limit)
    stmt = (
        select(Inquiry, Debtor, Institution)
        .join(Debtor, Debtor.id == Inquiry.debtor_id)
        .join(Institution, Institution.id == Inquiry.institution_id)
        .where(scoping.inquiries_visible(principal))
    )
    if after_id is not None:
        if isinstance(after_id, bool) or not isinstance(after_id, int) or after_id < 0:
            raise BadInput(f"after: {after_id!r} is not a position in this list", field="after")
        stmt = stmt.where(Inquiry.id < after_id)
    if debtor_id is not None:
        stmt = stmt.where(Inquiry.debtor_id == debtor_id)
    rows = list(session.execute(stmt.order_by(Inquiry.id.desc()).limit(limit + 1)).tuples())
    page = rows[:limit]
    customers: set[int] = set()
    if principal.kind is Kind.BANK and page:
        customers = set(session.scalars(select(Debt.debtor_id).where(
            Debt.creditor_id == principal.institution_id, Debt.debtor_id.in_({d.id for _, d, _ in page}))))
    keys = Keys(session, keyring)
    keys.load({d.key_id for _, d, _ in page})
    disclosure = Disclosure(principal, None)
    items = []
    for inquiry, debtor, inst in page:
        # CONTRACT.md fixes `institution: Institution!`: the inquirer is always named; the consent reference (the
        # data subject's document) only to the inquirer itself and the regulator.
        named = principal.kind is Kind.REGULATOR or inquiry.institution_id == principal.institution_id
        relation = _inquiry_relation(principal, debtor.id in customers)
        items.append(InquiryView(
            id=inquiry.id, at=inquiry.at, institution=institution_ref(inst),
            institution_kind=inst.kind, debtor=debtor_view(debtor, keys, disclosure(relation)),
            purpose=Purpose(inquiry.purpose), consent_ref=inquiry.consent_ref if named else None,
        ))
    return Page(items, len(rows) > limit)


def _inquiry_relation(principal: Principal, customer: bool) -> Relation:
    """The relation under which an inquiry's debtor is shown: an inquiry was only written when the report was
    allowed, so its maker stands to the debtor at least as an 'other bank' (or by its case or request)."""
    kind = principal.kind
    if kind is Kind.REGULATOR:
        return Relation.REGULATOR
    if kind is Kind.BANK:
        return Relation.CREDITOR if customer else Relation.NONE
    return {Kind.MEDIATOR: Relation.CASE_MEDIATOR, Kind.TRACER: Relation.REQUEST_TRACER}.get(kind, Relation.NONE)
