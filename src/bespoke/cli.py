"""The `bespoke` command: thin calls into the services, output as tables or JSON.

Each command imports what it needs when it runs, so that `bespoke --help` loads none of
the readers, solvers, database or domain model (tests/e2e/test_cli_start.py).
"""

import contextlib
import functools
import json
import os
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from bespoke.model import QuoteChoices
    from bespoke.model.scheduling import Problem, Schedule
    from bespoke.reports.catalog_tables import CatalogPart
    from bespoke.services.environment import Environment, Settings

EXIT_BAD_INPUT = 1
EXIT_CANNOT_MAKE = 3

app = typer.Typer(
    help="Bespoke: process plans and honest prices for one-off production.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
catalog_app = typer.Typer(help="Show the process library: materials, processes, machines.")
app.add_typer(catalog_app, name="catalog")
spec_app = typer.Typer(help="The product spec format.")
app.add_typer(spec_app, name="spec")
user_app = typer.Typer(help="Users of the service: makers, operators, admins.")
app.add_typer(user_app, name="user")
shop_app = typer.Typer(help="The network's shops: add one, list them.")
app.add_typer(shop_app, name="shop")
floor_app = typer.Typer(help="The shop floor: machine states, OEE, machine data kept.")
app.add_typer(floor_app, name="floor")
console = Console()
errors = Console(stderr=True)

ShopOption = Annotated[
    Path | None, typer.Option("--shop", help="Shop YAML overriding or extending the catalog")
]


def _fail(message: str) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_BAD_INPUT)


@contextlib.contextmanager
def _user_errors() -> "Iterator[None]":
    """Report an error a user can act on as one line, with exit status 1."""
    from bespoke.model.errors import BespokeError

    try:
        yield
    except BespokeError as error:
        raise _fail(str(error)) from None


def _quantities(text: str | None) -> list[int] | None:
    from bespoke.model.bounds import quantities_in

    return None if text is None else quantities_in(text, "--qty") or None


def _choices(infill: float | None, tier: str, own_material: bool) -> "QuoteChoices":
    from bespoke.model import LEAD_TIERS, QuoteChoices
    from bespoke.model.errors import InputError

    chosen = next((t for t in LEAD_TIERS if t == tier), None)
    if chosen is None:
        raise InputError(f"--tier {tier!r}: use one of {', '.join(LEAD_TIERS)}")
    return QuoteChoices(infill=infill, lead_tier=chosen, own_material=own_material)


@app.command()
def quote(
    file: Annotated[Path, typer.Argument(help="Design file: a DXF drawing or an STL mesh")],
    material: Annotated[
        str | None, typer.Option(help="Material id (bespoke catalog materials)")
    ] = None,
    thickness: Annotated[float | None, typer.Option(help="Sheet thickness in mm")] = None,
    qty: Annotated[str | None, typer.Option(help="Quantities, e.g. 1,10,100")] = None,
    units: Annotated[str | None, typer.Option(help="Drawing units: mm, cm, m, inch, ft")] = None,
    process: Annotated[str | None, typer.Option(help="Quote only this process")] = None,
    finish: Annotated[
        str | None, typer.Option(help="Surface finish process, e.g. powder-coat")
    ] = None,
    infill: Annotated[
        float | None,
        typer.Option(min=0.05, max=1.0, help="Printed parts: share of the inside filled"),
    ] = None,
    tier: Annotated[
        str, typer.Option(help="Lead time: economy, standard or expedite")
    ] = "standard",
    own_material: Annotated[
        bool, typer.Option("--own-material", help="You supply the material: not charged")
    ] = False,
    shop: ShopOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the quote as JSON")] = False,
    curve: Annotated[Path | None, typer.Option(help="Write the scale curve as a PNG here")] = None,
) -> None:
    """Quote a design: the processes that can make it, why others cannot, price by quantity."""
    from bespoke.costing.quote import quote_design
    from bespoke.model.quote_document import QuoteDocument
    from bespoke.reports.quote_tables import print_quote

    with _user_errors():
        choices = _choices(infill, tier, own_material)
        result = quote_design(
            file,
            material=material,
            thickness_mm=thickness,
            quantities=_quantities(qty),
            units=units,
            process=process,
            finish=finish,
            shop_file=shop,
            choices=choices,
        )
    if as_json:
        print(json.dumps(QuoteDocument.of(result).model_dump(mode="json"), indent=2))
    else:
        print_quote(result, console)
    if curve is not None and result.curve is not None:
        from bespoke.reports.scale_curve import write_scale_curve  # matplotlib: only when asked

        write_scale_curve(
            result.curve, f"{result.design}: unit price by quantity", result.currency, curve
        )
        if not as_json:
            console.print(f"scale curve written to {curve}")
    if not result.makeable:
        raise typer.Exit(EXIT_CANNOT_MAKE)


def _show(kind: "CatalogPart", shop: Path | None) -> None:
    from bespoke.catalog import load_catalog
    from bespoke.reports.catalog_tables import catalog_table

    with _user_errors():
        console.print(catalog_table(load_catalog(shop), kind))


@catalog_app.command("materials")
def catalog_materials(shop: ShopOption = None) -> None:
    """Materials with density, price and how they are stocked."""
    _show("materials", shop)


@catalog_app.command("processes")
def catalog_processes(shop: ShopOption = None) -> None:
    """Processes with the material families they work."""
    _show("processes", shop)


@catalog_app.command("machines")
def catalog_machines(shop: ShopOption = None) -> None:
    """The shop's machines with their envelopes and hourly rates."""
    _show("machines", shop)


@spec_app.command("schema")
def spec_schema() -> None:
    """Print the JSON Schema of product specs."""
    from bespoke.products.spec import spec_schema as schema

    print(json.dumps(schema(), indent=2))


def _settings(pairs: list[str]) -> dict[str, str]:
    from bespoke.model.errors import InputError

    settings = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--set '{pair}': expected name=value, e.g. --set width=800mm")
        settings[name.strip()] = value.strip()
    return settings


@app.command()
def configure(
    spec: Annotated[Path, typer.Argument(help="Product spec (YAML or JSON)")],
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="A parameter value, e.g. width=800mm")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for generated design files")] = None,
    shop: ShopOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the product as JSON")] = False,
) -> None:
    """Set a product's parameters: every part becomes a concrete, measured design."""
    from bespoke.catalog import load_catalog
    from bespoke.products.configure import configure as configure_product
    from bespoke.products.spec import load_spec
    from bespoke.reports.product_tables import print_product

    with _user_errors():
        product = configure_product(
            load_spec(spec),
            _settings(set_ or []),
            load_catalog(shop),
            spec_dir=spec.parent,
            out_dir=out or Path("out") / spec.stem,
            source=spec.name,
        )
    if as_json:
        print(product.model_dump_json(indent=2, exclude={"parts": {"__all__": {"part"}}}))
        return
    print_product(product, console)


@app.command()
def plan(
    spec: Annotated[Path, typer.Argument(help="Product spec (YAML or JSON)")],
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="A parameter value, e.g. width=800mm")
    ] = None,
    qty: Annotated[str | None, typer.Option(help="Quantities of products, e.g. 1,10,100")] = None,
    files: Annotated[Path | None, typer.Option(help="Folder for generated design files")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the plan as a self-contained HTML file here")
    ] = None,
    shop: ShopOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON")] = False,
) -> None:
    """Plan a whole product: how each part is made, assembly, BOM, price by quantity."""
    from bespoke.model.plan_document import PlanDocument
    from bespoke.reports.plan_tables import print_plan
    from bespoke.services.quoting.products import plan_spec

    with _user_errors():
        result = plan_spec(
            spec,
            settings=_settings(set_ or []),
            quantities=_quantities(qty),
            files_dir=files,
            shop_file=shop,
        )
    if as_json:
        print(json.dumps(PlanDocument.of(result).model_dump(mode="json"), indent=2))
    else:
        print_plan(result, console)
    if out is not None:
        from bespoke.catalog import load_catalog
        from bespoke.reports.plan_html import plan_html

        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(plan_html(result, load_catalog(shop).shop.name), encoding="utf-8")
        if not as_json:
            console.print(f"process plan written to {out}")
    if not result.plan.feasible:
        raise typer.Exit(EXIT_CANNOT_MAKE)


DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Folder of the embedded database and files (default: data)"),
]


def _service_settings(data_dir: Path | None) -> "Settings":
    """The service's settings from BESPOKE_*, with `--data-dir` over BESPOKE_DATA_DIR."""
    from bespoke.services.environment import Settings

    if data_dir is not None:
        os.environ["BESPOKE_DATA_DIR"] = str(data_dir)
    return Settings.from_environment()


def _environment(data_dir: Path | None) -> "Environment":
    """The service's database (migrated to the newest schema) and files."""
    from bespoke.services.environment import open_environment

    return open_environment(_service_settings(data_dir), migrate=True)


@shop_app.command("add")
def shop_add(
    slug: Annotated[str, typer.Argument(help="The shop's id: lower-case letters, digits, '-'")],
    name: Annotated[str, typer.Argument(help="The shop's name, as makers see it")],
    data_dir: DataDirOption = None,
) -> None:
    """Add a shop to the network, with the bundled catalog; its staff then set it up."""
    from bespoke.services.shop.network import add_shop

    with _user_errors():
        shop_id = add_shop(_environment(data_dir), slug, name)
    console.print(f"shop {slug} added (id {shop_id}); add its operators with --shop {slug}")


@shop_app.command("list")
def shop_list(data_dir: DataDirOption = None) -> None:
    """The shops and whether each takes work."""
    from bespoke.services.shop.network import retirement

    env = _environment(data_dir)
    with env.uow() as uow:
        for row in uow.shops.all():
            typer.echo(f"{row.slug}\t{row.name}\t{retirement(row) or 'takes work'}")


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="The user's email, used to sign in")],
    role: Annotated[str, typer.Option(help="maker, operator or admin")] = "maker",
    name: Annotated[str | None, typer.Option(help="Display name")] = None,
    shop: Annotated[str | None, typer.Option(help="Shop id (slug); default: the first")] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
    token: Annotated[bool, typer.Option("--token", help="Also print an API token")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Create a user who signs in with email and password."""
    from bespoke.services.accounts.tokens import create_token
    from bespoke.services.accounts.users import create_user
    from bespoke.services.shop.shops import ensure_shop

    with _user_errors():
        env = _environment(data_dir)
        if shop is None:
            ensure_shop(env, "main", "Workshop")
        who = create_user(env, email, password, role=role, name=name, shop_slug=shop)
    console.print(f"user {who.email} created ({who.role}, id {who.id})")
    if token:
        secret, row = create_token(env, who, "cli")
        console.print(f"API token (shown once): {secret}")
        console.print(f"It expires on {row.expires_at:%Y-%m-%d}.")


@app.command()
def migrate(data_dir: DataDirOption = None) -> None:
    """Bring the database to the newest schema and stop (serve and worker do it too when
    they start; run it alone before starting many of them)."""
    from bespoke.store import revisions

    env = _environment(data_dir)
    with env.uow() as uow:
        current, _ = revisions(uow.session.connection())
    console.print(f"The database is at revision {current}, the newest.")


@app.command()
def backup(
    to: Annotated[
        Path | None,
        typer.Option(help="The archive to write (default: bespoke-backup-<time>.tar.gz here)"),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Back up the database (BESPOKE_DATABASE_URL, else the data folder's) and the
    uploaded files into one archive, while the service may be running."""
    from bespoke.services import backup as backups
    from bespoke.store import now

    with _user_errors():
        target = to or Path(f"bespoke-backup-{now():%Y%m%d-%H%M%S}.tar.gz")
        manifest = backups.backup(_service_settings(data_dir), target)
    console.print(
        f"backed up to {target}: {manifest.backend} database at revision "
        f"{manifest.revision}, {len(manifest.members) - 1} uploaded files"
    )


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="An archive made by `bespoke backup`")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace a database and files that hold data")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Restore a backup in place of the database and uploaded files, then migrate it to
    the newest schema. Stop the service first."""
    from bespoke.services import backup as backups

    with _user_errors():
        manifest = backups.restore(_service_settings(data_dir), file, overwrite=yes)
    console.print(
        f"restored {file} (made {manifest.created_at:%Y-%m-%d %H:%M} UTC by Bespoke "
        f"{manifest.bespoke_version}): {len(manifest.members) - 1} uploaded files"
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes (one per core)")] = 1,
    demo: Annotated[
        bool, typer.Option("--demo", help="Create the demo shop, users and examples first")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Run the web service (API, pages, docs at /docs) on an existing or new database."""
    import uvicorn

    from bespoke.api.logs import log_config
    from bespoke.services import demo as demo_shop
    from bespoke.services.tasks import fail_interrupted
    from bespoke.services.workers import WorkerPool

    env = _environment(data_dir)
    if env.queue is None:  # with a job queue, the workers take up what was left
        fail_interrupted(env)
    if demo:
        with _user_errors():
            logins = demo_shop.demo_users(env)
            preparing = demo_shop.queue_preparation(env)
        console.print("Demo logins (email / password):")
        for login in logins:
            console.print(f"  {login.role:<9} {login.email} / {login.password}")
        if preparing is not None:
            console.print("The demo's designs, orders and schedule are made once the service")
            console.print("answers; until they are all there, the pages say so.")
            env.workers = WorkerPool(1)
            run = functools.partial(demo_shop.start_preparation, env, preparing.id)
            threading.Thread(target=_once_listening, args=(port, run), daemon=True).start()
    with demo_shop.demo_machines(env) if demo else contextlib.nullcontext() as agent:
        if agent:
            console.print(f"A recorded machine replayed at {agent}: see it on /floor")
        console.print(f"Bespoke at http://{host}:{port}/  (API docs at http://{host}:{port}/docs)")
        uvicorn.run(
            "bespoke.api.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=log_config(env.settings.log_format),
            log_level="warning",
            access_log=False,  # the service writes its own (api/observability.py)
            timeout_graceful_shutdown=5,  # live floor streams stay open until told to go
        )
    env.workers.shutdown()


@app.command()
def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Tasks run at once (one per core)")
    ] = 1,
    queues: Annotated[
        str | None,
        typer.Option(
            help="Queues to take, comma-separated (default all): requests, plans, schedules,"
            " mail, floor"
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(min=1, max=65535, help="Serve the worker's Prometheus metrics on this port"),
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Run background tasks from the job queue (BESPOKE_DATABASE_URL on PostgreSQL) until
    stopped (Ctrl-C or SIGTERM: running tasks finish first)."""
    from bespoke.services.job_queue import unknown_queues
    from bespoke.services.workers import WorkerPool

    env = _environment(data_dir)
    if env.queue is None:
        raise _fail(
            "no job queue: set BESPOKE_DATABASE_URL to a PostgreSQL database; on the embedded"
            " SQLite database, `bespoke serve` runs background work itself"
        )
    taken = None if queues is None else [q.strip() for q in queues.split(",") if q.strip()]
    if taken is not None and (not taken or unknown_queues(taken)):
        raise _fail(
            f"--queues: {', '.join(unknown_queues(taken)) or 'none given'} is not a queue;"
            " the queues are requests, plans, schedules, mail, floor"
        )
    ended = None
    if metrics_port is not None:
        from bespoke.api.metrics import serve_worker_metrics

        ended = serve_worker_metrics(metrics_port)
    env.workers = WorkerPool(concurrency, idle=True)  # the web processes' requests first
    name = f"{socket.gethostname()}-{os.getpid()}"
    console.print(f"Bespoke worker {name}: {concurrency} at once, queues {queues or 'all'}")
    try:
        env.queue.work(env, concurrency, taken, name=name, ended=ended)
    finally:
        env.workers.shutdown()


def _once_listening(port: int, then: "Callable[[], None]") -> None:
    """Call `then` as soon as this computer's `port` takes connections."""
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.1)
        else:
            then()
            return


@app.command()
def solve(
    file: Annotated[Path, typer.Argument(help="A flexible job shop instance (.fjs)")],
    time_limit: Annotated[float, typer.Option(help="Seconds to search")] = 30.0,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    workers: Annotated[int, typer.Option(help="CP-SAT workers")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print the schedule as JSON")] = False,
    gantt: Annotated[Path | None, typer.Option(help="Write a Gantt chart PNG here")] = None,
) -> None:
    """Schedule a standard .fjs instance: minimise the makespan, check the schedule."""
    from bespoke.scheduling.checker import violations
    from bespoke.scheduling.fjs import read_fjs
    from bespoke.scheduling.solver import SolverSettings
    from bespoke.scheduling.solver import solve as solve_problem

    if time_limit <= 0:
        raise _fail(f"--time-limit: must be more than 0 seconds, got {time_limit:g}")
    with _user_errors():
        problem = read_fjs(file)
        with _progress_bar(time_limit, quiet=as_json) as report:
            schedule = solve_problem(problem, SolverSettings(time_limit, seed, workers), report)
    broken = violations(problem, schedule)
    if broken:  # a bug, not bad input: say so loudly
        raise RuntimeError(f"infeasible schedule: {broken[:3]}")
    if as_json:
        print(json.dumps(_fjs_document(problem, schedule)))
    else:
        bound = f", lower bound {schedule.lower_bound}" if schedule.lower_bound else ""
        console.print(f"makespan {schedule.makespan} ({schedule.status}{bound})")
    if gantt is not None:
        from bespoke.reports.gantt import write_gantt

        write_gantt(schedule, gantt, title=file.name)
        if not as_json:
            console.print(f"Gantt chart written to {gantt}")


def _fjs_document(problem: "Problem", schedule: "Schedule") -> dict[str, object]:
    """Jobs and operations numbered from 0 in file order, machines as in the file."""
    operations = []
    for item in sorted(schedule.tasks, key=lambda t: tuple(int(p) for p in t.task.split("."))):
        job, op = (int(part) for part in item.task.split("."))
        operations.append(
            {
                "job": job,
                "op": op,
                "machine": int(item.machine),
                "start": item.start,
                "end": item.end,
            }
        )
    return {"makespan": schedule.makespan, "status": schedule.status, "operations": operations}


@contextlib.contextmanager
def _progress_bar(seconds: float, quiet: bool) -> "Iterator[Callable[[float, str], None]]":
    """A Rich progress bar that the solver's progress moves (nothing when `quiet`)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    if quiet:
        yield lambda fraction, what: None
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=errors
    ) as bar:
        task = bar.add_task("scheduling", total=1.0)

        def report(fraction: float, what: str) -> None:
            bar.update(task, completed=fraction, description=what)

        yield report


@app.command()
def schedule(
    time_limit: Annotated[float, typer.Option(help="Seconds to search")] = 10.0,
    seed: Annotated[int, typer.Option(help="Random seed")] = 0,
    shop: Annotated[str | None, typer.Option(help="Shop id (slug); default: the first")] = None,
    gantt: Annotated[Path | None, typer.Option(help="Write a Gantt chart PNG here")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Schedule the shop's open orders on its machines and calendar, and keep the schedule."""
    from bespoke.model.scheduling import Schedule, ScheduleDocument
    from bespoke.scheduling.solver import SolverSettings
    from bespoke.services.shop.batches import batch_nest
    from bespoke.services.shop.scheduling import schedule_shop, stored_tasks
    from bespoke.services.shop.shops import find_shop

    if time_limit <= 0:
        raise _fail(f"--time-limit: must be more than 0 seconds, got {time_limit:g}")
    with _user_errors():
        env = _environment(data_dir)
        with env.uow() as uow:
            row = find_shop(uow, shop)
            shop_id, name = row.id, row.name
        with _progress_bar(time_limit, quiet=False) as report:
            kept = schedule_shop(env, shop_id, None, SolverSettings(time_limit, seed), report)
    tasks = ScheduleDocument.model_validate(kept.document).tasks
    finish = kept.origin + timedelta(seconds=kept.makespan_s)
    orders = {o for t in tasks for o in t.orders}
    console.print(
        f"{name}: schedule {kept.id}, {len(tasks)} operations of {len(orders)} orders;"
        f" all done by {finish:%Y-%m-%d %H:%M} UTC; {kept.setups} set-up changes;"
        f" weighted lateness {kept.weighted_tardiness / 3600:.1f} h ({kept.status})"
    )
    with env.uow() as uow:
        for batch in uow.batches.of_schedule(kept.id):
            nest = batch_nest(batch)
            sheets = nest.sheets if nest else []
            used = ", ".join(f"{s.utilisation:.0%}" for s in sheets)
            offcuts = sum(1 for s in sheets if s.from_remnant)
            console.print(
                f"  {batch.key} {batch.family}: {len(batch.members)} orders on {batch.machine}"
                + (f", {len(sheets)} sheets or plates used {used}" if sheets else "")
                + (f" ({offcuts} of them off-cuts from stock)" if offcuts else "")
            )
    if gantt is not None:
        from bespoke.reports.gantt import write_gantt

        chart = Schedule(
            tasks=stored_tasks(kept.document),
            makespan=kept.makespan_s,
            status=kept.status,
        )
        write_gantt(chart, gantt, title=name)
        console.print(f"Gantt chart written to {gantt}")


ShopSlug = Annotated[str | None, typer.Option("--shop", help="Shop id (slug); default: the first")]


def _shop_id(env: "Environment", slug: str | None) -> int:
    from bespoke.services.shop.shops import find_shop

    with env.uow() as uow:
        return find_shop(uow, slug).id


@floor_app.command("states")
def floor_states(shop: ShopSlug = None, data_dir: DataDirOption = None) -> None:
    """What each machine is doing, as its stored state timeline says."""
    from rich.table import Table

    from bespoke.services.shopfloor.machines import shop_machines

    with _user_errors():
        env = _environment(data_dir)
        machines = shop_machines(env, _shop_id(env, shop))
    table = Table("machine", "state", "since (UTC)", "alarms", "work order", "made")
    for m in machines:
        work = m.work
        table.add_row(
            m.machine,
            m.state.value,
            f"{m.since:%Y-%m-%d %H:%M}" if m.since else "",
            ", ".join(a.code or a.item or "" for a in m.alarms),
            f"{work.name} ({work.good + work.scrap}/{work.quantity})" if work else "",
            str(m.parts_made),
        )
    console.print(table)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


@floor_app.command("oee")
def floor_oee(
    day: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD; default today")] = None,
    days: Annotated[int, typer.Option(help="Days from the first")] = 1,
    shift: Annotated[
        str | None, typer.Option(help="One shift of each day, e.g. 08:00-16:00")
    ] = None,
    shop: ShopSlug = None,
    data_dir: DataDirOption = None,
) -> None:
    """Availability, effectiveness, quality and OEE per machine and for the shop."""
    from datetime import date

    from rich.table import Table

    from bespoke.services.shopfloor.kpis import shop_kpis

    try:
        first = date.fromisoformat(day) if day is not None else None
    except ValueError:
        raise _fail(f"--day: {day!r} is not a date (YYYY-MM-DD)") from None
    with _user_errors():
        env = _environment(data_dir)
        result = shop_kpis(env, _shop_id(env, shop), first, days, shift)
    table = Table(
        "machine",
        "availability",
        "effectiveness",
        "quality",
        "OEE",
        "APT h",
        "PBT h",
        "made",
        "good",
    )
    rows = [(m.machine, m.elements, m.kpis) for m in result.machines]
    for name, elements, kpis in [*rows, ("shop", result.elements, result.shop)]:
        table.add_row(
            name,
            _percent(kpis.availability),
            _percent(kpis.effectiveness),
            _percent(kpis.quality_ratio),
            _percent(kpis.oee_index),
            f"{elements.apt / 3600:.1f}",
            f"{elements.pbt / 3600:.1f}",
            str(elements.pq),
            str(elements.gq),
        )
    what = f"shift {result.shift}" if result.shift else "whole days"
    from bespoke.model.wording import plural

    span = plural(result.days, "day")
    console.print(f"{result.first_day} for {span}, {what} ({result.timezone})")
    console.print(table)
    delivery = result.delivery
    console.print(
        f"orders finished {delivery.finished}, on time {_percent(delivery.on_time_delivery)},"
        f" in progress {delivery.work_in_progress}"
    )


@floor_app.command("compact")
def floor_compact(
    keep_days: Annotated[int, typer.Option(help="Days of raw readings kept")] = 7,
    shop: ShopSlug = None,
    data_dir: DataDirOption = None,
) -> None:
    """Roll machine readings older than --keep-days into hourly rows and delete them."""
    from bespoke.services.shopfloor.retention import compact

    with _user_errors():
        env = _environment(data_dir)
        done = compact(env, _shop_id(env, shop), keep_days)
    console.print(
        f"{done.rows} readings before {done.cut:%Y-%m-%d %H:%M} UTC rolled into"
        f" {done.hours} hourly rows"
    )


@floor_app.command("train-risk")
def floor_train_risk(
    table: Annotated[
        Path, typer.Argument(help="Process readings and failures (AI4I 2020 CSV form)")
    ],
    shop: ShopSlug = None,
    data_dir: DataDirOption = None,
) -> None:
    """Train the failure-risk model the server reads every machine's process data with;
    a machine at risk gets a condition request. Checks the shop's machines once now."""
    from bespoke.model.errors import InputError
    from bespoke.model.wording import plural
    from bespoke.services.maintenance.risk import check_risk, train_risk_model

    with _user_errors():
        env = _environment(data_dir)
        if not table.is_file() or table.stat().st_size > 16_000_000:
            raise InputError(f"{table.name}: not a file of at most 16 MB")
        model = train_risk_model(env, table.read_bytes())
        made = check_risk(env, _shop_id(env, shop), model)
    console.print(
        f"failure-risk model kept (threshold {model.threshold_:.3f});"
        f" {plural(len(made), 'machine')} at risk asked for a check"
    )


@floor_app.command("replay")
def floor_replay(
    recording: Annotated[Path, typer.Argument(help="SHDR lines, as an adapter sends them")],
    machine: Annotated[str, typer.Option(help="The shop's machine the recording is of")],
    probe: Annotated[
        Path, typer.Option(help="Probe (MTConnectDevices) document describing the device")
    ],
    device: Annotated[
        str | None, typer.Option(help="The probe's device; default: its only one")
    ] = None,
    speed: Annotated[
        float | None, typer.Option(help="Times the recorded pace; default: as fast as it goes")
    ] = None,
    shop: ShopSlug = None,
    data_dir: DataDirOption = None,
) -> None:
    """Play a recording of a machine through an SHDR adapter and feed into the store."""
    from bespoke.adapters.mtconnect import parse_probe
    from bespoke.services.shopfloor.feed_settings import probe_device
    from bespoke.services.shopfloor.replay import replay

    if speed is not None and not 0 < speed <= 1e6:
        raise _fail(f"--speed: {speed:g} is not a pace from 0 to 1000000 times")
    try:
        lines = _read_bounded(recording, 500_000_000).decode("utf-8").splitlines()
        described = _read_bounded(probe, 50_000_000)
        if device is None:
            devices = parse_probe(described).devices
            if len(devices) != 1:
                names = ", ".join(d.name for d in devices)
                raise _fail(f"--device: the probe describes {len(devices)} devices: {names}")
            device = devices[0].name
        chosen = probe_device(described, device)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise _fail(str(error)) from None
    with _user_errors(), _counting_bar() as report:
        env = _environment(data_dir)
        done = replay(env, _shop_id(env, shop), lines, chosen, machine, speed, report)
    refused = ", ".join(f"{k} {v}" for k, v in done.refused.items()) or "none"
    console.print(f"{done.lines} lines played: {done.kept} observations kept; refused: {refused}")


def _read_bounded(path: Path, limit: int) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{path}: larger than {limit} bytes")
    return data


@contextlib.contextmanager
def _counting_bar() -> "Iterator[Callable[[int, int], None]]":
    from rich.progress import Progress

    with Progress(console=errors, transient=True) as bar:
        task = bar.add_task("replaying", total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield report
