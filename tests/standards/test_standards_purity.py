"""The standards package is pure Python: no portal, no Flask, no database, nothing beyond the standard library."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import standards

PACKAGE = Path(standards.__file__).resolve().parent
ALLOWED_ROOTS = set(sys.stdlib_module_names) | {"standards"}


def _own_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if "speech" not in p.relative_to(PACKAGE).parts]


def test_imports_only_the_standard_library():
    for path in _own_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] in ALLOWED_ROOTS, f"{path.name} imports {name}"


def test_importing_the_engine_loads_no_portal_flask_or_database():
    probe = (
        "import sys, standards, standards.engine, standards.loader;"
        "standards.resolve('cn-regional');"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'portal', 'flask', 'sqlalchemy', 'sqlite3'});"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=PACKAGE.parent, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_modules_stay_small():
    for path in _own_modules():
        assert len(path.read_text(encoding="utf-8").splitlines()) < 400, path.name
