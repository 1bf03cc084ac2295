"""Every public vector in shared/vectors/ passes: transparency-dev proofs, the RFC 6962 tree, C2SP signed notes."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from portal.services.evidence import merkle, note

# Collected at import time for parametrisation; same location rule as the shared_dir fixture.
SHARED = Path(os.environ.get("PORTAL_SHARED_DIR", Path(__file__).resolve().parents[3].parent / "shared"))


def _files(kind: str) -> list[Path]:
    return sorted((SHARED / "vectors" / "transparency-dev-merkle" / "testdata" / kind).rglob("*.json"))


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _name(path: Path) -> str:
    return "/".join(path.parts[-2:])


INCLUSION = _files("inclusion")
CONSISTENCY = _files("consistency")


def test_vector_sets_are_complete() -> None:
    assert len(INCLUSION) == 98
    assert len(CONSISTENCY) == 98


@pytest.mark.parametrize("path", INCLUSION, ids=_name)
def test_inclusion_vector(path: Path) -> None:
    case = json.loads(path.read_text())
    proof = [_b64(p) for p in case["proof"] or []]
    args = (case["leafIdx"], case["treeSize"], _b64(case["leafHash"]), proof, _b64(case["root"]))
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(*args)
    else:
        merkle.verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY, ids=_name)
def test_consistency_vector(path: Path) -> None:
    case = json.loads(path.read_text())
    proof = [_b64(p) for p in case["proof"] or []]
    args = (case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), proof)
    if case["wantErr"]:
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(*args)
    else:
        merkle.verify_consistency(*args)


@pytest.fixture(scope="module")
def reference(shared_dir: Path) -> dict:
    return json.loads((shared_dir / "vectors" / "rfc6962_reference_tree.json").read_text())


def _memory_source(leaves: list[bytes]) -> merkle.NodeSource:
    """A node source that computes any perfect node naively from the leaf inputs."""

    def node(level: int, index: int) -> bytes:
        if level == 0:
            return merkle.leaf_hash(leaves[index])
        return merkle.node_hash(node(level - 1, 2 * index), node(level - 1, 2 * index + 1))

    return lambda ids: {(lv, ix): node(lv, ix) for lv, ix in ids}


def test_reference_hasher(reference: dict) -> None:
    for case in reference["hasher"]:
        want = bytes.fromhex(case["want"])
        if case["op"] == "empty_root":
            assert want == merkle.EMPTY_ROOT
        elif case["op"] == "leaf":
            assert merkle.leaf_hash(bytes.fromhex(case["data_hex"])) == want
        else:
            assert merkle.node_hash(bytes.fromhex(case["left_hex"]), bytes.fromhex(case["right_hex"])) == want


def test_reference_tree(reference: dict) -> None:
    leaves = [bytes.fromhex(x) for x in reference["tree"]["leaves_hex"]]
    source = _memory_source(leaves)
    for size, want in enumerate(reference["tree"]["root_by_size"]):
        assert merkle.root_hash(size, source).hex() == want
    for level, hashes in enumerate(reference["tree"]["node_hashes_by_level"]):
        got = source([(level, i) for i in range(len(hashes))])
        assert [got[(level, i)].hex() for i in range(len(hashes))] == hashes
    for case in reference["inclusion"]:
        proof = merkle.inclusion_proof(case["leaf_index"], case["tree_size"], source)
        assert [p.hex() for p in proof] == case["proof"]
        root = bytes.fromhex(reference["tree"]["root_by_size"][case["tree_size"]])
        merkle.verify_inclusion(case["leaf_index"], case["tree_size"], merkle.leaf_hash(leaves[case["leaf_index"]]),
                                proof, root)
    for case in reference["consistency"]:
        proof = merkle.consistency_proof(case["old_size"], case["new_size"], source)
        assert [p.hex() for p in proof] == case["proof"]
        roots = reference["tree"]["root_by_size"]
        merkle.verify_consistency(case["old_size"], case["new_size"], bytes.fromhex(roots[case["old_size"]]),
                                  bytes.fromhex(roots[case["new_size"]]), proof)


@pytest.fixture(scope="module")
def note_vectors(shared_dir: Path) -> dict:
    return json.loads((shared_dir / "vectors" / "signed_note_vectors.json").read_text())


def test_verifier_keys(note_vectors: dict) -> None:
    assert note_vectors["vkeys"]
    for case in note_vectors["vkeys"]:
        if case["want_ok"]:
            verifier = note.parse_verifier(case["vkey"])
            assert verifier.name == case["name"]
            assert f"{verifier.key_id:08x}" == case["key_id"]
            assert verifier.text == case["vkey"]
        else:
            with pytest.raises(note.NoteError):
                note.parse_verifier(case["vkey"])


def test_signed_notes(note_vectors: dict) -> None:
    assert len(note_vectors["notes"]) >= 10
    for case in note_vectors["notes"]:
        verifiers = [note.parse_verifier(v) for v in case["vkeys"]]
        if case["want_ok"]:
            opened = note.open_note(case["note"], verifiers)
            assert opened.text == case["want_text"], case["desc"]
            assert opened.verified_by == case["want_verified"], case["desc"]
        else:
            with pytest.raises(note.NoteError):
                note.open_note(case["note"], verifiers)


def test_non_canonical_base64_is_refused() -> None:
    """Setting the unused low bits of the last base64 digit spells the same bytes another way: refused."""
    signer = note.Signer.generate("example.com/log")
    signed = note.sign_note("hello\n", signer)
    line = signed.split("\n")[-2]
    blob = line.split(" ")[-1]
    assert blob.endswith("=") and not blob.endswith("==")  # 68 bytes: the last digit carries 2 unused bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twisted = blob[:-2] + alphabet[alphabet.index(blob[-2]) ^ 1] + "="
    assert base64.b64decode(twisted) == base64.b64decode(blob)
    assert note.open_note(signed, [signer.verifier]).verified_by == ["example.com/log"]
    with pytest.raises(note.NoteError, match="canonical"):
        note.open_note(signed.replace(blob, twisted), [signer.verifier])


def test_checkpoint_round_trip_and_origin_must_name_the_key() -> None:
    signer = note.Signer.generate("example.com/log")
    body = note.Checkpoint("example.com/log", 42, bytes(range(32)))
    assert note.open_checkpoint(note.sign_checkpoint(body, signer), [signer.verifier]) == body
    other = note.Checkpoint("example.com/other", 42, bytes(range(32)))
    with pytest.raises(note.NoteError, match="origin"):
        note.open_checkpoint(note.sign_checkpoint(other, signer), [signer.verifier])
    for text in ["example.com/log\n042\n" + "A" * 43 + "=\n", "example.com/log\n1\nnotbase64\n", "o\n1\n"]:
        with pytest.raises(note.NoteError):
            note.parse_checkpoint(text)
