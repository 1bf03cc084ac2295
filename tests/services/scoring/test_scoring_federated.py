"""Horizontal federated training on the FATE homo splits, and the private set intersection."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from click.testing import CliRunner

from portal.cli.scoring import group
from portal.core.errors import BadInput
from portal.services.scoring import binning, data
from portal.services.scoring.federated import horizontal, psi


@pytest.fixture(scope="module")
def homo(datasets):
    base = datasets / "fate_default_credit"
    return {name: str(base / f"default_credit_homo_{name}.csv") for name in ("guest", "host_1", "host_2", "test")}


def test_federated_cuts_equal_central_cuts(homo):
    ds = data.load_csv(homo["guest"], "y", ids=["id"])
    parts = np.array_split(np.arange(ds.rows), 3)
    banks = [horizontal.Bank(f"b{i}", ds.features.iloc[p].reset_index(drop=True), ds.y[p])
             for i, p in enumerate(parts)]
    backend = horizontal.FederatedBackend(banks)
    names = ["x0", "x5", "x13", "x18"]
    cuts = backend.numeric_cuts(names, 20)
    for n in names:
        central = binning.prebin_cuts(ds.features[n].to_numpy(), 20)
        assert cuts[n].size == central.size
        assert np.allclose(cuts[n], central, atol=1e-9)
        counts = backend.numeric_counts({n: cuts[n]})[n]
        want = binning.numeric_counts(ds.features[n].to_numpy(), ds.y, central)
        assert np.array_equal(counts[0], want[0]) and np.array_equal(counts[1], want[1])


def test_federated_matches_centralised_and_helps_the_small_bank(homo):
    args = ["federated", "--party", homo["guest"], "--party", homo["host_1"], "--party", homo["host_2"],
            "--test", homo["test"], "--label", "y", "--id", "id", "--party-rows", "all", "--party-rows", "all",
            "--party-rows", "200", "--json"]
    res = CliRunner().invoke(group, args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert abs(out["federated"]["auc"] - out["centralised"]["auc"]) <= 0.005
    assert out["federated"]["auc"] >= 0.76
    small = min(out["parties"], key=lambda p: p["rows"])
    assert small["rows"] == 200
    assert small["federated"]["auc"] - small["alone"]["auc"] >= 0.03


def test_federated_survives_a_dropout(homo):
    out = horizontal.run_demo([homo["guest"], homo["host_1"], homo["host_2"]], homo["test"], label="y", ids=["id"],
                              party_rows=[2000, 2000, 2000], dropout=(2, 58))
    assert out["dropped"] == {"58": [3]}  # a Newton round (rounds 57+) really ran without bank 3
    assert abs(out["federated"]["auc"] - out["centralised"]["auc"]) <= 0.005


def test_federated_refuses_text_columns(tmp_path, homo):
    p = tmp_path / "t.csv"
    p.write_text("x,c,y\n" + "".join(f"{i},{'ab'[i % 2]}{i % 3},{i % 2}\n" for i in range(40)))
    with pytest.raises(BadInput, match="numeric columns only"):
        horizontal.run_demo([str(p), str(p)], str(p), label="y")


def _on_twist(u: bytes) -> bool:
    p = psi.P25519
    x = int.from_bytes(u, "little")
    rhs = (x * x * x + 486662 * x * x + x) % p
    return rhs != 0 and pow(rhs, (p - 1) // 2, p) != 1


def test_psi_intersection_exact_and_nothing_more():
    a_ids = [f"3301{i:06d}" for i in range(0, 1500)]
    b_ids = [f"3301{i:06d}" for i in range(1000, 2500)] + ["  3301000007 "]
    want = sorted(set(a_ids) & {s.strip() for s in b_ids})
    a_learns, b_learns, sizes = psi.intersect(a_ids, b_ids)
    assert sorted(a_learns) == want and sorted(b_learns) == want
    assert len(want) == 501
    # the wire carries blinded elements only, never an identifier or its plain hash
    a, b = psi.PsiParty(a_ids[:50]), psi.PsiParty(a_ids[:50])
    sent = a.blind_own()
    plain = {psi.hash_to_u(i) for i in a_ids[:50]} | {hashlib.sha256(i.encode()).digest() for i in a_ids[:50]}
    assert not plain & set(sent)
    # commutative blinding also for hashes that land on the twist
    us = [psi.hash_to_u(str(i)) for i in range(64)]
    assert any(_on_twist(u) for u in us) and not all(_on_twist(u) for u in us)
    assert a.blind_other(b.blind_other(us)) == b.blind_other(a.blind_other(us))


def test_psi_refuses_low_order_elements():
    with pytest.raises(BadInput, match="low-order"):
        psi.PsiParty(["1"]).blind_other([b"\x00" * 32])


def test_secure_product_is_exact_and_messages_are_masked():
    from portal.services.scoring.federated import vertical

    rng = np.random.default_rng(5)
    a = np.round(rng.normal(size=(500, 3)), 3)
    b = (rng.random(500) < 0.3).astype(float)
    got, wire = vertical.secure_product(a, b, seed=1)
    assert np.allclose(got.ravel(), a.T @ b, atol=1e-3)
    enc_a, enc_b = vertical._enc(a), vertical._enc(b)[:, None]
    assert np.count_nonzero(wire["E"] == enc_a) == 0 and np.count_nonzero(wire["F"] == enc_b) == 0
    # the labels cannot be read off the guest's message: F is uniform whatever b is
    assert len(np.unique(wire["F"])) == 500


@pytest.mark.slow
def test_vertical_psi_and_model(datasets):
    base = datasets / "fate_default_credit"
    res = CliRunner().invoke(group, ["vertical", "--guest", str(base / "default_credit_hetero_guest.csv"),
                                     "--host", str(base / "default_credit_hetero_host.csv"), "--label", "y",
                                     "--id", "id", "--guest-share", "0.6", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert 0.3 * 30000 < out["psi"]["overlap"] < 0.42 * 30000
    assert out["vertical"]["auc"] >= out["guest_alone"]["auc"] + 0.03
    assert abs(out["vertical"]["auc"] - out["pooled_reference"]["auc"]) <= 0.01
