"""A demo shop to look around in: users of each role, the examples quoted, a few orders,
the shop's schedule of them with its first work order started, and a real machine's
recording replayed as an MTConnect agent the shop watches, so that its floor moves.

The examples are the package's own (`bespoke/examples`, the repository's `examples/`), so
the demo runs from any folder. The users are made at once; the rest (`prepare_demo`) takes
a while and can run as a background task run while the service already answers. Each of
its steps skips what an earlier, interrupted preparation already made.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from importlib.resources import files
from importlib.resources.abc import Traversable

from sqlalchemy import select

from bespoke.adapters.mtconnect import AgentReplayServer
from bespoke.model.accounts import Account
from bespoke.model.errors import BespokeError
from bespoke.model.execution import FloorAction, WorkOrderStatus
from bespoke.model.progress import Progress, silent
from bespoke.scheduling.solver import SolverSettings
from bespoke.services import accounts, quoting
from bespoke.services.accounts.users import account
from bespoke.services.environment import Environment
from bespoke.services.maintenance.orders import SparePartRequest, set_spare_part
from bespoke.services.maintenance.plans import add_plan
from bespoke.services.ordering import orders
from bespoke.services.quoting import designs
from bespoke.services.shop.scheduling import schedule_shop
from bespoke.services.shop.shops import ensure_shop
from bespoke.services.shopfloor.feed_settings import set_feeds
from bespoke.services.shopfloor.terminal import FloorRequest, act
from bespoke.services.tasks import TaskRunner
from bespoke.services.workers import Budget
from bespoke.store import now
from bespoke.store.tables import QuoteRow, TaskRunRow

DEMO_SHOP = ("demo", "Bespoke demo workshop")
DEMO_TASK = "demo"
"""The kind of the task run that prepares the demo."""
PREPARING = Budget("preparing the demo", 600, 4096)


STARTED = (WorkOrderStatus.RUNNING, WorkOrderStatus.PAUSED, WorkOrderStatus.DONE)


class MissingExampleError(BespokeError):
    """An example the demo needs is not where the package keeps them."""


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


def bundled_examples() -> Traversable:
    """The examples the package ships (the repository's `examples/` links to them)."""
    return files("bespoke") / "examples"


def needed_examples() -> list[str]:
    """The example files the demo reads, as paths under the examples' folder."""
    chosen = {name for name, *_ in (*DESIGNS, *SECOND_MAKER_DESIGNS)}
    return [*sorted(chosen), *(f"products/{name}" for name, _ in PRODUCTS), *RECORDING[:2]]


def check_examples(examples: Traversable) -> None:
    """Raises MissingExampleError naming each example the demo needs that is not there."""
    missing = [name for name in needed_examples() if not _example(examples, name).is_file()]
    if missing:
        raise MissingExampleError(
            f"the demo's examples {', '.join(missing)} are missing from {examples}"
        )


def _example(examples: Traversable, name: str) -> Traversable:
    return examples.joinpath(*name.split("/"))


def seed_demo(
    env: Environment, examples: Traversable | None = None, *, schedule: bool = True
) -> list[DemoLogin]:
    """Create the demo shop and users, and quote and order the examples (by default the
    package's) as the makers and (`schedule`) schedule the shop, all before returning."""
    logins = demo_users(env)
    prepare_demo(env, silent, examples or bundled_examples(), schedule=schedule)
    return logins


def demo_users(env: Environment) -> list[DemoLogin]:
    """The demo shop and a user of each role in it (once)."""
    ensure_shop(env, *DEMO_SHOP)
    for login in LOGINS:
        with env.uow() as uow:
            known = uow.users.by_email(login.email) is not None
        if not known:
            accounts.create_user(
                env, login.email, login.password, role=login.role, shop_slug=DEMO_SHOP[0]
            )
    return list(LOGINS)


def queue_preparation(env: Environment) -> TaskRunRow | None:
    """The demo's preparation as a queued task run (`start_preparation` runs it); None
    when an earlier one finished it. The demo's users must exist (`demo_users`).

    Raises MissingExampleError when an example is missing."""
    check_examples(bundled_examples())
    with env.uow() as uow:
        latest = uow.task_runs.latest_of_kind(DEMO_TASK)
        if latest is not None and latest.status == "done":
            return None
    return TaskRunner(env).queue(_login(env, "admin"), DEMO_TASK)


def start_preparation(env: Environment, run_id: str) -> None:
    """Run the queued preparation on the environment's workers."""
    TaskRunner(env).start(run_id, PREPARING, preparation)


def still_preparing(env: Environment) -> str | None:
    """What the demo's preparation is doing while it runs; None when none runs."""
    with env.uow() as uow:
        run = uow.task_runs.latest_of_kind(DEMO_TASK)
        return run.message if run is not None and run.status in ("queued", "running") else None


def preparation(env: Environment, progress: Progress) -> str:
    """The demo's preparation as a task: the URL of the demo's orders."""
    prepare_demo(env, progress, bundled_examples())
    return "/api/orders"


def prepare_demo(
    env: Environment, progress: Progress, examples: Traversable, *, schedule: bool = True
) -> None:
    """Quote and order the examples as the demo's makers, plan its product, add the
    laser's upkeep and (`schedule`) schedule the shop and start its first work order;
    what an earlier preparation made is not made again."""
    check_examples(examples)
    shop_id = ensure_shop(env, *DEMO_SHOP)
    maker, second = _login(env, "maker"), _login(env, "maker", 1)
    progress(0.0, "quoting and ordering the example designs")
    _quote_examples(env, maker, examples, DESIGNS)
    _quote_examples(env, second, examples, SECOND_MAKER_DESIGNS)
    progress(0.1, "planning the example product")
    _plan_products(env, maker, examples)
    _demo_upkeep(env, shop_id)
    if schedule:
        progress(0.2, "scheduling the shop")
        with env.uow() as uow:
            scheduled = uow.schedules.latest(shop_id) is not None
        if not scheduled:
            schedule_shop(env, shop_id, None, SolverSettings(time_limit=3))
        _start_first_work(env, shop_id)


def _demo_upkeep(env: Environment, shop_id: int) -> None:
    """A weekly check of the laser's optics, due this week, and the spare parts for it."""
    with env.uow() as uow:
        if uow.maintenance.plans(shop_id):
            return
    operator = _login(env, "operator")
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


def _login(env: Environment, role: str, index: int = 0) -> Account:
    """The demo's `index`-th user of `role`."""
    login = [login for login in LOGINS if login.role == role][index]
    with env.uow() as uow:
        row = uow.users.by_email(login.email)
        assert row is not None, f"the demo's {role} {login.email} exists"
        return account(row)


def _start_first_work(env: Environment, shop_id: int) -> None:
    """The operator starts the schedule's first work order, as the floor would (unless
    one was started before)."""
    with env.uow() as uow:
        ready = uow.work_orders.of_shop(shop_id, [WorkOrderStatus.READY.value])
        started = uow.work_orders.of_shop(shop_id, [s.value for s in STARTED])
        first = ready[0].id if ready and not started else None
    if first is not None:
        act(env, _login(env, "operator"), first, FloorRequest(action=FloorAction.START))


@contextmanager
def demo_machines(env: Environment, examples: Traversable | None = None) -> Iterator[str]:
    """While open: the recorded machine replayed (looping, timed now) as an MTConnect agent
    on this computer, and the demo shop watching it; its address."""
    examples = examples or bundled_examples()
    log, probe, device, machine = RECORDING
    lines = _example(examples, log).read_text(encoding="utf-8").splitlines()
    agent = AgentReplayServer(
        _example(examples, probe).read_bytes(),
        lines,
        device,
        speed=REPLAY_SPEED,
        loop=True,
        live=True,
    )
    with agent:
        feed = {"kind": "agent", "url": agent.url, "machines": {device: machine}, "poll_s": 1.0}
        set_feeds(env, _login(env, "operator"), [feed])
        yield agent.url


def _quote_examples(
    env: Environment, maker: Account, examples: Traversable, chosen: Sequence[DemoDesign]
) -> None:
    """Each design uploaded, quoted and (when chosen so) ordered, unless it was before."""
    for name, material, thickness, finish, ordered in chosen:
        if _ordered(env, maker, f"demo-{name}"):
            continue
        content = _example(examples, name).read_bytes()
        design = designs.upload_design(env, maker, name, content)  # the same: the same design
        if not ordered and _quoted(env, design.id):
            continue
        quote = quoting.quote_stored_design(
            env,
            maker,
            quoting.PartQuoteRequest(
                design_id=design.id, material=material, thickness_mm=thickness, finish=finish
            ),
        )
        if ordered:
            orders.place_order(env, maker, quote.id, ordered, f"demo-{name}")


def _ordered(env: Environment, maker: Account, key: str) -> bool:
    with env.uow() as uow:
        return uow.orders.by_idempotency_key(maker.id, key) is not None


def _quoted(env: Environment, design_id: int) -> bool:
    with env.uow() as uow:
        found = select(QuoteRow.id).where(QuoteRow.design_id == design_id).limit(1)
        return uow.session.scalar(found) is not None


def _plan_products(env: Environment, maker: Account, examples: Traversable) -> None:
    """Each product planned and ordered, unless it was before."""
    for spec_name, settings in PRODUCTS:
        if _ordered(env, maker, f"demo-{spec_name}"):
            continue
        text = _example(examples, f"products/{spec_name}").read_text(encoding="utf-8")
        product = quoting.submit_product(env, maker, text, json_format=False)
        request = quoting.PlanRequest(settings=settings, quantities=[1, 10, 100])
        quote_id = quoting.plan_stored_product(env, maker, product.id, request, silent)
        orders.place_order(env, maker, quote_id, 10, f"demo-{spec_name}")
