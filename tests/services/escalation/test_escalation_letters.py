"""Lawyer's letters: bulk approval all or nothing (bad ids named), idempotent; rejection with a reason; only the
creditor bank's operators decide."""

from __future__ import annotations

import pytest
from escalation_world import sweep
from sqlalchemy import select

from portal.access import Principal, Role
from portal.core.errors import BadInput, Conflict, Forbidden, NotFound
from portal.services.escalation import operations
from portal.services.escalation.models import LawyerLetter


def _letters(world) -> dict[int, str]:
    with world.app.extensions["db"].unit_of_work() as s:
        return dict(s.execute(select(LawyerLetter.id, LawyerLetter.status).order_by(LawyerLetter.id)).all())


def _run(world, fn, who="bank-a", *args, **kw):
    with world.app.extensions["db"].unit_of_work() as s:
        return fn(world.p(who) if isinstance(who, str) else who, *args, session=s, **kw)


def test_bulk_approval_is_all_or_nothing_and_idempotent(book):
    sweep(book)
    ids = sorted(_letters(book))
    assert len(ids) == 2
    with pytest.raises(NotFound, match="99999") as err:
        _run(book, operations.approve_letters, "bank-a", [ids[0], 99999])
    assert "nothing was approved" in err.value.message
    assert set(_letters(book).values()) == {"draft"}  # nothing half-written
    result = _run(book, operations.approve_letters, "bank-a", [str(i) for i in ids])
    assert (result.approved, result.already_approved) == (ids, [])
    again = _run(book, operations.approve_letters, "bank-a", ids)
    assert (again.approved, again.already_approved) == ([], ids)
    assert set(_letters(book).values()) == {"approved"}


def test_another_banks_letters_are_unknown_ids(book):
    sweep(book)
    sweep(book, code="bank-b")
    letters = _letters(book)
    with pytest.raises(NotFound) as err:
        _run(book, operations.approve_letters, "bank-b", list(letters))
    own_b = max(letters)  # bank-b swept last: its letter has the highest id
    assert all(str(i) in err.value.message for i in letters if i != own_b)
    assert set(_letters(book).values()) == {"draft"}


def test_reject_with_a_reason_then_approval_refused(book):
    sweep(book)
    first, second = sorted(_letters(book))
    with pytest.raises(BadInput, match="reason"):
        _run(book, operations.reject_letter, "bank-a", first, "  ")
    letter = _run(book, operations.reject_letter, "bank-a", first, "amount disputed by branch")
    assert (letter.status, letter.reject_reason) == ("rejected", "amount disputed by branch")
    with pytest.raises(Conflict, match=str(first)):
        _run(book, operations.approve_letters, "bank-a", [second, first])
    assert _letters(book) == {first: "rejected", second: "draft"}
    _run(book, operations.approve_letters, "bank-a", [second])
    with pytest.raises(Conflict, match="already approved"):
        _run(book, operations.reject_letter, "bank-a", second, "too late")


def test_bad_ids_are_named(book):
    with pytest.raises(BadInput, match="'x'"):
        _run(book, operations.approve_letters, "bank-a", ["x", 1])
    with pytest.raises(BadInput, match="at least one"):
        _run(book, operations.approve_letters, "bank-a", [])


def test_only_the_banks_operators_decide(book):
    sweep(book)
    ids = list(_letters(book))
    bank = book.p("bank-a")
    analyst = Principal(bank.user_id, bank.institution_id, bank.institution_code, bank.kind,
                        frozenset({Role.ANALYST}))
    with pytest.raises(Forbidden):
        _run(book, operations.approve_letters, analyst, ids)
    assert len(_run(book, operations.list_letters, analyst)) == 2  # an analyst reads them
    for code in ("regulator", "agency-a", "mediator", "tracer"):
        with pytest.raises(Forbidden):
            _run(book, operations.approve_letters, code, ids)
        with pytest.raises(Forbidden):
            _run(book, operations.reject_letter, code, ids[0], "no")
    assert set(_letters(book).values()) == {"draft"}
