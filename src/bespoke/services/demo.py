"""A demo shop to look around in: users of each role, the examples quoted, a few orders,
the shop's schedule of them with its first work order started, and a real machine's
recording replayed as an MTConnect agent the shop watches, so that its floor moves."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from bespoke.adapters.mtconnect import AgentReplayServer
from bespoke.model.accounts import Account
from bespoke.model.execution import FloorAction
from bespoke.model.progress import silent
from bespoke.scheduling.solver import SolverSettings
from bespoke.services import accounts, quoting
from bespoke.services.environment import Environment
from bespoke.services.maintenance.orders import SparePartRequest, set_spare_part
from bespoke.services.maintenance.plans import add_plan
from bespoke.services.ordering import orders
from bespoke.services.quoting import designs
from bespoke.services.shop.scheduling import schedule_shop
from bespoke.services.shop.shops import ensure_shop
from bespoke.services.shopfloor.feed_settings import set_feeds
from bespoke.services.shopfloor.terminal import FloorRequest, act
from bespoke.store import now

DEMO_SHOP = ("demo", "Bespoke demo workshop")


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str


LOGINS = (
    DemoLogin("maker@example.com", "maker-demo", "maker"),
    DemoLogin("ada@example.com", "ada-demo-1", "maker"),
    DemoLogin("operator@example.com", "operator-demo", "operator"),
    DemoLogin("admin@example.com", "admin-demo", "admin"),
)
DemoDesign = tuple[str, str, float | None, str | None, int]
DESIGNS: tuple[DemoDesign, ...] = (  # file, material, thickness, finish, quantity (0: none)
    ("wall-bracket.dxf", "steel-s235", 2.0, "powder-coat", 10),
    ("sign-plate.dxf", "acrylic-cast", 3.0, None, 1),
    ("sprocket.dxf", "steel-s235", 4.0, None, 0),
    ("motor-mount.dxf", "aluminium-5052", 3.0, None, 0),
    ("cable-clip.stl", "petg", None, None, 100),
    ("enclosure.stl", "abs", None, None, 0),
)
SECOND_MAKER_DESIGNS: tuple[DemoDesign, ...] = (  # batched with the first maker's work
    ("sprocket.dxf", "steel-s235", 2.0, None, 10),
    ("cable-clip.stl", "petg", None, None, 10),
)
PRODUCTS = (("desk-organiser.yaml", {"width": "400mm", "compartments": "4"}),)
RECORDING = ("machines/okuma-shdr.txt", "machines/okuma-devices.xml", "OKUMA", "mill-vmc-3axis")
"""The recorded machine: its SHDR log, its probe, its device, and the shop's machine it is."""
REPLAY_SPEED = 20.0
"""Times the recorded pace: about 12 minutes of the four recorded hours, then again."""


def seed_demo(env: Environment, examples: Path, *, schedule: bool = True) -> list[DemoLogin]:
    """Create the demo shop and users, and (once) quote and order the examples as the maker
    and (`schedule`) schedule the shop."""
    shop_id = ensure_shop(env, *DEMO_SHOP)
    for login in LOGINS:
        if accounts.authenticate(env, login.email, login.password) is None:
            accounts.create_user(
                env, login.email, login.password, role=login.role, shop_slug=DEMO_SHOP[0]
            )
    maker = accounts.authenticate(env, LOGINS[0].email, LOGINS[0].password)
    second = accounts.authenticate(env, LOGINS[1].email, LOGINS[1].password)
    assert maker is not None and second is not None
    with env.uow() as uow:
        seeded = bool(uow.designs.list(maker, limit=1))
    if not seeded and examples.is_dir():
        _quote_examples(env, maker, examples, DESIGNS)
        _quote_examples(env, second, examples, SECOND_MAKER_DESIGNS)
        _plan_products(env, maker, examples)
        _demo_upkeep(env)
        if schedule:
            schedule_shop(env, shop_id, None, SolverSettings(time_limit=3))
            _start_first_work(env, shop_id)
    return list(LOGINS)


def _demo_upkeep(env: Environment) -> None:
    """A weekly check of the laser's optics, due this week, and the spare parts for it."""
    operator = _operator(env)
    monday = (now() - timedelta(days=now().weekday())).strftime("%Y%m%dT060000Z")
    add_plan(
        env,
        operator,
        {
            "machine": "fiber-laser-3015",
            "title": "Clean the lens, change the nozzle",
            "trigger": {"kind": "calendar", "rule": f"DTSTART:{monday}\nRRULE:FREQ=WEEKLY"},
            "tasks": ["protective window", "nozzle", "ceramic ring", "chiller water level"],
            "duration_s": 1800,
            "parts": [{"part": "nozzle-1.5", "quantity": 1}],
            "window": {"early": 0, "late": 4 * 86400},
        },
    )
    set_spare_part(
        env, operator, "nozzle-1.5", SparePartRequest(name="Nozzle, single 1.5 mm", on_hand=10)
    )


def _operator(env: Environment) -> Account:
    login = next(login for login in LOGINS if login.role == "operator")
    operator = accounts.authenticate(env, login.email, login.password)
    assert operator is not None, "the demo operator signs in"
    return operator


def _start_first_work(env: Environment, shop_id: int) -> None:
    """The operator starts the schedule's first work order, as the floor would."""
    with env.uow() as uow:
        ready = uow.work_orders.of_shop(shop_id, ["ready"])
        first = ready[0].id if ready else None
    if first is not None:
        act(env, _operator(env), first, FloorRequest(action=FloorAction.START))


@contextmanager
def demo_machines(env: Environment, examples: Path) -> Iterator[str | None]:
    """While open: the recorded machine replayed (looping, timed now) as an MTConnect agent
    on this computer, and the demo shop watching it; its address, or None when the
    recording is not there."""
    log, probe, device, machine = RECORDING
    if not (examples / log).is_file() or not (examples / probe).is_file():
        yield None
        return
    lines = (examples / log).read_text(encoding="utf-8").splitlines()
    agent = AgentReplayServer(
        (examples / probe).read_bytes(),
        lines,
        device,
        speed=REPLAY_SPEED,
        loop=True,
        live=True,
    )
    with agent:
        feed = {"kind": "agent", "url": agent.url, "machines": {device: machine}, "poll_s": 1.0}
        set_feeds(env, _operator(env), [feed])
        yield agent.url


def _quote_examples(
    env: Environment, maker: Account, examples: Path, chosen: Sequence[DemoDesign]
) -> None:
    for name, material, thickness, finish, ordered in chosen:
        path = examples / name
        design = designs.upload_design(env, maker, name, path.read_bytes())
        quote = quoting.quote_stored_design(
            env,
            maker,
            quoting.PartQuoteRequest(
                design_id=design.id, material=material, thickness_mm=thickness, finish=finish
            ),
        )
        if ordered:
            orders.place_order(env, maker, quote.id, ordered, f"demo-{name}")


def _plan_products(env: Environment, maker: Account, examples: Path) -> None:
    for spec_name, settings in PRODUCTS:
        text = (examples / "products" / spec_name).read_text(encoding="utf-8")
        product = quoting.submit_product(env, maker, text, json_format=False)
        request = quoting.PlanRequest(settings=settings, quantities=[1, 10, 100])
        quote_id = quoting.plan_stored_product(env, maker, product.id, request, silent)
        orders.place_order(env, maker, quote_id, 10, f"demo-{spec_name}")
