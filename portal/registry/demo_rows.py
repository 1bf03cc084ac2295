"""Row generation of the demo registry, one chunk of debtors at a time (see demo.py for the writing side).

Each chunk has its own random stream (``"{seed}:registry:{k}"``) and its own block of ids, so chunks are independent:
several processes can generate them and the rows are the same. Identifiers come from a seeded bijection (unique by
construction), sealed with one reused AES-GCM object under the portal data key.
"""

from __future__ import annotations

import random
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.core.crypto import NONCE_BYTES, Keyring, encrypt_blob
from portal.registry import demo_data as dd
from portal.registry.models import DEBTOR_ID_PURPOSE, identifier_aad
from portal.registry.vocab import DISPUTE_ANSWER_DAYS

CHUNK = 10_000
BANKS = ("bank-a", "bank-b", "bank-c")
AGENCIES = ("agency-a", "agency-b")
DEBTS_PER_DEBTOR = ((1, 0.64), (2, 0.25), (3, 0.08), (4, 0.03))  # ≈ 1.5 debts per debtor
MAX_DEBTS = 4  # per debtor: the size of a chunk's id block for debts, assignments and disputes
INQUIRY_RATE = 0.06
PURPOSES = (("credit_approval", 0.55), ("post_loan_management", 0.25), ("collection", 0.15), ("litigation", 0.05))


class _Sealer:
    """AES-GCM under one data key with the object reused; the same blob format as ``crypto.encrypt_blob``."""

    def __init__(self, dek: bytes):
        self._aead = AESGCM(dek)
        self._prefix = encrypt_blob(dek, b"")[:1]  # the blob version byte, taken from the reference implementation

    def seal(self, plaintext: str, aad: bytes) -> bytes:
        """The blob of ``plaintext`` bound to ``aad``."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return self._prefix + nonce + self._aead.encrypt(nonce, plaintext.encode(), aad)


def pick(rng: random.Random, weighted: tuple[tuple[Any, float], ...]) -> Any:
    """A value drawn by weight (the weights sum to 1)."""
    r = rng.random()
    for value, weight in weighted:
        r -= weight
        if r < 0:
            return value
    return weighted[-1][0]


class Generator:
    """Generates the rows of chunk ``k`` (debtors ``k*CHUNK`` onwards) from a random stream of that chunk alone,
    with ids from that chunk's block: chunks can be generated in any order, by any process, with the same rows."""

    def __init__(self, seed: int, institutions: dict[str, int], keyring: Keyring, dek: bytes, key_id: int,
                 as_of: date, total: int, first_ids: dict[str, int]):
        self.seed, self.inst, self.keyring, self.key_id, self.as_of, self.total = (
            seed, institutions, keyring, key_id, as_of, total)
        self.sealer = _Sealer(dek)
        self.first_ids = dict(first_ids)
        self.bijection = dd.Bijection.from_rng(random.Random(f"{seed}:registry"))
        self.now = datetime.combine(as_of, time(2, 0), tzinfo=UTC)
        # inquiries spread over the last 90 days in id order, so "newest first" by id is newest first by time
        self.inquiry_step = timedelta(days=90) / (total + 1)
        self.rng = random.Random()
        self.ids: dict[str, int] = {}

    def _take(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def chunk(self, k: int) -> dict[str, list[dict[str, Any]]]:
        """Rows of every table for chunk ``k``."""
        start, end = k * CHUNK, min(self.total, (k + 1) * CHUNK)
        self.rng = random.Random(f"{self.seed}:registry:{k}")
        self.ids = {t: first + k * CHUNK * (1 if t in ("debtors", "inquiries") else MAX_DEBTS)
                    for t, first in self.first_ids.items()}
        out: dict[str, list[dict[str, Any]]] = {name: [] for name in ("debtors", "debts", "assignments", "disputes",
                                                                      "inquiries")}
        for index in range(start, end):
            debtor_id, enterprise = self._debtor(index, out)
            for _ in range(pick(self.rng, DEBTS_PER_DEBTOR)):
                self._debt(debtor_id, enterprise, out)
            if self.rng.random() < INQUIRY_RATE:
                self._inquiry(index, debtor_id, enterprise, out)
        return out

    def _debtor(self, index: int, out: dict[str, list]) -> tuple[int, bool]:
        rng = self.rng
        enterprise = rng.random() < 0.3
        if enterprise:
            area = rng.randrange(len(dd.DISTRICTS))
            number, district = self.bijection.enterprise_code(index, area), dd.DISTRICTS[area][1]
            name = dd.enterprise_name(rng, district)
        else:
            number, district = self.bijection.person_number(index, rng.random() < 0.5)
            name = dd.person_name(rng)
        id_hash = self.keyring.lookup_hash(DEBTOR_ID_PURPOSE, number)
        seal = self.sealer.seal
        debtor_id = self._take("debtors")
        out["debtors"].append({
            "id": debtor_id, "kind": "enterprise" if enterprise else "person", "id_hash": id_hash,
            "id_cipher": seal(number, identifier_aad(id_hash, "id")), "key_id": self.key_id, "name": name,
            "phone_cipher": seal(dd.phone(rng, enterprise), identifier_aad(id_hash, "phone")),
            "address_cipher": seal(dd.address(rng, district), identifier_aad(id_hash, "address")),
            "district": district, "created_at": self.now, "updated_at": self.now,
        })
        return debtor_id, enterprise

    def _debt(self, debtor_id: int, enterprise: bool, out: dict[str, list]) -> None:
        rng, as_of = self.rng, self.as_of
        bank = rng.choice(BANKS)
        product, low, high = rng.choice(dd.ENTERPRISE_PRODUCTS if enterprise else dd.PERSON_PRODUCTS)
        principal = dd.amount_fen(rng, low, high)
        status, dpd_range, _w = rng.choices(dd.BUCKETS, cum_weights=dd.BUCKET_CUM_WEIGHTS)[0]
        opened = as_of - timedelta(days=rng.randrange(60, 3650))
        settled_on, adverse = None, status in ("overdue", "written_off", "in_litigation")
        if dpd_range is not None:
            due = as_of - timedelta(days=rng.randint(*dpd_range))
            opened = min(opened, due - timedelta(days=30))
            outstanding = int(principal * rng.uniform(0.3, 1.05))
        elif status == "settled":
            settled_on = as_of - timedelta(days=rng.randrange(10, 3000))
            opened = min(opened, settled_on - timedelta(days=90))
            due = settled_on - timedelta(days=rng.randrange(0, 60))
            adverse = rng.random() < 0.3  # some settled debts were in arrears before: retention applies to them
            outstanding = 0
        else:
            due = as_of + timedelta(days=rng.randrange(1, 45))
            outstanding = int(principal * rng.uniform(0.05, 1.0))
        debt_id = self._take("debts")
        out["debts"].append({
            "id": debt_id, "creditor_id": self.inst[bank], "debtor_id": debtor_id,
            "client_key": f"{bank.upper()}-{debt_id:09d}", "product": product, "principal_fen": principal,
            "outstanding_fen": outstanding, "currency": "CNY", "opened_on": opened, "due_on": due, "status": status,
            "adverse": adverse, "settled_on": settled_on, "collateral": None, "notes": None, "version": 1,
            "reported_at": self.now, "updated_at": self.now,
        })
        dpd = (as_of - due).days if adverse and status != "settled" else 0
        if dpd > 30 and rng.random() < 0.7:
            self._assignment(debt_id, bank, dpd, out)
        if status != "settled" and rng.random() < 0.002:
            self._dispute(debt_id, bank, out)

    def _assignment(self, debt_id: int, bank: str, dpd: int, out: dict[str, list]) -> None:
        rng = self.rng
        assigned_at = self.now - timedelta(days=rng.randrange(0, max(1, dpd - 30)))
        ended = rng.random() < 0.15
        out["assignments"].append({
            "id": self._take("debt_assignments"), "debt_id": debt_id, "creditor_id": self.inst[bank],
            "agency_id": self.inst[rng.choice(AGENCIES)], "assigned_at": assigned_at, "assigned_by": None,
            "active": not ended, "ended_at": assigned_at + timedelta(days=rng.randrange(1, 30)) if ended else None,
            "note": None,
        })

    def _dispute(self, debt_id: int, bank: str, out: dict[str, list]) -> None:
        rng = self.rng
        opened_at = self.now - timedelta(days=rng.randrange(0, 60), hours=rng.randrange(0, 10))
        answered = rng.random() < 0.5
        due = (opened_at + timedelta(hours=8)).date() + timedelta(days=DISPUTE_ANSWER_DAYS)
        out["disputes"].append({
            "id": self._take("disputes"), "debt_id": debt_id, "creditor_id": self.inst[bank],
            "opened_at": opened_at, "opened_via_id": self.inst[rng.choice(BANKS)], "opened_by": None,
            "reason": rng.choice(("本人未办理该笔贷款", "欠款已结清但未更新", "逾期天数有误", "金额与合同不符")),
            "answer_due_on": due,
            "answered_at": min(self.now, opened_at + timedelta(days=rng.randrange(1, 20))) if answered else None,
            "answered_by": None, "outcome": rng.choice(("upheld", "corrected", "rejected")) if answered else None,
            "answer": "已核实" if answered else None,
        })

    def _inquiry(self, index: int, debtor_id: int, enterprise: bool, out: dict[str, list]) -> None:
        rng = self.rng
        by_regulator = rng.random() < 0.05
        purpose = "supervision" if by_regulator else pick(rng, PURPOSES)
        consent = None if enterprise or purpose != "credit_approval" else f"CONSENT-{rng.randrange(10**8):08d}"
        out["inquiries"].append({
            "id": self._take("inquiries"), "at": self.now - timedelta(days=90) + self.inquiry_step * (index + 1),
            "user_id": None, "institution_id": self.inst["regulator" if by_regulator else rng.choice(BANKS)],
            "debtor_id": debtor_id, "purpose": purpose, "consent_ref": consent,
        })
