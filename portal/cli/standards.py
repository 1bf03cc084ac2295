"""``portal standards``: list the shipped standards and check a file of contact attempts offline.

``check`` prints one JSON line per violation and exits 0 when clean, 1 when violations were found; a bad standard
name, a malformed standard or a bad row raises ``BadInput``, which the root command turns into exit status 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from portal.core.errors import BadInput
from standards import Engine, StandardError, load_catalogue, read_attempts, read_events, resolve


def _bad_input(exc: StandardError) -> BadInput:
    return BadInput(str(exc), field=exc.field)


@click.group(name="standards")
def group() -> None:
    """Collection-service standards: list them, check contact attempts against one."""


@group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per standard version.")
@click.option("--catalogue", type=click.Path(file_okay=False, path_type=Path), help="Another catalogue folder.")
def list_standards(as_json: bool, catalogue: Path | None) -> None:
    """The standards shipped, each version with its effective date and rule count."""
    try:
        standards = load_catalogue(catalogue)
    except StandardError as exc:
        raise _bad_input(exc) from None
    for code, versions in standards.items():
        for version in versions.versions:
            if as_json:
                click.echo(
                    json.dumps(
                        {
                            "code": code,
                            "version": version.version,
                            "effective_from": version.effective_from.isoformat(),
                            "jurisdiction": version.jurisdiction,
                            "title_en": version.title_en,
                            "title_zh": version.title_zh,
                            "rules": [rule.id for rule in version.rules],
                        },
                        ensure_ascii=False,
                    )
                )
            else:
                click.echo(
                    f"{version.ref}\t{version.jurisdiction}\tfrom {version.effective_from.isoformat()}\t"
                    f"{len(version.rules)} rules\t{version.title_en}"
                )


@group.command("check")
@click.option(
    "--standard",
    "standard_spec",
    required=True,
    metavar="CODE[@VERSION]",
    help="A standard code (each attempt judged by the version in force at its time) or CODE@VERSION.",
)
@click.option(
    "--attempts",
    "attempts_path",
    required=True,
    type=click.Path(path_type=Path),
    help="CSV (header row) or JSONL of contact attempts.",
)
@click.option(
    "--events",
    "events_path",
    type=click.Path(path_type=Path),
    help="CSV or JSONL of case events (disputes, mediation, representation, cease, agency licences).",
)
@click.option("--catalogue", type=click.Path(file_okay=False, path_type=Path), help="Another catalogue folder.")
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default="en",
    show_default=True,
    help="Language of the message field (both wordings are always present).",
)
@click.pass_context
def check(
    ctx: click.Context,
    standard_spec: str,
    attempts_path: Path,
    events_path: Path | None,
    catalogue: Path | None,
    lang: str,
) -> None:
    """Judge logged attempts: one JSON line per violation; exit 0 clean, 1 violations, 2 bad input."""
    try:
        engine = Engine(resolve(standard_spec, catalogue))
        attempts = read_attempts(attempts_path, columns=engine.columns)
        events = read_events(events_path) if events_path is not None else []
        verdicts = engine.evaluate(attempts, events)
    except StandardError as exc:
        raise _bad_input(exc) from None
    out = sys.stdout
    for verdict in verdicts:
        out.write(json.dumps(verdict.as_json(lang), ensure_ascii=False) + "\n")
    out.flush()
    click.echo(f"{len(attempts)} attempts checked against {standard_spec}: {len(verdicts)} violations", err=True)
    if verdicts:
        ctx.exit(1)


@group.command("publish")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--effective-from", default=None, help="ISO 8601 instant with offset (default: the file's own)")
def publish(file: Path, effective_from: str | None) -> None:
    """Publish a standard version in the portal's database (the regulator's act, from the operator's shell)."""
    from portal.access import OPERATOR
    from portal.cli.context import runtime
    from portal.core.timeutil import parse_instant
    from portal.services.compliance import operations

    when = parse_instant(effective_from, "--effective-from") if effective_from else None
    with runtime() as rt, rt.db.unit_of_work() as session:
        row = operations.publish_standard(OPERATOR, file.read_text(encoding="utf-8"), effective_from=when,
                                          session=session)
        click.echo(f"published {row.code}@{row.version} in force from {row.effective_from.isoformat()}")
