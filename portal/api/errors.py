"""One mapping from domain errors to GraphQL errors with ``extensions.code`` (no stack trace or SQL to clients)."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from portal.core.errors import PortalError

log = logging.getLogger("portal.api")


def error_code(error: GraphQLError) -> str:
    """The code of a GraphQL error: the domain error's, BAD_USER_INPUT for document/variable errors, else INTERNAL."""
    original = error.original_error
    if isinstance(original, PortalError):
        return original.code
    if error.extensions and "code" in error.extensions:
        return str(error.extensions["code"])
    if original is None or error.path is None:
        # Not raised by a resolver: a document or variable problem (e.g. a value a scalar cannot represent).
        return "BAD_USER_INPUT"
    return "INTERNAL"


def format_error(error: GraphQLError) -> dict[str, Any]:
    """The JSON form of ``error`` with a safe message and ``extensions.code``."""
    code = error_code(error)
    original = error.original_error
    if code == "INTERNAL":
        log.error("internal error in GraphQL resolver", exc_info=original)
        message = "internal error; the request id identifies it in the logs"
    elif isinstance(original, PortalError):
        message = original.message
    elif original is not None and not isinstance(original, GraphQLError) and error.path is None:
        message = error.message.split(";")[0]  # keep the variable's name and value, drop the exception text
    else:
        message = error.message
    body: dict[str, Any] = {"message": message, "extensions": {"code": code}}
    if error.path:
        body["path"] = list(error.path)
    if error.locations:
        body["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    return body


def coded(message: str, code: str, nodes: Any = None) -> GraphQLError:
    """A GraphQL error with an explicit code (used by validation rules and the view)."""
    return GraphQLError(message, nodes, extensions={"code": code})
