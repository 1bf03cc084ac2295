"""What the engine answers: one ``Verdict`` per rule an attempt breaks, and a ``Decision`` for a planned attempt."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple


class Verdict(NamedTuple):
    """A rule broken (or, for a planned attempt, that would be broken) by one attempt, with its reasons.

    A named tuple: immutable and cheap to build, which matters when a batch finds many violations.
    """

    attempt_id: str
    rule: str
    rule_version: str
    kind: str
    severity: str
    action: str
    standard: str
    standard_version: str
    inputs: dict[str, Any]
    message_en: str
    message_zh: str
    source: str

    def as_json(self, language: str = "en") -> dict[str, Any]:
        """The verdict as the CLI prints it: ``message`` in ``language`` and both wordings beside it."""
        return {
            "attempt_id": self.attempt_id,
            "rule": self.rule,
            "rule_version": self.rule_version,
            "severity": self.severity,
            "message": self.message_zh if language == "zh" else self.message_en,
            "message_en": self.message_en,
            "message_zh": self.message_zh,
            "kind": self.kind,
            "action": self.action,
            "standard": f"{self.standard}@{self.standard_version}",
            "source": self.source,
            "inputs": self.inputs,
        }

    def comparable(self) -> tuple[Any, ...]:
        """The parts two evaluations of the same attempt must agree on (for tests and cross-checks)."""
        return (self.attempt_id, self.rule, self.rule_version, self.severity, self.message_en, self.message_zh)


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to a planned attempt: allowed unless a blocking rule would be broken."""

    attempt_id: str
    standard: str
    standard_version: str
    verdicts: tuple[Verdict, ...] = field(default_factory=tuple)

    @property
    def allowed(self) -> bool:
        """True when no verdict has the action ``block`` (flag-only verdicts do not refuse)."""
        return not any(v.action == "block" for v in self.verdicts)

    @property
    def refused_by(self) -> tuple[str, ...]:
        """Ids of the blocking rules that refuse the attempt."""
        return tuple(v.rule for v in self.verdicts if v.action == "block")
