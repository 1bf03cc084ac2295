"""The court guide's own commands, run as written against a real bundle: the stdlib script and openssl."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from portal.services.evidence import operations

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "evidence-court-guide.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture
def unpacked(tmp_path: Path, session: Session, region, keyring) -> Path:
    """An unpacked bundle in tmp/bundle, the key in tmp/log.pub and the guide's script beside the files."""
    for i in range(6):
        operations.store_evidence(region["bank-a"], [(f"n{i}.txt", b"n")], "notice", [], session=session,
                                  keyring=keyring)
    stored = operations.store_evidence(region["bank-a"], [("合同.pdf", b"%PDF contract"), ("call.wav", b"RIFF")],
                                       "contract", ["agency-a"], session=session, keyring=keyring)
    data = operations.export_bundle(region["bank-a"], stored.entry_id, session=session, keyring=keyring)
    (tmp_path / "log.pub").write_text(operations.public_key_text(session))
    folder = tmp_path / "bundle"
    zipfile.ZipFile(io.BytesIO(data)).extractall(folder)
    (scripts,) = _blocks("python")
    (folder / "check_bundle.py").write_text(scripts, encoding="utf-8")
    return folder


def _run_script(folder: Path) -> subprocess.CompletedProcess:
    # -I -S: no site-packages at all, so the script can only use the standard library
    return subprocess.run([sys.executable, "-I", "-S", "check_bundle.py", "../log.pub"], cwd=folder,
                          capture_output=True, text=True, check=False)


def _openssl(folder: Path) -> subprocess.CompletedProcess:
    (command,) = [line for block in _blocks("sh") for line in block.splitlines() if line.startswith("openssl ")]
    return subprocess.run(command.split(), cwd=folder, capture_output=True, text=True, check=False)


def test_guide_checks_pass_on_a_good_bundle(unpacked: Path) -> None:
    result = _run_script(unpacked)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    assert "Signature Verified Successfully" in _openssl(unpacked).stdout


def test_guide_script_catches_a_changed_document(unpacked: Path) -> None:
    (unpacked / "files" / "合同.pdf").write_bytes(b"%PDF forged")
    result = _run_script(unpacked)
    assert result.returncode == 1 and "FAILED  合同.pdf: SHA-256" in result.stdout


def test_guide_signature_check_catches_a_changed_checkpoint(unpacked: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    assert _run_script(unpacked).returncode == 0
    text = (unpacked / "signed-text.bin").read_bytes()
    (unpacked / "signed-text.bin").write_bytes(text.replace(b"\n7\n", b"\n8\n"))
    result = _openssl(unpacked)
    assert result.returncode != 0 and "Signature Verified Successfully" not in result.stdout
