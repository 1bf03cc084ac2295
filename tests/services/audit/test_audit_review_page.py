"""The auditors' review pages: the queue and one call (audio player, masked transcript, highlighted findings), the
confirm / dismiss / add-missed / complete forms going through the same operations as GraphQL, bad input shown on the
page with nothing written, CSRF, and refusals for banks, agencies (own or other) and the anonymous."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pyotp
import pytest
from audit_samples import CLEAN_ZH, VIOLATING_ZH, bearer, wav
from sqlalchemy import func, select

from portal.core.models import ActivityLog
from portal.core.timeutil import SHANGHAI, as_utc, utcnow
from portal.services.audit import operations as ops
from portal.services.audit.models import AuditFinding, FindingReview, ReviewItem
from portal.services.compliance.models import ContactAttempt
from portal.tenancy.models import User
from tests.conftest import PASSWORD, csrf_from, sign_in

ID_NUMBER = "110101199003078515"
DEBTOR_SAYS = f"我的身份证号是{ID_NUMBER}，别打了"

ITEM_QUERY = """query($id: ID!) { reviewItem(id: $id) { status notes
  findings { decision note finding { id kind source turn start end note } } } }"""


@pytest.fixture
def sampled(app, world, client, tokens):
    """a1 (agency-a: a violating turn, a debtor turn with an identity number, a recording) and b1 (agency-b: clean),
    both in one spot check drawn by the regulator's auditor. Returns {"a1": item id, "b1": item id, ...}."""
    kr = app.extensions["keyring"]
    resp = client.post("/audit/recordings", headers=bearer(tokens["agency-a"]),
                       data={"attempt": "a1", "file": (io.BytesIO(wav(0.5)), "a1.wav")},
                       content_type="multipart/form-data")
    assert resp.status_code == 201
    with app.extensions["db"].unit_of_work() as s:
        ops.submit_transcript(world.principal("agency-a"), "a1", "zh",
                              [{"speaker": "agent", "text": VIOLATING_ZH},
                               {"speaker": "debtor", "text": DEBTOR_SAYS}], keyring=kr, session=s)
        ops.submit_transcript(world.principal("agency-b"), "b1", "zh", [{"speaker": "agent", "text": CLEAN_ZH}],
                              keyring=kr, session=s)
        today = utcnow().date()
        check = ops.create_spot_check(world.principal("regulator"), ops.SpotCheckSpec(
            period_from=today - timedelta(days=30), period_to=today, seed=5, margin=0.01, title="三月抽查"),
            session=s)
        items = {i.attempt_id: i.id for i in ops.review_queue(world.principal("regulator"), check.id, None,
                                                              after=None, limit=10, session=s)}
    out = {key: items[world.attempts[key]] for key in ("a1", "b1")}
    out["recording"] = resp.get_json()["recording"]["id"]
    out["spot_check"] = check.id
    return out


def _auditor_client(app, region):
    """A browser signed in as the regulator's admin (auditor role) through password and TOTP; (client, csrf)."""
    secret = pyotp.random_base32()
    with app.extensions["db"].unit_of_work() as s:
        user = s.get(User, region["regulator"]["user_id"])
        user.totp_secret, user.totp_enabled = secret, True
    browser = app.test_client()
    token = csrf_from(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"email": region["regulator"]["email"], "password": PASSWORD, "csrf_token": token})
    page = browser.get("/login/totp").get_data(as_text=True)
    resp = browser.post("/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_from(page)})
    assert resp.status_code == 302
    return browser, csrf_from(browser.get("/").get_data(as_text=True))


@pytest.fixture
def auditor(app, region):
    """(client, csrf) of the signed-in auditor."""
    return _auditor_client(app, region)


def _counts(app) -> tuple[int, int, int]:
    with app.extensions["db"].unit_of_work() as s:
        return (s.scalar(select(func.count()).select_from(AuditFinding)),
                s.scalar(select(func.count()).select_from(FindingReview)),
                s.scalar(select(func.count()).select_from(ReviewItem).where(ReviewItem.status == "reviewed")))


def _monitor_findings(app, world, key):
    with app.extensions["db"].unit_of_work() as s:
        return [(f.id, f.turn, f.span_start, f.span_end, f.kind) for f in s.scalars(
            select(AuditFinding).where(AuditFinding.attempt_id == world.attempts[key], AuditFinding.source == "monitor")
            .order_by(AuditFinding.id))]


def test_queue_lists_pending_calls_newest_sample_first(app, world, sampled, auditor):
    browser, _csrf = auditor
    found = _monitor_findings(app, world, "a1")
    assert found, "the violating turn must give monitor findings"
    page = browser.get("/audit/reviews")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="review-queue"' in html
    row = re.search(rf'<tr id="queue-item-{sampled["a1"]}">(.*?)</tr>', html, re.S).group(1)
    with app.extensions["db"].unit_of_work() as s:
        started = s.get(ContactAttempt, world.attempts["a1"]).started_at
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[2:7] == ["agency-a", f"#{world.attempts['a1']}", f"#{sampled['recording']}",
                          _shanghai(started), str(len(found))]
    assert cells[7] == "待复核" and f'href="/audit/reviews/{sampled["a1"]}"' in cells[8]
    assert f'id="queue-item-{sampled["b1"]}"' in html
    # a newer spot check comes first; the pager and filters go through the same operation
    with app.extensions["db"].unit_of_work() as s:
        today = utcnow().date()
        newer = ops.create_spot_check(world.principal("regulator"), ops.SpotCheckSpec(
            period_from=today - timedelta(days=30), period_to=today, seed=9, margin=0.01, title="四月抽查"), session=s)
        first = ops.review_inbox(world.principal("regulator"), page=1, per_page=3, session=s)
        second = ops.review_inbox(world.principal("regulator"), page=2, per_page=3, session=s)
    assert [r.spot_check.id for r in first.rows] == [newer.id, newer.id, sampled["spot_check"]]
    assert first.has_next and not second.has_next and len(second.rows) == 1
    html = browser.get("/audit/reviews").get_data(as_text=True)
    assert html.index("四月抽查") < html.index("三月抽查")
    bad = browser.get("/audit/reviews?page=0")
    assert bad.status_code == 400 and "page 0" in bad.get_data(as_text=True)
    bad = browser.get("/audit/reviews?status=open")
    assert bad.status_code == 400 and "status &#39;open&#39;" in bad.get_data(as_text=True)
    assert 'id="review-empty"' in browser.get("/audit/reviews?status=reviewed").get_data(as_text=True)


def _shanghai(instant) -> str:
    return as_utc(instant).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def test_item_page_plays_the_recording_and_highlights_masked_transcript(app, world, sampled, auditor):
    browser, _csrf = auditor
    html = browser.get(f"/audit/reviews/{sampled['a1']}").get_data(as_text=True)
    assert f'<audio controls preload="metadata" id="review-audio"\n           src="/audit/recordings/' \
           f'{sampled["recording"]}/audio">' in html
    for fid, turn, start, end, kind in _monitor_findings(app, world, "a1"):
        assert turn == 0
        assert re.search(rf'<mark class="sev-\w+" data-findings="[^"]*\b{fid}\b[^"]*">', html)
        card = re.search(rf'<div class="finding [^"]*" id="finding-{fid}"(.*?)</div>', html, re.S).group(1)
        assert kind in card and "critical" in card and "CS-" in card and "CFR" in card
        assert f"<q class=\"quote\">{VIOLATING_ZH[start:end]}</q>" in card
        assert f'action="/audit/reviews/{sampled["a1"]}/findings/{fid}"' in card and 'name="csrf_token"' in card
    marked = "".join(re.findall(r"<mark [^>]*>([^<]*)</mark>", html))
    assert marked and all(ch in VIOLATING_ZH for ch in marked)
    assert ID_NUMBER not in html and "1101**********8515" in html  # masked, same length
    assert 'id="add-form"' in html and 'id="complete-form"' in html and "VS-F03-02" in html
    with app.extensions["db"].unit_of_work() as s:
        reads = s.scalar(select(func.count()).select_from(ActivityLog).where(
            ActivityLog.action == "audit.transcript.read"))
    assert reads == 1  # the transcript read for the page is in the activity log
    clean = browser.get(f"/audit/reviews/{sampled['b1']}").get_data(as_text=True)
    assert 'id="no-recording"' in clean and "<mark" not in clean and CLEAN_ZH in clean
    assert browser.get("/audit/reviews/999999").status_code == 404


def test_confirm_dismiss_add_and_complete_round_trip(app, world, sampled, auditor, gql, api_token):
    browser, csrf = auditor
    item = sampled["a1"]
    findings = _monitor_findings(app, world, "a1")
    first, *rest = [f[0] for f in findings]
    resp = browser.post(f"/audit/reviews/{item}/findings/{first}",
                        data={"csrf_token": csrf, "decision": "confirmed", "note": f"听到了 {ID_NUMBER}"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"done=decided#finding-{first}")
    for fid in rest:
        assert browser.post(f"/audit/reviews/{item}/findings/{fid}",
                            data={"csrf_token": csrf, "decision": "dismissed"}).status_code == 303
    quote = "别打了"
    resp = browser.post(f"/audit/reviews/{item}/findings", data={
        "csrf_token": csrf, "kind": "VS-F07-01", "turn": "1", "quote": quote, "note": "debtor asked to stop"})
    assert resp.status_code == 303, resp.get_data(as_text=True)
    resp = browser.post(f"/audit/reviews/{item}/findings", data={
        "csrf_token": csrf, "kind": "VS-F03-02", "turn": "0", "start": "0", "end": "3"})
    assert resp.status_code == 303
    page = browser.get(f"/audit/reviews/{item}?done=added").get_data(as_text=True)
    assert 'id="review-done"' in page and 'data-verdict="violating"' in page
    assert "听到了 1101**********8515" in page and ID_NUMBER not in page  # notes are masked too
    # the GraphQL view of the same item reflects every decision
    token = api_token("regulator")
    _status, body = gql(ITEM_QUERY, {"id": str(item)}, token=token)
    got = {f["finding"]["id"]: f for f in body["data"]["reviewItem"]["findings"]}
    assert got[str(first)]["decision"] == "confirmed" and got[str(first)]["note"] == f"听到了 {ID_NUMBER}"
    assert all(got[str(fid)]["decision"] == "dismissed" for fid in rest)
    added = sorted((f["finding"] for f in got.values() if f["finding"]["source"] == "auditor"),
                   key=lambda f: int(f["id"]))
    at = DEBTOR_SAYS.index(quote)
    assert [(f["kind"], f["turn"], f["start"], f["end"]) for f in added] == [
        ("VS-F07-01", 1, at, at + len(quote)), ("VS-F03-02", 0, 0, 3)]
    resp = browser.post(f"/audit/reviews/{item}/complete", data={"csrf_token": csrf, "notes": "两处违规属实"})
    assert resp.status_code == 303
    _status, body = gql(ITEM_QUERY, {"id": str(item)}, token=token)
    assert body["data"]["reviewItem"]["status"] == "reviewed" and body["data"]["reviewItem"]["notes"] == "两处违规属实"
    page = browser.get(f"/audit/reviews/{item}").get_data(as_text=True)
    assert 'data-status="reviewed"' in page and 'id="complete-form"' not in page and "两处违规属实" in page
    # a closed item refuses further changes, on the page, writing nothing
    before = _counts(app)
    resp = browser.post(f"/audit/reviews/{item}/findings/{first}", data={"csrf_token": csrf, "decision": "dismissed"})
    assert resp.status_code == 409 and "already completed" in resp.get_data(as_text=True)
    assert _counts(app) == before


@pytest.mark.parametrize("path, form, status, message", [
    ("findings", {"kind": "VS-NOPE", "turn": "0"}, 400, "unknown violation kind &#39;VS-NOPE&#39;"),
    ("findings", {"kind": "VS-F03-02", "turn": "0", "start": "0", "end": "999"}, 400, "span 0–999 is outside turn 0"),
    ("findings", {"kind": "VS-F03-02", "turn": "7"}, 400, "turn 7 is not in the transcript"),
    ("findings", {"kind": "VS-F03-02", "turn": "1", "quote": "不存在的话"}, 400, "quote &#39;不存在的话&#39;"),
    ("findings", {"kind": "VS-F03-02", "turn": "x1"}, 400, "turn &#39;x1&#39; is not a whole number"),
    ("findings", {"kind": "VS-F03-02", "start": "1", "end": "2"}, 400, "needs the turn"),
    ("decide", {"decision": "maybe"}, 400, "decision &#39;maybe&#39;"),
    ("complete", {"notes": "done"}, 400, "undecided"),
])
def test_bad_input_is_shown_on_the_page_and_writes_nothing(app, world, sampled, auditor, path, form, status, message):
    browser, csrf = auditor
    item = sampled["a1"]
    if path == "decide":
        path = f"findings/{_monitor_findings(app, world, 'a1')[0][0]}"
    before = _counts(app)
    resp = browser.post(f"/audit/reviews/{item}/{path}", data={"csrf_token": csrf, **form})
    html = resp.get_data(as_text=True)
    assert resp.status_code == status and 'id="review-error"' in html and message in html, html[:2000]
    assert 'id="transcript"' in html  # the page comes back whole
    assert _counts(app) == before


def test_forms_without_a_valid_csrf_token_are_refused(app, world, sampled, auditor):
    browser, _csrf = auditor
    fid = _monitor_findings(app, world, "a1")[0][0]
    before = _counts(app)
    for token in (None, "forged"):
        data = {"decision": "confirmed"} | ({"csrf_token": token} if token else {})
        resp = browser.post(f"/audit/reviews/{sampled['a1']}/findings/{fid}", data=data)
        assert resp.status_code == 403 and "CSRF" in resp.get_data(as_text=True)
        resp = browser.post(f"/audit/reviews/{sampled['a1']}/complete", data=data)
        assert resp.status_code == 403
    assert _counts(app) == before


@pytest.mark.parametrize("code", ["bank-a", "bank-b", "agency-a", "agency-b", "mediator", "tracer"])
def test_other_institutions_are_refused(app, world, region, sampled, code):
    browser = app.test_client()
    csrf = sign_in(browser, region[code]["email"])
    assert 'id="nav-reviews"' not in browser.get("/").get_data(as_text=True)
    assert browser.get("/audit/reviews").status_code == 403
    for key in ("a1", "b1"):  # agency-a's own call, and another agency's
        resp = browser.get(f"/audit/reviews/{sampled[key]}")
        html = resp.get_data(as_text=True)
        assert resp.status_code == 403 and "spot checks are the regulator" in html
        assert "<mark" not in html and "身份证" not in html and "<audio" not in html
    fid = _monitor_findings(app, world, "a1")[0][0]
    before = _counts(app)
    resp = browser.post(f"/audit/reviews/{sampled['a1']}/findings/{fid}", data={"csrf_token": csrf,
                                                                               "decision": "dismissed"})
    assert resp.status_code == 403
    resp = browser.post(f"/audit/reviews/{sampled['a1']}/findings", data={"csrf_token": csrf, "kind": "VS-F03-02"})
    assert resp.status_code == 403
    assert _counts(app) == before


def test_anonymous_is_sent_to_sign_in(client, sampled):
    for path in ("/audit/reviews", f"/audit/reviews/{sampled['a1']}"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    resp = client.post(f"/audit/reviews/{sampled['a1']}/complete", data={"notes": "x"})
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_auditor_home_links_the_queue(auditor):
    browser, _csrf = auditor
    html = browser.get("/").get_data(as_text=True)
    assert 'id="nav-reviews" href="/audit/reviews"' in html


def test_graphql_add_finding_checks_the_span_against_the_turn(app, world, sampled, gql, api_token):
    mutation = """mutation($input: AddAuditorFindingInput!) { addAuditorFinding(input: $input) { id } }"""
    token = api_token("regulator")
    _status, body = gql(mutation, {"input": {"itemId": str(sampled["a1"]), "kind": "VS-F03-02", "turn": 1,
                                             "start": 0, "end": len(DEBTOR_SAYS) + 1}}, token=token)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert f"outside turn 1, which has {len(DEBTOR_SAYS)} characters" in body["errors"][0]["message"]
    _status, body = gql(mutation, {"input": {"itemId": str(sampled["a1"]), "kind": "VS-F03-02", "turn": 1,
                                             "start": 0, "end": len(DEBTOR_SAYS)}}, token=token)
    assert "errors" not in body and body["data"]["addAuditorFinding"]["id"]


def test_regulator_analysts_may_list_but_not_review(app, world, sampled):
    from portal.access import Role
    from portal.core.errors import Forbidden

    analyst = world.principal("regulator", {Role.ANALYST})
    with app.extensions["db"].unit_of_work() as s:
        assert len(ops.review_inbox(analyst, session=s).rows) == 2
        with pytest.raises(Forbidden):
            ops.decide_finding(analyst, sampled["a1"], _monitor_findings(app, world, "a1")[0][0], "confirmed",
                               session=s)
        for code in ("bank-a", "agency-a"):
            with pytest.raises(Forbidden):
                ops.review_inbox(world.principal(code), session=s)
