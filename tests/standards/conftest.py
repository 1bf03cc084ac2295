"""Fixtures of the standards tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from standards import CATALOGUE_DIR

# the tests import their builders as ``standards_helpers`` (this folder has no __init__.py: a package named
# "standards" here would shadow the real one); make that work under any pytest import mode
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def catalogue_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped catalogue, to break on purpose."""
    target = tmp_path / "catalogue"
    for source in CATALOGUE_DIR.glob("*/*.toml"):
        destination = target / source.parent.name / source.name
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return target
