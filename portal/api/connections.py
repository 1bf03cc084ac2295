"""Relay connections written by hand: ``first`` capped at 100 (more is BAD_USER_INPUT), keyset pagination, and
opaque cursors signed with the app's secret and bound to the connection they came from.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import graphene

from portal.core.errors import BadInput

DEFAULT_PAGE = 20
MAX_PAGE = 100


class CursorCodec:
    """Signs and checks cursors: base64url(JSON {scope, key}) + '.' + truncated HMAC-SHA256."""

    def __init__(self, secret: bytes):
        self._secret = hashlib.sha256(b"cursor:" + secret).digest()

    def _mac(self, body: bytes) -> str:
        return base64.urlsafe_b64encode(hmac.new(self._secret, body, hashlib.sha256).digest()[:16]).decode().rstrip("=")

    def encode(self, scope: str, key: Any) -> str:
        """A cursor for position ``key`` in connection ``scope``."""
        body = base64.urlsafe_b64encode(json.dumps([scope, key], separators=(",", ":")).encode()).decode().rstrip("=")
        return f"{body}.{self._mac(body.encode())}"

    def decode(self, scope: str, cursor: str) -> Any:
        """The key inside ``cursor``; BadInput when it is forged, damaged or from another connection."""
        body, _, mac = (cursor or "").partition(".")
        if not body or not hmac.compare_digest(mac, self._mac(body.encode())):
            raise BadInput(f"cursor {cursor!r} is not valid")
        raw = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        if not isinstance(raw, list) or len(raw) != 2 or raw[0] != scope:
            raise BadInput(f"cursor {cursor!r} belongs to another list")
        return raw[1]


def page_size(first: int | None) -> int:
    """``first`` validated: default 20, at most 100, never negative."""
    if first is None:
        return DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise BadInput(f"first: {first} must be between 0 and {MAX_PAGE}")
    return first


@dataclass
class Page:
    """One page of a connection: the nodes with their cursors, and whether more follow."""

    edges: list[tuple[Any, str]]
    has_next: bool
    has_previous: bool

    @property
    def start_cursor(self) -> str | None:
        return self.edges[0][1] if self.edges else None

    @property
    def end_cursor(self) -> str | None:
        return self.edges[-1][1] if self.edges else None


def paginate(
    codec: CursorCodec,
    scope: str,
    first: int | None,
    after: str | None,
    fetch: Callable[[Any, int], Sequence[Any]],
    key: Callable[[Any], Any],
) -> Page:
    """Run ``fetch(after_key, limit + 1)`` once and cut the page; ``fetch`` must order by ``key``."""
    limit = page_size(first)
    after_key = codec.decode(scope, after) if after else None
    rows = list(fetch(after_key, limit + 1)) if limit else []
    has_next = len(rows) > limit
    rows = rows[:limit]
    return Page([(row, codec.encode(scope, key(row))) for row in rows], has_next, after is not None)


class PageInfo(graphene.ObjectType):
    """Relay page information."""

    has_next_page = graphene.Boolean(required=True)
    has_previous_page = graphene.Boolean(required=True)
    start_cursor = graphene.String()
    end_cursor = graphene.String()


_CONNECTIONS: dict[str, type] = {}


def connection_type(node_type: type[graphene.ObjectType], name: str | None = None) -> type[graphene.ObjectType]:
    """The ``<Node>Connection`` type (with its ``<Node>Edge``) resolving from a :class:`Page`."""
    base = name or node_type._meta.name
    if base in _CONNECTIONS:
        return _CONNECTIONS[base]

    edge = type(
        f"{base}Edge",
        (graphene.ObjectType,),
        {
            "node": graphene.Field(node_type, required=True),
            "cursor": graphene.String(required=True),
            "resolve_node": staticmethod(lambda e, _info: e[0]),
            "resolve_cursor": staticmethod(lambda e, _info: e[1]),
        },
    )
    conn = type(
        f"{base}Connection",
        (graphene.ObjectType,),
        {
            "edges": graphene.List(graphene.NonNull(edge), required=True),
            "page_info": graphene.Field(PageInfo, required=True),
            "resolve_edges": staticmethod(lambda page, _info: page.edges),
            "resolve_page_info": staticmethod(
                lambda page, _info: PageInfo(
                    has_next_page=page.has_next,
                    has_previous_page=page.has_previous,
                    start_cursor=page.start_cursor,
                    end_cursor=page.end_cursor,
                )
            ),
        },
    )
    _CONNECTIONS[base] = conn
    return conn
