"""A member bank's page: its own portfolio beside the regional aggregates (suppressed where the region is too small
to hide a competitor), and the violations found on its debts by agency and rule — from the persisted operation
BankOverview, run as the viewer."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, html

from dashboards.components import (
    COLOURS,
    bar,
    cards,
    error_box,
    graph,
    layout_figure,
    period_filter,
    section,
    stat_card,
    table,
    trend_lines,
)
from dashboards.data import DashboardDataError, fetch
from dashboards.format import (
    SUPPRESSED_HINT,
    bilingual,
    default_period,
    now_label,
    number,
    pct,
    yuan,
    yuan_value,
)
from dashboards.targets import TARGETS


def _variables(start: str | None, end: str | None) -> dict[str, Any]:
    default_start, default_end = default_period()
    return {"from": start or default_start.isoformat(), "to": end or default_end.isoformat()}


def render(viewer: dict[str, Any]) -> html.Div:
    """The whole page for the first paint."""
    try:
        data = fetch("BankOverview", _variables(None, None))
    except DashboardDataError as exc:
        return error_box(exc)
    institution = viewer["institution"]
    return html.Div([
        html.H1("成员银行 · 本行与区域", id="page-title"),
        html.P(f"Member bank · own portfolio vs region · {institution['name']} ({institution['code']}) · "
               f"{now_label()}", className="muted"),
        period_filter("bank"),
        html.Div(body(data), id="bank-body"),
    ])


def body(data: dict[str, Any]) -> list:
    """Everything below the filter."""
    m = data["regionMetrics"]
    npl, rec, comp = m["npl"], m["recovery"], m["compliance"]
    own, region = npl["own"], npl["region"]
    counts = {row["kind"]: row["count"] for row in m["institutionsByKind"]}
    note = None if not region["suppressed"] else SUPPRESSED_HINT
    own_comp = comp["own"] or {}
    return [
        html.P(f"数据截至 as of {m['asOf']} · 期间 period {m['from']} – {m['to']}", className="muted"),
        cards(
            stat_card("成员机构 Institutions", sum(counts.values()), "institutions-total"),
            stat_card("银行 Banks", counts.get("bank", 0), "banks-total"),
            stat_card("本行不良率 Own NPL ratio", pct(own["ratio"]), "own-npl-ratio",
                      note=f"不良余额 {yuan(own['nonPerforming'])} / 余额 {yuan(own['totalOutstanding'])}"),
            stat_card("区域不良率 Regional NPL ratio", pct(region["ratio"], suppressed=region["suppressed"]),
                      "region-npl-ratio", note=note, target=TARGETS["npl"]),
            stat_card("本行回收率 Own recovery rate", pct(rec["own"]["rate"]), "own-recovery-rate",
                      note=f"区域 Region: {pct(rec['region']['rate'], suppressed=rec['region']['suppressed'])}",
                      target=TARGETS["recovery_rate"]),
            stat_card("本行债务违规 Violations on own debts", number(own_comp.get("violations")), "own-violations",
                      note=f"合规率 compliance {pct(own_comp.get('complianceRate'))}"),
        ),
        section("不良率：本行与区域 NPL ratio: own vs region",
                html.Div([graph("bank-npl-trend", trend_lines(
                              [("本行 Own", npl["ownTrend"]["points"]), ("全区域 Region", npl["trend"]["points"])],
                              "月度不良率 Monthly NPL ratio (re-aged book)")),
                          graph("bank-npl-types", bar([{**own, "label": "本行", "labelEn": "Own"}]
                                                      + npl["byBankType"], "ratio",
                                                      "本行与银行类型 Own vs bank types", percent=True))],
                         className="row"),
                html.P(npl["definition"], className="definition")),
        section("逾期分布 Overdue buckets", graph("bank-buckets", _buckets(m["overdueBuckets"])),
                _bucket_table(m["overdueBuckets"])),
        section("回收 Recovery", _recovery_table(rec), html.P(rec["definition"], className="definition")),
        section("本行债务的催收违规 Violations on the bank's debts",
                table([("agency", "催收机构 Agency"), ("attempts", "联系次数 Attempts"),
                       ("violations", "违规 Violations"), ("rate", "合规率 Compliance"),
                       ("per1000", "每千次 per 1,000")],
                      [{"agency": bilingual(a), "attempts": number(a["attempts"]),
                        "violations": number(a["violations"]), "rate": pct(a["complianceRate"]),
                        "per1000": number(a["violationsPer1000"], places=2)} for a in comp["ownByCounterparty"]],
                      "bank-agency-table"),
                html.Div([graph("bank-rules", bar(own_comp.get("violationsByRule", []), "count",
                                                  "按规则 By rule", horizontal=True)),
                          graph("bank-families", bar(own_comp.get("violationsByFamily", []), "count",
                                                     "按类别 By family"))], className="row"),
                html.P(comp["definition"], className="definition")),
    ]


def _buckets(buckets: dict[str, list]) -> go.Figure:
    own, region = buckets["own"], buckets["region"]
    figure = go.Figure()
    figure.add_trace(go.Bar(name="本行 Own", x=[bilingual(b) for b in own],
                            y=[yuan_value(b["amount"]) for b in own], marker_color=COLOURS[0]))
    if not all(b["suppressed"] for b in region):
        figure.add_trace(go.Bar(name="全区域 Region", x=[bilingual(b) for b in region],
                                y=[None if b["suppressed"] else yuan_value(b["amount"]) for b in region],
                                marker_color=COLOURS[1]))
    title = "逾期余额（元）Outstanding by bucket (yuan)"
    if all(b["suppressed"] for b in region):
        title += " · 区域已抑制 region suppressed"
    return layout_figure(figure, title)


def _bucket_table(buckets: dict[str, list]) -> html.Table:
    region = {b["key"]: b for b in buckets["region"]}
    rows = []
    for b in buckets["own"]:
        r = region.get(b["key"], {"suppressed": True, "debts": None, "amount": None})
        rows.append({"bucket": bilingual(b), "own_debts": number(b["debts"]), "own_amount": yuan(b["amount"]),
                     "region_debts": number(r["debts"], suppressed=r["suppressed"]),
                     "region_amount": yuan(r["amount"], suppressed=r["suppressed"])})
    return table([("bucket", "逾期段 Bucket"), ("own_debts", "本行笔数 Own debts"), ("own_amount", "本行余额 Own"),
                  ("region_debts", "区域笔数 Region debts"), ("region_amount", "区域余额 Region")],
                 rows, "bank-buckets-table")


def _recovery_table(rec: dict[str, Any]) -> html.Table:
    rows = []
    for name, r in (("本行 Own", rec["own"]), ("全区域 Region", rec["region"])):
        hidden = r["suppressed"]
        rows.append({"book": name, "rate": pct(r["rate"], suppressed=hidden),
                     "recovered": yuan(r["recoveredPrincipal"], suppressed=hidden),
                     "adverse": yuan(r["adversePrincipal"], suppressed=hidden),
                     "cycle": "—" if r["averageCycleDays"] is None else f"{r['averageCycleDays']:,.1f} 天 days"})
    return table([("book", ""), ("rate", "回收率 Rate"), ("recovered", "已回收本金 Recovered"),
                  ("adverse", "不良本金 Adverse principal"), ("cycle", "平均周期 Cycle")], rows, "bank-recovery-table")


def register(dash_app: Dash) -> None:
    """The period filter's callback, on this Dash instance."""

    @dash_app.callback(Output("bank-body", "children"), Input("bank-period", "start_date"),
                       Input("bank-period", "end_date"), prevent_initial_call=True)
    def _filter(start: str | None, end: str | None):
        try:
            return body(fetch("BankOverview", _variables(start, end)))
        except DashboardDataError as exc:
            return error_box(exc)
