"""The registry through GraphQL (the same parse → validate → execute pipeline as ``/graphql``): contract shapes,
error codes, masking, signed cursors, the page cap, and a constant statement count per page size."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from portal.api import schema as api_schema
from portal.api.execute import run_operation
from portal.config import load_settings
from portal.core.identifiers import mask_id_number
from portal.registry.models import Inquiry

from .conftest import TODAY, person_id


@pytest.fixture
def run(session, keyring, monkeypatch, tmp_path):
    """Run an operation as a tenant of the world, with the registry's gql module in the schema."""
    modules = api_schema.GQL_MODULES
    if "portal.registry.gql" not in modules:
        monkeypatch.setattr(api_schema, "GQL_MODULES", (*modules, "portal.registry.gql"))
    api_schema.build_schema.cache_clear()
    settings = load_settings({"var_dir": str(tmp_path)})

    def go(principal, text, variables=None):
        outcome = run_operation(text, principal=principal, session=session, keyring=keyring, settings=settings,
                                secret=b"test-secret", variables=variables)
        return outcome.data, outcome.errors

    yield go
    api_schema.build_schema.cache_clear()


DEBTOR = """query($ref: DebtorRef!, $purpose: Purpose!, $consent: String) {
  debtor(ref: $ref, purpose: $purpose, consentRef: $consent) {
    debtor { id kind name idNumber uscc phone }
    ownDebts { id creditor { code kind } principal { amount currency } outstanding { amount currency }
               daysPastDue status underObjection }
    shared { debtCount totalOutstanding { amount currency } worstDaysPastDue inLitigation creditorKinds
             underObjection }
  }
}"""


def test_debtor_report_contract_shape(world, run):
    r = world.region
    data, errors = run(r.principal("other_bank"), DEBTOR,
                       {"ref": {"idNumber": world.p_number}, "purpose": "CREDIT_APPROVAL", "consent": "C-1"})
    assert errors == []
    report = data["debtor"]
    assert report["debtor"]["idNumber"] == mask_id_number(world.p_number) and report["debtor"]["phone"] is None
    assert report["debtor"]["kind"] == "PERSON" and report["ownDebts"] == []
    assert report["shared"] == {"debtCount": 2, "totalOutstanding": {"amount": "13000.00", "currency": "CNY"},
                                "worstDaysPastDue": 60, "inLitigation": False, "creditorKinds": ["BANK"],
                                "underObjection": 0}
    data, errors = run(r.principal("creditor"), DEBTOR,
                       {"ref": {"idNumber": world.p_number}, "purpose": "COLLECTION"})
    own = data["debtor"]["ownDebts"]
    assert errors == [] and data["debtor"]["debtor"]["idNumber"] == world.p_number
    assert own == [{"id": str(world.d1), "creditor": {"code": "bank-a", "kind": "BANK"},
                    "principal": {"amount": "10000.00", "currency": "CNY"},
                    "outstanding": {"amount": "8000.00", "currency": "CNY"}, "daysPastDue": 60,
                    "status": "OVERDUE", "underObjection": False}]


@pytest.mark.parametrize(("tenant", "variables", "code"), [
    ("other_bank", {"purpose": "CREDIT_APPROVAL"}, "BAD_USER_INPUT"),  # no consentRef for a person
    ("other_bank", {"purpose": "POST_LOAN_MANAGEMENT"}, "FORBIDDEN"),
    ("assigned_agency", {"purpose": "COLLECTION"}, "FORBIDDEN"),
    ("other_bank", {"purpose": "COLLECTION", "ref": {"idNumber": "330602198503121230"}}, "BAD_USER_INPUT"),
    ("other_bank", {"purpose": "COLLECTION", "ref": {"idNumber": person_id(seq="404")}}, "NOT_FOUND"),
])
def test_debtor_errors_have_codes_and_leave_no_inquiry(world, run, session, tenant, variables, code):
    variables = {"ref": {"idNumber": world.p_number}, **variables}
    before = session.scalar(select(func.count()).select_from(Inquiry))
    data, errors = run(world.region.principal(tenant), DEBTOR, variables)
    assert data == {"debtor": None} and errors[0]["extensions"]["code"] == code
    assert session.scalar(select(func.count()).select_from(Inquiry)) == before


DEBTS = """query($first: Int, $after: String, $filter: DebtFilter) {
  debts(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id clientKey debtor { name idNumber } guarantors { name } underObjection } }
    pageInfo { hasNextPage endCursor }
  }
}"""


def _report(run, who, key, number, **extra):
    text = """mutation($input: ReportDebtInput!) { reportDebt(input: $input) { created changed
              debt { id version status outstanding { amount } } } }"""
    payload = {"clientKey": key, "debtor": {"kind": "PERSON", "name": "王芳", "idNumber": number},
               "principal": {"amount": "5000.00", "currency": "CNY"},
               "outstanding": {"amount": "4000.00", "currency": "CNY"},
               "openedOn": "2024-01-15", "dueOn": TODAY.replace(year=TODAY.year + 1).isoformat(), "status": "CURRENT",
               **extra}
    return run(who, text, {"input": payload})


def test_report_debt_is_idempotent_and_validated(region, run):
    bank = region.principal("creditor")
    data, errors = _report(run, bank, "G-1", person_id(seq="501"))
    assert errors == [] and data["reportDebt"]["created"] and data["reportDebt"]["debt"]["status"] == "CURRENT"
    again, _ = _report(run, bank, "G-1", person_id(seq="501"))
    assert again["reportDebt"] == {**data["reportDebt"], "created": False, "changed": False}
    _d, errors = _report(run, bank, "G-2", person_id(seq="502"), principal={"amount": "1.234", "currency": "CNY"})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT" and "'1.234'" in errors[0]["message"]
    _d, errors = _report(run, region.principal("assigned_agency"), "G-3", person_id(seq="503"))
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


def test_debts_connection_pages_with_signed_cursors_and_constant_statements(region, run, db):
    bank = region.principal("creditor")
    for i in range(12):
        _report(run, bank, f"P-{i}", person_id(seq=f"{600 + i}"))
    data, errors = run(bank, DEBTS, {"first": 5})
    page1 = data["debts"]
    assert errors == [] and len(page1["edges"]) == 5 and page1["pageInfo"]["hasNextPage"]
    data, _ = run(bank, DEBTS, {"first": 100, "after": page1["pageInfo"]["endCursor"]})
    assert len(data["debts"]["edges"]) == 7 and not data["debts"]["pageInfo"]["hasNextPage"]
    assert data["debts"]["edges"][0]["node"]["debtor"]["idNumber"] == person_id(seq="605")
    _d, errors = run(bank, DEBTS, {"first": 101})
    assert errors[0]["extensions"]["code"] in ("BAD_USER_INPUT", "QUERY_TOO_COMPLEX")
    forged = page1["pageInfo"]["endCursor"][:-2] + "xx"
    _d, errors = run(bank, DEBTS, {"first": 5, "after": forged})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    other, _ = run(region.principal("other_bank"), DEBTS, {"first": 100})
    assert other["debts"]["edges"] == []  # nothing of bank-a's book

    statements: list[str] = []

    def listener(_conn, _cursor, statement, *_rest):
        statements.append(statement)

    counts = []
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for first in (2, 12):
            statements.clear()
            run(bank, DEBTS, {"first": first})
            counts.append(len(statements))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert counts[0] == counts[1]


INQUIRIES = """{ inquiries(first: 10) { edges { node { id purpose consentRef institution { code }
                 institutionKind debtor { name } } } } }"""


def test_inquiries_and_disputes_through_graphql(world, run):
    r = world.region
    run(r.principal("inquirer"), DEBTOR, {"ref": {"idNumber": world.p_number}, "purpose": "CREDIT_APPROVAL",
                                          "consent": "C-9"})
    mine, _ = run(r.principal("creditor"), INQUIRIES)
    node = mine["inquiries"]["edges"][0]["node"]
    assert node["institution"]["code"] == "bank-d" and node["institutionKind"] == "BANK" and node["consentRef"] is None
    regulator, _ = run(r.principal("regulator"), INQUIRIES)
    assert regulator["inquiries"]["edges"][0]["node"]["institution"] == {"code": "bank-d"}
    nothing, _ = run(r.principal("other_bank"), INQUIRIES)
    assert nothing["inquiries"]["edges"] == []

    open_text = """mutation($input: OpenDisputeInput!) { openDispute(input: $input) { dispute { id answerDueOn } } }"""
    data, errors = run(r.principal("other_bank"), open_text,
                       {"input": {"debtId": str(world.d1), "debtor": {"idNumber": world.p_number},
                                  "reason": "金额有误"}})
    assert errors == [] and data["openDispute"]["dispute"]["answerDueOn"]
    dispute_id = data["openDispute"]["dispute"]["id"]
    data, _ = run(r.principal("creditor"), DEBTS, {"first": 10})
    assert data["debts"]["edges"][0]["node"]["underObjection"] is True
    answer = """mutation($input: AnswerDisputeInput!) { answerDispute(input: $input) { dispute { outcome } } }"""
    data, errors = run(r.principal("creditor"), answer, {"input": {
        "id": dispute_id, "outcome": "CORRECTED", "answer": "已更正",
        "corrections": {"outstanding": {"amount": "7000.00", "currency": "CNY"}}}})
    assert errors == [] and data["answerDispute"]["dispute"]["outcome"] == "CORRECTED"
