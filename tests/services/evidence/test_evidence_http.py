"""The public endpoints and the GraphQL checkpoint: no sign-in needed, proofs consistent across appends."""

from __future__ import annotations

import pytest

from portal.access import OPERATOR
from portal.services.evidence import merkle, operations
from portal.services.evidence.note import open_checkpoint, parse_verifier


def _store(app, db, region, n: int) -> None:
    keyring = app.extensions["keyring"]
    with db.unit_of_work() as session:
        for i in range(n):
            operations.store_evidence(
                region["bank-a"],
                [(f"f{i}", f"doc {i}".encode())],
                "voucher",
                ["bank-b"],
                session=session,
                keyring=keyring,
            )
        operations.publish_checkpoint(OPERATOR, session=session, keyring=keyring)


def test_checkpoints_before_and_after_appends_are_consistent(app, db, region) -> None:
    client = app.test_client()
    assert client.get("/evidence/checkpoint").status_code == 404
    _store(app, db, region, 5)
    verifier = parse_verifier(client.get("/evidence/public-key").get_data(as_text=True).strip())
    first = open_checkpoint(client.get("/evidence/checkpoint").get_data(as_text=True), [verifier])
    _store(app, db, region, 7)
    second = open_checkpoint(client.get("/evidence/checkpoint").get_data(as_text=True), [verifier])
    assert (first.tree_size, second.tree_size) == (5, 12)
    body = client.get(f"/evidence/consistency?old={first.tree_size}&new={second.tree_size}").get_json()
    assert body["old_size"] == 5 and body["new_size"] == 12
    proof = [bytes.fromhex(h) for h in body["proof"]]
    merkle.verify_consistency(first.tree_size, second.tree_size, first.root_hash, second.root_hash, proof)
    bad = [bytes(32)] + proof[1:]
    with pytest.raises(Exception):  # noqa: B017 - any refusal is the point
        merkle.verify_consistency(first.tree_size, second.tree_size, first.root_hash, second.root_hash, bad)


def test_bad_sizes_are_named(app, db, region) -> None:
    _store(app, db, region, 2)
    resp = app.test_client().get("/evidence/consistency?old=abc&new=2")
    assert resp.status_code == 400 and "abc" in resp.get_json()["error"]
    resp = app.test_client().get("/evidence/consistency?old=1&new=99")
    assert resp.status_code == 400 and "99" in resp.get_json()["error"]


def test_graphql_checkpoint_is_public(app, db, region, gql) -> None:
    _store(app, db, region, 3)
    status, body = gql("{ evidenceCheckpoint { treeSize rootHash note } }")
    assert status == 200, body
    assert body["data"]["evidenceCheckpoint"]["treeSize"] == 3
    assert len(body["data"]["evidenceCheckpoint"]["rootHash"]) == 64
