"""``portal scoring …``: offline evaluation of the scoring models and the federated-learning demonstrations.

User errors raise :class:`portal.core.errors.BadInput`; the root command prints its message on one stderr line and
exits 2 (CONTRACT.md). No command here touches the database.
"""

from __future__ import annotations

import json
from typing import Any

import click

from portal.core.errors import BadInput


@click.group(name="scoring")
def group() -> None:
    """Credit scoring: cross-validated evaluation and federated training across banks."""


def _emit(result: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(result, sort_keys=False))
    else:
        for line in lines:
            click.echo(line)


@group.command("evaluate")
@click.option("--data", "data_path", required=True, help="CSV with a header row and one label column.")
@click.option("--label", required=True, help="Name of the label column.")
@click.option("--positive", default="1", show_default=True, help="Label value that means 'bad'.")
@click.option("--id", "ids", multiple=True, help="Identifier column (not a feature); repeatable.")
@click.option("--model", type=click.Choice(["scorecard", "gbm"]), default="scorecard", show_default=True)
@click.option("--folds", type=int, default=5, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the fold split.")
@click.option("--no-calibration", is_flag=True, help="Skip the scorecard's Platt scaling on held-out logits.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate(data_path: str, label: str, positive: str, ids: tuple[str, ...], model: str, folds: int, seed: int,
             no_calibration: bool, as_json: bool) -> None:
    """Stratified K-fold cross-validation: AUC, KS, Gini and calibration error (ECE, 10 equal-mass bins)."""
    from portal.services.scoring.data import load_csv
    from portal.services.scoring.evaluate import cross_validate

    if folds < 2:
        raise BadInput(f"--folds must be at least 2, got {folds}")
    ds = load_csv(data_path, label, positive, ids)
    result = cross_validate(ds, model=model, folds=folds, seed=seed, calibrate=not no_calibration)
    _emit(result, as_json, [
        f"{model} on {ds.rows} rows ({len(ds.numeric)} numeric, {len(ds.categorical)} categorical columns), "
        f"{folds}-fold stratified CV",
        f"AUC {result['auc']:.4f}  KS {result['ks']:.4f}  Gini {result['gini']:.4f}  "
        f"ECE {result['calibration_error']:.4f} (noise floor {result['calibration_noise_floor']:.4f})",
    ])


def _party_rows(values: tuple[str, ...], n_parties: int) -> list[int | None]:
    if not values:
        return [None] * n_parties
    if len(values) != n_parties:
        raise BadInput(f"--party-rows is given {len(values)} times for {n_parties} parties; give it once per party")
    out: list[int | None] = []
    for v in values:
        if v.strip().lower() == "all":
            out.append(None)
            continue
        try:
            n = int(v)
        except ValueError:
            raise BadInput(f"--party-rows {v!r} is neither a row count nor 'all'") from None
        if n < 20:
            raise BadInput(f"--party-rows {v!r}: at least 20 rows per party are needed")
        out.append(n)
    return out


@group.command("federated")
@click.option("--party", "parties", multiple=True, required=True, help="One bank's CSV; repeat for each bank.")
@click.option("--test", "test_path", required=True, help="Held-out CSV scored by every model.")
@click.option("--label", required=True)
@click.option("--positive", default="1", show_default=True)
@click.option("--id", "ids", multiple=True, help="Identifier column (not a feature); repeatable.")
@click.option("--party-rows", "party_rows", multiple=True,
              help="Use only N rows (stratified sample, seeded) of the party at the same position, or 'all'.")
@click.option("--drop-out", "drop_out", default=None, help="PARTY:ROUND - that party drops out of that round.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def federated(parties: tuple[str, ...], test_path: str, label: str, positive: str, ids: tuple[str, ...],
              party_rows: tuple[str, ...], drop_out: str | None, seed: int, as_json: bool) -> None:
    """Horizontal federated scorecard through secure aggregation, against centralised and stand-alone training."""
    from portal.services.scoring.federated.horizontal import run_demo

    if len(parties) < 2:
        raise BadInput("federated training needs at least two --party files")
    dropout = None
    if drop_out:
        a, sep, b = drop_out.partition(":")
        if not sep or not a.isdigit() or not b.isdigit():
            raise BadInput(f"--drop-out {drop_out!r} must read PARTY:ROUND, e.g. 3:5")
        dropout = (int(a) - 1, int(b))
        if not 0 <= dropout[0] < len(parties):
            raise BadInput(f"--drop-out party {a} is not among the {len(parties)} parties (1-based)")
    result = run_demo(list(parties), test_path, label=label, positive=positive, ids=list(ids),
                      party_rows=_party_rows(party_rows, len(parties)), dropout=dropout, seed=seed)
    lines = [
        f"federated   AUC {result['federated']['auc']:.4f}  KS {result['federated']['ks']:.4f}",
        f"centralised AUC {result['centralised']['auc']:.4f}  KS {result['centralised']['ks']:.4f}",
    ]
    lines += [f"party {i + 1} ({p['rows']} rows): alone AUC {p['alone']['auc']:.4f} -> federated "
              f"{p['federated']['auc']:.4f}" for i, p in enumerate(result["parties"])]
    _emit(result, as_json, lines)


@group.command("vertical")
@click.option("--guest", "guest_path", required=True, help="Label-holding party's CSV (features + label).")
@click.option("--host", "host_path", required=True, help="Feature-only party's CSV.")
@click.option("--label", required=True)
@click.option("--positive", default="1", show_default=True)
@click.option("--id", "id_col", required=True, help="The debtor identifier both parties hold.")
@click.option("--guest-share", type=float, default=0.8, show_default=True,
              help="Share of ids each side keeps (a random subset, so the overlap is partial).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def vertical(guest_path: str, host_path: str, label: str, positive: str, id_col: str, guest_share: float,
             seed: int, as_json: bool) -> None:
    """Private set intersection of the two parties' ids, then a scorecard over both parties' columns."""
    from portal.services.scoring.federated.vertical import run_demo

    if not 0.05 <= guest_share <= 1.0:
        raise BadInput(f"--guest-share must be between 0.05 and 1, got {guest_share}")
    result = run_demo(guest_path, host_path, label=label, positive=positive, id_col=id_col, share=guest_share,
                      seed=seed)
    _emit(result, as_json, [
        f"PSI: {result['psi']['guest_ids']} x {result['psi']['host_ids']} ids -> {result['psi']['overlap']} "
        f"shared in {result['psi']['seconds']:.2f} s",
        f"vertical AUC {result['vertical']['auc']:.4f}  guest alone {result['guest_alone']['auc']:.4f}",
    ])
