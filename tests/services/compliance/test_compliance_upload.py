"""The CSV upload page: a good report is filed with its differences; a malformed one names file, line and field
and stores nothing."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from portal.services.compliance.models import ComplianceReport
from tests.conftest import sign_in

GOOD = b"figure,value\nattempts,0\nconnected_calls,0\ncomplaints,0\nrecording_coverage,1\nviolations_found_by_qa,0\n"


def _post(client, token, data: bytes, name="october.csv"):
    return client.post("/compliance/reports/new", content_type="multipart/form-data", data={
        "csrf_token": token, "period_start": "2026-10-01", "period_end": "2026-10-31", "client_key": "up-1",
        "file": (io.BytesIO(data), name)})


def _count(app) -> int:
    with app.extensions["db"].unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(ComplianceReport))


def test_upload_files_a_report(world, client, region):
    token = sign_in(client, region["agency-a"]["email"])
    resp = _post(client, token, GOOD)
    assert resp.status_code == 200 and 'id="report-filed"' in resp.get_data(as_text=True)
    assert _count(world.app) == 1


def test_malformed_upload_names_line_and_field(world, client, region):
    token = sign_in(client, region["agency-a"]["email"])
    bad = GOOD.replace(b"complaints,0", b"complaints,many")
    resp = _post(client, token, bad)
    text = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "october.csv, line 4" in text and "complaints" in text and "many" in text
    resp = _post(client, token, b"metric;value\n")
    assert resp.status_code == 400 and "line 1" in resp.get_data(as_text=True)
    assert _count(world.app) == 0


def test_a_bank_cannot_file(world, client, region):
    token = sign_in(client, region["bank-a"]["email"])
    assert _post(client, token, GOOD).status_code == 403
    assert _count(world.app) == 0
