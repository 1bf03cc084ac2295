"""Standard versions published by the regulator: validated TOML kept verbatim, one version in force at a time,
each past attempt judged by the version that was in force when it was made."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

import standards as std
from portal.access import Principal, check_access, guarded
from portal.core.errors import BadInput, Conflict, NotFound
from portal.core.timeutil import as_utc, utcnow
from portal.services.compliance import policy as _policy  # noqa: F401 - registers this package's policies
from portal.services.compliance.models import PublishedStandard

# A version may not take effect in the past: history is judged by what was in force then.
CLOCK_SKEW = timedelta(minutes=5)


@lru_cache(maxsize=32)
def _compiled(sha256: str, text: str) -> std.Standard:
    return std.parse_standard(text, file=f"published standard {sha256[:12]}")


def compile_published(row: PublishedStandard) -> std.Standard:
    """The engine's form of a published row (compiled once per text)."""
    return _compiled(row.sha256, row.source_text)


@guarded("compliance.standard.publish")
def publish_standard(
    principal: Principal, source_text: str, *, effective_from: datetime | None = None, session: Session
) -> PublishedStandard:
    """Validate and publish a standard version; BadInput names file, line and field of a malformed one."""
    check_access("compliance.standard.publish", principal)
    try:
        parsed = std.parse_standard(source_text, file="the submitted standard")
    except std.StandardError as exc:
        raise BadInput(str(exc)) from exc
    when = as_utc(effective_from) if effective_from else as_utc(parsed.effective_from)
    if when < utcnow() - CLOCK_SKEW and not principal.operator:
        raise BadInput(f"effective_from {when.isoformat()} is in the past: a published version cannot rewrite history")
    latest = session.scalars(
        select(PublishedStandard).order_by(PublishedStandard.effective_from.desc()).limit(1)
    ).first()
    if latest is not None and when <= as_utc(latest.effective_from):
        raise BadInput(
            f"effective_from {when.isoformat()} must be after the newest published version "
            f"({latest.code}@{latest.version}, {as_utc(latest.effective_from).isoformat()})"
        )
    exists = session.scalar(
        select(PublishedStandard.id).where(
            PublishedStandard.code == parsed.code, PublishedStandard.version == parsed.version
        )
    )
    if exists:
        raise Conflict(f"standard {parsed.code}@{parsed.version} is already published")
    row = PublishedStandard(
        code=parsed.code,
        version=parsed.version,
        effective_from=when,
        source_text=source_text,
        sha256=hashlib.sha256(source_text.encode()).hexdigest(),
        published_by=principal.user_id,
    )
    session.add(row)
    session.flush()
    return row


def published_at(session: Session, when: datetime) -> PublishedStandard | None:
    """The published version in force at ``when`` (the newest whose effective_from is not after it)."""
    stmt = (
        select(PublishedStandard)
        .where(PublishedStandard.effective_from <= as_utc(when))
        .order_by(PublishedStandard.effective_from.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


@guarded("compliance.standard.read")
def standard_in_force(principal: Principal, when: datetime | None = None, *, session: Session) -> PublishedStandard:
    """The version in force at ``when`` (now by default); NotFound before the regulator published any."""
    check_access("compliance.standard.read", principal)
    row = published_at(session, when or utcnow())
    if row is None:
        raise NotFound("no collection standard is in force yet: the regulator has not published one")
    return row


@guarded("compliance.standard.read")
def list_published(principal: Principal, *, session: Session) -> list[PublishedStandard]:
    """Every published version, newest first (history is kept)."""
    check_access("compliance.standard.read", principal)
    return list(session.scalars(select(PublishedStandard).order_by(PublishedStandard.effective_from.desc())))
