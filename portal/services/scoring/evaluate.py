"""Stratified K-fold cross-validation of the scorecard or the gradient-boosting challenger.

Each fold fits a fresh model on the other folds (binning, selection, coefficients and the Platt calibration all
see training rows only) and predicts the held-out fold. Reported:

- ``auc``, ``ks``, ``gini``: the mean of the per-fold figures (each fold is listed in ``folds``);
- ``calibration_error``: ECE over 10 equal-mass bins of the pooled out-of-fold PDs (every row predicted once by a
  model that never saw it); per-fold ECEs are listed too (noisier: fewer rows per bin);
- ``calibration_noise_floor``: the mean ECE, under the same binning, of labels drawn at random from the predicted
  PDs themselves (200 draws, fixed seed): what a perfectly calibrated model would show on this many rows, so a
  small data set's ECE can be judged against it;
- ``calibration_error_debiased``: the root-mean-square calibration error over the same bins with that sampling
  noise subtracted (Kumar et al. 2019): about zero for a perfectly calibrated model whatever the number of rows.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from portal.core.errors import BadInput
from portal.services.scoring import metrics, training
from portal.services.scoring.data import Dataset
from portal.services.scoring.gbm import GbmModel

ECE_BINS = 10
MODELS = ("scorecard", "gbm")


def fit_model(kind: str, ds_frame, y, numeric, categorical, *, seed: int = 0, calibrate: bool = True):
    """A fitted scorecard or challenger on one table."""
    if kind == "scorecard":
        return training.fit_frame(ds_frame, y, numeric, categorical, calibrate=calibrate, seed=seed)
    if kind == "gbm":
        return GbmModel(seed=seed).fit(ds_frame, y, numeric, categorical)
    raise BadInput(f"unknown model {kind!r}; choose one of {', '.join(MODELS)}")


def noise_floor(p: np.ndarray, bins: int = ECE_BINS, draws: int = 200, seed: int = 0) -> float:
    """Mean ECE of labels drawn from ``p`` itself (a perfectly calibrated model's ECE on this many rows)."""
    rng = np.random.default_rng(seed)
    return float(np.mean([metrics.calibration_error(rng.random(p.size) < p, p, bins) for _ in range(draws)]))


def cross_validate(ds: Dataset, model: str = "scorecard", folds: int = 5, seed: int = 0,
                   calibrate: bool = True) -> dict[str, Any]:
    """K-fold stratified CV of ``model`` on ``ds`` (see the module docstring for what is reported)."""
    if model not in MODELS:
        raise BadInput(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if folds < 2:
        raise BadInput(f"--folds must be at least 2, got {folds}")
    n_pos = int(ds.y.sum())
    if min(n_pos, ds.rows - n_pos) < folds:
        raise BadInput(f"{folds} folds need at least {folds} rows of each class; the smaller class has "
                       f"{min(n_pos, ds.rows - n_pos)}")
    started = time.perf_counter()
    oof = np.zeros(ds.rows)
    per_fold: list[dict[str, Any]] = []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    for k, (tr, te) in enumerate(splitter.split(np.zeros(ds.rows), ds.y)):
        fitted = fit_model(model, ds.features.iloc[tr].reset_index(drop=True), ds.y[tr], ds.numeric,
                           ds.categorical, seed=seed, calibrate=calibrate)
        oof[te] = fitted.predict_pd(ds.features.iloc[te].reset_index(drop=True))
        fig = metrics.summary(ds.y[te], oof[te], ECE_BINS)
        per_fold.append({"fold": k + 1, "rows": int(te.size), **{m: round(v, 6) for m, v in fig.items()}})
    return {
        "auc": round(float(np.mean([f["auc"] for f in per_fold])), 6),
        "ks": round(float(np.mean([f["ks"] for f in per_fold])), 6),
        "gini": round(float(np.mean([f["gini"] for f in per_fold])), 6),
        "calibration_error": round(metrics.calibration_error(ds.y, oof, ECE_BINS), 6),
        "folds": per_fold,
        "model": model,
        "rows": ds.rows,
        "bad_rate": round(float(ds.y.mean()), 6),
        "calibration": {"metric": "ECE", "bins": ECE_BINS, "binning": "equal-mass", "over": "pooled out-of-fold",
                        "platt": bool(calibrate and model == "scorecard")},
        "calibration_noise_floor": round(noise_floor(oof), 6),
        "calibration_error_debiased": round(metrics.debiased_calibration_error(ds.y, oof, ECE_BINS), 6),
        "calibration_gap_squared_debiased": metrics.debiased_squared_calibration_error(ds.y, oof, ECE_BINS),
        "pooled": {m: round(v, 6) for m, v in metrics.summary(ds.y, oof, ECE_BINS).items()},
        "seconds": round(time.perf_counter() - started, 2),
    }


def repeated_calibration(ds: Dataset, model: str = "scorecard", repeats: int = 10, folds: int = 5) -> dict[str, Any]:
    """Calibration over ``repeats`` stratified K-fold runs with different shuffles (seeds 0…repeats−1): the mean
    plug-in ECE and noise floor, their spread, and the debiased RMS calibration error from the mean of the unbiased
    squared gaps (averaged before the root, so it is not pushed up by clipping single runs at zero)."""
    if repeats < 1:
        raise BadInput(f"repeats must be at least 1, got {repeats}")
    runs = [cross_validate(ds, model, folds=folds, seed=seed) for seed in range(repeats)]
    ece = [r["calibration_error"] for r in runs]
    squared = float(np.mean([r["calibration_gap_squared_debiased"] for r in runs]))
    return {
        "repeats": repeats,
        "auc": round(float(np.mean([r["auc"] for r in runs])), 6),
        "calibration_error": round(float(np.mean(ece)), 6),
        "calibration_error_range": [round(min(ece), 6), round(max(ece), 6)],
        "calibration_noise_floor": round(float(np.mean([r["calibration_noise_floor"] for r in runs])), 6),
        "calibration_error_debiased": round(float(np.sqrt(max(squared, 0.0))), 6),
    }
