"""Failure prediction on the full public data sets: figures to compare with the literature.

* Remaining useful life on NASA C-MAPSS FD001: trained on the 100 training engines' runs to
  failure, scored at the last cycle of each of the 100 test engines against
  cmapss_RUL_FD001.txt, the true life capped as the target is (`RUL_CAP`) as the
  literature scores it (also given uncapped): RMSE and the PHM08 score. Published RMSE:
  LSTM 16.14 (Zheng et al. 2017), CNN 12.61 (Li, Ding and Sun 2018). Before that, a 5-fold
  validation by engine on the training set (never the test set): the figure the model
  was chosen on.
* Failure risk on AI4I 2020: trained on a stratified 75 % of the readings, scored on the
  25 % held back: ROC-AUC, and at the model's threshold precision, recall and the recall
  of each failure mode.

Needs the shared fixtures (`../shared/fixtures/maintenance`, or BESPOKE_SHARED_DIR);
skips without them. Writes bench/results/maintenance.json.

    python bench/maintenance.py [--skip-validation]
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold, train_test_split

from bespoke.maintenance.datasets import read_ai4i, read_cmapss, read_rul
from bespoke.maintenance.prediction import (
    FAILURE_MODES,
    RUL_CAP,
    FailureRiskModel,
    ProcessReading,
    RulModel,
    phm08_score,
    piecewise_rul,
    risk,
    rmse,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("BESPOKE_SHARED_DIR", ROOT.parent / "shared"))
DATA = SHARED / "fixtures" / "maintenance"
RESULTS = ROOT / "bench" / "results" / "maintenance.json"
PUBLISHED_RMSE = {"LSTM (Zheng et al. 2017)": 16.14, "CNN (Li, Ding and Sun 2018)": 12.61}
VALIDATION_FOLDS = 5
VALIDATION_MAX_RUL = 150
"""Validation cycles scored: those at most this many cycles before failure, as the test
set's engines are (7 to 145)."""
HELD_BACK = 0.25
SEED = 0


def remaining_life(validate: bool) -> dict[str, Any]:
    training = read_cmapss((DATA / "cmapss_train_FD001.txt").read_bytes()).histories()
    test = read_cmapss((DATA / "cmapss_test_FD001.txt").read_bytes()).histories()
    true = read_rul((DATA / "cmapss_RUL_FD001.txt").read_bytes()).astype(np.float64)
    report: dict[str, Any] = {"cap": RUL_CAP, "training_engines": len(training)}
    if validate:
        report["validation_by_engine"] = validation(training)
        print(f"validation by engine: {report['validation_by_engine']}")
    start = time.perf_counter()
    model = RulModel().fit(training)
    report["training_s"] = round(time.perf_counter() - start, 1)
    start = time.perf_counter()
    predicted = model.predict(test)
    batch_ms = (time.perf_counter() - start) * 1000 / len(test)
    singles = []
    for history in test:
        start = time.perf_counter()
        model.predict([history])
        singles.append((time.perf_counter() - start) * 1000)
    capped = np.minimum(true, RUL_CAP)
    report |= {
        "test_engines": len(test),
        "rmse": round(rmse(predicted, capped), 2),
        "phm08_score": round(phm08_score(predicted, capped), 1),
        "rmse_uncapped_truth": round(rmse(predicted, true), 2),
        "phm08_score_uncapped_truth": round(phm08_score(predicted, true), 1),
        "predict_ms_per_engine_in_batch": round(batch_ms, 3),
        "predict_ms_one_engine_median": round(statistics.median(singles), 3),
        "published_rmse": PUBLISHED_RMSE,
        "model": describe(model),
    }
    return report


def validation(training: list[np.ndarray]) -> dict[str, Any]:
    """RMSE over the held-out engines' cycles within `VALIDATION_MAX_RUL` of failure."""
    errors = []
    engines = np.arange(len(training))
    for kept, held in GroupKFold(VALIDATION_FOLDS).split(engines, groups=engines):
        model = RulModel(seed=SEED).fit([training[i] for i in kept])
        for index in held:
            run = training[index]
            target = piecewise_rul(len(run))
            cuts = [cut for cut in range(1, len(run) + 1) if len(run) - cut <= VALIDATION_MAX_RUL]
            predicted = model.predict([run[:cut] for cut in cuts])
            errors.append(predicted - target[np.array(cuts) - 1])
    error = np.concatenate(errors)
    return {
        "folds": VALIDATION_FOLDS,
        "cycles_scored": int(error.size),
        "rmse": round(float(np.sqrt(np.mean(error**2))), 2),
    }


def describe(model: RulModel) -> dict[str, Any]:
    return {
        "columns_kept": model.columns_.tolist(),
        "window": model.features.window,
        "baseline": model.features.baseline,
        "smoothing": model.features.smoothing,
        "regressors": [type(r).__name__ for r in model.regressors_],
    }


def failure_risk() -> dict[str, Any]:
    table = read_ai4i((DATA / "ai4i2020.csv").read_bytes())
    rows = np.arange(len(table.readings))
    kept, held = train_test_split(
        rows, test_size=HELD_BACK, stratify=table.failed, random_state=SEED
    )
    start = time.perf_counter()
    model = FailureRiskModel(seed=SEED).fit(table.readings.take(kept), table.failed[kept])
    training_s = time.perf_counter() - start
    probability = model.predict(table.readings.take(held))
    flagged = probability >= model.threshold_
    failed = table.failed[held]
    hits = int((flagged & failed).sum())
    reading = ProcessReading("L", 298.0, 308.5, 1500.0, 40.0, 10.0)
    start = time.perf_counter()
    for _ in range(100):
        risk(model, reading)
    return {
        "readings": len(rows),
        "held_back": len(held),
        "failures_held_back": int(failed.sum()),
        "training_s": round(training_s, 1),
        "roc_auc": round(float(roc_auc_score(failed, probability)), 4),
        "threshold": round(model.threshold_, 4),
        "threshold_rule": f"max F-beta, beta {model.beta:g}, out of fold on the training rows",
        "flagged": int(flagged.sum()),
        "precision": round(hits / max(int(flagged.sum()), 1), 3),
        "recall": round(hits / int(failed.sum()), 3),
        "recall_by_mode": {
            mode: {
                "held_back": int(table.modes[mode][held].sum()),
                "recall": round(
                    int((flagged & table.modes[mode][held]).sum())
                    / max(int(table.modes[mode][held].sum()), 1),
                    3,
                ),
            }
            for mode in FAILURE_MODES
        },
        "risk_ms_one_reading": round((time.perf_counter() - start) * 10, 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-validation", action="store_true")
    args = parser.parse_args()
    if not DATA.is_dir():
        print(f"skipped: the maintenance data sets are not at {DATA} (set BESPOKE_SHARED_DIR)")
        return 0
    report = {"remaining_life_fd001": remaining_life(not args.skip_validation)}
    life = report["remaining_life_fd001"]
    print(
        f"C-MAPSS FD001, cap {life['cap']}: RMSE {life['rmse']} (uncapped truth"
        f" {life['rmse_uncapped_truth']}), PHM08 score {life['phm08_score']}, trained in"
        f" {life['training_s']} s, {life['predict_ms_per_engine_in_batch']} ms an engine in a"
        f" batch, {life['predict_ms_one_engine_median']} ms for one"
    )
    report["failure_risk_ai4i"] = failure_risk()
    risky = report["failure_risk_ai4i"]
    print(
        f"AI4I 2020: ROC-AUC {risky['roc_auc']}, threshold {risky['threshold']}: precision"
        f" {risky['precision']}, recall {risky['recall']}, by mode"
        f" { ({m: v['recall'] for m, v in risky['recall_by_mode'].items()}) },"
        f" trained in {risky['training_s']} s"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
