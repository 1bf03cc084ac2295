"""Evidence rows of ACCESS.md: any party stores evidence; content goes to the parties and the regulator.

Checkpoints, the public key and proofs are public: their policy is registered public so every read still goes
through ``check_access``.
"""

from __future__ import annotations

from typing import Any

from portal.access import Decision, Kind, Principal, Role, policy


@policy("evidence.entry.store")
def entry_store(
    principal: Principal, parties: Any = None, *, institution_code: str | None = None, **_: Any
) -> Decision:
    """A party to the record with a writing role stores evidence (or anchors a digest) as itself; the shell operator
    on behalf of a named institution (which then is the submitter and a party)."""
    codes = set(parties or ())
    if principal.operator:
        if institution_code and institution_code in codes:
            return Decision.allow()
        return Decision.deny("the operator stores evidence only on behalf of a party")
    if not (principal.has_role(Role.OPERATOR) or principal.has_role(Role.ADMIN)):
        return Decision.deny("storing evidence needs the operator or admin role")
    if principal.institution_code not in codes:
        return Decision.deny("only a party to the record stores its evidence")
    return Decision.allow()


def _is_party(principal: Principal, party_ids: Any) -> bool:
    return principal.institution_id is not None and principal.institution_id in set(party_ids or ())


@policy("evidence.content.read")
def content_read(principal: Principal, party_ids: Any = None, **_: Any) -> Decision:
    """The record's parties and the regulator read evidence content."""
    if principal.kind is Kind.REGULATOR or _is_party(principal, party_ids):
        return Decision.allow()
    return Decision.deny("evidence content is shown to the record's parties and the regulator only")


@policy("evidence.bundle.export")
def bundle_export(principal: Principal, party_ids: Any = None, **_: Any) -> Decision:
    """A bundle holds the content: the parties and the regulator, plus the shell operator (who exports for courts
    and holds the database and keys anyway); every export is written to the activity log."""
    if principal.operator:
        return Decision.allow()
    return content_read(principal, party_ids)


@policy("evidence.content.erase")
def content_erase(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """The regulator erases personal content (the log and its commitments stay)."""
    if principal.operator or (principal.kind is Kind.REGULATOR and principal.has_role(Role.ADMIN)):
        return Decision.allow()
    return Decision.deny("only the regulator's admins erase evidence content")


@policy("evidence.log.read", public=True)
def log_read(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Checkpoints, the public key and proofs: public to anyone, signed in or not (ACCESS.md)."""
    return Decision.allow()


@policy("evidence.checkpoint.publish")
def checkpoint_publish(principal: Principal, _target: Any = None, **_: Any) -> Decision:
    """Publishing on demand: the shell operator, the scheduler, or the regulator's admins."""
    if principal.operator or principal.system or (principal.kind is Kind.REGULATOR and principal.has_role(Role.ADMIN)):
        return Decision.allow()
    return Decision.deny("checkpoints are published by the scheduler or the regulator's admins")
