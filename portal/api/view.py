"""The thin ``/graphql`` view: authenticate, check CSRF for browser sessions, pick the document, run it, commit.

Each root field runs in its own savepoint (see execute.py), so a failing field leaves nothing half-written while
the reads that did happen keep their inquiry rows; the request commits once at the end.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request
from flask_login import login_required
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError

from portal.api.errors import error_code
from portal.api.execute import run_operation
from portal.api.persisted import persisted_operations
from portal.core.errors import PortalError
from portal.core.runtime import keyring, request_session, settings
from portal.web.auth import bearer_secret, current_principal
from portal.web.ratelimit import graphql_limit

bp = Blueprint("api", __name__, template_folder="templates")


def _reply(errors: list[dict[str, Any]], data: Any = None, status: int = 200) -> Response:
    body: dict[str, Any] = {"errors": errors} if errors else {}
    body["data"] = data
    resp = jsonify(body)
    resp.status_code = status
    return resp


def _error(message: str, code: str, status: int = 200) -> Response:
    return _reply([{"message": message, "extensions": {"code": code}}], None, status)


@bp.post("/graphql")
@graphql_limit
def graphql_post() -> Response:
    """Execute one GraphQL operation for the request's principal."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _error("body must be a JSON object", "BAD_USER_INPUT", 400)
    try:
        principal = current_principal()
    except PortalError as exc:
        return _error(exc.message, exc.code, exc.http_status)
    via_session = principal.is_authenticated and bearer_secret() is None
    if via_session:
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except (ValidationError, CSRFError):
            return _error("browser-session requests need a valid X-CSRFToken header", "FORBIDDEN", 403)
    op_id = payload.get("id")
    if op_id is not None:
        text = persisted_operations().get(str(op_id))
        if text is None:
            return _error(f"unknown persisted operation id {op_id!r}", "NOT_FOUND")
    else:
        text = payload.get("query")
        if not isinstance(text, str) or not text.strip():
            return _error("request needs a 'query' string or a persisted operation 'id'", "BAD_USER_INPUT")
        if via_session and settings().production:
            return _error("browser sessions may run only persisted operations in production mode", "FORBIDDEN")
    variables = payload.get("variables") or {}
    if not isinstance(variables, dict):
        return _error("variables must be a JSON object", "BAD_USER_INPUT")
    session = request_session(principal.institution_id)
    outcome = run_operation(
        text,
        principal=principal,
        session=session,
        keyring=keyring(),
        settings=settings(),
        secret=current_app.secret_key.encode(),
        variables=variables,
        operation_name=payload.get("operationName"),
    )
    session.commit()
    status = 200
    if (
        not principal.is_authenticated
        and outcome.raw_errors
        and all(error_code(e) == "UNAUTHENTICATED" for e in outcome.raw_errors)
    ):
        status = 401
    return _reply(outcome.errors, outcome.data, status)


@bp.get("/graphql")
@login_required
def graphiql() -> str:
    """A query console for a signed-in user; in production it offers the persisted operations only."""
    return render_template(
        "graphiql.html",
        production=settings().production,
        operations=sorted(persisted_operations().items(), key=lambda kv: kv[1]),
    )
