"""Failure prediction on slices of the real data sets: the C-MAPSS and AI4I readers (and
what they refuse), the remaining-life model against the mean-life baseline, the failure
risk classifier, the PHM08 score, and models through pickle. Behaviour, not the goal
figures: those are measured on the full data by bench/maintenance.py."""

import math
import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from bespoke.maintenance.datasets import (
    Ai4iTable,
    Trajectories,
    read_ai4i,
    read_cmapss,
    read_rul,
)
from bespoke.maintenance.prediction import (
    FAILURE_MODES,
    RUL_CAP,
    FailureRiskModel,
    ProcessReading,
    ProcessReadings,
    RulModel,
    phm08_score,
    piecewise_rul,
    risk,
    rmse,
)
from bespoke.model.errors import InputError

TRAINING_ENGINES = 20
HELD_OUT_ENGINES = 10
AI4I_TRAINING_ROWS = 2_000


@pytest.fixture(scope="module")
def maintenance(shared_fixtures: Path) -> Path:
    return shared_fixtures / "maintenance"


@pytest.fixture(scope="module")
def trajectories(maintenance: Path) -> Trajectories:
    return read_cmapss((maintenance / "cmapss_train_FD001.txt").read_bytes())


@pytest.fixture(scope="module")
def ai4i(maintenance: Path) -> Ai4iTable:
    return read_ai4i((maintenance / "ai4i2020.csv").read_bytes())


@pytest.fixture(scope="module")
def rul_model(trajectories: Trajectories) -> RulModel:
    return RulModel().fit(trajectories.histories()[:TRAINING_ENGINES])


@pytest.fixture(scope="module")
def risk_model(ai4i: Ai4iTable) -> FailureRiskModel:
    rows = np.arange(AI4I_TRAINING_ROWS)
    return FailureRiskModel().fit(ai4i.readings.take(rows), ai4i.failed[rows])


def test_cmapss_files_read_with_their_trailing_spaces(
    maintenance: Path, trajectories: Trajectories
) -> None:
    assert (maintenance / "cmapss_train_FD001.txt").read_text().splitlines()[0].endswith("  ")
    histories = trajectories.histories()
    assert len(histories) == 100 and sum(len(h) for h in histories) == 20_631
    assert histories[0].shape == (192, 24)
    assert trajectories.sensors[0, 1] == 641.82 and trajectories.cycles[191] == 192
    test = read_cmapss((maintenance / "cmapss_test_FD001.txt").read_text())
    lives = read_rul((maintenance / "cmapss_RUL_FD001.txt").read_bytes())
    assert len(test.histories()) == len(lives) == 100 and lives[:3].tolist() == [112, 98, 69]


ROW = "1 1 -0.0007 -0.0004 100.0" + " 1.5" * 21


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1 1 0.1 0.2", "line 1: 4 values; a C-MAPSS row has 26"),
        (ROW.replace("100.0", "abc"), "line 1: 'abc' is not a number"),
        (ROW.replace("100.0", "nan"), "line 1: 'nan' is not a number"),
        (ROW + "\n" + ROW, "row 2 (unit 1) has cycle 1 where 2 follows"),
        (ROW.replace("1 1", "1 1.5", 1), "row 1 has cycle 1.5; whole numbers from 1"),
        (f"{ROW}\n{ROW.replace('1 1', '2 1', 1)}\n{ROW.replace('1 1', '1 2', 1)}", "not together"),
        ("\n \n", "no rows"),
    ],
)
def test_malformed_cmapss_text_is_refused_saying_where(text: str, says: str) -> None:
    with pytest.raises(InputError, match=says.replace("(", r"\(").replace(")", r"\)")):
        read_cmapss(text)


def test_remaining_lives_are_whole_numbers_of_cycles() -> None:
    assert read_rul("112 \r\n98\r\n").tolist() == [112, 98]
    for text in ("12.5", "-3", "x", ""):
        with pytest.raises(InputError, match=r"whole number|not a number"):
            read_rul(text)


def test_ai4i_reads_with_its_bom_and_crlf(maintenance: Path, ai4i: Ai4iTable) -> None:
    raw = (maintenance / "ai4i2020.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert len(ai4i.readings) == 10_000 and int(ai4i.failed.sum()) == 339
    assert {mode: int(ai4i.modes[mode].sum()) for mode in FAILURE_MODES} == {
        "TWF": 46,
        "HDF": 115,
        "PWF": 95,
        "OSF": 98,
        "RNF": 19,
    }
    first = ai4i.readings.take(np.array([0]))
    assert first.qualities.tolist() == [1]  # M
    assert first.values.tolist() == [[298.1, 308.6, 1551.0, 42.8, 0.0]]
    spelled = raw.decode("utf-8-sig").replace("Machine_failure", "Machine failure")
    assert len(read_ai4i(spelled).readings) == 10_000


AI4I_HEADER = (
    "UDI,Product ID,Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],"
    "Torque [Nm],Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF\r\n"
)


@pytest.mark.parametrize(
    ("row", "says"),
    [
        ("1,M1,M,298.1,308.6,1551,42.8,0,0,0,0,0,0,0", ""),
        ("1,M1,X,298.1,308.6,1551,42.8,0,0,0,0,0,0,0", "product quality 'X'; one of L, M, H"),
        ("1,M1,M,2981,308.6,1551,42.8,0,0,0,0,0,0,0", "air_temperature_k 2981.0; a number from"),
        ("1,M1,M,298.1,308.6,1551,42.8,0,yes,0,0,0,0,0", "line 2: 'yes' is not a flag"),
        ("1,M1,M,298.1,308.6,1551,42.8,0,0,0,0,0,0", "line 2: 13 fields under a header of 14"),
        ("1,M1,M,298.1,,1551,42.8,0,0,0,0,0,0,0", "line 2: '' is not a number"),
    ],
)
def test_malformed_ai4i_rows_are_refused_saying_what(row: str, says: str) -> None:
    if not says:
        assert len(read_ai4i(AI4I_HEADER + row).readings) == 1
        return
    with pytest.raises(InputError, match=says):
        read_ai4i(AI4I_HEADER + row)


def test_ai4i_without_a_column_or_not_utf8_is_refused() -> None:
    with pytest.raises(InputError, match="no column 'Torque \\[Nm\\]' in the header"):
        read_ai4i(AI4I_HEADER.replace("Torque [Nm]", "Torque"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_ai4i(AI4I_HEADER.encode() + b"\xff\xfe")
    with pytest.raises(InputError, match="a header and no readings"):
        read_ai4i(AI4I_HEADER)


def test_remaining_lives_are_finite_capped_and_beat_the_mean(
    trajectories: Trajectories, rul_model: RulModel
) -> None:
    held_out = trajectories.histories()[TRAINING_ENGINES : TRAINING_ENGINES + HELD_OUT_ENGINES]
    cuts = [(run, cut) for run in held_out for cut in range(30, len(run), 15)]
    predicted = rul_model.predict([run[:cut] for run, cut in cuts])
    true = np.array([min(len(run) - cut, RUL_CAP) for run, cut in cuts])
    assert np.isfinite(predicted).all()
    assert (predicted >= 0).all() and (predicted <= RUL_CAP).all()
    training_targets = np.concatenate(
        [piecewise_rul(len(run)) for run in trajectories.histories()[:TRAINING_ENGINES]]
    )
    baseline = rmse(np.full(len(true), training_targets.mean()), true)
    assert rmse(predicted, true) < 0.6 * baseline
    assert rul_model.predict([held_out[0][:1]])[0] > 0.5 * RUL_CAP  # a new engine is healthy


def test_the_target_is_flat_then_falls_to_zero() -> None:
    assert piecewise_rul(5, cap=3).tolist() == [3, 3, 2, 1, 0]


def test_histories_of_another_shape_or_not_finite_are_refused(rul_model: RulModel) -> None:
    with pytest.raises(InputError, match=r"histories\[0\]: shape \(10, 5\)"):
        rul_model.predict([np.ones((10, 5))])
    broken = np.ones((10, 24))
    broken[3, 4] = np.nan
    with pytest.raises(InputError, match=r"histories\[0\]: a value that is not a finite"):
        rul_model.predict([broken])
    with pytest.raises(InputError, match="not fitted"):
        RulModel().predict([np.ones((10, 24))])


def test_phm08_score_weighs_late_predictions_more() -> None:
    assert phm08_score([87, 100, 110], [100, 100, 100]) == pytest.approx(2 * (math.e - 1))
    assert phm08_score([90], [100]) < phm08_score([110], [100])
    assert phm08_score([5], [5]) == 0.0


def test_failure_risk_ranks_failures_above_the_rest(
    ai4i: Ai4iTable, risk_model: FailureRiskModel
) -> None:
    held = np.arange(AI4I_TRAINING_ROWS, 2 * AI4I_TRAINING_ROWS)
    probability = risk_model.predict(ai4i.readings.take(held))
    assert ((probability >= 0) & (probability <= 1)).all()
    assert roc_auc_score(ai4i.failed[held], probability) > 0.8
    assert 0 < risk_model.threshold_ < 1


def test_the_risk_of_one_reading(risk_model: FailureRiskModel) -> None:
    calm = ProcessReading("L", 298.0, 308.5, 1500.0, 40.0, 10.0)
    overstrained = ProcessReading("L", 298.0, 308.5, 1300.0, 65.0, 220.0)
    assert 0 <= risk(risk_model, calm) < risk_model.threshold_ <= risk(risk_model, overstrained)


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        (("Q", 298.0, 308.5, 1500.0, 40.0, 10.0), "product quality 'Q'"),
        (("L", 298.0, math.inf, 1500.0, 40.0, 10.0), "process_temperature_k inf"),
        (("L", 298.0, 308.5, -1.0, 40.0, 10.0), "rotational_speed_rpm -1.0; a number from 0"),
    ],
)
def test_a_reading_out_of_bounds_is_refused(fields: tuple[str, float], says: str) -> None:
    with pytest.raises(InputError, match=says):
        ProcessReading(*fields)  # type: ignore[arg-type]


def test_models_round_trip_through_pickle(
    trajectories: Trajectories, rul_model: RulModel, ai4i: Ai4iTable, risk_model: FailureRiskModel
) -> None:
    histories = trajectories.histories()[TRAINING_ENGINES:]
    copy = pickle.loads(pickle.dumps(rul_model))
    assert np.array_equal(copy.predict(histories), rul_model.predict(histories))
    readings = ai4i.readings.take(np.arange(100))
    again = pickle.loads(pickle.dumps(risk_model))
    assert np.array_equal(again.predict(readings), risk_model.predict(readings))
    assert again.threshold_ == risk_model.threshold_


def test_readings_one_by_one_and_as_columns_give_the_same_features(ai4i: Ai4iTable) -> None:
    first = ai4i.readings.take(np.array([0]))
    one = ProcessReadings.of([ProcessReading("M", 298.1, 308.6, 1551.0, 42.8, 0.0)])
    assert np.array_equal(one.features(), first.features())
    power_w = 42.8 * 1551.0 * 2 * math.pi / 60
    assert one.features()[0, 6:].tolist() == pytest.approx([power_w, 10.5, 0.0])
