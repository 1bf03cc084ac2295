"""Standard versions and the set of versions of one standard, each in force from its effective date."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from standards.errors import MalformedStandard, NoVersionInForce
from standards.kinds import Rule


@dataclass(frozen=True, eq=False)
class Standard:
    """One version of a standard: metadata, declared optional columns and compiled rules."""

    code: str
    version: str
    effective_from: datetime
    jurisdiction: str
    title_en: str
    title_zh: str
    rules: tuple[Rule, ...]
    columns: dict[str, str] = field(default_factory=dict)
    sources: tuple[str, ...] = ()
    note: str | None = None
    path: str | None = None

    @property
    def ref(self) -> str:
        """``code@version``."""
        return f"{self.code}@{self.version}"

    def rule(self, rule_id: str) -> Rule:
        """The rule with id ``rule_id``; ``KeyError`` when there is none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


class StandardSet:
    """All versions of one standard; past attempts are judged by the version in force at their time."""

    def __init__(self, versions: Iterable[Standard]) -> None:
        ordered = sorted(versions, key=lambda s: s.effective_from)
        if not ordered:
            raise ValueError("a standard set needs at least one version")
        codes = {s.code for s in ordered}
        if len(codes) != 1:
            raise ValueError(f"versions of different standards in one set: {sorted(codes)}")
        for before, after in zip(ordered, ordered[1:], strict=False):
            if before.effective_from == after.effective_from:
                raise MalformedStandard(
                    f"versions {before.version} and {after.version} take effect at the same instant",
                    file=after.path,
                    field="effective_from",
                )
        self.code = ordered[0].code
        self.versions: tuple[Standard, ...] = tuple(ordered)
        _check_rule_versions(self.versions)

    @property
    def latest(self) -> Standard:
        """The version with the latest effective date."""
        return self.versions[-1]

    def version(self, name: str) -> Standard:
        """The version called ``name``; ``NoVersionInForce`` listing the known versions otherwise."""
        for standard in self.versions:
            if standard.version == name:
                return standard
        known = ", ".join(s.version for s in self.versions)
        raise NoVersionInForce(f"{self.code} has no version {name!r} (known: {known})", field="standard")

    def version_at(self, when: datetime) -> Standard:
        """The version in force at the aware instant ``when``."""
        if when.tzinfo is None:
            raise ValueError("version_at needs an aware datetime")
        in_force = None
        for standard in self.versions:
            if standard.effective_from <= when:
                in_force = standard
        if in_force is None:
            first = self.versions[0]
            raise NoVersionInForce(
                f"no version of {self.code} was in force at {when.isoformat()} (the first, {first.version}, "
                f"takes effect {first.effective_from.isoformat()})",
                field="started_at",
            )
        return in_force

    def periods(self) -> list[tuple[Standard, float, float]]:
        """Each version with the POSIX interval [from, until) in which it is in force."""
        bounds = [s.effective_from.timestamp() for s in self.versions] + [float("inf")]
        return [(s, bounds[i], bounds[i + 1]) for i, s in enumerate(self.versions)]


_DOC_FIELDS = frozenset({"title_en", "title_zh", "source", "note"})


def _check_rule_versions(versions: tuple[Standard, ...]) -> None:
    """A rule id and rule version used in two standard versions must mean the same rule (else bump it)."""
    seen: dict[tuple[str, str], tuple[Standard, dict[str, object]]] = {}
    for standard in versions:
        for rule in standard.rules:
            params = {k: v for k, v in rule.entry.items() if k not in _DOC_FIELDS}
            earlier = seen.setdefault((rule.id, rule.version), (standard, params))
            if earlier[1] != params:
                changed = sorted(k for k in params.keys() | earlier[1].keys() if params.get(k) != earlier[1].get(k))
                raise MalformedStandard(
                    f"rule {rule.id} version {rule.version} differs from the one in {earlier[0].ref} "
                    f"({', '.join(changed)}): give it a new rule version",
                    file=standard.path,
                    field=f"{rule.id}.version",
                )
