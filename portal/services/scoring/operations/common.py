"""Shared helpers of the scoring operations: model rows, the artifact cache, input validation, set-based look-ups.

Loaded models are cached by the SHA-256 of their stored artifact (content-addressed, so the cache can never serve
one bank's model for another bank's row: access is checked on the row before the cache is consulted).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from portal.core.crypto import Keyring
from portal.core.errors import BadInput, Conflict, NotFound
from portal.registry.vocab import Purpose
from portal.services.scoring import policy as _policy
from portal.services.scoring.data import MISSING_TOKENS
from portal.services.scoring.gbm import GbmModel
from portal.services.scoring.models import MonitoringRun, ScoringModel
from portal.services.scoring.scorecard import Scorecard
from portal.services.scoring.views import InstitutionRef, RunView, UserRef
from portal.tenancy.models import Institution, User

_CACHE: OrderedDict[str, Scorecard | GbmModel] = OrderedDict()
_KNOWN: dict[tuple[int, str], tuple[frozenset[str], frozenset[str]]] = {}
_CACHE_SIZE = 64
MAX_FEATURES = 500


def model_signing_key(keyring: Keyring) -> bytes:
    """The HMAC key that signs challenger pickles, derived from the keyring's lookup secret."""
    return bytes.fromhex(keyring.lookup_hash("scoring.model-signing", "v1"))


# The large texts of a model row, loaded only when used: scoring with a cached model reads none of them.
HEAVY = (ScoringModel.artifact_json, ScoringModel.artifact_blob, ScoringModel.model_card_json,
         ScoringModel.baseline_json, ScoringModel.metrics_json)
_LIGHT = tuple(defer(c) for c in HEAVY)
_CHAMPIONS = select(ScoringModel).options(*_LIGHT).where(ScoringModel.status == "champion")


def get_model(session: Session, model_id: int, *, light: bool = False) -> ScoringModel:
    """The model row (``light``: its large texts deferred); NotFound when there is none (access is checked by the
    caller right after)."""
    row = session.get(ScoringModel, model_id, options=_LIGHT if light else None)
    if row is None:
        raise NotFound(f"scoring model {model_id} does not exist")
    return row


def resolve_model(session: Session, institution_id: int | None, model_id: int | None,
                  name: str | None) -> ScoringModel:
    """The model to score with: ``model_id``; else the champion of ``name``; else the bank's only champion (its
    large texts deferred: :func:`load_model` and :func:`known_inputs` read them only on a cache miss)."""
    if model_id is not None:
        return get_model(session, model_id, light=True)
    if institution_id is None:
        raise BadInput("give a model id or the name of a model with a champion")
    q = _CHAMPIONS.where(ScoringModel.institution_id == institution_id)
    if name:
        q = q.where(ScoringModel.name == name)
    rows = session.scalars(q.order_by(ScoringModel.name).limit(2)).all()
    if not rows:
        raise NotFound(f"no champion for model {name!r}" if name else "the bank has no champion model")
    if len(rows) > 1:
        raise BadInput("the bank has champions of several models: give modelId or modelName", field="modelName")
    return rows[0]


def load_model(row: ScoringModel, keyring: Keyring | None) -> Scorecard | GbmModel:
    """The fitted model of ``row`` (cached by artifact hash; a scorecard is re-hashed, a challenger verified)."""
    hit = _CACHE.get(row.artifact_sha256)
    if hit is not None:
        _CACHE.move_to_end(row.artifact_sha256)
        return hit
    if row.kind == "scorecard":
        raw = (row.artifact_json or "").encode()
        if hashlib.sha256(raw).hexdigest() != row.artifact_sha256:
            raise Conflict(f"scoring model {row.id}: stored scorecard does not match its hash")
        model: Scorecard | GbmModel = Scorecard.from_dict(json.loads(raw))
    else:
        if keyring is None:
            raise BadInput("a keyring is needed to verify a gradient-boosting model")
        model = GbmModel.from_signed_bytes(row.artifact_blob or b"", model_signing_key(keyring))
    _CACHE[row.artifact_sha256] = model
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return model


def known_inputs(row: ScoringModel, model: Scorecard | GbmModel) -> tuple[frozenset[str], frozenset[str]]:
    """(names an applicant record may carry: the model's inputs and the columns it was trained on; the numeric
    ones among the model's inputs), cached per model version."""
    key = (row.id, row.artifact_sha256)
    known = _KNOWN.get(key)
    if known is None:
        card = json.loads(row.model_card_json or "{}")
        data = card.get("training_data", {}) if isinstance(card, dict) else {}
        names = frozenset(model.inputs) | frozenset(data.get("numeric", ())) | frozenset(data.get("categorical", ()))
        if isinstance(model, Scorecard):
            kinds = {fb.name: fb.kind for fb in model.bins}
            numeric = frozenset(c for c in model.inputs if kinds.get(c, "numeric") == "numeric")
        else:
            numeric = frozenset(c for c in model.inputs if c not in model.categories)
        if len(_KNOWN) > 4 * _CACHE_SIZE:
            _KNOWN.clear()
        known = _KNOWN[key] = (names, numeric)
    return known


def check_record(row: ScoringModel, model: Scorecard | GbmModel, record: Mapping[str, Any],
                 where: str = "features") -> dict[str, Any]:
    """An applicant's inputs validated against the model: unknown names and text in numeric inputs are refused,
    naming them; missing inputs are refused by the model itself (an explicit null is a missing value)."""
    if not isinstance(record, Mapping):
        raise BadInput(f"{where} must be an object of feature names and values", field=where)
    if len(record) > MAX_FEATURES:
        raise BadInput(f"{where}: {len(record)} features are more than {MAX_FEATURES}", field=where)
    known, numeric = known_inputs(row, model)
    out: dict[str, Any] = {}
    for name, value in record.items():
        if name not in known:
            raise BadInput(f"{where}: unknown feature {name!r} for model {row.name} v{row.version}", field=where)
        if isinstance(value, bool) or (value is not None and not isinstance(value, int | float | str)):
            raise BadInput(f"{where}: feature {name!r} holds {value!r}, not a number or text", field=where)
        if name in numeric and value is not None:
            value = _number(name, value, where)
        out[name] = value
    return out


def _number(name: str, value: Any, where: str) -> float:
    raw = value
    if isinstance(value, str):
        if value.strip() in MISSING_TOKENS:
            return math.nan
        try:
            value = float(value.strip())
        except ValueError:
            raise BadInput(f"{where}: feature {name!r} holds {raw!r}, not a number", field=where) from None
    number = float(value)
    if math.isinf(number):
        raise BadInput(f"{where}: feature {name!r} holds {raw!r}, not a finite number", field=where)
    return number


def score_purpose(purpose: Any) -> str | None:
    """The purpose recorded with a score: one of the band purposes, or none."""
    if purpose is None or purpose == "":
        return None
    name = Purpose.parse(purpose, "purpose").name
    if name not in _policy.BAND_PURPOSES:
        raise BadInput(f"purpose: {name} is not a purpose for scoring an applicant", field="purpose")
    return name


def institutions(session: Session, ids: Iterable[int]) -> dict[int, InstitutionRef]:
    """InstitutionRefs by id, in one statement."""
    wanted = set(ids)
    if not wanted:
        return {}
    rows = session.execute(select(Institution.id, Institution.code, Institution.name, Institution.kind)
                           .where(Institution.id.in_(wanted))).all()
    return {r[0]: InstitutionRef(r[0], r[1], r[2], r[3]) for r in rows}


def users(session: Session, ids: Iterable[int | None], institution_id: int | None) -> dict[int, UserRef]:
    """UserRefs of the given ids in ``institution_id`` only, in one statement."""
    wanted = {i for i in ids if i is not None}
    if not wanted or institution_id is None:
        return {}
    rows = session.execute(select(User.id, User.email, User.display_name)
                           .where(User.id.in_(wanted), User.institution_id == institution_id)).all()
    return {r[0]: UserRef(r[0], r[1], r[2]) for r in rows}


def latest_runs(session: Session, model_ids: Iterable[int]) -> dict[int, RunView]:
    """The newest monitoring run of each model, in one statement."""
    wanted = set(model_ids)
    if not wanted:
        return {}
    newest = (select(func.max(MonitoringRun.id)).where(MonitoringRun.model_id.in_(wanted))
              .group_by(MonitoringRun.model_id))
    runs = session.scalars(select(MonitoringRun).where(MonitoringRun.id.in_(newest))).all()
    return {r.model_id: RunView.of(r) for r in runs}


def check_limit(limit: int | None, default: int = 20, most: int = 101) -> int:
    """A page size for a keyset query (``paginate`` asks for one more row than it shows)."""
    if limit is None:
        return default
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= most:
        raise BadInput(f"first: {limit!r} must be between 0 and {most - 1}", field="first")
    return limit


def check_after(after_id: Any) -> int | None:
    """A keyset position from a decoded cursor."""
    if after_id is None:
        return None
    if isinstance(after_id, bool) or not isinstance(after_id, int) or after_id < 0:
        raise BadInput(f"after: {after_id!r} is not a position in this list", field="after")
    return after_id
