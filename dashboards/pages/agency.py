"""A collection agency's page: its attempts, violations by rule and family, compliance rate beside the region's,
its work by bank, its compliance reports and audit findings — from the persisted operation AgencyOverview."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, html

from dashboards.components import bar, cards, error_box, graph, period_filter, section, stat_card, table
from dashboards.data import DashboardDataError, fetch
from dashboards.format import bilingual, default_period, now_label, number, pct
from dashboards.targets import TARGETS


def _variables(start: str | None, end: str | None) -> dict[str, Any]:
    default_start, default_end = default_period()
    return {"from": start or default_start.isoformat(), "to": end or default_end.isoformat()}


def render(viewer: dict[str, Any]) -> html.Div:
    """The whole page for the first paint."""
    try:
        data = fetch("AgencyOverview", _variables(None, None))
    except DashboardDataError as exc:
        return error_box(exc)
    institution = viewer["institution"]
    return html.Div([
        html.H1("催收机构 · 合规表现", id="page-title"),
        html.P(f"Collection agency · conduct · {institution['name']} ({institution['code']}) · {now_label()}",
               className="muted"),
        period_filter("agency"),
        html.Div(body(data), id="agency-body"),
    ])


def body(data: dict[str, Any]) -> list:
    """Everything below the filter."""
    m = data["regionMetrics"]
    comp = m["compliance"]
    own, region = comp["own"], comp["region"]
    counts = {row["kind"]: row["count"] for row in m["institutionsByKind"]}
    own_evidence = sum(e["count"] or 0 for e in m["evidence"]["ownByKind"])
    return [
        html.P(f"期间 period {m['from']} – {m['to']} (Asia/Shanghai)", className="muted"),
        cards(
            stat_card("成员机构 Institutions", sum(counts.values()), "institutions-total"),
            stat_card("本机构联系次数 Own attempts", number(own["attempts"]), "own-attempts"),
            stat_card("违规 Violations", number(own["violations"]), "own-violations",
                      note=f"涉及 {number(own['attemptsWithViolation'])} 次联系 attempts"),
            stat_card("本机构合规率 Own compliance rate", pct(own["complianceRate"]), "own-compliance-rate",
                      note=f"区域 Region: {pct(region['complianceRate'], suppressed=region['suppressed'])}",
                      target=TARGETS["compliance_rate"]),
            stat_card("每千次违规 Violations per 1,000", number(own["violationsPer1000"], places=2), "own-per1000"),
            stat_card("本机构存证 Own evidence entries", number(own_evidence), "own-evidence"),
        ),
        section("违规分布 Violations",
                html.Div([graph("agency-rules", bar(own["violationsByRule"], "count", "按规则 By rule",
                                                    horizontal=True)),
                          graph("agency-families", bar(own["violationsByFamily"], "count", "按类别 By family"))],
                         className="row"),
                html.P(comp["definition"], className="definition")),
        section("按委托银行 By creditor bank",
                table([("bank", "委托银行 Bank"), ("attempts", "联系次数 Attempts"), ("violations", "违规 Violations"),
                       ("rate", "合规率 Compliance"), ("per1000", "每千次 per 1,000")],
                      [{"bank": bilingual(b), "attempts": number(b["attempts"]), "violations": number(b["violations"]),
                        "rate": pct(b["complianceRate"]), "per1000": number(b["violationsPer1000"], places=2)}
                       for b in comp["ownByCounterparty"]], "agency-bank-table")),
        section("合规报告与质检 Reports and audit findings",
                html.Div([graph("agency-reports", bar(own["reportStatuses"], "count",
                                                      "合规报告状态 Compliance reports by status")),
                          _findings(m, own)], className="row")),
    ]


def _findings(m: dict[str, Any], own: dict[str, Any]) -> Any:
    if not m.get("auditAvailable"):
        return html.P("双录质检数据暂不可用 · audit findings not available yet", className="muted")
    return graph("agency-findings", bar(own["findingsByFamily"], "count", "质检发现 Audit findings by family"))


def register(dash_app: Dash) -> None:
    """The period filter's callback, on this Dash instance."""

    @dash_app.callback(Output("agency-body", "children"), Input("agency-period", "start_date"),
                       Input("agency-period", "end_date"), prevent_initial_call=True)
    def _filter(start: str | None, end: str | None):
        try:
            return body(fetch("AgencyOverview", _variables(start, end)))
        except DashboardDataError as exc:
            return error_box(exc)
