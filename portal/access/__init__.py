"""THE access policy: principals, roles, one ``check_access`` and the registry of per-action policy functions.

Feature packages declare their rows of ACCESS.md in their own ``policy.py`` with ``@policy("pkg.object.verb")``;
every decision anywhere in the portal goes through :func:`check_access`.
"""

from portal.access.principal import ANONYMOUS, OPERATOR, Kind, Principal, Role, allowed_roles
from portal.access.registry import (
    Decision,
    check_access,
    guarded,
    guarded_actions,
    policy,
    registered_actions,
    require_policies,
)

__all__ = [
    "ANONYMOUS",
    "OPERATOR",
    "Decision",
    "Kind",
    "Principal",
    "Role",
    "allowed_roles",
    "check_access",
    "guarded",
    "guarded_actions",
    "policy",
    "registered_actions",
    "require_policies",
]
