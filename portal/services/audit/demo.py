"""Demo data of the audit service: recordings, transcripts with findings, one spot check with a few reviews.

Runs after the compliance part (which logs the contact attempts). For a capped sample of the logged, connected calls
it stores a short synthetic recording (1 s, 8 kHz mono 16-bit WAV: a tone with a little noise, generated here) —
leaving about 5 % without one, so coverage gaps show — and a transcript composed from the speech corpus's *dev*
templates (never the held-out ones), violating at a per-agency rate (agency-a 8 %, agency-b 3 %); the monitor's
findings are stored as in production. Then the regulator's demo auditor draws a spot check and reviews its first
calls. Deterministic from the demo seed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import math
import random
import secrets
import struct
import wave
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import select

from portal.access import Principal
from portal.core.keys import active_data_key
from portal.core.timeutil import SHANGHAI
from portal.services.audit import operations as ops
from portal.services.audit.audio import sniff
from portal.services.audit.models import Recording
from portal.services.audit.monitor import detector
from portal.services.audit.operations.transcripts import _store, _store_findings
from portal.services.audit.storage import BlobStore, blob_store, encrypt_segments
from portal.services.compliance.models import ContactAttempt
from portal.tenancy.models import Institution, User

RATES = {"agency-a": 0.08, "agency-b": 0.03}
DEFAULT_RATE = 0.05
CAPS = {"small": 400, "medium": 1500, "large": 3000}
MISSING_SHARE = 0.05
REVIEWS = 12
CORPUS = Path(__file__).resolve().parents[3] / "benchmarks" / "speech_corpus"
_FALLBACK = {  # used when the checkout's corpus templates are not installed beside the package
    "clean": ["您好，我是{company}的客服，想和您确认一下还款计划。", "您这个月能先还一部分吗？",
              "好的，我这边给您备注一下。"],
    "debtor": ["我最近手头紧。", "下周发工资再说。", "好的，我知道了。"],
    "violations": {"VS-F02-01": "不还钱就让公安来抓你坐牢", "VS-F03-02": "你这种老赖就是社会的渣滓",
                   "VS-F06-04": "不还的话，我就打给你们老板"},
}


def tone_wav(seconds: float = 1.0, rate: int = 8000, freq: float = 440.0, seed: int = 0) -> bytes:
    """A mono 16-bit PCM WAV: a sine tone plus a little deterministic noise."""
    rng = random.Random(seed)
    n = int(seconds * rate)
    frames = b"".join(struct.pack("<h", int(6000 * math.sin(2 * math.pi * freq * i / rate)) + rng.randint(-300, 300))
                      for i in range(n))
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


def _composer(seed: int):
    """The corpus generator's Composer over the dev templates, or None when the corpus is not beside the code."""
    script = CORPUS / "make_corpus.py"
    if not script.is_file():
        return None
    spec = importlib.util.spec_from_file_location("audit_make_corpus", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tpl = SimpleNamespace(**json.loads((CORPUS / "dev_templates.json").read_text(encoding="utf-8")))
    return module.Composer(tpl, "dev", seed)


def _call(comp, rng: random.Random, violating: bool) -> list[dict]:
    if comp is None:
        turns = [{"speaker": "agent", "text": rng.choice(_FALLBACK["clean"]).format(company="诚信资产")},
                 {"speaker": "debtor", "text": rng.choice(_FALLBACK["debtor"])}]
        if violating:
            turns.append({"speaker": "agent", "text": rng.choice(sorted(_FALLBACK["violations"].values()))})
        return turns
    payload = []
    if violating:
        kind = rng.choice(sorted(comp.tpl.VIOLATIONS))
        payload.append(("agent", comp.wrap(rng.choice(comp.tpl.VIOLATIONS[kind]["zh"]), "zh"), kind))
    turns, _labels = comp.transcript("zh", payload)
    return turns


def _settings():
    try:
        from portal.core.runtime import settings

        return settings()
    except RuntimeError:  # outside an app context
        from portal.config import load_settings

        return load_settings()


def _recording(session, store: BlobStore, attempt: ContactAttempt, key: tuple[int, bytes], audio: bytes) -> None:
    uid = secrets.token_hex(16)
    blob_key = f"recordings/{attempt.agency_id}/{uid[:2]}/{uid}.pra"
    stored = store.put(blob_key, encrypt_segments(key[1], uid, [audio]))
    info = sniff(audio, complete=True)
    session.add(Recording(uid=uid, attempt_id=attempt.id, agency_id=attempt.agency_id,
                          creditor_id=attempt.creditor_id, debt_id=attempt.debt_id, format=info.format,
                          mime=info.mime, codec=info.codec, channels=info.channels, sample_rate=info.sample_rate,
                          duration_ms=(len(audio) - info.data_offset) * 1000 // info.byte_rate,
                          size_bytes=len(audio), sha256=hashlib.sha256(audio).hexdigest(), key_id=key[0],
                          store=store.name, blob_key=blob_key, stored_bytes=stored))


def seed(ctx) -> None:
    """Recordings, transcripts and findings for logged connected calls; a spot check with a few reviews."""
    session, rng = ctx.session, ctx.rng("audit")
    attempts = session.scalars(select(ContactAttempt).where(
        ContactAttempt.state == "logged", ContactAttempt.outcome == "connected",
        ContactAttempt.channel.in_(("call", "ai_voice"))).order_by(ContactAttempt.id)).all()
    if not attempts:
        return
    cap = CAPS.get(ctx.size, CAPS["small"])
    if len(attempts) > cap:
        attempts = sorted(rng.sample(list(attempts), cap), key=lambda a: a.id)
    codes = dict(session.execute(select(Institution.id, Institution.code)).all())
    store, comp, det = blob_store(_settings()), _composer(ctx.seed), detector()
    keys: dict[int, tuple[int, bytes]] = {}
    bar = ctx.progress("audit recordings and transcripts", len(attempts))
    for attempt in attempts:
        key = keys.get(attempt.agency_id) or keys.setdefault(
            attempt.agency_id, active_data_key(session, ctx.keyring, attempt.agency_id))
        if rng.random() >= MISSING_SHARE:
            _recording(session, store, attempt, key, tone_wav(1.0, freq=300 + 10 * rng.randint(0, 40),
                                                               seed=attempt.id))
        violating = rng.random() < RATES.get(codes.get(attempt.agency_id), DEFAULT_RATE)
        turns = _call(comp, rng, violating)
        pairs = [(t["speaker"], t["text"]) for t in turns]
        principal = Principal(None, attempt.agency_id, codes.get(attempt.agency_id), None)
        transcript, _created = _store(session, ctx.keyring, principal, attempt, "zh", pairs, "batch", None, key)
        _store_findings(session, transcript, [f.as_dict() for f in det.scan_turns(pairs, "zh")])
        bar.update(1)
    session.flush()
    _spot_check(session, attempts, ctx.seed)


def _spot_check(session, attempts, seed: int) -> None:
    user = session.scalar(select(User).join(Institution).where(Institution.code == "regulator").order_by(User.id))
    if user is None:
        return
    auditor = user.principal()
    days = sorted(a.started_at.astimezone(SHANGHAI).date() for a in attempts)
    check = ops.create_spot_check(auditor, ops.SpotCheckSpec(period_from=days[0], period_to=days[-1], seed=seed,
                                                             margin=0.1, title="演示抽查 demo spot check"),
                                  session=session)
    for item in ops.review_queue(auditor, check.id, None, after=None, limit=REVIEWS, session=session):
        view = ops.review_item(auditor, item.id, session=session)
        for n, finding in enumerate(view.findings):
            decision = "dismissed" if (item.position + n) % 7 == 0 else "confirmed"
            ops.decide_finding(auditor, item.id, finding.id, decision, "演示复核", session=session)
        if item.position % 5 == 0:
            ops.add_finding(auditor, item.id, "VS-F11-06", note="录音中听到施压（演示）", session=session)
        ops.complete_review(auditor, item.id, "演示复核完成", session=session)
