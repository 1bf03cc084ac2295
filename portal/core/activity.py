"""The activity log: who did what to which object, when (sign-ins, token use, recordings streamed, exports)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.access import Principal
from portal.core.models import ActivityLog


def record_activity(
    session: Session,
    principal: Principal | None,
    action: str,
    *,
    object_type: str | None = None,
    object_id: str | int | None = None,
    detail: str | None = None,
    user_id: int | None = None,
    institution_id: int | None = None,
) -> None:
    """Add one activity row in the caller's transaction (never with identity numbers or secrets in ``detail``)."""
    session.add(
        ActivityLog(
            user_id=user_id if user_id is not None else (principal.user_id if principal else None),
            institution_id=institution_id
            if institution_id is not None
            else (principal.institution_id if principal else None),
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            detail=detail,
        )
    )
