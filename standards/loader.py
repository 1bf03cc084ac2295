"""The catalogue of shipped standards: ``standards/catalogue/<code>/<version>.toml``, and ``CODE[@VERSION]``."""

from __future__ import annotations

import re
from pathlib import Path

from standards.errors import MalformedStandard, UnknownStandard
from standards.schema import CODE, load_standard
from standards.versions import Standard, StandardSet

CATALOGUE_DIR = Path(__file__).resolve().parent / "catalogue"


def load_catalogue(root: str | Path | None = None) -> dict[str, StandardSet]:
    """Every standard under ``root`` (the shipped catalogue by default), by code, all versions validated."""
    folder = Path(root) if root is not None else CATALOGUE_DIR
    if not folder.is_dir():
        raise MalformedStandard("the catalogue folder does not exist", file=str(folder))
    catalogue: dict[str, StandardSet] = {}
    for code_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        files = sorted(code_dir.glob("*.toml"))
        if files:
            catalogue[code_dir.name] = StandardSet(load_standard(f) for f in files)
    return catalogue


def resolve(spec: str, root: str | Path | None = None) -> Standard | StandardSet:
    """``CODE`` (all versions, each judging its own period) or ``CODE@VERSION`` (that version for everything)."""
    code, _, version = spec.strip().partition("@")
    folder = Path(root) if root is not None else CATALOGUE_DIR
    code_dir = folder / code
    files = sorted(code_dir.glob("*.toml")) if re.fullmatch(CODE, code) and code_dir.is_dir() else []
    if not files:
        known = ", ".join(sorted(load_catalogue(folder))) if folder.is_dir() else "none"
        raise UnknownStandard(f"unknown standard {code!r} (known: {known})", field="standard")
    versions = StandardSet(load_standard(f) for f in files)
    return versions.version(version) if version else versions
