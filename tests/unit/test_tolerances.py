"""ISO 2768-1 general tolerances: the linear and angular tables, the range bounds, and the
sizes a class gives no tolerance for."""

import math

import pytest

from bespoke.model.errors import InputError
from bespoke.quality.tolerances import angular_tolerance, general_tolerance

# ISO 2768-1 Table 1 as printed: a size inside each range, and each class's ± (None: "-").
LINEAR = {
    2.0: (0.05, 0.1, 0.2, None),
    4.0: (0.05, 0.1, 0.3, 0.5),
    20.0: (0.1, 0.2, 0.5, 1.0),
    100.0: (0.15, 0.3, 0.8, 1.5),
    200.0: (0.2, 0.5, 1.2, 2.5),
    700.0: (0.3, 0.8, 2.0, 4.0),
    1500.0: (0.5, 1.2, 3.0, 6.0),
    3000.0: (None, 2.0, 4.0, 8.0),
}


def test_linear_table() -> None:
    for nominal, row in LINEAR.items():
        for cls, expected in zip("fmcv", row, strict=True):
            if expected is None:
                with pytest.raises(InputError):
                    general_tolerance(nominal, cls)
            else:
                assert general_tolerance(nominal, cls) == expected, (nominal, cls)


def test_a_size_on_a_range_bound_belongs_to_the_range_below() -> None:
    assert general_tolerance(0.5, "m") == 0.1
    assert general_tolerance(6, "m") == 0.1
    assert general_tolerance(6.001, "m") == 0.2
    assert general_tolerance(30, "m") == 0.2
    assert general_tolerance(4000, "c") == 4.0
    assert general_tolerance(3, "c") == 0.2
    assert general_tolerance(3.001, "v") == 0.5


def test_measuring_noise_does_not_move_a_size_to_the_next_range() -> None:
    assert general_tolerance(30.000000000004, "m") == 0.2
    assert general_tolerance(0.49999999999, "f") == 0.05


@pytest.mark.parametrize(
    ("nominal", "cls", "message"),
    [
        (0.4, "m", "covers 0.5 to 4000 mm"),
        (4000.5, "m", "covers 0.5 to 4000 mm"),
        (-1, "m", "covers 0.5 to 4000 mm"),
        (math.nan, "m", "covers 0.5 to 4000 mm"),
        (2, "v", "covers over 3 up to 4000 mm"),
        (2500, "f", "covers from 0.5 up to 2000 mm"),
        (10, "M", "use one of f, m, c, v"),
        (10, "medium", "use one of f, m, c, v"),
    ],
)
def test_sizes_and_classes_without_a_tolerance_are_refused(
    nominal: float, cls: str, message: str
) -> None:
    with pytest.raises(InputError) as refused:
        general_tolerance(nominal, cls)
    assert message in str(refused.value)


def test_angular_table_in_degrees() -> None:
    # ISO 2768-1 Table 3, by the shorter side: to 10, to 50, to 120, to 400, over 400 mm.
    sides = (10, 50, 120, 400, 401)
    expected_minutes = {
        "f": (60, 30, 20, 10, 5),
        "m": (60, 30, 20, 10, 5),
        "c": (90, 60, 30, 15, 10),
        "v": (180, 120, 60, 30, 20),
    }
    for cls, minutes in expected_minutes.items():
        got = [angular_tolerance(side, cls) * 60 for side in sides]
        assert got == pytest.approx(minutes), cls
    assert angular_tolerance(10.001, "m") == 0.5
    assert angular_tolerance(0.1, "v") == 3.0


@pytest.mark.parametrize("side", [0, -5, math.inf, math.nan])
def test_an_angle_needs_a_positive_shorter_side(side: float) -> None:
    with pytest.raises(InputError, match="positive length"):
        angular_tolerance(side, "m")
