"""The regulator's regional overview: NPL ratio and trend, overdue buckets, recovery, compliance by agency,
violations by family and rule, report statuses, evidence volume — with a district/period filter and a drill-down by
agency. Everything comes from the persisted operations RegulatorOverview and AgencyDrilldown, run as the viewer."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, dcc, html

from dashboards.components import (
    bar,
    cards,
    error_box,
    graph,
    period_filter,
    section,
    stat_card,
    table,
    trend_lines,
)
from dashboards.data import DashboardDataError, fetch
from dashboards.format import bilingual, default_period, now_label, number, pct, yuan, yuan_value
from dashboards.targets import TARGETS


def _variables(start: str | None, end: str | None, district: str | None) -> dict[str, Any]:
    default_start, default_end = default_period()
    return {"from": start or default_start.isoformat(), "to": end or default_end.isoformat(),
            "district": district or None}


def render(viewer: dict[str, Any]) -> html.Div:
    """The whole page for the first paint (filters at their defaults)."""
    try:
        data = fetch("RegulatorOverview", _variables(None, None, None))
    except DashboardDataError as exc:
        return error_box(exc)
    institution = viewer["institution"]
    agencies = data["regionMetrics"]["compliance"]["byAgency"]
    return html.Div([
        html.H1("监管机构 · 区域监测总览", id="page-title"),
        html.P(f"Regulator · regional monitoring · {institution['name']} · {now_label()}", className="muted"),
        period_filter("reg", districts=data.get("regionDistricts", [])),
        html.Div(body(data), id="reg-body"),
        section(
            "机构下钻 Drill-down by agency",
            dcc.Dropdown(id="reg-agency", options=[{"label": bilingual(a), "value": a["key"]} for a in agencies],
                         value=agencies[0]["key"] if agencies else None, clearable=False, className="agency"),
            html.Div(id="reg-drill"),
            element_id="drilldown",
        ),
    ])


def body(data: dict[str, Any]) -> list:
    """The overview below the filters."""
    m = data["regionMetrics"]
    npl, rec, comp = m["npl"], m["recovery"], m["compliance"]
    region, rrec, rcomp = npl["region"], rec["region"], comp["region"]
    ev_total = m["evidence"]["total"]
    scope = f"数据截至 as of {m['asOf']} · 期间 period {m['from']} – {m['to']}"
    scope += f" · 辖区 district {m['district']}" if m.get("district") else " · 全辖区 all districts"
    counts = {row["kind"]: row["count"] for row in m["institutionsByKind"]}
    kpis = cards(
        stat_card("成员机构 Institutions", sum(counts.values()), "institutions-total",
                  note=f"银行 banks {counts.get('bank', 0)} · 催收机构 agencies {counts.get('agency', 0)}"),
        stat_card("不良率 NPL ratio", pct(region["ratio"], suppressed=region["suppressed"]), "npl-ratio",
                  note=f"不良余额 {yuan(region['nonPerforming'])} / 余额 {yuan(region['totalOutstanding'])}",
                  target=TARGETS["npl"]),
        stat_card("回收率 Recovery rate", pct(rrec["rate"], suppressed=rrec["suppressed"]), "recovery-rate",
                  note=f"{number(rrec['recoveredDebts'])} / {number(rrec['adverseDebts'])} 笔 debts",
                  target=TARGETS["recovery_rate"]),
        stat_card("平均回收周期 Recovery cycle", _days(rrec["averageCycleDays"]), "recovery-cycle",
                  note=f"500万元以上 ≥5M: {_days(rrec['largeAverageCycleDays'])}", target=TARGETS["recovery_cycle"]),
        stat_card("合规率 Compliance rate", pct(rcomp["complianceRate"], suppressed=rcomp["suppressed"]),
                  "compliance-rate", note=f"每千次违规 per 1,000: {number(rcomp['violationsPer1000'], places=2)}",
                  target=TARGETS["compliance_rate"]),
        stat_card("存证量 Evidence entries", number(ev_total["count"], suppressed=ev_total["suppressed"]),
                  "evidence-total", target=TARGETS["evidence"]),
    )
    trend = [("全区域 Region", npl["trend"]["points"])]
    trend += [(bilingual(s), s["points"]) for s in npl["trendByBankType"]]
    by_bank = [{**f, "nplRatio": f["ratio"]} for f in npl["byInstitution"]]
    buckets = m["overdueBuckets"]["region"]
    return [
        html.P(scope, className="muted", id="reg-scope"),
        kpis,
        section("不良率及趋势 NPL ratio and trend",
                html.Div([graph("npl-trend", trend_lines(trend, "月度不良率 Monthly NPL ratio (re-aged book)")),
                          graph("npl-by-bank", bar(by_bank + npl["byBankType"], "ratio",
                                                   "按银行及类型 By bank and bank type", percent=True))],
                         className="row"),
                html.P(npl["definition"], className="definition")),
        section("逾期分布 Overdue buckets",
                html.Div([graph("buckets-count", bar(buckets, "debts", "笔数 Debts")),
                          graph("buckets-amount", bar([{**b, "yuan": _amount(b)} for b in buckets], "yuan",
                                                      "余额（元）Outstanding (yuan)"))], className="row"),
                table([("bucket", "逾期段 Bucket"), ("debts", "笔数 Debts"), ("amount", "余额 Outstanding")],
                      [{"bucket": bilingual(b), "debts": number(b["debts"], suppressed=b["suppressed"]),
                        "amount": yuan(b["amount"], suppressed=b["suppressed"])} for b in buckets], "buckets-table")),
        section("回收 Recovery",
                table([("bank", "银行 Bank"), ("rate", "回收率 Rate"), ("recovered", "已回收本金 Recovered"),
                       ("adverse", "不良本金 Adverse principal"), ("cycle", "平均周期 Cycle")],
                      [{"bank": bilingual(r), "rate": pct(r["rate"]), "recovered": yuan(r["recoveredPrincipal"]),
                        "adverse": yuan(r["adversePrincipal"]), "cycle": _days(r["averageCycleDays"])}
                       for r in rec["byInstitution"]], "recovery-table"),
                html.P(rec["definition"], className="definition")),
        section("催收合规 Collection compliance",
                html.Div([graph("compliance-by-agency", bar(comp["byAgency"], "complianceRate",
                                                            "按机构合规率 Compliance rate by agency", percent=True)),
                          graph("violations-by-family", bar(rcomp["violationsByFamily"], "count",
                                                            "按类别违规 Violations by family"))], className="row"),
                _agency_table(comp["byAgency"]),
                html.Div([graph("violations-by-rule", bar(rcomp["violationsByRule"], "count",
                                                          "按规则违规 Violations by rule", horizontal=True)),
                          graph("report-statuses", bar(rcomp["reportStatuses"], "count",
                                                       "合规报告状态 Compliance reports by status"))], className="row"),
                _findings(m, rcomp),
                html.P(comp["definition"], className="definition")),
        section("存证量 Evidence volume",
                graph("evidence-by-kind", bar(m["evidence"]["byKind"], "count", "按类型 Entries by kind"))),
    ]


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} 天 days"


def _amount(bucket: dict[str, Any]) -> float | None:
    return yuan_value(bucket.get("amount"))


def _agency_table(agencies: list[dict[str, Any]]) -> html.Table:
    return table(
        [("agency", "机构 Agency"), ("attempts", "联系次数 Attempts"), ("violations", "违规 Violations"),
         ("rate", "合规率 Compliance"), ("per1000", "每千次 per 1,000"), ("findings", "质检发现 Findings")],
        [{"agency": bilingual(a), "attempts": number(a["attempts"]), "violations": number(a["violations"]),
          "rate": pct(a["complianceRate"]), "per1000": number(a["violationsPer1000"], places=2),
          "findings": number(a["findings"])} for a in agencies], "agency-table")


def _findings(m: dict[str, Any], conduct: dict[str, Any]) -> Any:
    if not m.get("auditAvailable"):
        return html.P("双录质检数据暂不可用 · audit findings not available yet", className="muted")
    return graph("findings-by-family", bar(conduct["findingsByFamily"], "count",
                                           "质检发现（按类别）Audit findings by family"))


def drill(data: dict[str, Any], agency_key: str | None) -> list:
    """One agency's figures: rules, families, report statuses, audit findings."""
    agencies = data["regionMetrics"]["compliance"]["byAgency"]
    chosen = next((a for a in agencies if a["key"] == agency_key), None)
    if chosen is None:
        return [html.P("无机构数据 · no agency data in this period", className="muted")]
    return [
        cards(
            stat_card("联系次数 Attempts", number(chosen["attempts"]), "drill-attempts"),
            stat_card("违规 Violations", number(chosen["violations"]), "drill-violations"),
            stat_card("合规率 Compliance rate", pct(chosen["complianceRate"]), "drill-compliance-rate"),
            stat_card("每千次违规 Violations per 1,000", number(chosen["violationsPer1000"], places=2),
                      "drill-per1000"),
            stat_card("质检发现 Audit findings", number(chosen["findings"]), "drill-findings"),
        ),
        html.Div([graph("drill-rules", bar(chosen["violationsByRule"], "count", "按规则 By rule", horizontal=True)),
                  graph("drill-families", bar(chosen["violationsByFamily"], "count", "按类别 By family"))],
                 className="row"),
        html.Div([graph("drill-reports", bar(chosen["reportStatuses"], "count", "合规报告 Reports by status")),
                  graph("drill-findings-family", bar(chosen["findingsByFamily"], "count",
                                                     "质检发现 Findings by family"))], className="row"),
    ]


def register(dash_app: Dash) -> None:
    """The filter and drill-down callbacks, on this Dash instance (STACK.md trap 6)."""

    @dash_app.callback(
        Output("reg-body", "children"),
        Input("reg-period", "start_date"), Input("reg-period", "end_date"), Input("reg-district", "value"),
        prevent_initial_call=True,
    )
    def _filter(start: str | None, end: str | None, district: str | None):
        try:
            return body(fetch("RegulatorOverview", _variables(start, end, district)))
        except DashboardDataError as exc:
            return error_box(exc)

    @dash_app.callback(
        Output("reg-drill", "children"),
        Input("reg-agency", "value"), Input("reg-period", "start_date"), Input("reg-period", "end_date"),
        Input("reg-district", "value"),
    )
    def _drill(agency: str | None, start: str | None, end: str | None, district: str | None):
        try:
            return drill(fetch("AgencyDrilldown", _variables(start, end, district)), agency)
        except DashboardDataError as exc:
            return error_box(exc)
