"""Vertical federated scorecard: a label-holding bank (guest) and a feature-only party (host) on shared debtors.

1. **Overlap** by private set intersection (``psi``): each side learns only the shared ids. Both sort them, so row i
   means the same debtor on both sides; a deterministic hash of the id puts 20 % of them in a test split.
2. **Host bins without seeing labels.** The host pre-bins its columns on its own (quantiles need no label). The
   bad count per host pre-bin, Bᵀy (B: host's one-hot bin matrix, y: guest's labels), is computed by a two-party
   *secure product* and revealed to the host only: per-bin counts, as in any WoE table, never a row's label. The
   host merges monotone bins and computes WoE itself; the guest bins its own columns with its labels.
3. **Joint model in one shot.** The logistic loss is replaced by its second-order Taylor expansion at 0
   (σ(z) ≈ ½ + z/4, as in secure logistic-regression literature), whose minimiser solves
   (XᵀX/4 + λI)·w = Xᵀ(y − ½) over X = [1, WoE_guest, WoE_host]. The guest solves it and needs only aggregates:
   X_gᵀX_g and X_gᵀy (its own), X_hᵀX_h and X_hᵀy (sent by the host: the host's Gram matrix, and its WoE-weighted
   bad counts, computable from step 2), and X_gᵀX_h (a secure product revealed to the guest only).
4. **Scoring**: the host sends its partial score u_h = X_h·w_h for the rows to score (inference needs it in any
   vertical model); the guest adds its own part. The test AUC is computed that way.

The secure product (Beaver's multiplication triple, for matrices, over Z_2^64 in fixed point): a dealer (the
portal, which never sees data) gives the host R and r₁, the guest S and r₂ with r₁ + r₂ = RᵀS. The host sends
E = A − R, the guest F = B − S (uniformly masked, so they reveal nothing); then AᵀB = EᵀF + RᵀF + r₁ + EᵀS + r₂, the
host computing its half, the guest the other; only the chosen receiver gets the other half. If the dealer colludes
with a party, privacy is lost; parties are semi-honest. Revealed overall: the overlap, per-host-bin bad counts to
the host, the host's WoE Gram matrix and the cross-Gram to the guest, and partial scores of rows being scored.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

import numpy as np
import pandas as pd

from portal.core.errors import BadInput
from portal.services.scoring import binning, metrics, training
from portal.services.scoring.data import load_csv, read_csv_text
from portal.services.scoring.federated.psi import intersect

SCALE_BITS = 16


def _enc(a: np.ndarray) -> np.ndarray:
    v = np.rint(np.asarray(a, dtype=np.float64) * 2.0**SCALE_BITS)
    if np.any(np.abs(v) >= 2.0**40):
        raise BadInput("a value is too large for the fixed-point secure product")
    return v.astype(np.int64).view(np.uint64)


def _rand(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(0, 2**64, size=shape, dtype=np.uint64, endpoint=False)


def secure_product(a: np.ndarray, b: np.ndarray, *, seed: int | None = None) -> tuple[np.ndarray, dict[str, Any]]:
    """AᵀB for A held by one party and B by the other (same rows), via a dealer's Beaver triple.

    Returns the product (for the receiving party) and the messages that crossed the wire, so tests can check that
    they do not contain the inputs.
    """
    a_u, b_u = _enc(a), _enc(b)
    if a_u.ndim == 1:
        a_u = a_u[:, None]
    if b_u.ndim == 1:
        b_u = b_u[:, None]
    if a_u.shape[0] != b_u.shape[0]:
        raise BadInput("secure product: both parties must hold the same rows")
    dealer = np.random.default_rng(seed)
    r = _rand(dealer, a_u.shape)
    s = _rand(dealer, b_u.shape)
    r1 = _rand(dealer, (a_u.shape[1], b_u.shape[1]))
    r2 = r.T @ s - r1                               # dealer: r1 to the first party, r2 to the second
    e = a_u - r                                     # first → second
    f = b_u - s                                     # second → first
    half_1 = e.T @ f + r.T @ f + r1                 # first party's share
    half_2 = e.T @ s + r2                           # second party's share
    total = (half_1 + half_2).view(np.int64).astype(np.float64) / 2.0 ** (2 * SCALE_BITS)
    return total, {"E": e, "F": f, "half": half_1}


def _split(ids: list[str], seed: int, share: float = 0.2) -> np.ndarray:
    return np.array([int.from_bytes(hashlib.sha256(f"{seed}:{i}".encode()).digest()[:8], "big") / 2**64 < share
                     for i in ids])


def _host_bins(frame: pd.DataFrame, bad_counts_fn, params: training.Params) -> list[binning.FeatureBins]:
    """Host side of step 2: label-free pre-bins, per-bin bad counts by secure product, monotone merge, WoE."""
    cols, onehots, meta = list(frame.columns), [], []
    for c in cols:
        x = frame[c].to_numpy(dtype=np.float64)
        cuts = binning.prebin_cuts(x, params.max_prebins)
        idx = np.where(np.isnan(x), cuts.size + 1, np.searchsorted(cuts, x, side="left"))
        onehots.append(np.eye(cuts.size + 2)[idx])
        meta.append((c, cuts))
    bmat = np.hstack(onehots)
    bads = np.rint(bad_counts_fn(bmat)).astype(np.int64).ravel()
    totals = bmat.sum(axis=0).astype(np.int64)
    out, pos = [], 0
    for c, cuts in meta:
        k = cuts.size + 2
        b, t = bads[pos:pos + k], totals[pos:pos + k]
        pos += k
        out.append(binning.finish_bins(c, "numeric", b[:-1], t[:-1] - b[:-1], int(b[-1]), int(t[-1] - b[-1]),
                                       cuts=cuts, min_share=params.min_share, max_bins=params.max_bins))
    return out


def _keep(bins: list[binning.FeatureBins], params: training.Params) -> list[binning.FeatureBins]:
    return sorted((b for b in bins if b.iv >= params.min_iv and b.n_bins > 1), key=lambda b: -b.iv)


def fit_vertical(gx: pd.DataFrame, y: np.ndarray, hx: pd.DataFrame, *, l2: float = 5.0, seed: int = 0
                 ) -> dict[str, Any]:
    """Steps 2–3 on aligned rows; returns both parties' bins and weights (each party keeps its own part)."""
    params = training.effective_params(training.Params(derive=False), len(y))
    h_bins = _keep(_host_bins(hx, lambda bm: secure_product(bm, y.astype(np.float64), seed=seed)[0], params), params)
    g_bins = _keep(training.fit_bins(training.CentralBackend(gx, y, list(gx.columns), []), params), params)
    xg = np.column_stack([np.ones(len(y)), training.woe_matrix(gx, g_bins)])       # guest only
    xh = training.woe_matrix(hx, h_bins)                                            # host only
    cross, _ = secure_product(xg, xh, seed=seed + 1)                                # revealed to the guest
    hh = xh.T @ xh                                                                  # host → guest (aggregate)
    bad_idx = np.rint(secure_product(xh, y.astype(np.float64), seed=seed + 2)[0]).ravel()  # Xhᵀy, host → guest
    d_g, d_h = xg.shape[1], xh.shape[1]
    gram = np.block([[xg.T @ xg, cross], [cross.T, hh]])
    rhs = np.r_[xg.T @ (y - 0.5), bad_idx - 0.5 * xh.sum(axis=0)]
    pen = np.full(d_g + d_h, l2)
    pen[0] = 0.0
    w = np.linalg.solve(gram / 4.0 + np.diag(pen), rhs)
    return {"guest_bins": g_bins, "host_bins": h_bins, "w_guest": w[:d_g], "w_host": w[d_g:]}


def run_demo(guest_path: str, host_path: str, *, label: str, positive: str = "1", id_col: str,
             share: float = 0.8, seed: int = 0) -> dict[str, Any]:
    """PSI on partial id sets, then the vertical model against the guest alone and the pooled reference."""
    guest = load_csv(guest_path, label, positive, [id_col])
    host_raw, _ = read_csv_text(host_path)
    if id_col not in host_raw.columns:
        raise BadInput(f"id column {id_col!r} not found in {host_path}")
    host_cols = [c for c in host_raw.columns if c != id_col]
    host = pd.DataFrame({c: pd.to_numeric(host_raw[c], errors="coerce") for c in host_cols})
    bad_cols = [c for c in host_cols if host[c].isna().any()]
    if bad_cols:
        raise BadInput(f"host column {bad_cols[0]!r} holds a value that is not a number")
    host.columns = [f"host_{c}" for c in host_cols]
    rng = np.random.default_rng(seed)
    g_ids = guest.ids[id_col].astype(str).to_numpy()
    h_ids = host_raw[id_col].astype(str).str.strip().to_numpy()
    g_keep = rng.random(g_ids.size) < share
    h_keep = rng.random(h_ids.size) < share
    started = time.perf_counter()
    g_learns, h_learns, sizes = intersect(g_ids[g_keep], h_ids[h_keep])
    psi_s = time.perf_counter() - started
    if set(g_learns) != set(h_learns):
        raise RuntimeError("the two parties disagree on the intersection")
    overlap = sorted(g_learns)
    if len(overlap) < 100:
        raise BadInput(f"only {len(overlap)} shared ids; at least 100 are needed to train")
    g_pos = pd.Series(np.arange(g_ids.size), index=g_ids)
    h_pos = pd.Series(np.arange(h_ids.size), index=h_ids)
    gi, hi = g_pos[overlap].to_numpy(), h_pos[overlap].to_numpy()
    gx = guest.features.iloc[gi].reset_index(drop=True)
    y = guest.y[gi].astype(np.float64)
    hx = host.iloc[hi].reset_index(drop=True)
    test = _split(overlap, seed)
    tr = ~test
    model = fit_vertical(gx[tr].reset_index(drop=True), y[tr], hx[tr].reset_index(drop=True), seed=seed)
    u_g = model["w_guest"][0] + training.woe_matrix(gx[test], model["guest_bins"]) @ model["w_guest"][1:]
    u_h = training.woe_matrix(hx[test], model["host_bins"]) @ model["w_host"]     # host → guest at scoring
    z = u_g + u_h
    alone = training.fit_frame(gx[tr].reset_index(drop=True), y[tr].astype(np.int8), list(gx.columns), [],
                               training.Params(derive=False))
    both = pd.concat([gx, hx], axis=1)
    pooled = training.fit_frame(both[tr].reset_index(drop=True), y[tr].astype(np.int8), list(both.columns), [],
                                training.Params(derive=False))
    yt = y[test].astype(np.int8)
    p_alone = alone.predict_pd(gx[test].reset_index(drop=True))
    p_pool = pooled.predict_pd(both[test].reset_index(drop=True))
    return {
        "psi": {"guest_ids": int(g_keep.sum()), "host_ids": int(h_keep.sum()), "overlap": len(overlap),
                "seconds": round(psi_s, 3), "bytes": sizes},
        "vertical": {"auc": round(metrics.auc(yt, z), 6), "ks": round(metrics.ks(yt, z), 6)},
        "guest_alone": {"auc": round(metrics.auc(yt, p_alone), 6), "ks": round(metrics.ks(yt, p_alone), 6)},
        "pooled_reference": {"auc": round(metrics.auc(yt, p_pool), 6), "ks": round(metrics.ks(yt, p_pool), 6)},
        "rows": {"train": int(tr.sum()), "test": int(test.sum())},
        "characteristics": {"guest": len(model["guest_bins"]), "host": len(model["host_bins"])},
    }
