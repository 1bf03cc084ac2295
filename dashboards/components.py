"""Small reusable pieces of dashboard layout: cards, sections, charts and tables in the portal's style."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from dash import dcc, html

from dashboards.format import SUPPRESSED, SUPPRESSED_HINT, bilingual, default_period

COLOURS = ("#0b3d6b", "#2f7ebc", "#e08a1e", "#7a9a01", "#b42318", "#6b4fa0", "#3b8686", "#8c564b")
GRAPH_CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}


def stat_card(label: str, value: object, element_id: str, *, note: str | None = None,
              target: str | None = None) -> html.Div:
    """A card with one figure, its bilingual label, an optional note and an optional labelled reported target."""
    text = str(value)
    children: list[Any] = [
        html.Div(label, className="label"),
        html.Div(text, id=element_id, className="value suppressed" if text == SUPPRESSED else "value",
                 title=SUPPRESSED_HINT if text == SUPPRESSED else None),
    ]
    if note:
        children.append(html.Div(note, className="note"))
    if target:
        children.append(html.Div(f"区域报告目标 Reported target: {target}", className="target"))
    return html.Div(children, className="card")


def cards(*items: html.Div) -> html.Div:
    """A row of cards."""
    return html.Div(list(items), className="cards")


def section(title: str, *children: Any, element_id: str | None = None) -> html.Section:
    """A titled block of the page."""
    kwargs = {"id": element_id} if element_id else {}
    return html.Section([html.H2(title), *children], className="section", **kwargs)


def graph(element_id: str, figure: go.Figure) -> dcc.Graph:
    """A Plotly figure in the portal's frame."""
    return dcc.Graph(id=element_id, figure=figure, config=GRAPH_CONFIG)


def layout_figure(figure: go.Figure, title: str, *, height: int = 320, percent_axis: bool = False) -> go.Figure:
    """Common layout: title, margins, legend on top, optional percentage y-axis."""
    figure.update_layout(title=title, height=height, margin={"l": 50, "r": 20, "t": 60, "b": 50},
                         legend={"orientation": "h", "y": -0.2}, plot_bgcolor="#fff", paper_bgcolor="#fff",
                         font={"family": "Noto Sans CJK SC, WenQuanYi Micro Hei, sans-serif"})
    if percent_axis:
        figure.update_yaxes(tickformat=".1%")
    figure.update_yaxes(gridcolor="#e5e7eb")
    return figure


def bar(items: Sequence[dict[str, Any]], value: str, title: str, *, percent: bool = False,
        horizontal: bool = False) -> go.Figure:
    """A bar chart of figures (suppressed ones left out and said so in the title)."""
    shown = [i for i in items if not i.get("suppressed") and i.get(value) is not None]
    hidden = len(items) - len(shown)
    labels = [bilingual(i) for i in shown]
    values = [i[value] for i in shown]
    trace = (go.Bar(y=labels, x=values, orientation="h", marker_color=COLOURS[0]) if horizontal
             else go.Bar(x=labels, y=values, marker_color=COLOURS[0]))
    suffix = f" · {hidden} 项已抑制 suppressed" if hidden else ""
    if not shown:
        return empty(title + suffix, "全部已抑制 all suppressed" if hidden else "暂无数据 No data in this period")
    figure = layout_figure(go.Figure(trace), title + suffix, percent_axis=percent and not horizontal,
                           height=max(320, 28 * len(shown) + 120) if horizontal else 320)
    if horizontal:
        figure.update_yaxes(autorange="reversed")
        if percent:
            figure.update_xaxes(tickformat=".1%")
    return figure


def empty(title: str, message: str) -> go.Figure:
    """A chart frame saying why it has nothing to draw (never an axis that suggests zeros)."""
    figure = layout_figure(go.Figure(), title, height=220)
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                          font={"size": 15, "color": "#98a2b3"})
    return figure


def trend_lines(series: Sequence[tuple[str, Sequence[dict[str, Any]]]], title: str) -> go.Figure:
    """NPL ratio lines, one per (name, points); suppressed points are gaps, not zeros."""
    if not any(not p.get("suppressed") and p.get("ratio") is not None for _n, pts in series for p in pts):
        return empty(title, "区域已抑制 suppressed" if any(p.get("suppressed") for _n, pts in series for p in pts)
                     else "暂无数据 No data in this period")
    figure = go.Figure()
    hidden = [name for name, points in series if points and all(p.get("suppressed") for p in points)]
    for index, (name, points) in enumerate(series):
        if name in hidden:
            continue
        figure.add_trace(go.Scatter(
            x=[p["asOf"] for p in points], y=[None if p.get("suppressed") else p.get("ratio") for p in points],
            mode="lines+markers", name=name, line={"color": COLOURS[index % len(COLOURS)]}, connectgaps=False))
    suffix = f" · {'、'.join(hidden)} 已抑制 suppressed" if hidden else ""
    return layout_figure(figure, title + suffix, percent_axis=True)


def table(columns: Sequence[tuple[str, str]], rows: Sequence[dict[str, Any]], element_id: str) -> html.Table:
    """A plain HTML table: ``columns`` are (key, bilingual header); values are already formatted strings."""
    head = html.Thead(html.Tr([html.Th(label) for _key, label in columns]))
    body = html.Tbody([html.Tr([html.Td(row.get(key, "")) for key, _label in columns]) for row in rows])
    return html.Table([head, body], id=element_id, className="grid")


def period_filter(prefix: str, *, districts: Sequence[str] | None = None) -> html.Div:
    """The period (and, for the regulator, district) filter; dates are Asia/Shanghai calendar days."""
    start, end = default_period()
    children: list[Any] = [
        html.Label("统计期间 Period (Asia/Shanghai)", htmlFor=f"{prefix}-period"),
        dcc.DatePickerRange(id=f"{prefix}-period", start_date=start.isoformat(), end_date=end.isoformat(),
                            display_format="YYYY-MM-DD", minimum_nights=0),
    ]
    if districts is not None:
        children += [
            html.Label("辖区 District", htmlFor=f"{prefix}-district"),
            dcc.Dropdown(id=f"{prefix}-district", options=[{"label": "全部 All", "value": ""}]
                         + [{"label": d, "value": d} for d in districts], value="", clearable=False,
                         className="district"),
        ]
    return html.Div(children, className="filters")


def error_box(exc: Exception) -> html.Div:
    """A data error, safe to show."""
    return html.Div(f"无法加载数据 / could not load data: {exc}", className="error")
