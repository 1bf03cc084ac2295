"""Fixtures of the speech-monitor tests: the compiled detector (loaded once) and the speech data folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal.services.audit.monitor import detector
from portal.services.audit.monitor.patterns import default_root


@pytest.fixture(scope="session")
def det():
    """The process-wide detector compiled from standards/speech."""
    return detector()


@pytest.fixture
def speech_copy(tmp_path: Path) -> Path:
    """A writable copy of standards/speech for tests that break pattern files on purpose."""
    target = tmp_path / "speech"
    shutil.copytree(default_root(), target)
    return target
