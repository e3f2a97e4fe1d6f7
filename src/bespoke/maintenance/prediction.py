"""Failure prediction: a machine's remaining useful life from its sensor history, and the
risk that a machine fails from one process reading.

Pure: histories, readings and labels in, fitted models and figures out. Both models are
plain objects with `fit` and `predict` that pickle.

Remaining useful life (RUL) follows the literature on NASA's C-MAPSS data: the target is
piecewise linear, flat at `RUL_CAP` cycles while an engine is healthy and falling by one a
cycle to 0 at failure (Heimes 2008; Li, Ding and Sun 2018 use 125), and predictions are
clipped to [0, cap]. An engine's features at a cycle come from its last cycles
(`WindowFeatures`); the regressor is a small ensemble of gradient-boosted trees and
multilayer perceptrons (scikit-learn).

Failure risk follows the AI4I 2020 data set (Matzka 2020): a product quality (L, M, H),
air and process temperature, rotational speed, torque and tool wear, with the physics
behind its failure modes as derived features (power, the temperature difference, the
strain of tool wear times torque), weighed by gradient-boosted trees."""

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Self

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from bespoke.model.errors import InputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

RUL_CAP = 125
"""Cycles: the remaining life of a healthy engine, the top of the piecewise-linear target."""
MAX_RUN_CYCLES = 10_000
"""Cycles of one history (C-MAPSS's longest run is 543)."""
MAX_HISTORIES = 10_000
"""Histories in one call."""
MAX_HISTORY_ROWS = 1_000_000
"""Cycles of all histories in one call."""
MAX_COLUMNS = 64
"""Settings and sensors of a history."""
MIN_DISTINCT = 10
"""A column with fewer distinct values in training is constant or a switch, not a trend."""
MIN_CORRELATION = 0.2
"""A column kept relates to wear: its |Pearson r| with the capped RUL is at least this."""

MAX_READINGS = 200_000
"""Process readings in one call (AI4I 2020 has 10,000)."""
PRODUCT_QUALITIES = ("L", "M", "H")
FAILURE_MODES = ("TWF", "HDF", "PWF", "OSF", "RNF")
"""AI4I 2020's failure modes: tool wear, heat dissipation, power, overstrain, random."""
READING_BOUNDS = {
    "air_temperature_k": (150.0, 700.0),
    "process_temperature_k": (150.0, 700.0),
    "rotational_speed_rpm": (0.0, 100_000.0),
    "torque_nm": (0.0, 10_000.0),
    "tool_wear_min": (0.0, 1_000_000.0),
}
"""The values a process reading may take, by field."""


def piecewise_rul(cycles: int, cap: float = RUL_CAP) -> FloatArray:
    """The target at each cycle of a run to failure of `cycles` cycles: the cycles left
    after it (0 at the last), at most `cap`."""
    return np.minimum(np.arange(cycles - 1, -1, -1, dtype=np.float64), cap)


def rmse(predicted: npt.ArrayLike, true: npt.ArrayLike) -> float:
    """Root mean square error."""
    error = np.asarray(predicted, dtype=np.float64) - np.asarray(true, dtype=np.float64)
    return float(np.sqrt(np.mean(error**2)))


def phm08_score(predicted: npt.ArrayLike, true: npt.ArrayLike) -> float:
    """The PHM08 challenge's score (Saxena et al. 2008): with d = predicted - true, the
    sum of exp(-d/13) - 1 for early predictions (d < 0) and exp(d/10) - 1 for late ones;
    late predictions cost more. Lower is better."""
    d = np.asarray(predicted, dtype=np.float64) - np.asarray(true, dtype=np.float64)
    return float(np.sum(np.where(d < 0, np.expm1(-d / 13.0), np.expm1(d / 10.0))))


@dataclass(frozen=True)
class WindowFeatures:
    """An engine's features at a cycle, from its normalised columns: over the last `window`
    cycles the mean, the least-squares slope, the mean's drift from the engine's own first
    `baseline` cycles (its initial wear and make); the exponentially smoothed value
    (weight `smoothing` on each new cycle); and the cycles run."""

    window: int = 10
    baseline: int = 30
    smoothing: float = 0.1

    def at(self, history: FloatArray, ends: IntArray) -> FloatArray:
        """One row of features for each cycle index in `ends` (0 is the first cycle)."""
        cycles, columns = history.shape
        starts = np.maximum(0, ends - self.window + 1)
        stops = ends + 1
        count = (stops - starts).astype(np.float64)[:, None]
        t = np.arange(cycles, dtype=np.float64)[:, None]
        zero = np.zeros((1, columns))
        total = np.vstack([zero, np.cumsum(history, axis=0)])
        timed = np.vstack([zero, np.cumsum(t * history, axis=0)])
        sum_x = total[stops] - total[starts]
        sum_tx = timed[stops] - timed[starts]
        sum_t = _sum_of_integers(starts, stops)[:, None]
        sum_tt = _sum_of_squares(starts, stops)[:, None]
        spread = count * sum_tt - sum_t**2
        slope = np.divide(
            count * sum_tx - sum_t * sum_x,
            spread,
            out=np.zeros_like(sum_x),
            where=spread > 0,
        )
        mean = sum_x / count
        first = np.minimum(self.baseline, stops)
        drift = mean - total[first] / first[:, None]
        smoothed, _ = lfilter(
            [self.smoothing],
            [1.0, self.smoothing - 1.0],
            history,
            axis=0,
            zi=(1.0 - self.smoothing) * history[:1],
        )
        return np.hstack([mean, slope, drift, smoothed[ends], stops[:, None]])


def _sum_of_integers(starts: IntArray, stops: IntArray) -> FloatArray:
    """The sum of k over starts <= k < stops."""
    return ((starts + stops - 1) * (stops - starts) / 2.0).astype(np.float64)


def _sum_of_squares(starts: IntArray, stops: IntArray) -> FloatArray:
    """The sum of k squared over starts <= k < stops."""

    def below(n: IntArray) -> FloatArray:
        n = n.astype(np.float64)
        return (n - 1) * n * (2 * n - 1) / 6.0

    return below(stops) - below(starts)


@dataclass
class RulModel:
    """Remaining useful life, in cycles, of machines from their histories: one row per
    cycle from the first, one column per setting or sensor, the same columns for all."""

    cap: float = RUL_CAP
    features: WindowFeatures = field(default_factory=WindowFeatures)
    seed: int = 0
    width_: int = 0
    """The columns of the histories fitted on."""
    columns_: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """The columns kept: those that vary and relate to wear in training."""
    mean_: FloatArray = field(default_factory=lambda: np.zeros(0))
    scale_: FloatArray = field(default_factory=lambda: np.zeros(0))
    regressors_: list[Pipeline | HistGradientBoostingRegressor] = field(default_factory=list)

    def fit(self, runs: Sequence[FloatArray]) -> Self:
        """Learn from histories that each ran to failure at their last cycle."""
        runs = _histories(runs, "runs")
        rows = np.vstack(runs)
        self.width_ = rows.shape[1]
        target = np.concatenate([piecewise_rul(len(run), self.cap) for run in runs])
        self.columns_ = _informative(rows, target)
        self.mean_ = rows[:, self.columns_].mean(axis=0)
        self.scale_ = rows[:, self.columns_].std(axis=0)
        table = np.vstack([self._features(run, np.arange(len(run))) for run in runs])
        self.regressors_ = [
            HistGradientBoostingRegressor(
                max_iter=300,
                learning_rate=0.05,
                max_leaf_nodes=15,
                min_samples_leaf=50,
                l2_regularization=1.0,
                random_state=self.seed,
            ),
            *(_perceptron(self.seed + k) for k in range(2)),
        ]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # epochs are bounded on purpose
            for regressor in self.regressors_:
                regressor.fit(table, target)
        return self

    def predict(self, histories: Sequence[FloatArray]) -> FloatArray:
        """Each machine's remaining life after the last cycle of its history, 0 to cap."""
        if not self.regressors_:
            raise InputError("RUL model: not fitted; fit it on runs to failure first")
        histories = _histories(histories, "histories", columns=self.width_)
        table = np.vstack([self._features(h, np.array([len(h) - 1])) for h in histories])
        predicted: FloatArray = np.mean([r.predict(table) for r in self.regressors_], axis=0)
        return np.clip(predicted, 0.0, self.cap)

    def _features(self, history: FloatArray, ends: IntArray) -> FloatArray:
        normal = (history[:, self.columns_] - self.mean_) / self.scale_
        return self.features.at(normal, ends)


def _perceptron(seed: int) -> Pipeline:
    return make_pipeline(
        StandardScaler(),
        MLPRegressor(
            hidden_layer_sizes=(64, 32),
            alpha=1e-3,
            max_iter=200,
            early_stopping=True,
            random_state=seed,
        ),
    )


def _histories(
    histories: Sequence[FloatArray], name: str, columns: int | None = None
) -> list[FloatArray]:
    """`histories` as float arrays, checked: bounded, finite, each with `columns` columns
    (those of the first when not given)."""
    if not histories:
        raise InputError(f"{name}: none given; one history a machine is needed", path=name)
    if len(histories) > MAX_HISTORIES:
        raise InputError(f"{name}: more than {MAX_HISTORIES:,} in one call", path=name)
    checked = [np.asarray(h, dtype=np.float64) for h in histories]
    width = columns or (checked[0].shape[-1] if checked[0].ndim == 2 else 0)
    for index, history in enumerate(checked):
        where = f"{name}[{index}]"
        if history.ndim != 2 or history.shape[1] != width or not 1 <= width <= MAX_COLUMNS:
            raise InputError(
                f"{where}: shape {history.shape}; (cycles, {width or 'columns'}) is accepted,"
                f" the columns the same for all (at most {MAX_COLUMNS})",
                path=where,
            )
        if not 1 <= len(history) <= MAX_RUN_CYCLES:
            raise InputError(
                f"{where}: {len(history):,} cycles; 1 to {MAX_RUN_CYCLES:,} are accepted",
                path=where,
            )
        if not np.isfinite(history).all():
            raise InputError(f"{where}: a value that is not a finite number", path=where)
    if sum(len(h) for h in checked) > MAX_HISTORY_ROWS:
        raise InputError(f"{name}: more than {MAX_HISTORY_ROWS:,} cycles in one call", path=name)
    return checked


def _informative(rows: FloatArray, target: FloatArray) -> IntArray:
    """The columns that vary (`MIN_DISTINCT` values or more) and relate to wear."""
    kept = []
    for column in range(rows.shape[1]):
        values = rows[:, column]
        if len(np.unique(values)) < MIN_DISTINCT:
            continue
        if abs(np.corrcoef(values, target)[0, 1]) >= MIN_CORRELATION:
            kept.append(column)
    if not kept:
        raise InputError(
            "runs: no setting or sensor varies with wear; training needs columns that trend"
            " towards failure",
            path="runs",
        )
    return np.array(kept, dtype=np.int64)


@dataclass(frozen=True)
class ProcessReading:
    """One reading of a machine at work: the product quality (L, M, H) and the process."""

    quality: str
    air_temperature_k: float
    process_temperature_k: float
    rotational_speed_rpm: float
    torque_nm: float
    tool_wear_min: float

    def __post_init__(self) -> None:
        _check_quality(self.quality, "reading")
        for name in READING_BOUNDS:
            _check_value(name, getattr(self, name), "reading")


@dataclass(frozen=True)
class ProcessReadings:
    """Many process readings as columns: the product qualities' indices in
    `PRODUCT_QUALITIES`, and one row of the `READING_BOUNDS` fields a reading."""

    qualities: IntArray
    values: FloatArray

    @classmethod
    def of(cls, readings: Sequence[ProcessReading]) -> Self:
        """Readings already checked one by one."""
        if not 1 <= len(readings) <= MAX_READINGS:
            raise InputError(f"readings: {len(readings):,}; 1 to {MAX_READINGS:,} are accepted")
        return cls(
            qualities=np.array(
                [PRODUCT_QUALITIES.index(r.quality) for r in readings], dtype=np.int64
            ),
            values=np.array(
                [[getattr(r, name) for name in READING_BOUNDS] for r in readings],
                dtype=np.float64,
            ),
        )

    @classmethod
    def of_columns(cls, qualities: Sequence[str], **columns: FloatArray) -> Self:
        """Readings from a column of qualities and one column per `READING_BOUNDS` field."""
        if set(columns) != set(READING_BOUNDS):
            raise InputError(
                f"readings: columns {sorted(columns)}; {sorted(READING_BOUNDS)} are needed"
            )
        if not 1 <= len(qualities) <= MAX_READINGS:
            raise InputError(f"readings: {len(qualities):,}; 1 to {MAX_READINGS:,} are accepted")
        for row, quality in enumerate(qualities):
            _check_quality(quality, f"reading {row + 1}")
        values = np.column_stack(
            [np.asarray(columns[name], dtype=np.float64) for name in READING_BOUNDS]
        )
        if values.shape[0] != len(qualities):
            raise InputError("readings: columns of different lengths")
        for index, (name, (low, high)) in enumerate(READING_BOUNDS.items()):
            bad = np.flatnonzero(~((values[:, index] >= low) & (values[:, index] <= high)))
            if bad.size:
                _check_value(name, float(values[bad[0], index]), f"reading {bad[0] + 1}")
        index_of = {quality: i for i, quality in enumerate(PRODUCT_QUALITIES)}
        return cls(
            qualities=np.array([index_of[q] for q in qualities], dtype=np.int64),
            values=values,
        )

    def __len__(self) -> int:
        return len(self.qualities)

    def take(self, rows: IntArray) -> "ProcessReadings":
        """The readings at `rows`."""
        return ProcessReadings(qualities=self.qualities[rows], values=self.values[rows])

    def features(self) -> FloatArray:
        """The model's inputs: quality, the readings, and the physics of the failure modes:
        power in W (torque times angular speed), the process's temperature rise over the air
        in K, and strain (tool wear times torque) in min Nm."""
        air, process, speed, torque, wear = self.values.T
        power_w = torque * speed * 2.0 * math.pi / 60.0
        return np.column_stack([self.qualities, self.values, power_w, process - air, wear * torque])


def _check_value(name: str, value: float, where: str) -> None:
    low, high = READING_BOUNDS[name]
    if not (math.isfinite(value) and low <= value <= high):
        raise InputError(
            f"{where}: {name} {value}; a number from {low:g} to {high:g} is accepted",
            path=name,
        )


def _check_quality(quality: str, where: str) -> None:
    if quality not in PRODUCT_QUALITIES:
        raise InputError(
            f"{where}: product quality {quality[:20]!r}; one of"
            f" {', '.join(PRODUCT_QUALITIES)} (low, medium, high) is accepted",
            path="quality",
        )


@dataclass
class FailureRiskModel:
    """The probability that a machine fails, from a process reading, and the threshold of
    risk above which it is asked for a condition check. Unless given, the threshold is the
    one that maximises the F-beta score (recall weighed `beta` times as much as precision:
    a missed failure costs more than a needless check) on out-of-fold predictions of the
    training readings."""

    threshold: float | None = None
    beta: float = 2.0
    seed: int = 0
    threshold_: float = 0.5
    classifier_: HistGradientBoostingClassifier | None = None

    def fit(self, readings: ProcessReadings, failed: BoolArray) -> Self:
        """Learn from readings and whether the machine failed after each."""
        failed = np.asarray(failed, dtype=np.bool_)
        if failed.shape != (len(readings),):
            raise InputError(
                f"failed: {failed.shape[0]} flags for {len(readings)} readings; one a reading",
                path="failed",
            )
        if failed.sum() < 2 or (~failed).sum() < 2:
            raise InputError(
                "failed: training needs at least two readings that failed and two that did not",
                path="failed",
            )
        table = readings.features()
        if self.threshold is not None:
            self.threshold_ = self.threshold
        else:
            self.threshold_ = self._best_threshold(table, failed)
        self.classifier_ = self._classifier().fit(table, failed)
        return self

    def predict(self, readings: ProcessReadings) -> FloatArray:
        """The probability of a failure after each reading."""
        if self.classifier_ is None:
            raise InputError("failure risk model: not fitted; fit it on labelled readings first")
        probability: FloatArray = self.classifier_.predict_proba(readings.features())[:, 1]
        return probability

    def flags(self, readings: ProcessReadings) -> BoolArray:
        """Whether each reading's risk reaches the threshold."""
        return self.predict(readings) >= self.threshold_

    def _classifier(self) -> HistGradientBoostingClassifier:
        return HistGradientBoostingClassifier(
            max_iter=300,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=10,
            l2_regularization=1.0,
            categorical_features=[0],
            random_state=self.seed,
        )

    def _best_threshold(self, table: FloatArray, failed: BoolArray) -> float:
        folds = min(5, int(failed.sum()), int((~failed).sum()))
        probability = np.zeros(len(failed))
        splits = StratifiedKFold(folds, shuffle=True, random_state=self.seed)
        for train, held in splits.split(table, failed):
            classifier = self._classifier().fit(table[train], failed[train])
            probability[held] = classifier.predict_proba(table[held])[:, 1]
        candidates = np.unique(probability[failed])
        weight = self.beta**2
        best, best_score = 0.5, -1.0
        for candidate in candidates:
            flagged = probability >= candidate
            hits = float((flagged & failed).sum())
            score = (1 + weight) * hits / (weight * failed.sum() + flagged.sum())
            if score > best_score:
                best, best_score = float(candidate), score
        return best


def risk(model: FailureRiskModel, reading: ProcessReading) -> float:
    """The probability that the machine fails, from one reading."""
    return float(model.predict(ProcessReadings.of([reading]))[0])
