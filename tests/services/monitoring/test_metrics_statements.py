"""regionMetrics is set-based: its SQL statement count does not grow with institutions, debts or attempts."""

from __future__ import annotations

from pathlib import Path

from tests.services.monitoring.conftest import PERIOD, StatementCounter, add_banks, bulk_attempts, bulk_debts

OPERATIONS = Path(__file__).resolve().parents[3] / "graphql" / "operations"
VARS = {"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()}


def _count(app, gql, token, name: str) -> tuple[int, int]:
    query = (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")
    status, body = gql(query, {**VARS, "district": None} if name == "RegulatorOverview" else VARS, token)
    assert status == 200 and "errors" not in body, body  # warm-up (schema, audit table check)
    with StatementCounter(app.extensions["db"].engine) as counter:
        status, body = gql(query, VARS, token)
    assert status == 200 and "errors" not in body, body
    return counter.count, sum("GROUP BY" in statement for statement in counter.statements)


def test_statement_count_does_not_grow_with_institutions_or_debts(book, app, gql, api_token, region):
    tokens = {code: api_token(code) for code in ("regulator", "bank-a", "agency-a")}
    names = {"regulator": "RegulatorOverview", "bank-a": "BankOverview", "agency-a": "AgencyOverview"}
    small = {code: _count(app, gql, tokens[code], names[code]) for code in tokens}

    ids = add_banks(app, [f"bank-x{i}" for i in range(12)])
    bulk_debts(app, list(ids.values()), debtors_each=40)
    bulk_attempts(app, [(region["agency-a"]["id"], region["bank-a"]["id"], book.debts["A3"], 3)] * 200
                  + [(region["agency-b"]["id"], region["bank-b"]["id"], book.debts["B1"], 6)] * 100)
    large = {code: _count(app, gql, tokens[code], names[code]) for code in tokens}

    assert large == small, (small, large)
    total, grouped = small["regulator"]
    assert grouped <= 8 and total <= 35, small  # 8 GROUP BY statements; the rest: token, viewer, savepoints, tenant


def test_landing_page_operation_runs_no_metric_statement(book, app, gql, api_token):
    """The lazily provided figures are computed only when asked for: the landing page asks for none."""
    token = api_token("bank-a")
    with StatementCounter(app.extensions["db"].engine) as counter:
        _count(app, gql, token, "RegionOverview")
    assert not any("FROM debts" in s or "contact_attempts" in s for s in counter.statements)
