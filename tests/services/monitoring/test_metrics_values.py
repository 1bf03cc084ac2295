"""Region metrics computed from data: NPL ratio, buckets, trend, recovery, compliance and evidence on a known book."""

from __future__ import annotations

import sys
from datetime import date

import pytest

from portal.access import Kind, Principal
from portal.core.errors import BadInput
from portal.services.compliance import operations as compliance
from portal.services.monitoring import operations as monitoring
from portal.services.monitoring.conduct import rule_family
from tests.services.monitoring.conftest import PERIOD, TODAY, bulk_attempts

DECLARED = {"attempts": 9, "connected_calls": 9, "complaints": 0, "recording_coverage": "1",
            "violations_found_by_qa": 0}


def regulator(book) -> Principal:
    return Principal.scheduled(book.region["regulator"]["id"], "regulator", Kind.REGULATOR)


def metrics_for(book, principal, period=PERIOD, district=None):
    db = book.app.extensions["db"]
    with db.unit_of_work() as s:
        return monitoring.compute_all(monitoring.region_metrics(principal, *period, district, session=s, today=TODAY))


def test_npl_ratio_overall_by_bank_and_bank_type(book):
    m = metrics_for(book, regulator(book))
    npl = m.values["npl"]
    region = npl["region"][0]
    assert (region.npl_fen, region.total_fen, region.debts) == (90_000_00, 240_000_00, 6)
    assert region.ratio == 0.375 and not region.suppressed
    banks = {f.key: f for f in npl["by_institution"]}
    assert banks["bank-a"].ratio == round(50_000 / 140_000, 6) and banks["bank-b"].ratio == 0.4
    types = {f.key: f for f in npl["by_bank_type"]}
    assert types["city_commercial"].npl_fen == 50_000_00  # 江南城市商业银行
    assert types["joint_stock"].npl_fen == 40_000_00  # 东海股份制银行分行
    assert npl["own"] is None  # the regulator has no book of its own


def test_overdue_buckets_counts_and_amounts(book):
    buckets = {b.key: b for b in metrics_for(book, regulator(book)).values["buckets"]["region"]}
    assert [(k, buckets[k].debts, buckets[k].amount_fen) for k in ("1-30", "31-90", "91-180", "180+")] == [
        ("1-30", 2, 50_000_00), ("31-90", 1, 60_000_00), ("91-180", 1, 30_000_00), ("180+", 1, 20_000_00)]


def test_monthly_trend_re_ages_the_book(book):
    trend = metrics_for(book, regulator(book)).values["npl_trend"]["region"]
    assert [p.key for p in trend.points][:2] == ["2025-07", "2025-08"] and trend.points[-1].key == "2026-06"
    last = trend.points[-1]
    assert last.as_of == TODAY and (last.npl_fen, last.total_fen) == (90_000_00, 240_000_00)
    # 2025-07-31: the written-off debt (due 2025-06-01) was already due; A3 (due 2026-03-22) was not yet 90 days
    july = trend.points[0]
    assert july.npl_fen == 20_000_00 and july.total_fen == 240_000_00
    # A3 crosses 90 days past due on 2026-06-21 and B2 (in litigation) fell due on 2026-06-10: both NPL in June only
    may = next(p for p in trend.points if p.key == "2026-05")
    assert may.npl_fen == 20_000_00 and may.as_of == date(2026, 5, 31)


def test_recovery_rate_and_cycle(book):
    rec = metrics_for(book, regulator(book)).values["recovery"]["region"][0]
    assert (rec.adverse_debts, rec.adverse_fen) == (6, 210_000_00)
    assert (rec.recovered_debts, rec.recovered_fen) == (1, 50_000_00)
    assert rec.rate == round(50_000 / 210_000, 6) and rec.average_cycle_days == 120.0
    assert rec.large_average_cycle_days is None  # no debt of 5M yuan or more


def test_compliance_rates_by_agency_rule_and_report(book):
    app, region, ids = book.app, book.region, book.debts
    rows = [(region["agency-a"]["id"], region["bank-a"]["id"], ids["A3"], 3)] * 9
    rows += [(region["agency-b"]["id"], region["bank-b"]["id"], ids["B1"], 6)] * 3
    bulk_attempts(app, rows, violations_every=3)
    with app.extensions["db"].unit_of_work() as s:
        agency = Principal.scheduled(region["agency-a"]["id"], "agency-a", Kind.AGENCY)
        compliance.file_compliance_report(agency, "r-2026-05", date(2026, 5, 1), date(2026, 5, 31),
                                          DECLARED, session=s, keyring=app.extensions["keyring"])
    conduct = metrics_for(book, regulator(book)).values["conduct"]
    region_fig = conduct["region"]
    assert (region_fig.attempts, region_fig.violations, region_fig.attempts_with_violation) == (12, 4, 4)
    assert region_fig.compliance_rate == round(8 / 12, 6) and region_fig.violations_per_1000 == round(4000 / 12, 3)
    by_agency = {f.key: f for f in conduct["by_agency"]}
    assert by_agency["agency-a"].attempts == 9 and by_agency["agency-a"].violations == 3
    assert [(c.key, c.count) for c in by_agency["agency-a"].by_rule] == [("CS-TIME-01", 3)]
    assert [(c.key, c.count) for c in by_agency["agency-a"].by_family] == [("TIME", 3)]
    assert [(c.key, c.count) for c in by_agency["agency-a"].report_statuses] == [("filed", 1)]
    assert by_agency["agency-b"].report_statuses == []
    evidence = metrics_for(book, regulator(book), period=(date(2020, 1, 1), date(2030, 1, 1))).values["evidence"]
    assert [(k.key, k.count) for k in evidence.by_kind] == [("compliance-report", 1)]


def test_district_filter_uses_the_debtors_district(book):
    m = metrics_for(book, regulator(book), district="柯桥区")
    assert m.values["npl"]["region"][0].total_fen == 0
    m = metrics_for(book, regulator(book), district="越城区")
    assert m.values["npl"]["region"][0].total_fen == 240_000_00


def test_metrics_work_while_the_audit_tables_are_missing(book, monkeypatch):
    monkeypatch.setitem(sys.modules, "portal.services.audit.models", None)  # import fails as if not built yet
    m = metrics_for(book, regulator(book))
    assert m.values["audit_available"] is False and m.values["conduct"]["region"].findings == 0
    assert m.values["npl"]["region"][0].ratio == 0.375


def test_period_is_checked(book):
    with pytest.raises(BadInput):
        metrics_for(book, regulator(book), period=(date(2026, 2, 1), date(2026, 1, 1)))


def test_rule_family():
    assert rule_family("CS-FREQ-03") == "FREQ" and rule_family("CS-REC-01-RETAIN") == "REC"
    assert rule_family("odd") == "odd"
