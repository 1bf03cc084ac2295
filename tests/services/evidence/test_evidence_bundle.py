"""Bundles: a round trip verifies; changing any byte of any member makes verification fail, naming the check."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy.orm import Session

from portal.services.evidence import operations, signing
from portal.services.evidence.bundle import verify_bundle
from portal.services.evidence.note import Signer

FILES = [("合同 2024.pdf", b"%PDF-1.4 contract between bank-a and debtor " * 20), ("notice.txt", b"final notice\n")]


@pytest.fixture
def bundle(session: Session, region, keyring) -> tuple[bytes, list]:
    """A bundle of a two-file entry in the middle of a 9-entry log, and the log's verifier keys."""
    for i in range(4):
        operations.store_evidence(region["bank-a"], [(f"n{i}", b"x")], "notice", [], session=session, keyring=keyring)
    stored = operations.store_evidence(region["bank-a"], FILES, "contract", ["agency-a"], session=session,
                                       keyring=keyring)
    for i in range(4):
        operations.store_evidence(region["bank-b"], [(f"m{i}", b"y")], "notice", [], session=session, keyring=keyring)
    data = operations.export_bundle(region["agency-a"], stored.entry_id, session=session, keyring=keyring)
    session.commit()
    return data, signing.verifiers(session)


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rezip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_round_trip(bundle) -> None:
    data, keys = bundle
    result = verify_bundle(data, keys)
    assert result.ok, result.failed
    assert [name for name, _ in result.passed] == [
        "archive", "manifest", "proof", "leaf", "files", "checkpoint-signature", "checkpoint-size", "inclusion",
        "custody",
    ]
    members = _members(data)
    assert sorted(members) == sorted(["files/" + n for n, _ in FILES] + ["manifest.json", "proof.json",
                                                                         "checkpoint.txt"])
    for name, content in FILES:
        assert members["files/" + name] == content
    manifest, proof = json.loads(members["manifest.json"]), json.loads(members["proof.json"])
    assert manifest["entry"]["parties"] == ["agency-a", "bank-a"]
    assert manifest["entry"]["institution"] == "bank-a"
    assert proof["leaf_index"] == 4 and proof["tree_size"] == 9
    assert bytes.fromhex(proof["leaf"]) == json.dumps(manifest["entry"], sort_keys=True, separators=(",", ":"),
                                                      ensure_ascii=False).encode()


MEMBERS = ["files/合同 2024.pdf", "files/notice.txt", "manifest.json", "proof.json", "checkpoint.txt"]


@pytest.mark.parametrize("member", MEMBERS)
@pytest.mark.parametrize("mask", [0x01, 0x20, 0x80])
def test_flipping_any_byte_fails(bundle, member: str, mask: int) -> None:
    data, keys = bundle
    members = _members(data)
    original = members[member]
    survivors = []
    for position in range(len(original)):
        changed = bytearray(original)
        changed[position] ^= mask
        result = verify_bundle(_rezip({**members, member: bytes(changed)}), keys)
        if result.ok:
            survivors.append(position)
        else:
            assert result.failed.check and result.failed.reason
    assert survivors == [], f"{member}: flipping bytes {survivors[:10]} still verified"


@pytest.mark.parametrize(
    ("mutate", "check"),
    [
        (lambda m: m.pop("checkpoint.txt"), "archive"),
        (lambda m: m.update({"files/extra.txt": b"planted"}), "files"),
        (lambda m: m.update({"../escape": b"x"}), "archive"),
        (lambda m: m.pop("files/notice.txt"), "files"),
        (lambda m: m.update({"proof.json": b"{}"}), "proof"),
        (lambda m: m.update({"manifest.json": b"not json"}), "manifest"),
    ],
)
def test_structural_damage_names_the_check(bundle, mutate, check: str) -> None:
    data, keys = bundle
    members = _members(data)
    mutate(members)
    result = verify_bundle(_rezip(members), keys)
    assert not result.ok and result.failed.check == check, result.failed


def test_wrong_or_missing_key_fails(bundle) -> None:
    data, _ = bundle
    result = verify_bundle(data, [Signer.generate("portal.example/evidence").verifier])
    assert result.failed.check == "checkpoint-signature"
    assert "not signed by any known key" in result.failed.reason
    assert verify_bundle(data, []).failed.check == "checkpoint-signature"


def test_not_a_zip(bundle) -> None:
    _, keys = bundle
    assert verify_bundle(b"PK\x03\x04 garbage", keys).failed.check == "archive"
