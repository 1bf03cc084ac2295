"""The policy registry and the single decision point, ``check_access``.

A policy is a function named after the action it guards (CKAN's habit). It returns a :class:`Decision` (or raises a
domain error such as BadInput when the request itself is malformed). ``check_access`` refuses anonymous principals
for every action not explicitly marked public, raises :class:`Forbidden` on a denial, and returns the decision on an
allow so the operation can learn *how much* it may show (a view, masking flags...).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from portal.access.principal import Principal
from portal.core.errors import Forbidden, Unauthenticated

PolicyFn = Callable[..., "Decision"]


@dataclass(frozen=True)
class Decision:
    """The outcome of one policy: allowed or not, why, and any details the operation needs (view, scope...)."""

    allowed: bool
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def allow(cls, **details: Any) -> Decision:
        """An allowing decision carrying ``details``."""
        return cls(True, "", details)

    @classmethod
    def deny(cls, reason: str = "not allowed") -> Decision:
        """A refusing decision with a reason suitable for the caller."""
        return cls(False, reason)

    def __getitem__(self, key: str) -> Any:
        return self.details[key]

    def get(self, key: str, default: Any = None) -> Any:
        """A detail of the decision, or ``default``."""
        return self.details.get(key, default)


@dataclass(frozen=True)
class _Entry:
    fn: PolicyFn
    public: bool


_POLICIES: dict[str, _Entry] = {}
_GUARDED: set[str] = set()
_consulted: ContextVar[set[str] | None] = ContextVar("consulted_actions", default=None)


def policy(action: str, *, public: bool = False) -> Callable[[PolicyFn], PolicyFn]:
    """Register ``fn`` as the policy of ``action`` ('<package>.<object>.<verb>'); one policy per action."""
    if action.count(".") < 2:
        raise ValueError(f"action name {action!r} must read '<package>.<object>.<verb>'")

    def register(fn: PolicyFn) -> PolicyFn:
        if action in _POLICIES and _POLICIES[action].fn is not fn:
            raise ValueError(f"a policy for {action!r} is already registered")
        _POLICIES[action] = _Entry(fn, public)
        return fn

    return register


def check_access(action: str, principal: Principal, target: Any = None, **context: Any) -> Decision:
    """Ask the one policy whether ``principal`` may do ``action`` on ``target``; raise when it may not."""
    entry = _POLICIES.get(action)
    consulted = _consulted.get()
    if consulted is not None:
        consulted.add(action)
    if entry is None:
        raise LookupError(f"no policy registered for action {action!r}")
    if not entry.public and not principal.is_authenticated:
        raise Unauthenticated("sign in or present an API token")
    decision = entry.fn(principal, target, **context)
    if not isinstance(decision, Decision):
        raise TypeError(f"policy {action!r} returned {type(decision).__name__}, not a Decision")
    if not decision.allowed:
        raise Forbidden(decision.reason or f"{action} is not allowed for this institution")
    return decision


def registered_actions() -> frozenset[str]:
    """Every action that has a policy."""
    return frozenset(_POLICIES)


def is_public(action: str) -> bool:
    """Whether ``action`` is open to anonymous callers."""
    return _POLICIES[action].public


def guarded(action: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark an operation as guarded by ``action``: start-up requires its policy, and each call must consult it.

    The runtime audit (CKAN's habit) raises when the operation returns without having called ``check_access`` for
    its action, so a forgotten check is a test failure rather than a silent leak.
    """
    _GUARDED.add(action)

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            principal = args[0] if args else kwargs.get("principal")
            entry = _POLICIES.get(action)
            # The anonymous are refused before any argument is even read (so they learn nothing from input errors).
            if isinstance(principal, Principal) and not principal.is_authenticated and not (entry and entry.public):
                raise Unauthenticated("sign in or present an API token")
            token = _consulted.set(set())
            try:
                result = fn(*args, **kwargs)
                consulted = _consulted.get() or set()
                if action not in consulted:
                    raise RuntimeError(f"operation {fn.__qualname__} returned without asking the policy for {action}")
                return result
            finally:
                _consulted.reset(token)

        run.action = action  # type: ignore[attr-defined]
        return run

    return wrap


def guarded_actions() -> frozenset[str]:
    """Every action some operation declared with :func:`guarded`."""
    return frozenset(_GUARDED)


def require_policies(actions: Iterable[str] | None = None) -> None:
    """Start-up check: raise naming every guarded action (or every one of ``actions``) that has no policy."""
    wanted = _GUARDED if actions is None else set(actions)
    missing = sorted(set(wanted) - set(_POLICIES))
    if missing:
        raise RuntimeError("operations without an access policy: " + ", ".join(missing))
