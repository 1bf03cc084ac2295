"""Public HTTP endpoints of the evidence log (CONTRACT.md): the newest checkpoint, the public key, consistency and
inclusion proofs. No sign-in: anyone, a court included, may read them."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from portal.core.runtime import request_session
from portal.services.evidence import operations
from portal.web.auth import current_principal

bp = Blueprint("evidence", __name__, url_prefix="/evidence")


def _read(what: str, **args: object) -> object:
    return operations.public_log_read(current_principal(), what, session=request_session(), **args)


@bp.get("/checkpoint")
def checkpoint() -> Response:
    """The newest signed checkpoint, as the C2SP signed note text."""
    return Response(_read("checkpoint"), mimetype="text/plain; charset=utf-8")


@bp.get("/public-key")
def public_key() -> Response:
    """The log's verifier key (``name+hash+base64``); ``?all=1`` lists retired keys too, active first."""
    return Response(_read("public-key", include_retired=request.args.get("all") == "1"),
                    mimetype="text/plain; charset=utf-8")


@bp.get("/consistency")
def consistency() -> Response:
    """JSON ``{"old_size", "new_size", "proof": [hex…]}`` between tree sizes ``old`` and ``new``."""
    return jsonify(_read("consistency", old=request.args.get("old"), new=request.args.get("new")))


@bp.get("/inclusion")
def inclusion() -> Response:
    """JSON ``{"leaf_index", "tree_size", "inclusion": [hex…]}`` for leaf ``index`` in tree ``size``."""
    return jsonify(_read("inclusion", leaf_index=request.args.get("index"), tree_size=request.args.get("size")))
