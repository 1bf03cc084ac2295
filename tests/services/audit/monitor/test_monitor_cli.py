"""``portal audit scan``: order preserved, bad lines reported and skipped, exact output format, exit status."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.cli.audit import group
from portal.core.errors import BadInput
from portal.services.audit.monitor import scan_chunk

GOOD = [
    {
        "id": "t1",
        "language": "zh",
        "turns": [
            {"speaker": "agent", "text": "您好，我是催收专员"},
            {"speaker": "agent", "text": "今天不还，明天警察就上门把你带走"},
        ],
    },
    {
        "id": "t2",
        "language": "en",
        "turns": [
            {"speaker": "debtor", "text": "I'll kill you"},
            {"speaker": "agent", "text": "Let's look at a payment plan."},
        ],
    },
    {
        "id": 3,
        "language": "en",
        "turns": [{"speaker": "agent", "text": "We'll have you arrested tomorrow."}],
        "extra": "ignored",
    },
    {"id": "t4", "language": "en", "turns": []},
]
BAD = {
    2: ("{not json", "invalid JSON"),
    4: ('{"language": "en", "turns": []}', "missing id"),
    6: ('{"id": "x", "language": "fr", "turns": []}', "unknown language 'fr'"),
    7: ('{"id": "y", "language": "zh", "turns": [{"speaker": "bot", "text": "hi"}]}', "turns[0].speaker 'bot'"),
    8: ('{"id": "z", "language": "zh", "turns": "not a list"}', "turns is not a list"),
    9: ("", "empty line"),
    10: ('["a list"]', "not a JSON object"),
}


def _write(tmp_path: Path) -> Path:
    lines, good = [], iter(GOOD)
    for n in range(1, 12):
        lines.append(BAD[n][0] if n in BAD else json.dumps(next(good), ensure_ascii=False))
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines[: len(BAD) + len(GOOD)]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("workers", ["1", "2"])
def test_scan_preserves_order_reports_bad_lines_and_exits_2(tmp_path, workers):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        group, ["scan", "--input", str(_write(tmp_path)), "--output", str(out), "--workers", workers]
    )
    assert result.exit_code == 2, result.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["t1", "t2", 3, "t4"]
    assert [[f["kind"] for f in r["findings"]] for r in rows] == [["VS-F02-01"], [], ["VS-F02-01"], []]
    errors = result.stderr.splitlines()
    for n, (_line, reason) in BAD.items():
        assert any(e.startswith(f"line {n}: ") and reason in e for e in errors), (n, errors)
    assert errors[-1] == f"{len(BAD)} bad line(s) skipped"


def test_output_format_is_exact(tmp_path):
    src = tmp_path / "one.jsonl"
    src.write_text(json.dumps(GOOD[0], ensure_ascii=False) + "\n" + json.dumps(GOOD[3]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(group, ["scan", "--input", str(src)])
    assert result.exit_code == 0, result.stderr
    first, second = result.stdout.splitlines()
    text = GOOD[0]["turns"][1]["text"]
    finding = json.loads(first)["findings"][0]
    assert list(json.loads(first)) == ["id", "findings"]
    assert list(finding)[:6] == ["kind", "turn", "start", "end", "severity", "confidence"]
    assert (finding["kind"], finding["turn"], finding["severity"]) == ("VS-F02-01", 1, "critical")
    assert "带走" in text[finding["start"] : finding["end"]]
    assert first.startswith('{"id": "t1", "findings": [{"kind": "VS-F02-01", "turn": 1, "start": ')
    assert second == '{"id": "t4", "findings": []}'
    assert result.stderr == ""


def test_missing_input_file_is_bad_input(tmp_path):
    result = CliRunner().invoke(group, ["scan", "--input", str(tmp_path / "nope.jsonl")])
    assert isinstance(result.exception, BadInput)
    assert "nope.jsonl" in str(result.exception)


def test_invalid_utf8_line_is_reported_not_fatal(tmp_path):
    src = tmp_path / "bytes.jsonl"
    src.write_bytes(
        b'{"id": "a", "language": "en", "turns": []}\n\xff\xfe\n{"id": "b", "language": "en", "turns": []}\n'
    )
    result = CliRunner().invoke(group, ["scan", "--input", str(src)])
    assert result.exit_code == 2
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == ["a", "b"]
    assert result.stderr.startswith("line 2: not valid UTF-8")


def test_scan_chunk_for_celery_is_json_serialisable():
    lines = [json.dumps(GOOD[0], ensure_ascii=False), "{oops", json.dumps(GOOD[1])]
    results = scan_chunk(lines, first_line=101)
    assert [r["line"] for r in results] == [101, 102, 103]
    assert results[0]["output"]["findings"][0]["kind"] == "VS-F02-01"
    assert results[1]["error"].startswith("invalid JSON")
    assert results[2]["output"] == {"id": "t2", "findings": []}
    json.dumps(results)


def test_check_patterns_reports_full_coverage():
    result = CliRunner().invoke(group, ["check-patterns"])
    assert result.exit_code == 0, result.output
    assert "80/80 monitored kinds covered" in result.output
