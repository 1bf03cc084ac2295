"""Evidence bundles (CONTRACT.md "Evidence bundle"): build one, and verify one offline (stdlib + ``cryptography``).

Layout: ``files/<name>`` (the originals), ``manifest.json`` ({"entry", "files", "custody"}), ``proof.json``
({"leaf_index", "tree_size", "leaf", "inclusion"}) and ``checkpoint.txt`` (a signed C2SP checkpoint). The JSON files
are written in one exact form (sorted keys, two-space indent, final newline) and the verifier insists on it, so no
byte of a bundle can change without a check failing. ``custody`` restates, in words, what the proof establishes
(submitted by whom and when, logged at which index, checkpointed at which size); the verifier checks it matches.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from portal.services.evidence import merkle
from portal.services.evidence.entry import canonical_json, commitment, is_hex_digest
from portal.services.evidence.note import NoteError, Verifier, open_checkpoint

MANIFEST, PROOF, CHECKPOINT, FILES_DIR = "manifest.json", "proof.json", "checkpoint.txt", "files/"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_ENTRY_KEYS = {"v", "kind", "institution", "parties", "stored_at", "files"}
_ANCHOR_KEYS = {"digest", "label"}


@dataclass(frozen=True)
class BundleFile:
    """One original file of an entry with the salt of its commitment."""

    name: str
    content: bytes
    salt: bytes


def exact_json(value: Any) -> bytes:
    """The one form in which bundle JSON files are written (and must be found)."""
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def custody_of(entry: dict[str, Any], leaf_index: int, tree_size: int, origin: str) -> list[dict[str, Any]]:
    """The custody record a bundle carries: every line follows from the verified entry, proof and checkpoint."""
    return [
        {"event": "submitted", "at": entry["stored_at"], "by": entry["institution"]},
        {"event": "logged", "leaf_index": leaf_index},
        {"event": "checkpointed", "tree_size": tree_size, "origin": origin},
    ]


def safe_file_name(name: str) -> bool:
    """A name usable under ``files/`` as is: no directories, no traversal, no control characters."""
    return (
        bool(name) and len(name) <= 255 and name not in {".", ".."} and "/" not in name and "\\" not in name
        and all(ord(ch) >= 0x20 for ch in name)
    )


def build_bundle(
    *, leaf: bytes, files: Sequence[BundleFile], leaf_index: int, tree_size: int, inclusion: Sequence[bytes],
    checkpoint_note: str, origin: str,
) -> bytes:
    """The zip bytes of the bundle of the entry whose leaf input is ``leaf``."""
    entry = json.loads(leaf)
    manifest = {
        "entry": entry,
        "files": [
            {"name": f.name, "sha256": hashlib.sha256(f.content).hexdigest(), "salt": f.salt.hex()} for f in files
        ],
        "custody": custody_of(entry, leaf_index, tree_size, origin),
    }
    proof = {
        "leaf_index": leaf_index, "tree_size": tree_size, "leaf": leaf.hex(), "inclusion": [h.hex() for h in inclusion]
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            archive.writestr(zipfile.ZipInfo(FILES_DIR + f.name, _ZIP_TIME), f.content, zipfile.ZIP_DEFLATED)
        archive.writestr(zipfile.ZipInfo(MANIFEST, _ZIP_TIME), exact_json(manifest), zipfile.ZIP_DEFLATED)
        archive.writestr(zipfile.ZipInfo(PROOF, _ZIP_TIME), exact_json(proof), zipfile.ZIP_DEFLATED)
        archive.writestr(zipfile.ZipInfo(CHECKPOINT, _ZIP_TIME), checkpoint_note.encode(), zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


# -- verification -----------------------------------------------------------------------------------------------------
class CheckFailed(Exception):
    """One named check of a bundle failed."""

    def __init__(self, check: str, reason: str):
        super().__init__(f"{check}: {reason}")
        self.check = check
        self.reason = reason


@dataclass
class Verification:
    """The outcome: the checks passed (name, detail) and the one that failed, if any."""

    passed: list[tuple[str, str]] = field(default_factory=list)
    failed: CheckFailed | None = None

    @property
    def ok(self) -> bool:
        """True only when every check passed."""
        return self.failed is None


def _require(condition: bool, check: str, reason: str) -> None:
    if not condition:
        raise CheckFailed(check, reason)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def _load_exact_json(raw: bytes, check: str) -> Any:
    try:
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_refuse)
    except ValueError as exc:  # includes UnicodeDecodeError and JSONDecodeError
        raise CheckFailed(check, f"not valid JSON ({exc})") from exc
    _require(exact_json(value) == raw, check, "not in the exact form the log writes (was it edited?)")
    return value


def _refuse(token: str) -> Any:
    raise ValueError(f"{token} is not allowed")


def _read_archive(data: bytes) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            _require(len(names) == len(set(names)), "archive", "the zip holds a member twice")
            members = {name: archive.read(name) for name in names}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, KeyError) as exc:
        raise CheckFailed("archive", f"not a readable zip ({exc})") from exc
    for name in (MANIFEST, PROOF, CHECKPOINT):
        _require(name in members, "archive", f"{name} is missing")
    for name in members:
        if name not in (MANIFEST, PROOF, CHECKPOINT):
            _require(name.startswith(FILES_DIR) and safe_file_name(name[len(FILES_DIR) :]), "archive",
                     f"unexpected member {name!r}")
    return members


def _check_entry(entry: Any) -> dict[str, Any]:
    _require(isinstance(entry, dict), "manifest", "entry is not an object")
    keys = set(entry)
    _require(keys in (_ENTRY_KEYS, _ENTRY_KEYS | _ANCHOR_KEYS), "manifest", f"entry has keys {sorted(keys)}")
    _require(isinstance(entry["files"], list), "manifest", "entry.files is not a list")
    for item in entry["files"]:
        _require(isinstance(item, dict) and set(item) == {"commitment"} and is_hex_digest(item["commitment"]),
                 "manifest", "an entry file is not {\"commitment\": 64 hex digits}")
    for key in ("kind", "institution", "stored_at"):
        _require(isinstance(entry[key], str) and entry[key] != "", "manifest", f"entry.{key} is not a string")
    _require(isinstance(entry["parties"], list) and all(isinstance(p, str) for p in entry["parties"]), "manifest",
             "entry.parties is not a list of codes")
    return entry


def _check_manifest(manifest: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    _require(isinstance(manifest, dict) and set(manifest) == {"entry", "files", "custody"}, "manifest",
             "manifest must hold exactly entry, files and custody")
    entry = _check_entry(manifest["entry"])
    files = manifest["files"]
    _require(isinstance(files, list), "manifest", "files is not a list")
    for item in files:
        _require(isinstance(item, dict) and set(item) == {"name", "sha256", "salt"}, "manifest",
                 "a file must hold exactly name, sha256 and salt")
        _require(isinstance(item["name"], str) and safe_file_name(item["name"]), "manifest",
                 f"unsafe file name {item['name']!r}")
        _require(is_hex_digest(item["sha256"]) and is_hex_digest(item["salt"]), "manifest",
                 f"{item['name']}: sha256 and salt must be 64 lowercase hex digits")
    return entry, files


def _check_proof(proof: Any) -> tuple[int, int, bytes, list[bytes]]:
    _require(isinstance(proof, dict) and set(proof) == {"leaf_index", "tree_size", "leaf", "inclusion"}, "proof",
             "proof.json must hold exactly leaf_index, tree_size, leaf and inclusion")
    index, size, leaf_hex, path = proof["leaf_index"], proof["tree_size"], proof["leaf"], proof["inclusion"]
    for name, value in (("leaf_index", index), ("tree_size", size)):
        _require(type(value) is int and value >= 0, "proof", f"{name} is not a non-negative integer")
    _require(index < size, "proof", f"leaf_index {index} is not inside tree_size {size}")
    _require(isinstance(leaf_hex, str) and leaf_hex == leaf_hex.lower(), "proof", "leaf is not lowercase hex")
    _require(isinstance(path, list) and all(is_hex_digest(h) for h in path), "proof",
             "inclusion is not a list of 64-digit lowercase hex hashes")
    try:
        leaf = bytes.fromhex(leaf_hex)
    except ValueError as exc:
        raise CheckFailed("proof", "leaf is not hex") from exc
    return index, size, leaf, [bytes.fromhex(h) for h in path]


def _check_files(members: dict[str, bytes], entry: dict[str, Any], files: list[dict[str, Any]]) -> str:
    listed = [FILES_DIR + item["name"] for item in files]
    present = sorted(name for name in members if name.startswith(FILES_DIR))
    _require(len(listed) == len(set(listed)), "files", "the manifest lists a file twice")
    _require(sorted(listed) == present, "files", "files/ does not hold exactly the files the manifest lists")
    _require(len(files) == len(entry["files"]), "files", "the manifest and the entry list different numbers of files")
    for item, committed in zip(files, entry["files"], strict=True):
        content = members[FILES_DIR + item["name"]]
        _require(hashlib.sha256(content).hexdigest() == item["sha256"], "files",
                 f"{item['name']}: SHA-256 differs from the manifest")
        _require(commitment(bytes.fromhex(item["salt"]), content) == committed["commitment"], "files",
                 f"{item['name']}: sha256(salt || content) differs from the commitment in the entry")
    return f"{len(files)} file(s) match their SHA-256 and their salted commitments"


def verify_bundle(data: bytes, verifiers: Sequence[Verifier]) -> Verification:
    """Run every check of a bundle against the trusted ``verifiers`` (the log's public keys); never raises."""
    result = Verification()
    try:
        members = _read_archive(data)
        result.passed.append(("archive", "manifest.json, proof.json, checkpoint.txt and files/ present"))
        entry, files = _check_manifest(_load_exact_json(members[MANIFEST], "manifest"))
        result.passed.append(("manifest", f"entry of kind {entry['kind']!r} by {entry['institution']!r}"))
        index, size, leaf, path = _check_proof(_load_exact_json(members[PROOF], "proof"))
        result.passed.append(("proof", f"leaf {index} in a tree of {size}"))
        _require(leaf == canonical_json(entry), "leaf", "proof.leaf is not the canonical JSON of manifest.entry")
        result.passed.append(("leaf", f"leaf hash {merkle.leaf_hash(leaf).hex()}"))
        result.passed.append(("files", _check_files(members, entry, files)))
        _require(bool(verifiers), "checkpoint-signature", "no public key given (use --key)")
        try:
            checkpoint = open_checkpoint(members[CHECKPOINT], list(verifiers))
        except NoteError as exc:
            raise CheckFailed("checkpoint-signature", str(exc)) from exc
        result.passed.append(("checkpoint-signature", f"signed by {checkpoint.origin}"))
        _require(checkpoint.tree_size == size, "checkpoint-size",
                 f"the checkpoint states size {checkpoint.tree_size}, the proof {size}")
        result.passed.append(("checkpoint-size", f"tree size {size}"))
        try:
            merkle.verify_inclusion(index, size, merkle.leaf_hash(leaf), path, checkpoint.root_hash)
        except merkle.ProofError as exc:
            raise CheckFailed("inclusion", str(exc)) from exc
        result.passed.append(("inclusion", f"root {checkpoint.root_hash.hex()}"))
        manifest = json.loads(members[MANIFEST])
        _require(manifest["custody"] == custody_of(entry, index, size, checkpoint.origin), "custody",
                 "the custody record does not match the verified entry, proof and checkpoint")
        result.passed.append(("custody", "matches the verified entry, proof and checkpoint"))
    except CheckFailed as failure:
        result.failed = failure
    return result
