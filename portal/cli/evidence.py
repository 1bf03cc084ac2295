"""``portal evidence add|bundle|checkpoint|verify|audit|monitor|rotate-key|public-key``: the evidence log.

``verify`` runs offline: no database, no network, only the bundle and the public key(s).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from portal.core.crypto import Keyring
from portal.core.db import Database
from portal.core.errors import BadInput

group = click.Group("evidence", help="The evidence transparency log.")
PUBLIC_KEY_SETTING = "PORTAL_EVIDENCE_PUBLIC_KEY"


@contextmanager
def _runtime() -> Iterator[tuple[Database, Keyring]]:
    """The database and keyring of the configured portal (the one place commands get them)."""
    from portal.cli.context import runtime

    with runtime() as rt:
        yield rt.db, rt.keyring


@group.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", required=True, help="what the document is, e.g. contract, call-recording, notice")
@click.option("--institution", required=True, help="code of the submitting institution")
@click.option("--party", "parties", multiple=True, help="code of another party to the record (repeatable)")
def add(file: Path, kind: str, institution: str, parties: tuple[str, ...]) -> None:
    """Store FILE in the evidence log; print {"entry", "leaf_index", "sha256"}."""
    from portal.access import OPERATOR
    from portal.services.evidence import operations

    if not file.is_file():
        raise BadInput(f"no such file: {file}")
    with _runtime() as (db, keyring), db.unit_of_work() as session:
        stored = operations.store_evidence(OPERATOR, [(file.name, file.read_bytes())], kind, list(parties),
                                           session=session, keyring=keyring, institution=institution, integrate=True)
    click.echo(json.dumps({"entry": stored.entry_id, "leaf_index": stored.leaf_index, "sha256": stored.sha256[0]}))


@group.command("bundle")
@click.argument("entry", type=int)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="FILE.zip")
def bundle(entry: int, out: Path) -> None:
    """Write the evidence bundle of ENTRY (exported by the shell operator; logged in the activity log)."""
    from portal.access import OPERATOR
    from portal.services.evidence import operations

    with _runtime() as (db, keyring), db.unit_of_work() as session:
        data = operations.export_bundle(OPERATOR, entry, session=session, keyring=keyring)
    out.write_bytes(data)
    click.echo(str(out))


@group.command("checkpoint")
def checkpoint() -> None:
    """Publish a signed checkpoint of the log now and print it."""
    from portal.services.evidence import log

    with _runtime() as (db, keyring), db.unit_of_work() as session:
        note = log.publish_checkpoint(session, keyring).note
    click.echo(note, nl=False)


@group.command("public-key")
@click.option("--all", "include_retired", is_flag=True, help="also the retired keys (to check old checkpoints)")
def public_key(include_retired: bool) -> None:
    """Print the log's verifier key (name+hash+base64)."""
    from portal.services.evidence import operations

    with _runtime() as (db, _keyring), db.unit_of_work() as session:
        click.echo(operations.public_key_text(session, include_retired=include_retired), nl=False)


@group.command("rotate-key")
def rotate_key() -> None:
    """Retire the signing key, create its successor and publish a checkpoint signed by it; print the new key."""
    from portal.services.evidence import log, signing

    with _runtime() as (db, keyring), db.unit_of_work() as session:
        signing.active_signer(session, keyring)
        verifier = signing.rotate_key(session, keyring)
        log.publish_checkpoint(session, keyring)
    click.echo(verifier.text)


@group.command("audit")
@click.option("--content", is_flag=True, help="also decrypt every file and check it against its commitment")
def audit(content: bool) -> None:
    """Recompute the tree from storage; one JSON line per finding; exit 1 when anything is wrong."""
    from portal.services.evidence.audit import audit_log

    with _runtime() as (db, keyring), db.unit_of_work() as session:
        report = audit_log(session, keyring=keyring if content else None)
    for finding in report.findings:
        click.echo(json.dumps(finding.as_dict(), ensure_ascii=False))
    summary = f"audited {report.entries_checked} entries, {report.checkpoints_checked} checkpoints, tree size "
    click.echo(summary + f"{report.tree_size}: {'clean' if report.clean else f'{len(report.findings)} finding(s)'}",
               err=True)
    sys.exit(0 if report.clean else 1)


@group.command("monitor")
def monitor() -> None:
    """Check new checkpoints against their predecessors; print alerts; exit 1 when there are any."""
    from portal.services.evidence.audit import monitor_checkpoints

    with _runtime() as (db, _keyring), db.unit_of_work() as session:
        alerts = [(a.problem, a.checkpoint_id, a.detail) for a in monitor_checkpoints(session)]
    for problem, checkpoint_id, detail in alerts:
        click.echo(json.dumps({"problem": problem, "checkpoint": checkpoint_id, "detail": detail}))
    sys.exit(1 if alerts else 0)


def _verifier_keys(keys: tuple[str, ...]) -> list:
    from portal.services.evidence.note import NoteError, parse_verifier

    texts: list[str] = []
    for key in keys or tuple(filter(None, [os.environ.get(PUBLIC_KEY_SETTING)])):
        path = Path(key)
        source = path.read_text(encoding="utf-8") if path.is_file() else key
        texts.extend(line.strip() for line in source.splitlines() if line.strip())
    try:
        return [parse_verifier(text) for text in texts]
    except NoteError as exc:
        raise BadInput(f"--key: {exc}") from exc


@group.command("verify")
@click.argument("bundle_path", metavar="BUNDLE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", "keys", multiple=True,
              help=f"the log's verifier key, or a file of them (repeatable; default ${PUBLIC_KEY_SETTING})")
def verify(bundle_path: Path, keys: tuple[str, ...]) -> None:
    """Verify an evidence bundle offline; exit 0 only when every check passes, 1 naming the failed check."""
    from portal.services.evidence.bundle import verify_bundle

    if not bundle_path.is_file():
        raise BadInput(f"no such file: {bundle_path}")
    result = verify_bundle(bundle_path.read_bytes(), _verifier_keys(keys))
    for name, detail in result.passed:
        click.echo(f"ok      {name}: {detail}")
    if result.failed is not None:
        click.echo(f"FAILED  {result.failed.check}: {result.failed.reason}")
        sys.exit(1)
    click.echo("VALID")
