"""Read models of the registry and the builders that fill them: decryption, masking, "under objection", retention.

Builders are set-based: a page of debts costs a fixed number of queries (debts, open disputes, guarantors, data keys)
whatever its size. What a viewer sees of a debtor comes from the ``registry.debtor.identity`` and
``registry.debtor.contact`` policies, asked once per relation present on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access import Principal, check_access
from portal.core.crypto import Keyring, WrappedKey, decrypt_blob
from portal.core.identifiers import mask_id_number
from portal.core.models import DataKey
from portal.registry.models import Debt, DebtGuarantor, Debtor, Dispute, identifier_aad
from portal.registry.vocab import IdentityView, Purpose, Relation, days_past_due
from portal.tenancy.models import Institution


@dataclass(frozen=True)
class InstitutionRef:
    """Enough of an institution to show it."""

    id: int
    code: str
    name: str
    kind: str


@dataclass(frozen=True)
class DebtorView:
    """A debtor as one viewer may see it: the identifier whole, masked or absent; phone/address when allowed."""

    id: int
    kind: str
    name: str
    id_number: str | None  # a person's resident identity number, as shown
    uscc: str | None  # an enterprise's unified social credit code, as shown
    identity_view: IdentityView
    phone: str | None = None
    address: str | None = None
    district: str | None = None


@dataclass(frozen=True)
class DebtView:
    """A debt in full, as its creditor (or the assigned agency, the regulator with SUPERVISION...) sees it."""

    id: int
    creditor: InstitutionRef
    debtor: DebtorView
    client_key: str
    product: str | None
    principal_fen: int
    outstanding_fen: int
    currency: str
    opened_on: date
    due_on: date
    days_past_due: int
    status: str
    settled_on: date | None
    collateral: str | None
    notes: str | None
    version: int
    under_objection: bool
    guarantors: tuple[DebtorView, ...] = ()


@dataclass(frozen=True)
class SharedSummary:
    """Other institutions' debts of one debtor, as the policy allows: no creditor names, no single debt."""

    debt_count: int
    totals: dict[str, int]  # outstanding fen by currency
    worst_days_past_due: int
    in_litigation: bool
    creditor_kinds: tuple[str, ...]
    under_objection: int  # how many of these records are under objection

    @property
    def total_outstanding_fen(self) -> int:
        """Outstanding in CNY (the contract's ``totalOutstanding``); other currencies are in ``totals``."""
        return self.totals.get("CNY", 0)


@dataclass(frozen=True)
class InquiryView:
    """One inquiry; the consent reference is shown only to the inquirer and the regulator."""

    id: int
    at: datetime
    institution: InstitutionRef
    institution_kind: str
    debtor: DebtorView
    purpose: Purpose
    consent_ref: str | None


@dataclass(frozen=True)
class DebtorReport:
    """One debtor across all institutions, as much as the policy allows; ``inquiry_id`` is the read's own record."""

    debtor: DebtorView
    debts: tuple[DebtView, ...]
    shared: SharedSummary | None
    inquiry_id: int
    purpose: Purpose
    as_of: date
    inquiries: tuple[InquiryView, ...] = ()


@dataclass(frozen=True)
class DisputeView:
    """A dispute and its answer; ``answer_overdue`` once the 20 days passed without an answer."""

    id: int
    debt_id: int
    opened_at: datetime
    opened_via_id: int
    reason: str
    answer_due_on: date
    answered_at: datetime | None
    outcome: str | None
    answer: str | None
    answer_overdue: bool


@dataclass
class Page:
    """A keyset page: the items in list order and whether more follow."""

    items: list = field(default_factory=list)
    has_more: bool = False


class Keys:
    """Plain data keys by id, unwrapped once per request (one query per batch of ids)."""

    def __init__(self, session: Session, keyring: Keyring):
        self._session, self._keyring, self._keys = session, keyring, {}

    def load(self, key_ids: Iterable[int]) -> None:
        """Unwrap every key in ``key_ids`` not yet loaded, in one query."""
        wanted = set(key_ids) - set(self._keys)
        if wanted:
            for row in self._session.scalars(select(DataKey).where(DataKey.id.in_(wanted))):
                self._keys[row.id] = self._keyring.unwrap(WrappedKey(row.master_kid, row.wrapped))

    def __getitem__(self, key_id: int) -> bytes:
        if key_id not in self._keys:
            self.load([key_id])
        return self._keys[key_id]


class Disclosure:
    """The identity/contact decisions for one principal, asked once per relation."""

    def __init__(self, principal: Principal, purpose: Purpose | None):
        self.principal, self.purpose = principal, purpose
        self._cache: dict[Relation, tuple[IdentityView, bool, bool]] = {}

    def __call__(self, relation: Relation) -> tuple[IdentityView, bool, bool]:
        """(identity view, phone shown, address shown) for a row the principal stands to by ``relation``."""
        if relation not in self._cache:
            ident = check_access("registry.debtor.identity", self.principal, None, relation=relation,
                                 purpose=self.purpose)
            contact = check_access("registry.debtor.contact", self.principal, None, relation=relation)
            self._cache[relation] = (ident["view"], contact["phone"], contact["address"])
        return self._cache[relation]


def _shown_identifier(number: str, view: IdentityView) -> str | None:
    if view is IdentityView.WHOLE:
        return number
    if view is IdentityView.MASKED:
        return mask_id_number(number)
    return None


def debtor_view(debtor: Debtor, keys: Keys, disclosure: tuple[IdentityView, bool, bool]) -> DebtorView:
    """Decrypt and mask one debtor for a viewer with the given disclosure."""
    view, phone_ok, address_ok = disclosure
    dek = keys[debtor.key_id]
    number = None
    if view is not IdentityView.HIDDEN:
        number = decrypt_blob(dek, debtor.id_cipher, identifier_aad(debtor.id_hash, "id")).decode()
    shown = _shown_identifier(number, view) if number else None
    phone = address = None
    if phone_ok and debtor.phone_cipher:
        phone = decrypt_blob(dek, debtor.phone_cipher, identifier_aad(debtor.id_hash, "phone")).decode()
    if address_ok and debtor.address_cipher:
        address = decrypt_blob(dek, debtor.address_cipher, identifier_aad(debtor.id_hash, "address")).decode()
    person = debtor.kind == "person"
    return DebtorView(
        id=debtor.id, kind=debtor.kind, name=debtor.name, id_number=shown if person else None,
        uscc=None if person else shown, identity_view=view, phone=phone, address=address, district=debtor.district,
    )


def institution_ref(inst: Institution) -> InstitutionRef:
    """The short form of an institution."""
    return InstitutionRef(inst.id, inst.code, inst.name, inst.kind)


def open_disputes(session: Session, debt_ids: Sequence[int]) -> set[int]:
    """The ids among ``debt_ids`` that are under objection (an unanswered dispute), in one query."""
    if not debt_ids:
        return set()
    stmt = select(Dispute.debt_id).where(Dispute.debt_id.in_(debt_ids), Dispute.answered_at.is_(None))
    return set(session.scalars(stmt))


def build_debt_views(
    session: Session,
    keys: Keys,
    rows: Sequence[tuple[Debt, Debtor, Institution]],
    *,
    relation_of: Callable[[Debt], Relation],
    disclosure: Disclosure,
    as_of: date,
) -> list[DebtView]:
    """Debt views for (debt, debtor, creditor) rows, with guarantors and objections loaded in batches."""
    debt_ids = [d.id for d, _, _ in rows]
    objected = open_disputes(session, debt_ids)
    guarantors: dict[int, list[Debtor]] = {}
    if debt_ids:
        stmt = (
            select(DebtGuarantor.debt_id, Debtor)
            .join(Debtor, Debtor.id == DebtGuarantor.debtor_id)
            .where(DebtGuarantor.debt_id.in_(debt_ids))
            .order_by(DebtGuarantor.id)
        )
        for debt_id, guarantor in session.execute(stmt):
            guarantors.setdefault(debt_id, []).append(guarantor)
    keys.load({d.key_id for _, d, _ in rows} | {g.key_id for gs in guarantors.values() for g in gs})
    views = []
    for debt, debtor, creditor in rows:
        shown = disclosure(relation_of(debt))
        views.append(
            DebtView(
                id=debt.id, creditor=institution_ref(creditor), debtor=debtor_view(debtor, keys, shown),
                client_key=debt.client_key, product=debt.product, principal_fen=debt.principal_fen,
                outstanding_fen=debt.outstanding_fen, currency=debt.currency, opened_on=debt.opened_on,
                due_on=debt.due_on, days_past_due=days_past_due(debt.status, debt.due_on, as_of), status=debt.status,
                settled_on=debt.settled_on, collateral=debt.collateral, notes=debt.notes, version=debt.version,
                under_objection=debt.id in objected,
                guarantors=tuple(debtor_view(g, keys, (shown[0], False, False)) for g in guarantors.get(debt.id, [])),
            )
        )
    return views


def dispute_view(dispute: Dispute, today: date) -> DisputeView:
    """The read model of a dispute as of ``today`` (Shanghai)."""
    return DisputeView(
        id=dispute.id, debt_id=dispute.debt_id, opened_at=dispute.opened_at, opened_via_id=dispute.opened_via_id,
        reason=dispute.reason, answer_due_on=dispute.answer_due_on, answered_at=dispute.answered_at,
        outcome=dispute.outcome, answer=dispute.answer,
        answer_overdue=dispute.answered_at is None and today > dispute.answer_due_on,
    )
