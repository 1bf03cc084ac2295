"""The ONE gateway from dashboards to data: persisted GraphQL operations executed in process as the viewer."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app

from portal.api.execute import run_operation
from portal.core.errors import PortalError
from portal.core.runtime import keyring, request_session, settings
from portal.web.auth import require_principal

OPERATIONS = Path(__file__).resolve().parents[1] / "graphql" / "operations"


class DashboardDataError(Exception):
    """An operation answered with errors; the message is safe to show."""


@lru_cache(maxsize=64)
def _operation(name: str) -> str:
    path = OPERATIONS / f"{name}.graphql"
    if not path.is_file():
        raise DashboardDataError(f"no persisted operation named {name!r}")
    return path.read_text(encoding="utf-8")


def fetch(name: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run persisted operation ``name`` as the signed-in viewer and return its data."""
    try:
        principal = require_principal()
    except PortalError as exc:
        raise DashboardDataError(exc.message) from exc
    session = request_session(principal.institution_id)
    outcome = run_operation(
        _operation(name),
        principal=principal,
        session=session,
        keyring=keyring(),
        settings=settings(),
        secret=current_app.secret_key.encode(),
        variables=variables or {},
    )
    session.commit()
    if outcome.errors:
        raise DashboardDataError("; ".join(e["message"] for e in outcome.errors))
    return outcome.data or {}
