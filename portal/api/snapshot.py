"""Write the schema's SDL to graphql/schema.graphql: ``python -m portal.api.snapshot`` (``--check`` to compare)."""

from __future__ import annotations

import sys
from pathlib import Path

from portal.api.schema import schema_sdl

SNAPSHOT = Path(__file__).resolve().parents[2] / "graphql" / "schema.graphql"


def main(argv: list[str]) -> int:
    """Write (or with --check, compare) the snapshot; returns the exit status."""
    sdl = schema_sdl()
    if "--check" in argv:
        same = SNAPSHOT.exists() and SNAPSHOT.read_text(encoding="utf-8") == sdl
        print("schema snapshot is current" if same else "schema snapshot differs: run python -m portal.api.snapshot")
        return 0 if same else 1
    SNAPSHOT.write_text(sdl, encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
