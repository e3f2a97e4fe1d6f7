"""What is left of an order's work once the floor has booked some: scrapped parts are made
again from the start, good ones wait for their next operation."""

import pytest

from bespoke.catalog import load_catalog
from bespoke.model import Operation
from bespoke.production.remaining import Booked, finished, remaining_work
from bespoke.production.work import FrozenWork, OrderAssembly, OrderWork


def _op(op_id: str) -> Operation:
    return Operation(
        id=op_id,
        process_id="fiber-laser",
        machine_id="fiber-laser-3015",
        name=op_id,
        rate_per_hour=60,
        setup_s=60,
        run_s=30,
        basis="by hand in the test",
    )


@pytest.fixture(scope="module")
def work() -> FrozenWork:
    material = next(iter(load_catalog().materials.values()))
    part = OrderWork(
        order="7",
        name="bracket",
        quantity=10,
        operations=[_op("b/cut"), _op("b/bend"), _op("b/paint")],
        material=material,
        part="b",
    )
    assembly = OrderAssembly(
        order="7",
        operations=[(_op("assemble"), 5), (_op("pack"), 5)],
        edges=[
            ("b/cut", "b/bend"),
            ("b/bend", "b/paint"),
            ("b/paint", "assemble"),
            ("assemble", "pack"),
        ],
    )
    return FrozenWork(parts=[part], assembly=assembly)


def _groups(left: FrozenWork) -> list[tuple[list[str], int]]:
    return [([op.id for op in p.operations], p.quantity) for p in left.parts]


def test_untouched_work_is_left_as_it_is(work: FrozenWork) -> None:
    assert remaining_work(work, {}) == work
    assert not finished(work, {})


def test_scrap_is_made_again_from_the_start_and_good_parts_wait_for_their_next_step(
    work: FrozenWork,
) -> None:
    # 10 cut good; 8 went through bending: 7 good, 1 scrapped; 2 wait for bending.
    booked = {"b/cut": Booked(good=10), "b/bend": Booked(good=7, scrap=1)}
    left = remaining_work(work, booked)
    assert _groups(left) == [
        (["b/cut~r", "b/bend~r", "b/paint~r"], 1),
        (["b/bend~2", "b/paint~2"], 2),
        (["b/paint~3"], 7),
    ]
    assert left.assembly is not None
    # the assembly waits for every group's painting, and each group keeps its own chain
    assert ("b/paint~r", "assemble") in left.assembly.edges
    assert ("b/paint~3", "assemble") in left.assembly.edges
    assert ("b/cut~r", "b/bend~2") not in left.assembly.edges
    assert ("b/cut~r", "b/bend~r") in left.assembly.edges


def test_parts_under_way_count_as_coming_out_good_but_the_order_is_not_finished(
    work: FrozenWork,
) -> None:
    booked = {"b/cut": Booked(underway=10)}
    assert _groups(remaining_work(work, booked)) == [(["b/bend~2", "b/paint~2"], 10)]
    everything = {op: Booked(good=10) for op in ("b/cut", "b/bend")} | {
        "b/paint": Booked(underway=10),
        "assemble": Booked(good=5),
        "pack": Booked(good=5),
    }
    left = remaining_work(work, everything)
    assert not left.parts and left.assembly is None
    assert not finished(work, everything)


def test_an_order_is_finished_when_every_part_and_its_assembly_are_made(
    work: FrozenWork,
) -> None:
    booked = {op: Booked(good=10) for op in ("b/cut", "b/bend", "b/paint")}
    assert not finished(work, booked)  # not yet assembled
    left = remaining_work(work, booked)
    assert left.assembly is not None
    assert [op.id for op, _ in left.assembly.operations] == ["assemble", "pack"]
    assert left.assembly.edges == [("assemble", "pack")]
    booked |= {"assemble": Booked(good=5), "pack": Booked(good=4, scrap=1)}
    assert not finished(work, booked)  # one packed product was scrapped
    booked["pack"] = Booked(good=5, scrap=1)
    assert finished(work, booked)


def test_more_booked_than_ordered_leaves_nothing_negative(work: FrozenWork) -> None:
    booked = {"b/cut": Booked(good=50, scrap=3), "b/bend": Booked(good=12)}
    assert _groups(remaining_work(work, booked)) == [(["b/paint~3"], 10)]


def test_a_part_made_again_joins_the_parts_waiting_for_the_next_step(work: FrozenWork) -> None:
    # the re-made part came out of cutting good: 11 cut good in all, 8 through bending
    booked = {"b/cut": Booked(good=11), "b/bend": Booked(good=7, scrap=1)}
    assert _groups(remaining_work(work, booked)) == [
        (["b/bend~2", "b/paint~2"], 3),
        (["b/paint~3"], 7),
    ]
