"""The Dash app factory: callbacks registered on the instance (STACK.md trap 6), routes only for signed-in users,
the CSRF cookie Dash sends back as X-CSRFToken (trap 7)."""

from __future__ import annotations

from dash import Dash, Input, Output, dcc, html
from flask import Flask, Response, redirect, request
from flask_wtf.csrf import generate_csrf

from dashboards.data import DashboardDataError, fetch
from dashboards.pages import agency, bank, landing, regulator
from portal.core.errors import PortalError
from portal.web.auth import current_principal

PREFIX = "/dash/"


def _guard(server: Flask) -> None:
    @server.before_request
    def _require_sign_in():
        if not request.path.startswith(PREFIX):
            return None
        try:
            signed_in = current_principal().is_authenticated
        except PortalError:
            signed_in = False
        if signed_in:
            return None
        if request.method == "GET" and not request.path.startswith(PREFIX + "_dash"):
            return redirect(f"/login?next={PREFIX}")
        return Response('{"error": "sign in first", "code": "UNAUTHENTICATED"}', 401, mimetype="application/json")

    @server.after_request
    def _csrf_cookie(response: Response) -> Response:
        if request.path.startswith(PREFIX) and response.status_code < 400:
            response.set_cookie("_csrf_token", generate_csrf(), samesite="Strict", secure=request.is_secure)
        return response


def create_dash(server: Flask) -> Dash:
    """Build the dashboards on ``server``."""
    _guard(server)
    dash_app = Dash(
        __name__,
        server=server,
        url_base_pathname=PREFIX,
        title="区域债务信息共享平台 · 数据看板",
        suppress_callback_exceptions=True,
        serve_locally=True,
        update_title=None,
    )
    dash_app.layout = html.Div(
        [
            dcc.Location(id="url"),
            html.Header(
                [
                    html.A("区域债务信息共享平台 Regional Debt Portal", href="/", className="brand"),
                    html.Span(id="viewer", className="viewer"),
                ],
                className="bar",
            ),
            html.Main(id="page", className="page"),
        ]
    )

    @dash_app.callback(Output("page", "children"), Output("viewer", "children"), Input("url", "pathname"))
    def _route(pathname: str):
        return route(pathname)

    for page in (landing, regulator, bank, agency):
        page.register(dash_app)
    server.extensions["dash"] = dash_app
    return dash_app


PAGES = {"REGULATOR": regulator, "BANK": bank, "AGENCY": agency}


def route(pathname: str | None):
    """(page, viewer label) for ``pathname``: /dash/overview is the landing page of every kind; /dash/ is the
    viewer's own page (regulator, bank, agency) or the landing page for the kinds without one."""
    if (pathname or "").rstrip("/").endswith("/overview"):
        return landing.render()
    try:
        viewer = fetch("DashboardViewer")["me"]
    except DashboardDataError as exc:
        return html.Div(f"无法加载数据 / could not load data: {exc}", className="error"), ""
    page = PAGES.get(viewer["institution"]["kind"])
    if page is None:
        return landing.render()
    nav = html.Nav([html.A("总览 Overview", href=PREFIX + "overview"), html.A("看板 Dashboard", href=PREFIX)],
                   className="nav")
    return html.Div([nav, page.render(viewer)]), f"{viewer['user']['email']} · {viewer['institution']['code']}"
