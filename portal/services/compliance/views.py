"""The compliance officer's page: upload a period's report as CSV, see the portal's figures and the differences."""

from __future__ import annotations

import secrets
from datetime import date

from flask import Blueprint, render_template, request
from flask_login import login_required

from portal.core.errors import BadInput, PortalError
from portal.core.runtime import keyring, request_session
from portal.services.compliance import operations
from portal.services.compliance.upload import parse_report_csv
from portal.web.auth import require_principal

bp = Blueprint("compliance", __name__, url_prefix="/compliance", template_folder="templates")


def _date(name: str) -> date:
    raw = request.form.get(name, "")
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise BadInput(f"{name}: {raw!r} is not a date (YYYY-MM-DD)", field=name) from exc


@bp.get("/reports/new")
@login_required
def report_form():
    """The upload form."""
    return render_template("compliance/report_form.html", error=None, report=None,
                           client_key=secrets.token_hex(8))


@bp.post("/reports/new")
@login_required
def report_upload():
    """File the uploaded report; nothing is stored when any value is wrong."""
    principal = require_principal()
    session = request_session(principal.institution_id)
    client_key = request.form.get("client_key") or secrets.token_hex(8)
    try:
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise BadInput("choose the report's CSV file", field="file")
        declared = parse_report_csv(upload.read(), upload.filename)
        report = operations.file_compliance_report(principal, client_key, _date("period_start"), _date("period_end"),
                                                   declared, session=session, keyring=keyring())
        session.commit()
    except PortalError as exc:
        session.rollback()
        return render_template("compliance/report_form.html", error=exc.message, report=None,
                               client_key=client_key), exc.http_status
    return render_template("compliance/report_form.html", error=None, report=report, client_key=secrets.token_hex(8))
