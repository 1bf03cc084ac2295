"""Each rule kind on the shipped standards: holds, third parties, agency qualification, identification and
disclosures, recording, retention and channels per escalation stage."""

from __future__ import annotations

from standards_helpers import CN, US, attempt, event, planned, rules_broken

from standards import CATALOGUE_DIR, Engine, resolve

LATER = "2026-04-01T10:00:00+08:00"
NY = "America/New_York"


def _refused(engine, when=LATER, history=(), events=(), **fields):
    return engine.check_planned(planned(when, **fields), list(history), list(events)).refused_by


def test_cease_request_stops_the_debtor_or_only_the_person_named():
    whole = event("cease_requested", "2026-03-01T10:00:00+08:00", debtor_ref="P1")
    assert _refused(CN, events=[whole]) == ("CS-CEASE-01",)
    assert _refused(CN, events=[whole], number="N-other") == ("CS-CEASE-01",)
    person = event("cease_requested", "2026-03-01T10:00:00+08:00", debtor_ref="P1", number="FRIEND")
    assert _refused(CN, events=[person]) == ()
    friend = {"counterparty": "third_party", "number": "FRIEND", "purpose": "location", "debtor_reachable": False}
    assert _refused(CN, events=[person], **friend) == ("CS-CEASE-01",)
    withdrawn = event("cease_withdrawn", "2026-03-15T10:00:00+08:00", debtor_ref="P1")
    assert _refused(CN, events=[whole, withdrawn]) == ()
    assert _refused(CN, cease_requested=True) == ("CS-CEASE-01",)


def test_us_cease_allows_only_the_listed_notices():
    cease = event("cease_requested", "2026-03-01T10:00:00-05:00", debtor_ref="P1")
    when = "2026-04-01T10:00:00-04:00"
    assert _refused(US, when, events=[cease], debtor_tz=NY) == ("CS-CEASE-01",)
    assert _refused(US, when, events=[cease], debtor_tz=NY, channel="letter", purpose="remedy_notice") == ()


def test_attorney_representation_allows_only_the_attorney():
    retained = event("attorney_retained", "2026-03-01T10:00:00-05:00", debtor_ref="P1")
    when = "2026-04-01T10:00:00-04:00"
    assert _refused(US, when, events=[retained], debtor_tz=NY) == ("CS-REP-01",)
    assert _refused(US, when, events=[retained], debtor_tz=NY, counterparty="attorney", number="LAW") == ()
    assert _refused(US, when, events=[retained], debtor_tz=NY, attorney_unresponsive=True) == ()
    assert _refused(US, when, debtor_tz=NY, attorney_represented="true") == ("CS-REP-01",)
    withdrawn = event("attorney_withdrawn", "2026-03-20T10:00:00-04:00", debtor_ref="P1")
    assert _refused(US, when, events=[retained, withdrawn], debtor_tz=NY) == ()


def test_mediation_hold_allows_the_mediation_channel_only():
    opened = event("mediation_opened", "2026-03-01T10:00:00+08:00", debt_ref="D1")
    assert _refused(CN, events=[opened]) == ("CS-MED-01",)
    assert _refused(CN, events=[opened], purpose="mediation") == ()
    assert _refused(CN, events=[opened], debt_ref="D2") == ()
    closed = event("mediation_closed", "2026-03-20T10:00:00+08:00", debt_ref="D1")
    assert _refused(CN, events=[opened, closed]) == ()
    assert _refused(CN, events=[opened], when="2026-02-28T10:00:00+08:00") == ()  # before it opened


def test_third_party_reachability_from_failures_events_and_columns():
    friend = {"counterparty": "third_party", "number": "FRIEND", "purpose": "location"}
    two = [attempt(f"2026-03-31T1{k}:00:00+08:00") for k in range(2)]
    three = [*two, attempt("2026-03-31T13:00:00+08:00", outcome="not_in_service")]
    assert _refused(CN, history=two, **friend) == ("CS-3P-02",)
    assert _refused(CN, history=three, **friend) == ()
    reset = [*three, attempt("2026-03-31T14:00:00+08:00", outcome="connected")]
    assert _refused(CN, history=reset, **friend) == ("CS-3P-02",)
    sms_failures = [attempt(f"2026-03-31T1{k}:00:00+08:00", channel="sms") for k in range(3)]
    assert _refused(CN, history=sms_failures, **friend) == ("CS-3P-02",)  # only call and AI voice count
    gone = event("debtor_unreachable", "2026-03-01T10:00:00+08:00", debtor_ref="P1")
    assert _refused(CN, events=[gone], **friend) == ()
    back = event("debtor_reachable", "2026-03-02T10:00:00+08:00", debtor_ref="P1")
    assert _refused(CN, events=[gone, back], **friend) == ("CS-3P-02",)
    assert _refused(CN, history=three, debtor_reachable=True, **friend) == ("CS-3P-02",)
    verdict = CN.check_planned(planned(LATER, **friend), two).verdicts[0]
    assert verdict.inputs["consecutive_failures"] == 2 and verdict.inputs["failures_needed"] == 3


def test_third_party_purpose():
    base = {"counterparty": "third_party", "number": "FRIEND", "debtor_reachable": False}
    assert _refused(CN, purpose="collection", **base) == ("CS-3P-01",)
    assert _refused(CN, purpose="pass_message", **base) == ()
    assert _refused(CN, **base) == ()  # CN: an absent purpose is skipped
    when = "2026-04-01T10:00:00-04:00"
    assert _refused(US, when, debtor_tz=NY, **base) == ("CS-3P-01",)  # US: an absent purpose is a violation
    assert _refused(US, when, debtor_tz=NY, purpose="location", **base) == ()


def test_agency_qualification():
    agency = {"agency_ref": "AG1", "creditor_ref": "BANK-A"}
    good = [
        event("licence_granted", "2026-01-01T00:00:00+08:00", agency_ref="AG1", valid_until="2026-12-31"),
        event("whitelisted", "2026-01-02T00:00:00+08:00", agency_ref="AG1", creditor_ref="BANK-A"),
        event("agency_evaluated", "2025-06-01T00:00:00+08:00", agency_ref="AG1"),
    ]
    assert _refused(CN, events=good, **agency) == ()
    assert _refused(CN, events=good) == ()  # not outsourced: no agency_ref
    assert _refused(CN, events=good, agency_ref="AG1", creditor_ref="BANK-B") == ("CS-AGENCY-01",)
    assert _refused(CN, when="2027-01-01T10:00:00+08:00", events=good, **agency) == ("CS-AGENCY-01",)
    stale = CN.check_planned(planned("2026-06-02T10:00:00+08:00", **agency), [], good).verdicts
    assert [v.rule for v in stale] == ["CS-AGENCY-01"] and stale[0].inputs["problems"] == [
        "not evaluated within 365 days"
    ]
    revoked = [*good, event("licence_revoked", "2026-03-01T00:00:00+08:00", agency_ref="AG1")]
    problems = CN.check_planned(planned(LATER, **agency), [], revoked).verdicts[0].inputs["problems"]
    assert problems == ["no valid licence"]
    delisted = [*good, event("delisted", "2026-03-01T00:00:00+08:00", agency_ref="AG1", creditor_ref="BANK-A")]
    assert _refused(CN, events=delisted, **agency) == ("CS-AGENCY-01",)
    # the 2025 edition asks only for the yearly evaluation
    assert _refused(CN, when="2025-06-01T10:00:00+08:00", events=good[2:], **agency) == ()


def test_identification_and_recording_on_connected_calls():
    connected = {"outcome": "connected", "duration_s": 60}
    log = [
        attempt(LATER, attempt_id="ok", identified=True, recorded=True, **connected),
        attempt("2026-04-01T11:00:00+08:00", attempt_id="anon", identified=False, recorded=True, **connected),
        attempt("2026-04-01T12:00:00+08:00", attempt_id="unrec", identified=True, recorded=False, **connected),
        attempt("2026-04-01T13:00:00+08:00", attempt_id="silent", identified=False, recorded=False),
        attempt("2026-04-02T10:00:00+08:00", attempt_id="unknown", **connected),  # columns absent: skipped
    ]
    assert rules_broken(CN, log) == {"anon": ["CS-ID-01"], "unrec": ["CS-REC-01"]}


def test_when_missing_violation_reports_the_absent_column(tmp_path):
    source = (
        (CATALOGUE_DIR / "cn-regional" / "2026.1.toml")
        .read_text(encoding="utf-8")
        .replace('fields_true = ["identified"]', 'fields_true = ["identified"]\nwhen_missing = "violation"')
    )
    folder = tmp_path / "cn-regional"
    folder.mkdir()
    (folder / "2026.1.toml").write_text(source, encoding="utf-8")
    strict = Engine(resolve("cn-regional@2026.1", tmp_path))
    verdicts = strict.evaluate([attempt(LATER, outcome="connected")])
    assert [(v.rule, v.inputs.get("missing_column")) for v in verdicts] == [("CS-ID-01", "identified")]


def test_us_disclosures_first_and_later():
    base = {"debtor_tz": NY, "outcome": "connected", "duration_s": 60}
    log = [
        attempt("2026-05-01T10:00:00-04:00", attempt_id="first", disclosures="debt_collector", **base),
        attempt("2026-05-09T10:00:00-04:00", attempt_id="second", disclosures="", **base),
        attempt("2026-05-20T10:00:00-04:00", attempt_id="third", disclosures="debt_collector;mini_miranda", **base),
        attempt(
            "2026-05-01T11:00:00-04:00",
            attempt_id="other-debt",
            debt_ref="D2",
            disclosures=["mini_miranda", "debt_collector"],
            **base,
        ),
    ]
    broken = rules_broken(US, log)
    assert broken == {"first": ["CS-DISC-01"]}  # an empty disclosures cell is absent: skipped
    log[1] = attempt("2026-05-09T10:00:00-04:00", attempt_id="second", disclosures="mini_miranda", **base)
    assert rules_broken(US, log) == {"first": ["CS-DISC-01"], "second": ["CS-DISC-02"]}


def test_retention():
    assert _refused(CN, retain_until="2028-03-31") == ("CS-REC-01-RETAIN",)
    assert _refused(CN, retain_until="2028-04-01") == ()
    assert _refused(US, "2026-04-01T10:00:00-04:00", debtor_tz=NY, retain_until="2029-03-31") == ("CS-REC-01",)
    assert _refused(US, "2026-04-01T10:00:00-04:00", debtor_tz=NY, retain_until="2029-04-01") == ()
    assert _refused(CN, channel="letter", retain_until="2026-04-02") == ()  # CN lists call, AI voice, visit


def test_channels_per_escalation_stage():
    assert _refused(CN, days_past_due=-2, channel="sms") == ()
    assert _refused(CN, days_past_due=0, channel="call") == ("CS-ESC-01",)
    assert _refused(CN, days_past_due=1, channel="call") == ()
    assert _refused(CN, days_past_due=30, channel="visit") == ("CS-ESC-01",)
    assert _refused(CN, days_past_due=31, channel="visit") == ()
    assert _refused(CN, days_past_due=400, channel="letter") == ()
    verdict = CN.check_planned(planned(LATER, days_past_due=-10, channel="sms")).verdicts[0]
    assert verdict.inputs["stage"] is None and "no escalation stage" in verdict.message_en
