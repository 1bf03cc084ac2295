"""``portal evidence …`` end to end on the test database; ``verify`` with no database at all."""

from __future__ import annotations

import hashlib
import json
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.cli import evidence as cli
from portal.core.errors import BadInput


@pytest.fixture
def runner(db, keyring, region, monkeypatch) -> CliRunner:
    @contextmanager
    def runtime():
        yield db, keyring

    monkeypatch.setattr(cli, "_runtime", runtime)
    return CliRunner()


def _ok(result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_add_bundle_checkpoint_verify(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    doc = tmp_path / "loan-contract.pdf"
    doc.write_bytes(b"%PDF contract")
    added = json.loads(_ok(runner.invoke(cli.group, ["add", str(doc), "--kind", "contract", "--institution", "bank-a",
                                                     "--party", "agency-a"])))
    assert added["leaf_index"] == 0
    assert added["sha256"] == hashlib.sha256(b"%PDF contract").hexdigest()
    checkpoint = _ok(runner.invoke(cli.group, ["checkpoint"]))
    assert checkpoint.split("\n")[1] == "1"
    key = _ok(runner.invoke(cli.group, ["public-key"])).strip()
    out = tmp_path / "bundle.zip"
    _ok(runner.invoke(cli.group, ["bundle", str(added["entry"]), "--out", str(out)]))

    monkeypatch.setattr(cli, "_runtime", None)  # verify must not touch the database
    verified = _ok(runner.invoke(cli.group, ["verify", str(out), "--key", key]))
    assert verified.strip().endswith("VALID")
    key_file = tmp_path / "log.pub"
    key_file.write_text(key + "\n")
    _ok(runner.invoke(cli.group, ["verify", str(out), "--key", str(key_file)]))
    monkeypatch.setenv(cli.PUBLIC_KEY_SETTING, key)
    _ok(runner.invoke(cli.group, ["verify", str(out)]))


def test_verify_failures(runner: CliRunner, tmp_path: Path, monkeypatch) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("a")
    entry = json.loads(_ok(runner.invoke(cli.group, ["add", str(doc), "--kind", "note", "--institution", "bank-a"])))
    out = tmp_path / "b.zip"
    _ok(runner.invoke(cli.group, ["bundle", str(entry["entry"]), "--out", str(out)]))
    monkeypatch.delenv(cli.PUBLIC_KEY_SETTING, raising=False)
    result = runner.invoke(cli.group, ["verify", str(out)])
    assert result.exit_code == 1 and "FAILED  checkpoint-signature: no public key" in result.output
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(out.read_bytes()[:-30])
    key = _ok(runner.invoke(cli.group, ["public-key"])).strip()
    result = runner.invoke(cli.group, ["verify", str(damaged), "--key", key])
    assert result.exit_code == 1 and "FAILED  archive" in result.output
    result = runner.invoke(cli.group, ["verify", str(out), "--key", "nonsense+key"])
    assert isinstance(result.exception, BadInput)  # the root command turns it into one line and exit 2
    result = runner.invoke(cli.group, ["verify", str(tmp_path / "missing.zip"), "--key", key])
    assert isinstance(result.exception, BadInput)


def test_audit_monitor_and_rotation(runner: CliRunner, tmp_path: Path) -> None:
    doc = tmp_path / "a.txt"
    doc.write_text("a")
    _ok(runner.invoke(cli.group, ["add", str(doc), "--kind", "note", "--institution", "bank-a"]))
    _ok(runner.invoke(cli.group, ["checkpoint"]))
    old_key = _ok(runner.invoke(cli.group, ["public-key"])).strip()
    new_key = _ok(runner.invoke(cli.group, ["rotate-key"])).strip()
    assert new_key != old_key
    assert _ok(runner.invoke(cli.group, ["public-key", "--all"])).split() == [new_key, old_key]
    _ok(runner.invoke(cli.group, ["monitor"]))
    result = runner.invoke(cli.group, ["audit", "--content"])
    assert result.exit_code == 0 and "clean" in result.output
