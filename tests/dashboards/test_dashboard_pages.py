"""Each tenant's dashboard page through Dash's callback endpoint: computed figures, suppression, filter, drill-down."""

from __future__ import annotations

import json
import re

import pytest

from dashboards.format import default_period, pct
from tests.conftest import sign_in
from tests.dashboards.test_dashboards_shell import _sign_in_regulator


def _post(client, outputs, inputs, changed):
    client.get("/dash/")
    csrf = client.get_cookie("_csrf_token").value
    payload = {
        "output": "...".join(f"{o['id']}.{o['property']}" for o in outputs) if len(outputs) > 1
        else f"{outputs[0]['id']}.{outputs[0]['property']}",
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "changedPropIds": changed,
    }
    if len(outputs) > 1:
        payload["output"] = ".." + payload["output"] + ".."
    resp = client.post("/dash/_dash-update-component", json=payload, headers={"X-CSRFToken": csrf})
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return json.loads(resp.get_data(as_text=True))


def _route(client):
    outputs = [{"id": "page", "property": "children"}, {"id": "viewer", "property": "children"}]
    body = _post(client, outputs, [{"id": "url", "property": "pathname", "value": "/dash/"}], ["url.pathname"])
    return json.dumps(body, ensure_ascii=False)


def _signed_in(full_app, region, code):
    client = full_app.test_client()
    if code == "regulator":
        _sign_in_regulator(full_app, client, region)
    else:
        sign_in(client, region[code]["email"])
    return client


def _computed(full_app, region, code: str):
    """The NPL figures the operation computes for the dashboards' default period (the pages' first paint)."""
    from portal.access import Kind, Principal
    from portal.services.monitoring import operations as monitoring

    start, end = default_period()
    principal = Principal.scheduled(region[code]["id"], code, Kind(code.split("-")[0]))
    with full_app.extensions["db"].unit_of_work() as s:
        return monitoring.region_metrics(principal, start, end, None, session=s).get("npl")


def test_regulator_page_shows_computed_npl_ratio_beside_labelled_targets(full_app, region, book):
    text = _route(_signed_in(full_app, region, "regulator"))
    assert "监管机构 · 区域监测总览" in text and '"npl-ratio"' in text
    npl = _computed(full_app, region, "regulator")["region"][0]
    assert npl.ratio and pct(npl.ratio) in text  # the computed figure, as of today
    assert "¥240,000.00" in text  # the unsettled book's outstanding
    assert "区域报告目标 Reported target: 78%" in text  # the region's figure only as a labelled target
    assert "江南城市商业银行" in text and "东海股份制银行分行" in text  # per-bank breakdown for the regulator


def test_bank_page_shows_own_figures_and_suppressed_region(full_app, region, book):
    text = _route(_signed_in(full_app, region, "bank-a"))
    assert "成员银行 · 本行与区域" in text and '"own-npl-ratio"' in text
    own = _computed(full_app, region, "bank-a")["own"]
    assert own.total_fen == 140_000_00 and pct(own.ratio) in text
    assert "已抑制 suppressed" in text  # three banks: the region is too small to show to a bank
    assert "东海股份制银行分行" not in text and not re.search(r"bank-[bc](?![a-z])", text)


def test_agency_page_shows_its_own_conduct(full_app, region, book):
    text = _route(_signed_in(full_app, region, "agency-a"))
    assert "催收机构 · 合规表现" in text and '"own-compliance-rate"' in text
    assert "和睦债务咨询有限公司" not in text and not re.search(r"agency-b(?![a-z])", text)


@pytest.mark.parametrize("district, expected", [("柯桥区", "—"), ("越城区", "37.50%")])
def test_regulator_district_filter(full_app, region, book, district, expected):
    client = _signed_in(full_app, region, "regulator")
    body = _post(client, [{"id": "reg-body", "property": "children"}], [
        {"id": "reg-period", "property": "start_date", "value": "2025-07-01"},
        {"id": "reg-period", "property": "end_date", "value": "2026-06-30"},
        {"id": "reg-district", "property": "value", "value": district}], ["reg-district.value"])
    text = json.dumps(body, ensure_ascii=False)
    assert f"辖区 district {district}" in text
    npl_card = text[text.index('"npl-ratio"') - 200:text.index('"npl-ratio"')]
    assert expected in npl_card


def test_regulator_drill_down_by_agency(full_app, region, book):
    from tests.services.monitoring.conftest import bulk_attempts

    bulk_attempts(full_app, [(region["agency-b"]["id"], region["bank-b"]["id"], book.debts["B1"], 6)] * 6)
    client = _signed_in(full_app, region, "regulator")
    body = _post(client, [{"id": "reg-drill", "property": "children"}], [
        {"id": "reg-agency", "property": "value", "value": "agency-b"},
        {"id": "reg-period", "property": "start_date", "value": "2025-07-01"},
        {"id": "reg-period", "property": "end_date", "value": "2026-06-30"},
        {"id": "reg-district", "property": "value", "value": ""}], ["reg-agency.value"])
    text = json.dumps(body, ensure_ascii=False)
    assert '"drill-attempts"' in text and "66.67%" in text  # 2 of 6 attempts broke CS-TIME-01
    assert "CS-TIME-01" in text or "禁止催收时段" in text
