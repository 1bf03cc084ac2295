"""Small reusable pieces of dashboard layout."""

from __future__ import annotations

from dash import html


def stat_card(label: str, value: object, element_id: str) -> html.Div:
    """A card with one figure and its bilingual label."""
    return html.Div(
        [html.Div(label, className="label"), html.Div(str(value), id=element_id, className="value")], className="card"
    )
