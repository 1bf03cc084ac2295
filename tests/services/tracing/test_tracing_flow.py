"""Request → signals → resolution (identifier, fuzzy name, unresolved then linked by hand) → score → alert; the
registry view a tracer gets through its open request."""

from __future__ import annotations

import pytest

from portal.core.errors import BadInput, Conflict, Forbidden, NotFound
from portal.registry import operations as registry
from portal.services.tracing import operations as tracing
from portal.services.tracing.models import TracingSignal
from tests.services.tracing.conftest import E1, E2, P1, signal


def _request(world, debt="e1", key="req-1", tracer="tracer", reason="absconding risk"):
    with world.uow() as s:
        row, created = tracing.request_tracing(world.p("bank-a"), world.debts[debt], tracer, reason, key, session=s)
        return row.id, created


def test_request_is_idempotent_by_client_key(world):
    rid, created = _request(world)
    assert created
    again, created2 = _request(world)
    assert (again, created2) == (rid, False)
    with pytest.raises(Conflict, match="req-1"):
        _request(world, reason="another reason")


def test_only_the_creditor_bank_requests_for_its_own_debt(world):
    with world.uow() as s:
        with pytest.raises(Forbidden):
            tracing.request_tracing(world.p("bank-b"), world.debts["e1"], "tracer", "r", "k", session=s)
        for code in ("agency-a", "regulator", "tracer", "mediator"):
            with pytest.raises(Forbidden):
                tracing.request_tracing(world.p(code), world.debts["e1"], "tracer", "r", "k", session=s)
        with pytest.raises(BadInput, match="not a tracer"):
            tracing.request_tracing(world.p("bank-a"), world.debts["e1"], "agency-a", "r", "k", session=s)
        with pytest.raises(NotFound):
            tracing.request_tracing(world.p("bank-a"), 999999, "tracer", "r", "k", session=s)


def test_identifier_signal_resolves_scores_and_alerts(world):
    rid, _ = _request(world)
    with world.uow() as s:
        row, created = tracing.post_signal(world.p("tracer"), signal("s1", uscc=E1[1].lower()),
                                           keyring=world.keyring, session=s)
        assert created and row.status == "resolved" and row.match_method == "identifier"
        assert row.debtor_id == world.debtors["e1"]
        assert row.subject_hash and E1[1] not in repr(row.__dict__)  # no identifier in clear on the row
    with world.uow() as s:
        alerts = tracing.list_alerts(world.p("bank-a"), None, after=None, limit=10, session=s)
        assert [a.level for a in alerts] == ["critical"]  # exit_entry × critical = 80 points
        assert alerts[0].contributions[0]["kind"] == "exit_entry"
        assert alerts[0].contributions[0]["signal"] == row.id
        assert rid


def test_person_signal_by_identity_number(world):
    with world.uow() as s:
        row, _ = tracing.post_signal(world.p("tracer"), signal("p", kind="dishonest_debtor", severity="high",
                                                               idNumber=P1[1]), keyring=world.keyring, session=s)
        assert row.debtor_id == world.debtors["p1"]
        assert row.subject_masked == P1[1][:4] + "**********" + P1[1][-4:]


def test_scores_add_up_per_kind_and_levels_rise(world):
    with world.uow() as s:
        tracing.post_signal(world.p("tracer"), signal("a", kind="legal_rep_change", severity="high", uscc=E2[1]),
                            keyring=world.keyring, session=s)
    with world.uow() as s:
        assert tracing.list_alerts(world.p("bank-b"), None, after=None, limit=10, session=s) == []
        tracing.post_signal(world.p("tracer"), signal("b", kind="equity_freeze", severity="high", uscc=E2[1]),
                            keyring=world.keyring, session=s)
        tracing.post_signal(world.p("tracer"), signal("c", kind="equity_freeze", severity="low", uscc=E2[1]),
                            keyring=world.keyring, session=s)
    with world.uow() as s:
        alerts = tracing.list_alerts(world.p("bank-b"), None, after=None, limit=10, session=s)
        assert [a.level for a in alerts] == ["warning"]
        kinds = [c["kind"] for c in alerts[0].contributions]
        assert kinds == ["equity_freeze", "legal_rep_change"]  # the low-severity duplicate does not count twice
        assert 50 <= alerts[0].score < 75


def test_fuzzy_name_resolution(world):
    with world.uow() as s:
        row, _ = tracing.post_signal(world.p("tracer"), signal(
            "n1", name="  绍兴华丰纺织（越城分公司）有限责任公司 ", district="越城区"),
            keyring=world.keyring, session=s)
        assert row.status == "resolved" and row.match_method == "name", row.match_explain
        assert row.debtor_id == world.debtors["e1"]
        assert row.match_score >= 0.85 and row.match_explain["place"]["district"] == "match"
        near, _ = tracing.post_signal(world.p("tracer"), signal(
            "n2", name="东海宏远机械有限公司", address="浙江省绍兴市柯桥区鉴湖路9号"), keyring=world.keyring, session=s)
        assert near.debtor_id == world.debtors["e2"], near.match_explain
        assert near.match_explain["place"]["address_similarity"] == 1.0


def test_unresolved_then_linked_by_hand(world):
    rid, _ = _request(world)
    with world.uow() as s:
        row, _ = tracing.post_signal(world.p("tracer"), signal("u1", name="华丰纺织", district="柯桥区"),
                                     keyring=world.keyring, session=s)
        assert row.status == "unresolved" and row.debtor_id is None
        sid = row.id
    with world.uow() as s:
        queue = tracing.list_unresolved(world.p("tracer"), after=None, limit=10, session=s)
        assert [q.id for q in queue] == [sid]
        assert tracing.list_unresolved(world.p("tracer-b"), after=None, limit=10, session=s) == []
        with pytest.raises(NotFound):
            tracing.link_signal(world.p("tracer-b"), sid, rid, session=s)
        linked = tracing.link_signal(world.p("tracer"), sid, rid, session=s)
        assert linked.status == "resolved" and linked.match_method == "manual"
    with world.uow() as s:
        assert tracing.list_unresolved(world.p("tracer"), after=None, limit=10, session=s) == []
        alerts = tracing.list_alerts(world.p("bank-a"), None, after=None, limit=10, session=s)
        assert alerts and alerts[0].contributions[0]["signal"] == sid


def test_link_needs_an_open_request(world):
    rid, _ = _request(world)
    with world.uow() as s:
        row, _ = tracing.post_signal(world.p("tracer"), signal("u2", name="无名公司", district="越城区"),
                                     keyring=world.keyring, session=s)
        tracing.close_request(world.p("tracer"), rid, "done", session=s)
        with pytest.raises(Forbidden):
            tracing.link_signal(world.p("tracer"), row.id, rid, session=s)


def test_signal_idempotent_and_conflicting(world):
    with world.uow() as s:
        first, _ = tracing.post_signal(world.p("tracer"), signal("k", uscc=E1[1]), keyring=world.keyring, session=s)
        again, created = tracing.post_signal(world.p("tracer"), signal("k", uscc=E1[1]), keyring=world.keyring,
                                             session=s)
        assert again.id == first.id and not created
        with pytest.raises(Conflict, match="'k'"):
            tracing.post_signal(world.p("tracer"), signal("k", kind="tax_arrears", uscc=E1[1]),
                                keyring=world.keyring, session=s)
        # another tracer may use the same key
        other, created = tracing.post_signal(world.p("tracer-b"), signal("k", uscc=E1[1]), keyring=world.keyring,
                                             session=s)
        assert created and other.id != first.id


@pytest.mark.parametrize("subject, needle", [
    ({"uscc": "91330602ABCDEFGHJ0"}, "91330602ABCDEFGHJ0"),
    ({"idNumber": "330602198001013219"}, "3306**********3219"),
    ({}, "name"),
])
def test_invalid_identifiers_are_named(world, subject, needle):
    with world.uow() as s:
        with pytest.raises(BadInput) as exc:
            tracing.post_signal(world.p("tracer"), signal("bad", **subject), keyring=world.keyring, session=s)
        assert needle in str(exc.value)
        assert "330602198001013219" not in str(exc.value)


def test_only_tracers_post_signals(world):
    with world.uow() as s:
        for code in ("bank-a", "agency-a", "regulator", "mediator"):
            with pytest.raises(Forbidden):
                tracing.post_signal(world.p(code), signal("x", uscc=E1[1]), keyring=world.keyring, session=s)


def test_tracer_registry_view_through_its_open_request(world):
    ref = {"uscc": E1[1]}
    with world.uow() as s, pytest.raises(Forbidden):  # no request yet: nothing
        registry.debtor_report(world.p("tracer"), ref, "COLLECTION", session=s, keyring=world.keyring)
    rid, _ = _request(world)
    with world.uow() as s:
        report = registry.debtor_report(world.p("tracer"), ref, "COLLECTION", session=s, keyring=world.keyring)
        assert report.debtor.address == E1[3]
        assert report.debtor.phone is None
        assert report.debts == ()  # no debt in full: no amounts of the bank's debt
        shown = report.debtor.uscc or report.debtor.id_number
        assert shown != E1[1] and shown.startswith(E1[1][:4]) and "*" in shown
        with pytest.raises(Forbidden):
            registry.get_debt(world.p("tracer"), world.debts["e1"], session=s, keyring=world.keyring)
        with pytest.raises(Forbidden):  # the other tracer has no request
            registry.debtor_report(world.p("tracer-b"), ref, "COLLECTION", session=s, keyring=world.keyring)
    with world.uow() as s:
        tracing.close_request(world.p("tracer"), rid, None, session=s)
    with world.uow() as s, pytest.raises(Forbidden):  # closed: the link is gone
        registry.debtor_report(world.p("tracer"), ref, "COLLECTION", session=s, keyring=world.keyring)


def test_stored_signal_has_no_clear_identifier(world):
    with world.uow() as s:
        tracing.post_signal(world.p("tracer"), signal("pp", idNumber=P1[1]), keyring=world.keyring, session=s)
    with world.uow() as s:
        from sqlalchemy import select

        row = s.scalar(select(TracingSignal))
        values = " ".join(str(v) for v in row.__dict__.values())
        assert P1[1] not in values
