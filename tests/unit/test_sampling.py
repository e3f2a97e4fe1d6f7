"""ISO 2859-1 single sampling plans for normal inspection: Table 1's code letters, Table
2-A's plans and arrows, cases worked from the printed tables, and refusals."""

import pytest

from bespoke.model.bounds import MAX_QUANTITY
from bespoke.model.errors import InputError
from bespoke.quality.sampling import (
    AQLS,
    CODE_LETTERS,
    LETTERS_BY_LEVEL,
    SAMPLE_SIZES,
    sample_size_code,
    sampling_plan,
    table_cell,
)

# Table 1 as printed, one row per range of lot sizes: S-1, S-2, S-3, S-4, I, II, III.
TABLE_1 = {
    (2, 8): "A A A A A A B",
    (9, 15): "A A A A A B C",
    (16, 25): "A A B B B C D",
    (26, 50): "A B B C C D E",
    (51, 90): "B B C C C E F",
    (91, 150): "B B C D D F G",
    (151, 280): "B C D E E G H",
    (281, 500): "B C D E F H J",
    (501, 1200): "C C E F G J K",
    (1201, 3200): "C D E G H K L",
    (3201, 10_000): "C D F G J L M",
    (10_001, 35_000): "C D F H K M N",
    (35_001, 150_000): "D E G J L N P",
    (150_001, 500_000): "D E G J M P Q",
    (500_001, MAX_QUANTITY): "D E H K N Q R",
}

# Table 2-A as printed in MIL-STD-105E (Table II-A): each letter's plans read across its row
# (their Ac; Re is Ac + 1), and the AQLs of its first two plans.
ROWS = {
    "A": (6.5, 25, [0, 1, 2, 3, 5, 7, 10, 14, 21, 30]),
    "B": (4.0, 15, [0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 44]),
    "C": (2.5, 10, [0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 44]),
    "D": (1.5, 6.5, [0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 44]),
    "E": (1.0, 4.0, [0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 44]),
    "F": (0.65, 2.5, [0, 1, 2, 3, 5, 7, 10, 14, 21]),
    "G": (0.40, 1.5, [0, 1, 2, 3, 5, 7, 10, 14, 21]),
    "H": (0.25, 1.0, [0, 1, 2, 3, 5, 7, 10, 14, 21]),
    "J": (0.15, 0.65, [0, 1, 2, 3, 5, 7, 10, 14, 21]),
    "K": (0.10, 0.40, [0, 1, 2, 3, 5, 7, 10, 14, 21]),
    "L": (0.065, 0.25, [0, 1, 2, 3, 5, 7, 10, 14, 21]),
    "M": (0.040, 0.15, [0, 1, 2, 3, 5, 7, 10, 14, 21]),
    "N": (0.025, 0.10, [0, 1, 2, 3, 5, 7, 10, 14, 21]),
    "P": (0.015, 0.065, [0, 1, 2, 3, 5, 7, 10, 14, 21]),
    "Q": (0.010, 0.040, [0, 1, 2, 3, 5, 7, 10, 14, 21]),
    "R": (None, 0.025, [1, 2, 3, 5, 7, 10, 14, 21]),
}


def test_table_1_gives_each_level_its_letter_at_both_ends_of_each_row() -> None:
    levels = list(LETTERS_BY_LEVEL)
    for (smallest, largest), row in TABLE_1.items():
        for level, letter in zip(levels, row.split(), strict=True):
            assert sample_size_code(smallest, level) == letter, (smallest, level)
            assert sample_size_code(largest, level) == letter, (largest, level)


def test_a_lot_of_one_is_in_the_first_row() -> None:
    assert sample_size_code(1, "II") == "A"
    plan = sampling_plan(1, 6.5)
    assert (plan.sample_size, plan.inspect_all) == (1, True)


def test_table_2a_rows_hold_the_printed_plans_in_order() -> None:
    for letter, (first_aql, second_aql, acceptance) in ROWS.items():
        cells = [table_cell(letter, aql) for aql in AQLS]
        assert [cell for cell in cells if isinstance(cell, int)] == acceptance, letter
        if first_aql is not None:
            assert table_cell(letter, first_aql) == 0
        assert table_cell(letter, second_aql) == 1


def test_table_2a_sample_sizes() -> None:
    assert dict(zip(CODE_LETTERS, SAMPLE_SIZES, strict=True)) == {
        "A": 2, "B": 3, "C": 5, "D": 8, "E": 13, "F": 20, "G": 32, "H": 50,
        "J": 80, "K": 125, "L": 200, "M": 315, "N": 500, "P": 800, "Q": 1250, "R": 2000,
    }  # fmt: skip


def test_an_arrow_between_the_first_two_plans_points_up_then_down() -> None:
    assert table_cell("H", 0.40) == "up"
    assert table_cell("H", 0.65) == "down"
    assert table_cell("H", 0.10) == "down"
    assert table_cell("H", 40) == "up"


@pytest.mark.parametrize(
    ("lot", "aql", "letters", "size", "ac"),
    [
        (281, 1.0, ("H", "H"), 50, 1),
        (500, 1.0, ("H", "H"), 50, 1),
        (1200, 1.0, ("J", "J"), 80, 2),
        (1200, 2.5, ("J", "J"), 80, 5),
        (1200, 4.0, ("J", "J"), 80, 7),
        # H at 0.65: the arrow down leads to J's plan, with J's sample.
        (400, 0.65, ("H", "J"), 80, 1),
        # H at 0.40: the arrow up leads to G's plan.
        (400, 0.40, ("H", "G"), 32, 0),
        # Past K's last plan (21/22 at 10), the arrow leads up to J's 21/22 at 15.
        (2000, 15, ("K", "J"), 80, 21),
        (10_000, 0.010, ("L", "Q"), 1250, 0),
        (10_000, 40, ("L", "G"), 32, 21),
    ],
)
def test_worked_plans_at_level_ii(
    lot: int, aql: float, letters: tuple[str, str], size: int, ac: int
) -> None:
    plan = sampling_plan(lot, aql)
    assert (plan.lot_letter, plan.code_letter) == letters
    assert (plan.sample_size, plan.accept, plan.reject) == (size, ac, ac + 1)
    assert not plan.inspect_all
    assert plan.accepts(ac) and not plan.accepts(ac + 1)


def test_levels_other_than_ii() -> None:
    plan = sampling_plan(1000, 1.0, "I")  # G at 1.0: the arrow down to H's 1/2
    assert (plan.lot_letter, plan.code_letter, plan.accept) == ("G", "H", 1)
    plan = sampling_plan(1000, 1.0, "III")
    assert (plan.lot_letter, plan.code_letter, plan.accept) == ("K", "K", 3)
    plan = sampling_plan(1000, 2.5, "S-4")
    assert (plan.lot_letter, plan.sample_size, plan.accept) == ("F", 20, 1)
    assert sampling_plan(1000, 2.5, "S-1").lot_letter == "C"


def test_the_first_row_arrow_at_aql_10_points_down() -> None:
    plan = sampling_plan(500_000, 10, "S-1")  # letter D
    assert (plan.code_letter, plan.accept) == ("D", 2)
    plan = sampling_plan(8, 10, "S-1")  # letter A: no plan above, so down to C
    assert (plan.code_letter, plan.accept, plan.reject) == ("C", 1, 2)


def test_the_last_row_arrow_at_aql_0015_points_up() -> None:
    lot = 600_000  # letter R at level III
    assert sampling_plan(lot, 0.025, "III").code_letter == "R"
    plan = sampling_plan(lot, 0.015, "III")
    assert (plan.code_letter, plan.sample_size, plan.accept) == ("P", 800, 0)
    plan = sampling_plan(lot, 0.010, "III")
    assert (plan.code_letter, plan.sample_size, plan.accept) == ("Q", 1250, 0)


def test_high_aqls_count_nonconformities_with_larger_acceptance_numbers() -> None:
    assert (sampling_plan(8, 1000).accept, sampling_plan(8, 1000).sample_size) == (30, 2)
    plan = sampling_plan(15, 1000)  # letter B
    assert (plan.code_letter, plan.accept, plan.reject) == ("B", 44, 45)
    plan = sampling_plan(25, 1000)  # letter C: the arrow leads up to B
    assert (plan.code_letter, plan.sample_size, plan.accept) == ("B", 3, 44)
    assert sampling_plan(90, 150).accept == 30  # E
    assert sampling_plan(150, 150).code_letter == "E"  # F: up to E's 30/31


def test_a_sample_as_large_as_the_lot_inspects_every_part() -> None:
    plan = sampling_plan(10, 0.65)  # B, arrow down to F: 20 of a lot of 10
    assert (plan.code_letter, plan.sample_size, plan.inspect_all) == ("F", 10, True)
    assert (plan.accept, plan.reject) == (0, 1)
    plan = sampling_plan(50, 0.25)  # D, arrow down to H: 50
    assert (plan.sample_size, plan.inspect_all) == (50, True)
    assert not sampling_plan(51, 0.25).inspect_all


def test_aqls_written_another_way_are_the_same() -> None:
    assert sampling_plan(400, 1).aql == 1.0
    assert sampling_plan(400, 0.1 + 0.15).accept == 0  # 0.25 with float noise


@pytest.mark.parametrize(
    ("lot", "aql", "level", "names"),
    [
        (0, 1.0, "II", "1 to 1000000"),
        (MAX_QUANTITY + 1, 1.0, "II", "1 to 1000000"),
        (100, 0.5, "II", "0.01, 0.015"),
        (100, float("nan"), "II", "1000"),
        (100, 1.0, "IV", "S-1, S-2, S-3, S-4, I, II, III"),
        (100, 1.0, "ii", "S-1, S-2, S-3, S-4, I, II, III"),
    ],
)
def test_bad_input_is_refused_naming_what_is_accepted(
    lot: int, aql: float, level: str, names: str
) -> None:
    with pytest.raises(InputError) as refused:
        sampling_plan(lot, aql, level)
    assert names in str(refused.value)


def test_an_unknown_code_letter_is_refused() -> None:
    for letter in ("I", "AB", ""):
        with pytest.raises(InputError, match="unknown code letter"):
            table_cell(letter, 1.0)
