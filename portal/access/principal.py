"""Who is acting: the principal (user, institution, kind, roles) that every operation takes first."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Kind(enum.StrEnum):
    """Tenant kinds (DOMAIN.md)."""

    REGULATOR = "regulator"
    BANK = "bank"
    AGENCY = "agency"
    MEDIATOR = "mediator"
    TRACER = "tracer"


class Role(enum.StrEnum):
    """Roles inside an institution (ACCESS.md)."""

    ADMIN = "admin"
    ANALYST = "analyst"
    OPERATOR = "operator"
    AUDITOR = "auditor"


def allowed_roles(kind: Kind | str) -> frozenset[Role]:
    """The roles an institution of ``kind`` may grant: auditor exists only at the regulator."""
    base = {Role.ADMIN, Role.ANALYST, Role.OPERATOR}
    if Kind(kind) is Kind.REGULATOR:
        base.add(Role.AUDITOR)
    return frozenset(base)


@dataclass(frozen=True, slots=True)
class Principal:
    """The acting user and institution; a token carries exactly its user's institution and roles."""

    user_id: int | None
    institution_id: int | None
    institution_code: str | None
    kind: Kind | None
    roles: frozenset[Role] = field(default_factory=frozenset)
    email: str | None = None
    via_token: bool = False
    operator: bool = False
    system: bool = False

    @property
    def is_authenticated(self) -> bool:
        """True for a signed-in user, a valid token, a scheduled job acting for an institution, or the operator."""
        if self.operator:
            return True
        return self.institution_id is not None and (self.user_id is not None or self.system)

    def has_role(self, role: Role | str) -> bool:
        """Whether this principal holds ``role``."""
        return Role(role) in self.roles

    @classmethod
    def scheduled(cls, institution_id: int, code: str, kind: Kind) -> Principal:
        """A principal for scheduled jobs acting on behalf of an institution with every role of its kind."""
        return cls(None, institution_id, code, kind, allowed_roles(kind), email=None, system=True)


ANONYMOUS = Principal(None, None, None, None, frozenset())
# Whoever runs the `portal` command on the server: may bootstrap tenants and users, sees no tenant data by that alone.
OPERATOR = Principal(None, None, None, None, frozenset(), email="operator@localhost", operator=True)
