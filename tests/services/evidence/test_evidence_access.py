"""ACCESS.md for evidence: parties store; content goes to the parties and the regulator, no one else."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access import OPERATOR, Kind, Principal, Role
from portal.core.errors import BadInput, Forbidden, NotFound, Unauthenticated
from portal.core.models import ActivityLog
from portal.services.evidence import audit, operations
from portal.services.evidence.models import EvidenceEntry, EvidenceFile

DOC = [("call-2024-05-01.txt", b"transcript of the call")]


@pytest.fixture
def entry_id(session: Session, region, keyring) -> int:
    stored = operations.store_evidence(region["bank-a"], DOC, "call-transcript", ["agency-a"], session=session,
                                       keyring=keyring, integrate=True)
    assert stored.leaf_index == 0
    return stored.entry_id


@pytest.mark.parametrize("code", ["bank-a", "agency-a", "regulator"])
def test_parties_and_regulator_read_content(session: Session, region, keyring, entry_id: int, code: str) -> None:
    assert operations.read_content(region[code], entry_id, session=session, keyring=keyring) == DOC


def test_non_party_cannot_read_content_or_export(session: Session, region, keyring, entry_id: int) -> None:
    with pytest.raises(Forbidden):
        operations.read_content(region["bank-b"], entry_id, session=session, keyring=keyring)
    with pytest.raises(Forbidden):
        operations.export_bundle(region["bank-b"], entry_id, session=session, keyring=keyring)


def test_anonymous_and_operator_cannot_read_content(session: Session, region, keyring, entry_id: int) -> None:
    anonymous = Principal(None, None, None, None)
    with pytest.raises(Unauthenticated):
        operations.read_content(anonymous, entry_id, session=session, keyring=keyring)
    with pytest.raises(Forbidden):
        operations.read_content(OPERATOR, entry_id, session=session, keyring=keyring)


def test_operator_export_is_logged(session: Session, region, keyring, entry_id: int) -> None:
    assert operations.export_bundle(OPERATOR, entry_id, session=session, keyring=keyring)[:2] == b"PK"
    logged = session.scalars(select(ActivityLog).where(ActivityLog.action == "evidence.bundle.export")).all()
    assert [row.object_id for row in logged] == [str(entry_id)]


def test_storing_needs_a_writing_role_and_a_party(session: Session, region, keyring) -> None:
    bank = region["bank-a"]
    analyst = Principal(bank.user_id, bank.institution_id, "bank-a", Kind.BANK, frozenset({Role.ANALYST}))
    with pytest.raises(Forbidden):
        operations.store_evidence(analyst, DOC, "contract", [], session=session, keyring=keyring)
    with pytest.raises(BadInput):  # a member cannot submit in another institution's name
        operations.store_evidence(bank, DOC, "contract", [], session=session, keyring=keyring, institution="bank-b")
    with pytest.raises(Forbidden):  # the operator must name the submitting institution
        operations.store_evidence(OPERATOR, DOC, "contract", ["bank-a"], session=session, keyring=keyring)
    stored = operations.store_evidence(OPERATOR, DOC, "contract", [], session=session, keyring=keyring,
                                       institution="bank-b")
    assert session.get(EvidenceEntry, stored.entry_id).kind == "contract"
    with pytest.raises(NotFound):
        operations.store_evidence(bank, DOC, "contract", ["nobody"], session=session, keyring=keyring)
    for kind, files in [("Bad Kind", DOC), ("contract", [("../x", b"")]), ("contract", []),
                        ("contract", [("a", b"1"), ("a", b"2")])]:
        with pytest.raises(BadInput):
            operations.store_evidence(bank, files, kind, [], session=session, keyring=keyring)


def test_content_is_encrypted_at_rest(session: Session, region, keyring, entry_id: int) -> None:
    row = session.scalars(select(EvidenceFile).where(EvidenceFile.entry_id == entry_id)).one()
    assert DOC[0][1] not in row.content_sealed and DOC[0][0].encode() not in row.name_sealed
    assert DOC[0][0].encode() not in session.get(EvidenceEntry, entry_id).leaf


def test_erasure_keeps_the_log_valid(session: Session, region, keyring, entry_id: int) -> None:
    with pytest.raises(Forbidden):
        operations.erase_content(region["bank-a"], entry_id, session=session)
    assert operations.erase_content(region["regulator"], entry_id, session=session) == 1
    with pytest.raises(NotFound):
        operations.read_content(region["bank-a"], entry_id, session=session, keyring=keyring)
    report = audit.audit_log(session, keyring=keyring)
    assert report.clean, report.findings


def test_anchor_digest(session: Session, region) -> None:
    digest = "ab" * 32
    stored = operations.anchor_digest(region["regulator"], digest, label="inquiries 2026-07-01", session=session,
                                      integrate=True)
    entry = session.get(EvidenceEntry, stored.entry_id)
    assert entry.kind == "anchor" and digest.encode() in entry.leaf and stored.leaf_index == 0
    with pytest.raises(BadInput):
        operations.anchor_digest(region["regulator"], "XYZ", label="x", session=session)


def test_a_rolled_back_store_leaves_no_stale_key_behind(session: Session, region, keyring) -> None:
    operations.store_evidence(region["bank-b"], DOC, "contract", [], session=session, keyring=keyring)
    session.rollback()  # the data key created for bank-b is gone with the transaction
    stored = operations.store_evidence(region["bank-b"], DOC, "contract", [], session=session, keyring=keyring)
    session.commit()
    assert operations.read_content(region["bank-b"], stored.entry_id, session=session, keyring=keyring) == DOC
