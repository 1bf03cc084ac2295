"""The hand-compiled statements of the evidence log, on whichever database the suite runs: an entry with its
parties and files in one statement (PostgreSQL) or one per table (SQLite), and the set-based leaf-index update."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.core.timeutil import utcnow
from portal.services.evidence import fastsql
from portal.services.evidence.models import EvidenceEntry, EvidenceFile, EvidenceParty

ENTRIES, PARTIES, FILES = EvidenceEntry.__table__, EvidenceParty.__table__, EvidenceFile.__table__


def _entry(region, code: str = "bank-a") -> dict:
    principal = region[code]
    return {"kind": "contract", "institution_id": principal.institution_id, "submitted_by": principal.user_id,
            "stored_at": utcnow(), "leaf": b'{"v":1}'}


def _files(count: int, data_key_id: int) -> list[dict]:
    return [{"position": i, "commitment": f"{i:064x}", "salt": bytes([i]) * 16, "data_key_id": data_key_id,
             "name_sealed": b"name", "content_sealed": b"content" * (i + 1), "size": 7 * (i + 1)}
            for i in range(count)]


def _data_key(session: Session, region, keyring) -> int:
    from portal.core.keys import active_data_key

    return active_data_key(session, keyring, region["bank-a"].institution_id)[0]


@pytest.mark.parametrize("party_count,file_count", [(1, 0), (2, 1), (3, 4)])
def test_entry_with_parties_and_files_is_written_whole(session: Session, region, keyring, party_count,
                                                        file_count) -> None:
    key_id = _data_key(session, region, keyring)
    parties = [{"institution_id": region[c].institution_id} for c in ("bank-a", "agency-a", "bank-b")[:party_count]]
    children = [(PARTIES, "entry_id", parties), (FILES, "entry_id", _files(file_count, key_id))]
    entry_id = fastsql.insert_with_children(session, ENTRIES, _entry(region), "id", children)
    session.flush()
    assert session.get(EvidenceEntry, entry_id).kind == "contract"
    stored_parties = session.scalars(select(PARTIES.c.institution_id).where(PARTIES.c.entry_id == entry_id)).all()
    assert sorted(stored_parties) == sorted(p["institution_id"] for p in parties)
    stored = session.execute(select(FILES.c.position, FILES.c.content_sealed, FILES.c.salt)
                             .where(FILES.c.entry_id == entry_id).order_by(FILES.c.position)).all()
    assert [(p, bytes(c), bytes(s)) for p, c, s in stored] == [
        (f["position"], f["content_sealed"], f["salt"]) for f in _files(file_count, key_id)]


def test_a_bad_child_row_writes_nothing_of_the_entry(session: Session, region, keyring) -> None:
    key_id = _data_key(session, region, keyring)
    before = session.scalar(select(func.count()).select_from(ENTRIES))
    session.commit()
    bad_party = [{"institution_id": 999_999}]  # no such institution: the foreign key refuses it
    with pytest.raises((IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError)):  # raw cursor: driver's
        fastsql.insert_with_children(session, ENTRIES, _entry(region), "id",
                                     [(PARTIES, "entry_id", bad_party), (FILES, "entry_id", _files(1, key_id))])
        session.flush()
        session.commit()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ENTRIES)) == before
    assert session.scalar(select(func.count()).select_from(FILES)) == 0


def test_update_rows_sets_each_row_its_own_value(session: Session, region) -> None:
    ids = [fastsql.insert_rows(session, ENTRIES, [_entry(region)], returning="id") for _ in range(5)]
    fastsql.update_rows(session, ENTRIES, "id", [{"id": entry_id, "leaf_index": 100 + n}
                                                 for n, entry_id in enumerate(reversed(ids))])
    session.flush()
    got = dict(session.execute(select(ENTRIES.c.id, ENTRIES.c.leaf_index).where(ENTRIES.c.id.in_(ids))).all())
    assert got == {entry_id: 100 + n for n, entry_id in enumerate(reversed(ids))}
