"""What the escalation service does: the ladder in force, the daily sweep, the board and stage lists, lawyer's
letters (drafted, approved in bulk, rejected)."""

from portal.services.escalation import policy as _policy  # noqa: F401 - registers the policies before any operation runs
from portal.services.escalation.operations.ladders import ladder_in_force, publish_ladder, read_ladder
from portal.services.escalation.operations.letters import (
    ApprovalResult,
    approve_letters,
    list_letters,
    reject_letter,
    render_letter,
)
from portal.services.escalation.operations.reads import (
    Board,
    StagedDebt,
    board,
    list_staged_debts,
    stage_aggregates,
)
from portal.services.escalation.operations.sweep import (
    CHUNK,
    ChunkResult,
    banks_to_sweep,
    plan_sweep,
    run_sweep,
    sweep_chunk,
)

__all__ = [
    "CHUNK",
    "ApprovalResult",
    "Board",
    "ChunkResult",
    "StagedDebt",
    "approve_letters",
    "banks_to_sweep",
    "board",
    "ladder_in_force",
    "list_letters",
    "list_staged_debts",
    "plan_sweep",
    "publish_ladder",
    "read_ladder",
    "reject_letter",
    "render_letter",
    "run_sweep",
    "stage_aggregates",
    "sweep_chunk",
]
