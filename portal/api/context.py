"""The per-request GraphQL context handed to every resolver as ``info.context``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from portal.access import Principal
from portal.api.connections import CursorCodec
from portal.api.loaders import Loaders
from portal.config import Settings
from portal.core.crypto import Keyring


@dataclass
class RequestContext:
    """Who asks (principal), the unit of work (session), per-request loaders, cursor signing, keys and settings."""

    principal: Principal
    session: Session
    keyring: Keyring
    settings: Settings
    cursors: CursorCodec
    loaders: Loaders = field(default_factory=Loaders)
    extras: dict[str, Any] = field(default_factory=dict)
