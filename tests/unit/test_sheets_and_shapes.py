import pytest

from bespoke.planning.shape import fits
from bespoke.planning.sheets import parts_per_sheet
from bespoke.planning.tables import by_thickness


def test_grid_layout_counts_parts_with_spacing() -> None:
    # 100 x 50 parts, 10 mm apart, on 1000 x 500: 9 across x 8 up (turned: 16 x 4)
    assert parts_per_sheet((100, 50), (1000, 500), 10) == 9 * 8


def test_grid_layout_turns_parts_when_that_fits_more() -> None:
    # 300 x 100 on 1000 x 300: 3 x 3 lying, 10 x 1 standing
    assert parts_per_sheet((300, 100), (1000, 300), 0) == 10
    assert parts_per_sheet((100, 300), (1000, 300), 0) == 10


def test_part_larger_than_sheet_fits_none() -> None:
    assert parts_per_sheet((3100, 10), (3000, 1500), 5) == 0


@pytest.mark.parametrize(
    ("size", "envelope", "expected"),
    [
        ((250, 200), (300, 220), True),
        ((200, 250), (300, 220), True),
        ((310, 100), (300, 220), False),
        ((10, 10, 300), (250, 210, 210), False),
        ((300, 10, 10), (250, 210, 310), True),
        ((10, 10), (250, 210, 210), False),
    ],
)
def test_fits_in_some_orientation(
    size: tuple[float, ...], envelope: tuple[float, ...], expected: bool
) -> None:
    assert fits(size, envelope) is expected


def test_table_interpolates_between_rows_and_holds_at_the_ends() -> None:
    rows = [(1.0, 100.0), (3.0, 50.0), (6.0, 20.0)]
    assert by_thickness(rows, 2.0) == pytest.approx(75.0)
    assert by_thickness(rows, 0.5) == pytest.approx(100.0)
    assert by_thickness(rows, 10.0) == pytest.approx(20.0)
