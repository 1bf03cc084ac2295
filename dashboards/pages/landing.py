"""The landing page of each tenant kind: live counts from the database, as the viewer may see them."""

from __future__ import annotations

from datetime import timedelta

import plotly.graph_objects as go
from dash import Dash, dcc, html

from dashboards.components import stat_card
from dashboards.data import DashboardDataError, fetch
from portal.core.timeutil import SHANGHAI, utcnow

TITLES = {
    "REGULATOR": ("监管机构 · 区域总览", "Regulator · regional overview"),
    "BANK": ("成员银行 · 总览", "Member bank · overview"),
    "AGENCY": ("催收机构 · 总览", "Collection agency · overview"),
    "MEDIATOR": ("调解中心 · 总览", "Mediation centre · overview"),
    "TRACER": ("资产管理公司 · 总览", "Asset manager · overview"),
}


def render():
    """The landing page (children, viewer label) for the signed-in viewer."""
    today = utcnow().astimezone(SHANGHAI).date()
    try:
        data = fetch("RegionOverview", {"from": str(today - timedelta(days=365)), "to": str(today)})
    except DashboardDataError as exc:
        return html.Div(f"无法加载数据 / could not load data: {exc}", className="error"), ""
    me = data["me"]
    metrics = data["regionMetrics"]
    kind = me["institution"]["kind"]
    zh, en = TITLES.get(kind, (kind, kind))
    counts = {row["kind"]: row["count"] for row in metrics["institutionsByKind"]}
    cards = html.Div(
        [
            stat_card("成员机构 Institutions", sum(counts.values()), "institutions-total"),
            stat_card("银行 Banks", counts.get("bank", 0), "banks-total"),
            stat_card("催收机构 Agencies", counts.get("agency", 0), "agencies-total"),
            stat_card("本机构用户 Own users", metrics["ownUsers"], "own-users"),
        ],
        className="cards",
    )
    figure = go.Figure(go.Bar(x=list(counts), y=list(counts.values()), marker_color="#0b3d6b"))
    figure.update_layout(
        title="机构类型分布 Institutions by kind", height=320, margin={"l": 40, "r": 20, "t": 50, "b": 40}
    )
    period = f"{metrics['from']} – {metrics['to']} (Asia/Shanghai)"
    body = html.Div(
        [
            html.H1(zh, id="page-title"),
            html.P(f"{en} · {me['institution']['name']} · {period}", className="muted"),
            cards,
            dcc.Graph(id="kinds-chart", figure=figure, config={"displaylogo": False}),
        ]
    )
    viewer = f"{me['user']['email']} · {me['institution']['code']}"
    return body, viewer


def register(_dash_app: Dash) -> None:
    """This page has no callbacks of its own yet (the router renders it)."""
    return None
