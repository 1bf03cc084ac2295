"""Tenancy rows of ACCESS.md: who creates institutions, users and tokens."""

from __future__ import annotations

from typing import Any

from portal.access import Decision, Kind, Principal, Role, policy


@policy("tenancy.institution.create")
def institution_create(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """The regulator's admins (and the shell operator) create institutions."""
    if principal.operator or (principal.kind is Kind.REGULATOR and principal.has_role(Role.ADMIN)):
        return Decision.allow()
    return Decision.deny("only the regulator's admins create institutions")


@policy("tenancy.institution.list")
def institution_list(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Every signed-in member sees the directory of institutions (names, codes, kinds)."""
    return Decision.allow()


@policy("tenancy.user.create")
def user_create(principal: Principal, institution: Any = None, **_: Any) -> Decision:
    """The regulator's admins for anyone; an institution's admin for its own users."""
    if principal.operator or (principal.kind is Kind.REGULATOR and principal.has_role(Role.ADMIN)):
        return Decision.allow()
    if principal.has_role(Role.ADMIN) and institution is not None and institution.id == principal.institution_id:
        return Decision.allow()
    return Decision.deny("only an admin of the institution or of the regulator adds users")


@policy("tenancy.token.issue")
def token_issue(principal: Principal, user: Any = None, **_: Any) -> Decision:
    """A user issues tokens for themself; an institution's admin for its own users; the operator for anyone."""
    if principal.operator or (user is not None and user.id == principal.user_id):
        return Decision.allow()
    if principal.has_role(Role.ADMIN) and user is not None and user.institution_id == principal.institution_id:
        return Decision.allow()
    return Decision.deny("tokens are issued by their user or the institution's admin")


@policy("tenancy.token.revoke")
def token_revoke(principal: Principal, token: Any = None, **kw: Any) -> Decision:
    """Same rule as issuing: the owner, its institution's admin, or the operator."""
    return token_issue(principal, token.user if token is not None else None)


@policy("tenancy.totp.enrol")
def totp_enrol(principal: Principal, user: Any = None, **_: Any) -> Decision:
    """Only the user themself enrols a second factor."""
    if user is not None and user.id == principal.user_id:
        return Decision.allow()
    return Decision.deny("only the user themself enrols TOTP")


@policy("tenancy.viewer.read")
def viewer_read(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Any signed-in user or token holder may ask who they are."""
    return Decision.allow()


@policy("tenancy.token.purge")
def token_purge(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Housekeeping by the operator or the scheduler only."""
    if principal.operator:
        return Decision.allow()
    return Decision.deny("token housekeeping runs from the scheduler")
