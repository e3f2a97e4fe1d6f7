"""An order's life and who moves it: every pair of statuses, for every mover."""

import pytest

from bespoke.model.orders import MOVES, Mover, OrderStatus, next_statuses, refusal

S = OrderStatus


@pytest.mark.parametrize("mover", list(Mover))
def test_a_move_is_allowed_exactly_when_it_is_next_for_its_mover(mover: Mover) -> None:
    for current in OrderStatus:
        for target in OrderStatus:
            allowed = target in next_statuses(current, mover)
            assert (refusal(current, target, mover) is None) == allowed, (current, target)


def test_who_moves_what() -> None:
    assert next_statuses(S.PLACED, Mover.MAKER) == [S.CANCELLED]
    assert next_statuses(S.IN_PRODUCTION, Mover.MAKER) == []
    assert next_statuses(S.PLACED, Mover.SHOP) == [S.PLANNED, S.CANCELLED]
    assert next_statuses(S.PLANNED, Mover.SCHEDULE) == [S.SCHEDULED]
    assert next_statuses(S.SCHEDULED, Mover.SHOP) == [S.IN_PRODUCTION, S.CANCELLED]
    assert refusal(S.PLANNED, S.SCHEDULED, Mover.SHOP) == (
        "an order becomes scheduled when the shop's schedule is made"
    )
    assert "cannot become shipped" in (refusal(S.PLACED, S.SHIPPED, Mover.SHOP) or "")


def test_closed_orders_go_nowhere() -> None:
    for closed in (S.SHIPPED, S.CANCELLED):
        assert MOVES[closed] == ()
        assert "the order is closed" in (refusal(closed, S.PLACED, Mover.SHOP) or "")
