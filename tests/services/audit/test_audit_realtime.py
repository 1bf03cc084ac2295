"""The real-time endpoint: one utterance of a live call in, findings out, for the agency making the call only."""

from __future__ import annotations

import statistics
import time

from audit_samples import VIOLATING_ZH, bearer

from tests.conftest import sign_in


def _post(client, token, attempt, text, **extra):
    body = {"attempt": attempt, "language": "zh", "speaker": "agent", "text": text, **extra}
    return client.post("/audit/realtime", json=body, headers=bearer(token) if token else {})


def test_realtime_findings_and_access(client, world, tokens):
    r = _post(client, tokens["agency-a"], "a1", VIOLATING_ZH)
    assert r.status_code == 200
    assert [f["kind"] for f in r.get_json()["findings"]] == ["VS-F01-05", "VS-F06-06"]
    assert _post(client, tokens["agency-a"], "a1", "您好，请问您方便谈一下还款吗？").get_json()["findings"] == []
    assert _post(client, tokens["agency-a"], "a1", VIOLATING_ZH, speaker="debtor").get_json()["findings"] == []
    assert _post(client, tokens["agency-b"], world.attempts["a1"], VIOLATING_ZH).status_code == 403
    assert _post(client, tokens["bank-a"], world.attempts["a1"], VIOLATING_ZH).status_code == 403
    assert _post(client, None, "a1", VIOLATING_ZH).status_code == 401
    assert _post(client, tokens["agency-a"], "a1", VIOLATING_ZH, language="fr").status_code == 400
    assert _post(client, tokens["agency-a"], "a1", "x" * 5000).status_code == 400


def test_realtime_with_browser_session_needs_csrf(client, world, region):
    token = sign_in(client, region["agency-a"]["email"])
    body = {"attempt": "a1", "language": "zh", "speaker": "agent", "text": VIOLATING_ZH}
    assert client.post("/audit/realtime", json=body).status_code == 403
    r = client.post("/audit/realtime", json=body, headers={"X-CSRFToken": token})
    assert r.status_code == 200 and len(r.get_json()["findings"]) == 2


def test_realtime_latency_through_http(client, world, tokens):
    token = tokens["agency-a"]
    _post(client, token, "a1", VIOLATING_ZH)  # warm-up: patterns compiled, connections open
    times = []
    for i in range(60):
        t0 = time.perf_counter()
        assert _post(client, token, "a1", VIOLATING_ZH if i % 3 == 0 else "您好，我是客服。").status_code == 200
        times.append((time.perf_counter() - t0) * 1000)
    p95 = statistics.quantiles(times, n=20)[18]
    assert p95 < 200, f"p95 {p95:.1f} ms"
