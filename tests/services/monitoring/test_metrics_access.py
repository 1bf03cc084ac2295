"""Who sees what of the region metrics (ACCESS.md "region metrics" row), through GraphQL as each tenant.

The tenant that must NOT see: a bank never sees another bank's figures nor a per-institution breakdown; regional
cells built from fewer than 5 institutions or 10 debtors are null with ``suppressed: true`` for everyone but the
regulator, who sees the same cells in full.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.services.monitoring.conftest import PERIOD, add_banks, bulk_debts

OPERATIONS = Path(__file__).resolve().parents[3] / "graphql" / "operations"
VARS = {"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()}

FULL = """
query($from: Date!, $to: Date!) { regionMetrics(from: $from, to: $to) {
  asOf perInstitution
  npl { region { ...N } own { ...N } byBankType { ...N } byInstitution { ...N }
        trend { points { key ratio suppressed } } ownTrend { key points { key ratio } }
        trendByInstitution { key points { ratio } } trendByBankType { key points { ratio suppressed } } }
  overdueBuckets { region { key suppressed debts amount { amount } } own { key debts }
                   byInstitution { key label } }
  recovery { region { suppressed rate } own { key rate } byInstitution { key label rate } }
  compliance { region { suppressed attempts } own { key label attempts } byAgency { key label }
               ownByCounterparty { key label attempts } }
  evidence { total { suppressed count } ownByKind { key count } }
} }
fragment N on NplFigure { key label labelEn scope suppressed ratio debts nonPerforming { amount currency }
                          totalOutstanding { amount currency } }
"""


def run(gql, token, query=FULL, variables=VARS):
    status, body = gql(query, variables, token)
    assert status == 200 and "errors" not in body, body
    return body["data"]["regionMetrics"]


def test_a_bank_never_sees_another_bank_nor_a_per_institution_breakdown(book, gql, api_token):
    m = run(gql, api_token("bank-a"))
    text = json.dumps(m, ensure_ascii=False)
    for other in ("bank-b", "bank-c", "东海股份制银行分行", "湖滨农村商业银行", "agency-b", "和睦债务咨询有限公司"):
        assert other not in text, other
    assert m["perInstitution"] is False
    assert m["npl"]["byInstitution"] == [] and m["npl"]["trendByInstitution"] == []
    assert m["overdueBuckets"]["byInstitution"] == [] and m["recovery"]["byInstitution"] == []
    assert m["compliance"]["byAgency"] == []
    own = m["npl"]["own"]
    assert own["key"] == "bank-a" and own["scope"] == "OWN" and not own["suppressed"]
    assert own["nonPerforming"] == {"amount": "50000.00", "currency": "CNY"}
    assert own["totalOutstanding"]["amount"] == "140000.00" and own["debts"] == 4
    assert [c["key"] for c in m["compliance"]["ownByCounterparty"]] == []  # no attempts on its debts yet
    assert {b["key"]: b["debts"] for b in m["overdueBuckets"]["own"]} == {"1-30": 1, "31-90": 0, "91-180": 1,
                                                                          "180+": 1}


def test_small_region_is_suppressed_for_a_bank_and_full_for_the_regulator(book, gql, api_token):
    bank = run(gql, api_token("bank-b"))
    region = bank["npl"]["region"]
    assert region["suppressed"] is True and region["ratio"] is None and region["nonPerforming"] is None
    assert all(f["suppressed"] and f["ratio"] is None for f in bank["npl"]["byBankType"])
    assert all(p["suppressed"] and p["ratio"] is None for p in bank["npl"]["trend"]["points"])
    assert all(b["suppressed"] and b["amount"] is None for b in bank["overdueBuckets"]["region"])
    assert bank["recovery"]["region"] == {"suppressed": True, "rate": None}
    assert bank["npl"]["own"]["nonPerforming"]["amount"] == "40000.00"  # its own figures are never suppressed

    reg = run(gql, api_token("regulator"))
    assert reg["perInstitution"] is True
    assert reg["npl"]["region"]["suppressed"] is False and reg["npl"]["region"]["ratio"] == 0.375
    assert {f["key"]: f["ratio"] for f in reg["npl"]["byInstitution"]} == {"bank-a": round(5 / 14, 6),
                                                                           "bank-b": 0.4}
    assert {s["key"] for s in reg["npl"]["trendByInstitution"]} == {"bank-a", "bank-b"}
    assert reg["npl"]["own"] is None
    assert not any(b["suppressed"] for b in reg["overdueBuckets"]["region"])


def test_with_five_banks_and_enough_debtors_a_bank_sees_regional_cells(book, gql, api_token, app, region):
    ids = add_banks(app, ["bank-d", "bank-e", "bank-f", "bank-g"])
    bulk_debts(app, [*ids.values(), region["bank-c"]["id"]], debtors_each=12)
    bank = run(gql, api_token("bank-a"))
    reg = run(gql, api_token("regulator"))
    assert bank["npl"]["region"]["suppressed"] is False
    assert bank["npl"]["region"]["ratio"] == reg["npl"]["region"]["ratio"] is not None
    types = {f["key"]: f for f in bank["npl"]["byBankType"]}
    assert types["city_commercial"]["suppressed"] is False  # bank-a and the four new city commercial banks
    assert types["joint_stock"]["suppressed"] is True and types["joint_stock"]["ratio"] is None  # bank-b alone
    buckets = {b["key"]: b for b in bank["overdueBuckets"]["region"]}
    assert buckets["91-180"]["suppressed"] is False  # bank-a's A3 and the five bulk-seeded banks
    assert buckets["31-90"]["suppressed"] is True  # bank-b's B1 alone
    assert buckets["1-30"]["suppressed"] is True  # two banks only
    text = json.dumps(bank, ensure_ascii=False)
    assert "bank-d" not in text and "测试城市商业银行" not in text


def test_an_agency_sees_its_own_conduct_and_aggregates_only(book, gql, api_token, app, region):
    from tests.services.monitoring.conftest import bulk_attempts

    bulk_attempts(app, [(region["agency-a"]["id"], region["bank-a"]["id"], book.debts["A3"], 3)] * 4
                  + [(region["agency-b"]["id"], region["bank-b"]["id"], book.debts["B1"], 6)] * 2)
    m = run(gql, api_token("agency-a"))
    assert m["compliance"]["byAgency"] == [] and m["npl"]["own"] is None and m["npl"]["byInstitution"] == []
    assert m["compliance"]["own"]["key"] == "agency-a" and m["compliance"]["own"]["attempts"] == 4
    assert [c["key"] for c in m["compliance"]["ownByCounterparty"]] == ["bank-a"]
    assert m["compliance"]["region"] == {"suppressed": True, "attempts": None}
    assert "agency-b" not in json.dumps(m, ensure_ascii=False)
    hidden = run(gql, api_token("agency-a"), "query($from: Date!, $to: Date!) { regionMetrics(from: $from, to: $to) "
                 "{ compliance { region { suppressed violationsByRule { key } reportStatuses { key } } } } }")
    assert hidden["compliance"]["region"] == {"suppressed": True, "violationsByRule": [], "reportStatuses": []}
    bank = run(gql, api_token("bank-b"))
    assert [(c["key"], c["attempts"]) for c in bank["compliance"]["ownByCounterparty"]] == [("agency-b", 2)]
    assert bank["compliance"]["own"]["attempts"] == 2


def test_mediator_and_tracer_get_aggregates_only(book, gql, api_token):
    for code in ("mediator", "tracer"):
        m = run(gql, api_token(code))
        assert m["npl"]["own"] is None and m["compliance"]["own"] is None
        assert m["npl"]["byInstitution"] == [] and m["compliance"]["ownByCounterparty"] == []
        assert m["npl"]["region"]["suppressed"] is True


def test_every_dashboard_operation_validates_and_runs_for_its_tenant(book, gql, api_token):
    for name, code in (("RegulatorOverview", "regulator"), ("AgencyDrilldown", "regulator"),
                       ("BankOverview", "bank-a"), ("AgencyOverview", "agency-a"), ("DashboardViewer", "bank-a")):
        status, body = gql((OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8"), VARS, api_token(code))
        assert status == 200 and "errors" not in body, (name, body)
