"""Plan a product spec: configure it, plan every part, price it by quantity; check a
stored spec's options by configuring it without planning."""

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bespoke.catalog import load_catalog
from bespoke.costing import curve_quantities
from bespoke.costing.product import choose, price_product, product_curve
from bespoke.model import Catalog
from bespoke.model.accounts import Account
from bespoke.model.bounds import quantity_list
from bespoke.model.product import ProductSpec
from bespoke.model.product_plan import ProductQuote
from bespoke.model.progress import Progress, silent
from bespoke.planning.product import plan_product, product_routing
from bespoke.products.configure import configure
from bespoke.products.options import checked_settings
from bespoke.products.spec import load_spec
from bespoke.services.environment import Environment
from bespoke.services.quoting.designs import write_spec_designs
from bespoke.services.shop.shops import shop_catalog
from bespoke.store import UnitOfWork


def plan_spec(
    spec_path: Path,
    *,
    settings: Mapping[str, str] | None = None,
    quantities: list[int] | None = None,
    files_dir: Path | None = None,
    shop_file: Path | None = None,
    catalog: Catalog | None = None,
) -> ProductQuote:
    """The product's plan, its price at each quantity, its routing and its scale curve.

    Parametric parts are written to `files_dir` (default `out/<spec name>/`).
    """
    return plan_product_spec(
        load_spec(spec_path),
        settings=settings,
        quantities=quantities,
        spec_dir=spec_path.parent,
        files_dir=files_dir or Path("out") / spec_path.stem,
        source=spec_path.name,
        catalog=catalog or load_catalog(shop_file),
    )


def plan_product_spec(
    spec: ProductSpec,
    *,
    settings: Mapping[str, str] | None,
    quantities: list[int] | None,
    spec_dir: Path,
    files_dir: Path,
    source: str,
    catalog: Catalog,
    progress: Progress | None = None,
) -> ProductQuote:
    """`plan_spec` for a spec already read; design files it names are looked up in `spec_dir`.

    `progress(fraction, what)` hears of each stage: configuring, planning, pricing.
    """
    report = progress or silent
    quantities = quantity_list(quantities or catalog.shop.quantity_breaks)
    report(0.05, "configuring the parts")
    product = configure(
        spec, settings or {}, catalog, spec_dir=spec_dir, out_dir=files_dir, source=source
    )
    report(0.4, f"planning {len(product.parts)} parts")
    plan = plan_product(product, catalog)
    if not plan.feasible:
        return ProductQuote(
            plan=plan, currency=catalog.shop.currency, prices=[], routing=None, curve=None
        )
    shop = catalog.shop
    report(0.7, f"pricing {len(quantities)} quantities and the scale curve")
    return ProductQuote(
        plan=plan,
        currency=shop.currency,
        prices=[price_product(plan, q, shop) for q in quantities],
        routing=product_routing(plan, choose(plan, quantities[0], shop)),
        curve=product_curve(plan, shop, curve_quantities()),
    )


@contextmanager
def spec_folder(
    env: Environment, uow: UnitOfWork, owner: Account, spec: ProductSpec
) -> Iterator[Path]:
    """A folder of the environment's work, removed after: the owner's designs the spec
    draws in `designs/`, and room for the parts it writes."""
    env.work_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="plan-", dir=env.work_dir))
    try:
        designs = uow.designs.list(owner, limit=10_000)
        write_spec_designs(env.blobs, designs, spec, work / "designs")
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def check_configuration(
    env: Environment, owner: Account, spec: ProductSpec, settings: Mapping[str, str], shop_id: int
) -> None:
    """Configure `spec` with `settings` in the shop's catalog as a plan would, without
    planning it: each option refused names itself (`OptionError`), each part its spec path."""
    checked_settings(spec, settings)
    with env.uow() as uow, spec_folder(env, uow, owner, spec) as work:
        catalog = shop_catalog(uow, shop_id)
        configure(
            spec,
            settings,
            catalog,
            spec_dir=work / "designs",
            out_dir=work / "parts",
            source="spec",
        )
