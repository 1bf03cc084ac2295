"""``portal audit``: the batch violating-speech scan and a checker for the speech pattern data.

``portal audit scan --input FILE.jsonl [--output FILE.jsonl] [--workers N]`` reads transcripts (CONTRACT.md format) as
a stream and writes one findings line per valid input line, in input order. A bad line is reported on stderr as
``line N: reason`` and skipped; the other lines are still scanned. Exit status: 0 when every line was fine, 2 when at
least one line was bad (or for a whole-command error such as a missing input file, raised as ``BadInput``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from portal.core.errors import BadInput

BAD_LINES_EXIT = 2


def _use_patterns(folder: Path | None) -> None:
    from portal.services.audit.monitor.detector import Detector
    from portal.services.audit.monitor.patterns import load
    from portal.services.audit.monitor.scan import use_detector

    use_detector(Detector(load(folder)))


@click.group(name="audit")
def group() -> None:
    """Audit: violating-speech scans of call transcripts."""


@group.command("scan")
@click.option("--input", "input_path", required=True, type=click.Path(path_type=Path),
              help="transcripts, one JSON object per line")
@click.option("--output", "output_path", type=click.Path(path_type=Path), help="findings JSONL (default: stdout)")
@click.option("--workers", type=int, default=1, show_default=True, help="processes; output order is preserved")
@click.option("--patterns", "patterns_dir", type=click.Path(path_type=Path),
              help="speech standards folder (default: standards/speech)")
def scan(input_path: Path, output_path: Path | None, workers: int, patterns_dir: Path | None) -> None:
    """Scan transcripts for violating speech; one output line per valid input line, in input order."""
    from portal.services.audit.monitor.scan import scan_stream

    if workers < 1:
        raise BadInput(f"--workers must be at least 1, got {workers}", field="workers")
    if not input_path.is_file():
        raise BadInput(f"input file not found: {input_path}", field="input")
    if output_path is not None and output_path.resolve() == input_path.resolve():
        raise BadInput("--output must not be the input file", field="output")
    if patterns_dir is not None:
        _use_patterns(patterns_dir)
    bad = 0
    out = output_path.open("w", encoding="utf-8") if output_path else None
    try:
        sink = out or sys.stdout
        with input_path.open("rb") as src:
            for res in scan_stream(src, workers=workers):
                if res.error is not None:
                    bad += 1
                    click.echo(f"line {res.line}: {res.error}", err=True)
                else:
                    sink.write(res.output + "\n")
        sink.flush()
    finally:
        if out is not None:
            out.close()
    if bad:
        click.echo(f"{bad} bad line(s) skipped", err=True)
        sys.exit(BAD_LINES_EXIT)


@group.command("check-patterns")
@click.option("--patterns", "patterns_dir", type=click.Path(path_type=Path),
              help="speech standards folder (default: standards/speech)")
def check_patterns(patterns_dir: Path | None) -> None:
    """Validate the speech pattern data and print coverage; errors name the file and the field."""
    from portal.services.audit.monitor.patterns import load

    data = load(patterns_dir)
    for lang, model in data.models.items():
        covered = {r.kind for r in model.rules}
        missing = [k for k in data.monitored if k not in covered]
        click.echo(f"{lang}: {len(model.class_ids)} classes, {model.n_terms} terms, {len(model.rules)} rules, "
                   f"{len(covered)}/{len(data.monitored)} monitored kinds covered")
        if missing:
            raise BadInput(f"{lang}: monitored kinds without rules: {', '.join(missing)}", field="rules")
    click.echo(f"excluded (standards engine / metadata): {', '.join(sorted(data.excluded))}")
