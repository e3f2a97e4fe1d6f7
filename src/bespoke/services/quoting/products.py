"""Plan a product spec: configure it, plan every part, price it by quantity."""

from collections.abc import Mapping
from pathlib import Path

from bespoke.catalog import load_catalog
from bespoke.costing import curve_quantities
from bespoke.costing.product import choose, price_product, product_curve
from bespoke.model import Catalog
from bespoke.model.bounds import quantity_list
from bespoke.model.product import ProductSpec
from bespoke.model.product_plan import ProductQuote
from bespoke.model.progress import Progress, silent
from bespoke.planning.product import plan_product, product_routing
from bespoke.products.configure import configure
from bespoke.products.spec import load_spec


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
