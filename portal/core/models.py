"""Tables owned by the core: per-institution data keys (envelope encryption) and the activity log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.db import Base
from portal.core.timeutil import utcnow


class DataKey(Base):
    """A data-encryption key of one institution (or of the portal itself when ``institution_id`` is null)."""

    __tablename__ = "data_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"), index=True)
    master_kid: Mapped[str] = mapped_column(String(40))
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActivityLog(Base):
    """Who did what to which object, when: sign-ins, token use, recordings streamed, exports."""

    __tablename__ = "activity_log"
    __table_args__ = (Index("ix_activity_log_institution_at", "institution_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institutions.id"))
    action: Mapped[str] = mapped_column(String(80))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)


class PortalMeta(Base):
    """Key/value facts about this installation, e.g. ``demo_seed`` once `portal demo` created it."""

    __tablename__ = "portal_meta"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
