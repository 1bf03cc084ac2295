"""Pure rules: days past due, retention dates, aggregate suppression, and the policy registry's completeness."""

from __future__ import annotations

from datetime import date

import pytest

from portal.access import Kind, Principal, Role, guarded_actions, registered_actions, require_policies
from portal.access.aggregates import Cell, suppress, suppress_rows
from portal.registry import operations as ops
from portal.registry.vocab import days_past_due, is_retained, retention_cutoff, years_before


def test_days_past_due_only_for_debts_in_arrears():
    assert days_past_due("overdue", date(2025, 1, 1), date(2025, 3, 2)) == 60
    assert days_past_due("in_litigation", date(2025, 1, 1), date(2024, 12, 1)) == 0
    assert days_past_due("current", date(2020, 1, 1), date(2025, 1, 1)) == 0
    assert days_past_due("settled", date(2020, 1, 1), date(2025, 1, 1)) == 0


def test_retention_boundaries():
    assert years_before(date(2024, 2, 29), 5) == date(2019, 2, 28)  # as PostgreSQL's date - interval '5 years'
    assert retention_cutoff(date(2025, 3, 1)) == date(2020, 3, 1)
    assert is_retained(True, date(2020, 3, 1), date(2025, 3, 1))
    assert not is_retained(True, date(2020, 3, 2), date(2025, 3, 1))
    assert not is_retained(False, date(2010, 1, 1), date(2025, 3, 1))  # only adverse records
    assert not is_retained(True, None, date(2025, 3, 1))  # not settled: still shown


BANK = Principal(1, 10, "bank-a", Kind.BANK, frozenset({Role.ANALYST}))
REGULATOR = Principal(2, 20, "regulator", Kind.REGULATOR, frozenset({Role.ANALYST}))


def test_small_cells_are_suppressed_for_everyone_but_the_regulator():
    cells = [Cell("越城区", 100, 6, 40), Cell("柯桥区", 7, 3, 12), Cell("上虞区", 50, 5, 30), Cell("新昌县", 9, 5, 9)]
    shown = suppress(BANK, cells, complementary=False)
    assert [c.value for c in shown] == [100, None, 50, None]
    assert [c.value for c in suppress(REGULATOR, cells)] == [100, 7, 50, 9]


def test_complementary_suppression_hides_the_next_smallest_cell():
    cells = [Cell("a", 100, 6, 40), Cell("b", 7, 3, 12), Cell("c", 50, 5, 30)]
    shown = suppress(BANK, cells)
    assert [c.suppressed for c in shown] == [False, True, True]  # 'c' hidden too, or total - a - c gives b away


def test_own_figures_are_never_suppressed_and_rows_work():
    rows = [{"bank": "mine", "npl": 3, "institutions": 1, "debtors": 4, "own": True},
            {"bank": "region", "npl": 9, "institutions": 9, "debtors": 400, "own": False}]
    out = suppress_rows(BANK, rows, value_keys=["npl"], own_key="own")
    assert [(r["npl"], r["suppressed"]) for r in out] == [(3, False), (9, False)]


def test_every_registry_operation_is_guarded_and_has_a_policy():
    import portal.registry.policy  # noqa: F401

    require_policies()
    actions = {name for name in registered_actions() if name.startswith("registry.")}
    guarded = {name for name in guarded_actions() if name.startswith("registry.")}
    assert guarded <= actions
    for name in ops.__all__:
        fn = getattr(ops, name)
        if callable(fn) and not isinstance(fn, type):
            assert getattr(fn, "action", "").startswith("registry."), name


@pytest.mark.parametrize("operation", ["list_debts", "list_inquiries"])
def test_anonymous_and_operator_see_no_registry_data(session, keyring, operation):
    from portal.access import ANONYMOUS, OPERATOR
    from portal.core.errors import Forbidden, Unauthenticated

    with pytest.raises(Unauthenticated):
        getattr(ops, operation)(ANONYMOUS, session=session, keyring=keyring)
    with pytest.raises(Forbidden):
        getattr(ops, operation)(OPERATOR, session=session, keyring=keyring)
