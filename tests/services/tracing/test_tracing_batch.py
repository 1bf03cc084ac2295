"""The JSONL batch: bad lines in different chunks refused with their line numbers and nothing else lost,
idempotent re-send by signal key, set-based statements per chunk, rescoring by chunked tasks."""

from __future__ import annotations

import json

from sqlalchemy import event, func, select

from portal.services.tracing import operations as tracing
from portal.services.tracing.models import TracingAlert, TracingSignal
from portal.services.tracing.tasks import rescore_debtors as rescore_task
from tests.services.tracing.conftest import E1, E2, P1, signal, uscc

BAD = {3: "{not json", 640: json.dumps(signal("bad-uscc", uscc="91330602ABCDEFGHJ0")),
       1101: json.dumps(signal("bad-kind", kind="weather", uscc=E1[1]))}


def _lines(n: int = 1200) -> list[str]:
    subjects = [{"uscc": E1[1]}, {"idNumber": P1[1]}, {"uscc": uscc(40)},
                {"name": "东海宏远机械（柯桥）有限公司", "district": "柯桥区"},
                {"name": "查无此公司", "district": "越城区"}]
    out = []
    for i in range(1, n + 1):
        if i in BAD:
            out.append(BAD[i])
        elif i == 900:
            out.append("")  # blank lines are skipped, not refused
        else:
            kind = ("exit_entry", "dishonest_debtor", "equity_freeze")[i % 3]
            out.append(json.dumps(signal(f"sig-{i}", kind=kind, days_ago=i % 30, **subjects[i % 5]),
                                  ensure_ascii=False))
    return out


def test_batch_refuses_bad_lines_in_every_chunk_and_keeps_the_rest(world):
    lines = _lines()
    with world.uow() as s:
        result = tracing.post_batch(world.p("tracer"), iter(lines), filename="x.jsonl", keyring=world.keyring,
                                    session=s)
        b = result.batch
        assert [e["line"] for e in b.errors] == sorted(BAD)
        assert "not valid JSON" in b.errors[0]["reason"]
        assert "91330602ABCDEFGHJ0" in b.errors[1]["reason"] and "check character" in b.errors[1]["reason"]
        assert "weather" in b.errors[2]["reason"]
        assert b.lines_total == 1199 and b.lines_bad == 3 and b.lines_stored == 1196
        assert b.unresolved == sum(1 for i in range(1, 1201) if i % 5 == 4 and i not in BAD and i != 900)
        assert set(result.debtor_ids) == {world.debtors["e1"], world.debtors["p1"], world.debtors["e2"]}
        assert s.scalar(select(func.count()).select_from(TracingSignal)) == 1196
        assert s.scalar(select(func.count()).select_from(TracingAlert)) == 0  # scores are left to the tasks
        batch_chunks = result.chunks()
    with world.app.app_context():
        for chunk in batch_chunks:
            rescore_task.run(world.p("tracer").institution_id, chunk, world.p("tracer").user_id)
    with world.uow() as s:
        alerts = tracing.list_alerts(world.p("regulator"), None, after=None, limit=10, session=s)
        assert {a.debtor_id for a in alerts} == set(result.debtor_ids)
    with world.uow() as s:  # the same file again: everything unchanged, the same bad lines refused again
        again = tracing.post_batch(world.p("tracer"), iter(lines), keyring=world.keyring, session=s).batch
        assert (again.lines_stored, again.lines_unchanged, again.lines_bad) == (0, 1196, 3)
        assert s.scalar(select(func.count()).select_from(TracingSignal)) == 1196


def test_conflicting_resend_and_duplicates_inside_a_batch(world):
    one = json.dumps(signal("dup", uscc=E2[1]))
    other = json.dumps(signal("dup", kind="equity_freeze", uscc=E2[1]))
    with world.uow() as s:
        b = tracing.post_batch(world.p("tracer"), [one, one, other], keyring=world.keyring, session=s).batch
        assert (b.lines_stored, b.lines_unchanged, b.lines_bad) == (1, 1, 1)
        assert b.errors[0]["line"] == 3 and "different payload" in b.errors[0]["reason"]


def test_statements_per_chunk_do_not_grow_with_its_size(world):
    engine = world.app.extensions["db"].engine
    counts = []
    with world.uow() as s:  # warm-up: the name index is built once
        tracing.post_batch(world.p("tracer"), [json.dumps(signal("w", name="x", district="y"))],
                           keyring=world.keyring, session=s)
    for n, prefix in ((50, "a"), (500, "b")):
        seen = []
        lines = [json.dumps(signal(f"{prefix}{i}", uscc=E1[1] if i % 2 else uscc(41),
                                   **({} if i % 3 else {"name": None}))) for i in range(n)]

        def count(*_args, _seen=seen):
            _seen.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            with world.uow() as s:
                tracing.post_batch(world.p("tracer"), lines, keyring=world.keyring, session=s)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append(len(seen))
    assert counts[0] == counts[1], counts


def test_stale_debtors_are_found_for_the_daily_sweep(world):
    from datetime import timedelta

    from portal.access import OPERATOR
    from portal.core.timeutil import utcnow

    line = json.dumps(signal("late", uscc=E1[1]))
    with world.uow() as s:  # a batch whose rescoring task was lost
        tracing.post_batch(world.p("tracer"), [line], keyring=world.keyring, session=s)
    with world.uow() as s:
        stale = tracing.debtors_to_rescore(OPERATOR, stale_before=utcnow() - timedelta(hours=24), after=None,
                                           limit=500, session=s)
        assert stale == [world.debtors["e1"]]
        tracing.rescore_debtors(OPERATOR, stale, session=s)
    with world.uow() as s:
        assert tracing.debtors_to_rescore(OPERATOR, stale_before=utcnow() - timedelta(hours=24), after=None,
                                          limit=500, session=s) == []
        # a day later the raised level is recomputed (decay)
        assert tracing.debtors_to_rescore(OPERATOR, stale_before=utcnow() + timedelta(hours=1), after=None,
                                          limit=500, session=s) == [world.debtors["e1"]]
