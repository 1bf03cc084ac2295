"""The ladder in force: the newest version the regulator published, else the default shipped with the portal."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.access import Principal, check_access, guarded
from portal.core.errors import Conflict
from portal.services.escalation.ladder import Ladder, default_ladder, parse_ladder
from portal.services.escalation.models import EscalationLadder


def ladder_in_force(session: Session) -> Ladder:
    """The newest published ladder (parsed again: the stored text is the truth), or the shipped default."""
    text = session.scalar(select(EscalationLadder.source_text).order_by(EscalationLadder.id.desc()).limit(1))
    return parse_ladder(text) if text else default_ladder()


@guarded("escalation.ladder.read")
def read_ladder(principal: Principal, *, session: Session) -> Ladder:
    """The ladder in force, for any member."""
    check_access("escalation.ladder.read", principal)
    return ladder_in_force(session)


@guarded("escalation.ladder.publish")
def publish_ladder(principal: Principal, source: str, *, session: Session) -> Ladder:
    """The regulator publishes a new ladder version (validated first; a version is published once)."""
    check_access("escalation.ladder.publish", principal)
    ladder = parse_ladder(source)
    if session.scalar(select(EscalationLadder.id).where(EscalationLadder.version == ladder.version)):
        raise Conflict(f"ladder version {ladder.version!r} is already published")
    session.add(EscalationLadder(version=ladder.version, source_text=source,
                                 sha256=hashlib.sha256(source.encode()).hexdigest(), published_by=principal.user_id))
    session.flush()
    return ladder
