"""Domain errors raised by operations; each edge (GraphQL, HTTP, CLI) maps them in one place.

Every error carries a stable ``code`` that GraphQL puts in ``extensions.code`` and a message that names the bad value.
"""

from __future__ import annotations


class PortalError(Exception):
    """Base of every error a user can cause; never carries a stack trace or SQL to the client."""

    code = "INTERNAL"
    http_status = 500
    exit_status = 1

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class BadInput(PortalError):
    """The caller sent a value that is not acceptable; the message names it."""

    code = "BAD_USER_INPUT"
    http_status = 400
    exit_status = 2


class Unauthenticated(PortalError):
    """No credentials, or credentials that are invalid, expired or revoked."""

    code = "UNAUTHENTICATED"
    http_status = 401
    exit_status = 2


class Forbidden(PortalError):
    """Authenticated, but the access policy refuses this action on this target."""

    code = "FORBIDDEN"
    http_status = 403
    exit_status = 2


class NotFound(PortalError):
    """The referenced object does not exist (or the caller may not know that it exists)."""

    code = "NOT_FOUND"
    http_status = 404
    exit_status = 2


class Conflict(PortalError):
    """The request collides with existing state (duplicate code, stale version...)."""

    code = "CONFLICT"
    http_status = 409
    exit_status = 2


class QueryTooComplex(PortalError):
    """A GraphQL operation exceeds one of the documented limits."""

    code = "QUERY_TOO_COMPLEX"
    http_status = 400
    exit_status = 2


class RateLimited(PortalError):
    """Too many requests or attempts in a window."""

    code = "RATE_LIMITED"
    http_status = 429
    exit_status = 2
