"""Run one GraphQL operation for a principal: parse (token limit) → standard validation plus our limits → execute.

Used by the ``/graphql`` view and, in process, by the dashboards' data gateway — one pipeline, one policy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from graphql import GraphQLError, GraphQLSyntaxError, execute, parse, specified_rules, validate
from portal.access import Principal
from portal.api.connections import CursorCodec
from portal.api.context import RequestContext
from portal.api.errors import coded, format_error
from portal.api.limits import Limits, limit_rule
from portal.api.schema import build_schema, public_root_fields
from portal.config import Settings
from portal.core.crypto import Keyring
from portal.core.errors import RateLimited, Unauthenticated

LIMITS = Limits()


@dataclass
class Outcome:
    """The result of an operation: data, formatted errors, and the raw errors (for status decisions)."""

    data: dict[str, Any] | None
    errors: list[dict[str, Any]]
    raw_errors: list[GraphQLError]


class RootSavepoint:
    """Graphene middleware: each root field in a savepoint; enforces the request's time budget between fields."""

    def __init__(self, deadline: float):
        self.deadline = deadline

    def resolve(self, next_: Any, root: Any, info: Any, **args: Any) -> Any:
        if time.monotonic() > self.deadline:
            raise RateLimited("the request exceeded its time budget")
        if info.path.prev is not None:
            return next_(root, info, **args)
        if not info.context.principal.is_authenticated and info.field_name not in public_root_fields():
            raise Unauthenticated("sign in or present an API token")
        nested = info.context.session.begin_nested()
        try:
            result = next_(root, info, **args)
        except Exception:
            nested.rollback()
            raise
        nested.commit()
        return result


def run_operation(
    text: str,
    *,
    principal: Principal,
    session: Session,
    keyring: Keyring,
    settings: Settings,
    secret: bytes,
    variables: dict[str, Any] | None = None,
    operation_name: str | None = None,
) -> Outcome:
    """Parse, validate and execute ``text``; the caller owns the transaction (commit after)."""
    started = time.monotonic()
    variables = variables or {}
    try:
        document = parse(text, max_tokens=LIMITS.tokens)
    except GraphQLSyntaxError as exc:
        code = "QUERY_TOO_COMPLEX" if "tokens" in exc.message else "BAD_USER_INPUT"
        err = coded(exc.message, code)
        return Outcome(None, [format_error(err)], [err])
    schema = build_schema().graphql_schema
    rules = (*specified_rules, limit_rule(variables, LIMITS, introspection=not settings.production))
    problems = validate(schema, document, rules)
    if problems:
        return Outcome(None, [format_error(e) for e in problems], list(problems))
    context = RequestContext(principal, session, keyring, settings, CursorCodec(secret))
    result = execute(
        schema,
        document,
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
        middleware=[RootSavepoint(started + settings.request_timeout_s)],
    )
    raw = list(result.errors or [])
    return Outcome(result.data, [format_error(e) for e in raw], raw)
