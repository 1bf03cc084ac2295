"""What the registry does. Each public function takes the principal first, is ``@guarded`` by its action, asks
``check_access`` before touching data, takes ``session=`` (and ``keyring=`` where identifiers are involved) and never
commits: the edge (request, task, CLI command) owns the transaction.

- debts: :func:`report_debt`, :func:`correct_debt`, :func:`get_debt`, :func:`debt_history`, :func:`list_debts`
- assignments: :func:`assign_debt`, :func:`end_assignment`
- the debtor report and inquiries: :func:`debtor_report`, :func:`list_inquiries`
- disputes: :func:`open_dispute`, :func:`answer_dispute`
"""

from portal.registry.operations.assignments import AssignmentView, assign_debt, end_assignment
from portal.registry.operations.debts import (
    HistoryEntry,
    ReportResult,
    correct_debt,
    debt_history,
    get_debt,
    list_debts,
    report_debt,
)
from portal.registry.operations.disputes import answer_dispute, open_dispute
from portal.registry.operations.report import debtor_report, list_inquiries

__all__ = [
    "AssignmentView",
    "HistoryEntry",
    "ReportResult",
    "answer_dispute",
    "assign_debt",
    "correct_debt",
    "debt_history",
    "debtor_report",
    "end_assignment",
    "get_debt",
    "list_debts",
    "list_inquiries",
    "open_dispute",
    "report_debt",
]
