"""Scheduling the demo shop: the time spent before the search starts.

Before the solver searches, a shop's schedule gathers each open order's work, batches it
by set-up family, and nests and packs the batches. Orders keep their work frozen from the
moment they are placed, and a batch whose parts and stock have not changed keeps the
nest it had in the previous schedule. In the same process, on the demo shop (the
examples quoted and ordered as `bespoke serve --demo` does):

  as before  every order's work worked out again from its quote (configured, planned,
             its drawings read) and every batch nested: what each schedule cost before
             work was frozen and nests kept;
  first      the first schedule with work frozen at placement (nothing nested yet);
  again      the same shop scheduled again a minute later;
  new order  one more order placed (10 cable clips), then the shop scheduled again.

Goal: under 3 s before the search on the demo shop. Writes bench/results/shop_schedule.json.

    python bench/shop_schedule.py
"""

import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bespoke.services.shop.scheduling as scheduling
from bespoke.scheduling.solver import SolverSettings
from bespoke.services import accounts, quoting
from bespoke.services.demo import DEMO_SHOP, LOGINS, seed_demo
from bespoke.services.environment import Environment, Settings, open_environment
from bespoke.services.ordering import orders
from bespoke.services.quoting import designs

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "shop_schedule.json"
EXAMPLES = ROOT / "examples"
GOAL_S = 3.0
SEARCH = SolverSettings(time_limit=3)


def timed_schedule(env: Environment, shop_id: int) -> dict[str, float]:
    """Schedule the shop: seconds before the search started, and in all."""
    searched: list[float] = []
    solve = scheduling.solve

    def marked(*args: Any, **kwargs: Any) -> Any:
        searched.append(time.perf_counter())
        return solve(*args, **kwargs)

    scheduling.solve = marked
    try:
        started = time.perf_counter()
        row = scheduling.schedule_shop(env, shop_id, None, SEARCH)
        ended = time.perf_counter()
    finally:
        scheduling.solve = solve
    with env.uow() as uow:
        batches = len(uow.batches.of_schedule(row.id))
    return {
        "before_search_s": round(searched[0] - started, 3),
        "total_s": round(ended - started, 3),
        "batches": batches,
    }


def demo_shop(folder: Path) -> tuple[Environment, int]:
    """The demo shop with its orders placed and not yet scheduled."""
    env = open_environment(Settings(data_dir=folder))
    seed_demo(env, EXAMPLES, schedule=False)
    with env.uow() as uow:
        shop = uow.shops.by_slug(DEMO_SHOP[0])
        assert shop is not None
        return env, shop.id


def forget_work(env: Environment, shop_id: int) -> int:
    """Drop the orders' frozen work, as orders placed before it was frozen have none."""
    with env.uow() as uow:
        open_orders = uow.orders.open_in_shop(shop_id, [s.value for s in scheduling.OPEN])
        for order in open_orders:
            order.work = None
        uow.commit()
        return len(open_orders)


def place_another(env: Environment) -> None:
    """The second maker orders 10 more cable clips."""
    maker = accounts.authenticate(env, LOGINS[1].email, LOGINS[1].password)
    assert maker is not None
    path = EXAMPLES / "cable-clip.stl"
    design = designs.upload_design(env, maker, path.name, path.read_bytes())
    request = quoting.PartQuoteRequest(design_id=design.id, material="petg")
    quote = quoting.quote_stored_design(env, maker, request)
    orders.place_order(env, maker, quote.id, 10, "bench-another")


def measure(name: str, step: Callable[[], dict[str, float]]) -> dict[str, float]:
    figures = step()
    print(
        f"{name:<10} {figures['before_search_s']:6.2f} s before the search,"
        f" {figures['total_s']:6.2f} s in all, {figures['batches']:.0f} batches"
    )
    return figures


def main() -> None:
    runs: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-shop-") as folder:
        before_env, before_shop = demo_shop(Path(folder) / "before")
        orders_count = forget_work(before_env, before_shop)
        runs["as before"] = measure("as before", lambda: timed_schedule(before_env, before_shop))
        env, shop_id = demo_shop(Path(folder) / "after")
        runs["first"] = measure("first", lambda: timed_schedule(env, shop_id))
        runs["again"] = measure("again", lambda: timed_schedule(env, shop_id))
        place_another(env)
        runs["new order"] = measure("new order", lambda: timed_schedule(env, shop_id))
    before = runs["as before"]["before_search_s"]
    ratios = {k: round(v["before_search_s"] / before, 3) for k, v in runs.items()}
    print(f"{orders_count} open orders; ratio to as before: {ratios}")
    for name, figures in runs.items():
        met = "met" if figures["before_search_s"] < GOAL_S else "missed"
        print(f"goal under {GOAL_S:g} s before the search, {name}: {met}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(timespec="seconds"),
                "orders": orders_count,
                "runs": runs,
                "ratio_to_as_before": ratios,
                "goal_before_search_s": GOAL_S,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
