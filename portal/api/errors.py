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
    if original is None:
        return "BAD_USER_INPUT"
    return "INTERNAL"


def format_error(error: GraphQLError) -> dict[str, Any]:
    """The JSON form of ``error`` with a safe message and ``extensions.code``."""
    code = error_code(error)
    if code == "INTERNAL":
        log.error("internal error in GraphQL resolver", exc_info=error.original_error)
        message = "internal error; the request id identifies it in the logs"
    elif isinstance(error.original_error, PortalError):
        message = error.original_error.message
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
