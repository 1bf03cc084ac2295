"""The tracing part of ``portal demo``: bank-a asks the tracer to trace a few of its overdue enterprise debtors,
the tracer posts a batch of signals about them (by credit code, some by name and district only, one unresolvable),
and the warnings are computed — so alerts show for bank-a, the regulator and the tracer."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from portal.access import Kind, Principal
from portal.core.crypto import decrypt_blob
from portal.core.timeutil import utcnow
from portal.registry.models import Debt, Debtor, identifier_aad
from portal.registry.views import Keys
from portal.services.tracing import operations
from portal.services.tracing.kinds import KINDS

REQUESTS = {"tiny": 5, "small": 12, "medium": 30, "large": 60}
HEAVY = ("exit_entry", "dishonest_debtor", "equity_freeze", "related_asset_transfer", "deregistration_filing")


def seed(ctx) -> None:
    """Requests, signals and alerts for the demo region (deterministic from the seed)."""
    s, rng = ctx.session, ctx.rng("tracing")
    bank_id, tracer_id = ctx.institutions.get("bank-a"), ctx.institutions.get("tracer")
    if bank_id is None or tracer_id is None:
        return
    bank = Principal.scheduled(bank_id, "bank-a", Kind.BANK)
    tracer = Principal.scheduled(tracer_id, "tracer", Kind.TRACER)
    rows = s.execute(select(Debt.id, Debtor).join(Debtor, Debtor.id == Debt.debtor_id)
                     .where(Debt.creditor_id == bank_id, Debtor.kind == "enterprise", Debt.status == "overdue")
                     .order_by(Debt.id).limit(REQUESTS.get(ctx.size, 12))).all()
    if not rows:
        return
    bar = ctx.progress("tracing", len(rows))
    keys = Keys(s, ctx.keyring)
    lines, now = [], utcnow()
    for n, (debt_id, debtor) in enumerate(rows):
        operations.request_tracing(bank, debt_id, "tracer", "逾期超过90天，疑似转移资产 / overdue 90+ days",
                                   f"demo-trace-{debt_id}", session=s)
        uscc = decrypt_blob(keys[debtor.key_id], debtor.id_cipher, identifier_aad(debtor.id_hash, "id")).decode()
        heavy = n % 3 == 0
        for k in range(rng.randint(1, 4)):
            kind = rng.choice(HEAVY) if heavy and k == 0 else rng.choice(KINDS).code
            line = {"key": f"demo-{debt_id}-{k}", "kind": kind, "observedAt": (now - timedelta(
                days=rng.randint(0, 60))).isoformat(), "severity": rng.choice(["medium", "high", "critical"]),
                "source": rng.choice(["工商登记", "法院公告", "出入境", "电商平台"])}
            if k == 1 and debtor.district:
                line.update(name=debtor.name, district=debtor.district)
            else:
                line["uscc"] = uscc
            lines.append(json.dumps(line, ensure_ascii=False))
        if hasattr(bar, "update"):
            bar.update(1)
    lines.append(json.dumps({"key": "demo-unknown-1", "kind": "abnormal_operation", "name": "某某贸易有限公司",
                             "district": "越城区", "observedAt": now.isoformat(), "severity": "low"},
                            ensure_ascii=False))
    result = operations.post_batch(tracer, lines, filename="demo.jsonl", keyring=ctx.keyring, session=s)
    for chunk in result.chunks():
        operations.rescore_debtors(tracer, chunk, session=s)
