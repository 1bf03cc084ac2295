"""``portal standards list|check``: JSON lines on stdout, exit 0 clean, 1 violations, 2 bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from portal.cli.standards import group
from portal.core.errors import BadInput, PortalError

HEADER = "attempt_id,debt_ref,debtor_ref,number,counterparty,channel,started_at,outcome,duration_s,debtor_tz"


class _Root(click.Group):
    """What the root ``portal`` command does with domain errors: one line on stderr and the exit status."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except PortalError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(exc.exit_status)


root = _Root("portal")
root.add_command(group)


def _run(*args: str):
    return CliRunner().invoke(root, ["standards", *args])


def _log(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "attempts.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


CLEAN = "a1,D1,P1,N1,debtor,call,2026-03-03T10:00:00+08:00,unanswered,0,"
LATE = "a2,D1,P1,N1,debtor,call,2026-03-03T22:30:00+08:00,unanswered,0,Asia/Shanghai"


def test_list_shows_the_shipped_standards():
    result = _run("list")
    assert result.exit_code == 0
    assert "cn-regional@2025.1" in result.output and "cn-regional@2026.1" in result.output
    assert "us-regf@2021.1" in result.output
    rows = [json.loads(line) for line in _run("list", "--json").output.splitlines()]
    assert {(r["code"], r["version"]) for r in rows} >= {("cn-regional", "2026.1"), ("us-regf", "2021.1")}
    assert "CS-FREQ-03" in next(r for r in rows if r["version"] == "2026.1")["rules"]


def test_clean_log_exits_0(tmp_path: Path):
    result = _run("check", "--standard", "cn-regional", "--attempts", str(_log(tmp_path, CLEAN)))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "1 attempts checked" in result.stderr


def test_violations_exit_1_with_one_json_line_each(tmp_path: Path):
    result = _run("check", "--standard", "cn-regional", "--attempts", str(_log(tmp_path, CLEAN, LATE)))
    assert result.exit_code == 1
    (line,) = [json.loads(text) for text in result.stdout.splitlines()]
    assert line["attempt_id"] == "a2" and line["rule"] == "CS-TIME-01" and line["rule_version"] == "2025.1"
    assert line["severity"] == "high" and "22:30" in line["message"] and line["standard"] == "cn-regional@2026.1"
    assert "禁止催收时段" in line["message_zh"]
    zh = _run("check", "--standard", "us-regf", "--attempts", str(_log(tmp_path, LATE)), "--lang", "zh")
    assert zh.exit_code == 1 and json.loads(zh.stdout)["message"].startswith("不便联系时段")


def test_pinned_version_and_declared_columns(tmp_path: Path):
    rows = [f"r{k},D1,P1,N1,debtor,call,2026-03-03T{9 + k:02d}:00:00+08:00,unanswered,0," for k in range(7)]
    log = _log(tmp_path, *rows)
    assert _run("check", "--standard", "cn-regional@2025.1", "--attempts", str(log)).exit_code == 0
    result = _run("check", "--standard", "cn-regional@2026.1", "--attempts", str(log))
    assert result.exit_code == 1 and json.loads(result.stdout)["rule"] == "CS-FREQ-03"
    agreed = _log(tmp_path, *(r + ",true" for r in rows), header=HEADER + ",agreed_frequency")
    assert _run("check", "--standard", "cn-regional", "--attempts", str(agreed)).exit_code == 0


def test_events_file(tmp_path: Path):
    events = tmp_path / "events.jsonl"
    events.write_text(
        json.dumps({"kind": "dispute_opened", "at": "2026-03-01T00:00:00+08:00", "debt_ref": "D1"}) + "\n",
        encoding="utf-8",
    )
    result = _run(
        "check", "--standard", "cn-regional", "--attempts", str(_log(tmp_path, CLEAN)), "--events", str(events)
    )
    assert result.exit_code == 1 and json.loads(result.stdout)["rule"] == "CS-DISP-01"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--standard", "uk-conc"], "unknown standard 'uk-conc'"),
        (["--standard", "cn-regional@1999.1"], "no version '1999.1'"),
    ],
)
def test_bad_standard_exits_2(tmp_path: Path, args: list[str], words: str):
    result = _run("check", *args, "--attempts", str(_log(tmp_path, CLEAN)))
    assert result.exit_code == 2
    assert words in result.stderr and "Traceback" not in result.output + result.stderr


def test_bad_row_exits_2_naming_file_line_and_field(tmp_path: Path):
    log = _log(tmp_path, CLEAN, "a3,D1,P1,N1,debtor,fax,2026-03-03T10:00:00+08:00,unanswered,0,")
    result = _run("check", "--standard", "cn-regional", "--attempts", str(log))
    assert result.exit_code == 2
    assert f"{log}:3" in result.stderr and "'channel'" in result.stderr and "'fax'" in result.stderr
    assert result.stdout == ""


def test_missing_file_and_attempt_before_any_version_exit_2(tmp_path: Path):
    missing = _run("check", "--standard", "cn-regional", "--attempts", str(tmp_path / "nope.csv"))
    assert missing.exit_code == 2 and "nope.csv" in missing.stderr
    early = _log(tmp_path, "old,D1,P1,N1,debtor,call,2020-03-03T10:00:00+08:00,unanswered,0,")
    result = _run("check", "--standard", "cn-regional", "--attempts", str(early))
    assert result.exit_code == 2 and "attempt old" in result.stderr


def test_malformed_catalogue_exits_2(tmp_path: Path, catalogue_copy: Path):
    broken = catalogue_copy / "us-regf" / "2021.1.toml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("limit = 7", "limit = seven"), encoding="utf-8")
    result = _run(
        "check", "--standard", "us-regf", "--attempts", str(_log(tmp_path, CLEAN)), "--catalogue", str(catalogue_copy)
    )
    assert result.exit_code == 2 and f"{broken}:" in result.stderr
    assert _run("list", "--catalogue", str(catalogue_copy)).exit_code == 2


def test_group_alone_raises_bad_input_for_the_root_to_map(tmp_path: Path):
    result = CliRunner().invoke(group, ["check", "--standard", "nope", "--attempts", str(_log(tmp_path, CLEAN))])
    assert isinstance(result.exception, BadInput)
    assert result.exception.field == "standard"
