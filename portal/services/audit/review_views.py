"""The auditors' review pages (blueprint ``audit.reviews``, under ``/audit/reviews``): the inbox of queued spot-check
calls, and one call with its recording, masked transcript, highlighted findings and the review forms.

Reads and writes go through the audit operations with the viewer's principal — the inbox (``review_inbox``), the item
(``review_item``), the transcript and recording (``read_transcript``, ``recording_info``: each read logged) and the
same review operations the GraphQL mutations call (``decide_finding``, ``add_finding``, ``complete_review``); the
policy (``audit.spotcheck.read``, ``audit.review.write``: the regulator's auditors) decides. Every form carries the
CSRF token; a refused or bad form gets the page back with the message and its status, and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy.orm import Session

from portal.access import Principal, check_access
from portal.core.errors import BadInput, Forbidden, NotFound, PortalError
from portal.core.runtime import keyring, request_session
from portal.services.audit import operations, review_page
from portal.services.audit.operations.common import institution_codes
from portal.services.audit.webauth import request_principal
from portal.web.auth import require_principal

reviews = Blueprint("reviews", __name__, url_prefix="/reviews")
NOTE_MAX = 4000


@reviews.record_once
def _exempt_from_global_csrf(state: Any) -> None:
    """The forms are checked by ``request_principal(write=True)``, which answers with the page, not a bare 400."""
    state.app.extensions["csrf"].exempt(reviews)


@reviews.get("")
@login_required
def inbox():
    """Queued calls (``status`` pending, reviewed or all; ``page``), newest spot check first."""
    principal = require_principal()
    session = request_session(principal.institution_id)
    status = request.args.get("status", "pending")
    try:
        page = operations.review_inbox(principal, status, page=request.args.get("page", 1), session=session)
    except PortalError as exc:
        session.rollback()
        return render_template("audit/reviews.html", inbox=None, status=status, error=exc.message), exc.http_status
    rows = [{"row": r, "when": review_page.local_time(r.started_at),
             "created": review_page.local_time(r.spot_check.created_at)} for r in page.rows]
    return render_template("audit/reviews.html", inbox=page, rows=rows, status=status, error=None)


def _may_review(principal: Principal) -> bool:
    try:
        check_access("audit.review.write", principal)
    except Forbidden:
        return False
    return True


def _gather(principal: Principal, item_id: int, session: Session) -> dict:
    view = operations.review_item(principal, item_id, session=session)
    item = view.item
    turns: list[dict] = []
    transcript_error = recording = recording_error = None
    try:
        turns = operations.read_transcript(principal, item.attempt_id, keyring=keyring(), session=session).turns
    except (NotFound, Forbidden) as exc:
        transcript_error = exc.message
    try:
        recording = operations.recording_info(principal, attempt_id=item.attempt_id, session=session)
    except (NotFound, Forbidden) as exc:
        recording_error = exc.message
    findings = review_page.finding_views(view, turns)
    highlighted = review_page.turn_views(turns, review_page.shown_findings(view))
    return {"item": item, "turns": highlighted, "findings": findings,
            "agency": institution_codes(session, {item.agency_id}).get(item.agency_id, "?"),
            "spot_check": operations.get_spot_check(principal, item.spot_check_id, session=session),
            "recording": recording, "recording_error": recording_error, "transcript_error": transcript_error,
            "verdict": review_page.verdict(findings), "reviewed_at": review_page.local_time(item.reviewed_at),
            "notes": review_page.masked(item.notes), "kinds": review_page.kind_options(),
            "writable": item.status == "pending" and _may_review(principal)}


def _item_page(item_id: int, *, status: int = 200, error: str | None = None, form: dict | None = None):
    principal = require_principal()
    session = request_session(principal.institution_id)
    try:
        page = _gather(principal, item_id, session)
    except PortalError as exc:
        session.rollback()
        return render_template("audit/review_item.html", page=None, error=error or exc.message,
                               form={}), exc.http_status
    session.commit()  # the transcript and recording reads are in the activity log
    return render_template("audit/review_item.html", page=page, error=error, form=form or {},
                           done=request.args.get("done")), status


@reviews.get("/<int:item_id>")
@login_required
def item(item_id: int):
    """One queued call: the recording, the masked transcript with the findings highlighted, the review forms."""
    return _item_page(item_id)


def _act(item_id: int, action: Callable[[Principal, Session], Any], done: str, anchor: str = ""):
    """Run one review operation for the form's POST; on success redirect to the page, else show it with the error."""
    try:
        principal = request_principal(write=True)
        session = request_session(principal.institution_id)
        action(principal, session)
        session.commit()
    except PortalError as exc:
        request_session().rollback()
        return _item_page(item_id, status=exc.http_status, error=exc.message, form=request.form.to_dict())
    return redirect(url_for(".item", item_id=item_id, done=done) + anchor, code=303)


def _note(name: str) -> str | None:
    value = (request.form.get(name) or "").strip()
    if len(value) > NOTE_MAX:
        raise BadInput(f"{name} has {len(value)} characters, at most {NOTE_MAX} are kept", field=name)
    return value or None


def _number(name: str) -> int | None:
    raw = (request.form.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        raise BadInput(f"{name} {raw!r} is not a whole number", field=name)
    return int(raw)


@reviews.post("/<int:item_id>/findings/<int:finding_id>")
@login_required
def decide(item_id: int, finding_id: int):
    """Confirm or dismiss one monitor finding (``decision``, ``note``)."""
    def run(principal: Principal, session: Session) -> None:
        operations.decide_finding(principal, item_id, finding_id, request.form.get("decision", ""), _note("note"),
                                  session=session)

    return _act(item_id, run, "decided", f"#finding-{finding_id}")


@reviews.post("/<int:item_id>/findings")
@login_required
def add_missed(item_id: int):
    """Add a finding the monitor missed: ``kind``, ``turn``, ``start``/``end`` or ``quote``, ``note``."""
    def run(principal: Principal, session: Session) -> None:
        turn, start, end = _number("turn"), _number("start"), _number("end")
        quote = request.form.get("quote") or ""
        if quote and start is None and end is None:
            item = operations.review_item(principal, item_id, session=session).item
            turns = operations.read_transcript(principal, item.attempt_id, keyring=keyring(), session=session).turns
            start, end = review_page.locate_quote(turns, turn, quote)
        operations.add_finding(principal, item_id, (request.form.get("kind") or "").strip(), turn=turn, start=start,
                               end=end, note=_note("note"), keyring=keyring(), session=session)

    return _act(item_id, run, "added", "#findings")


@reviews.post("/<int:item_id>/complete")
@login_required
def complete(item_id: int):
    """Close the review of the call with the auditor's notes (every monitor finding decided first)."""
    def run(principal: Principal, session: Session) -> None:
        operations.complete_review(principal, item_id, _note("notes"), session=session)

    return _act(item_id, run, "completed")
