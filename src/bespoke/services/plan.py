"""Plan a product spec: configure it, plan every part, price it by quantity."""

from collections.abc import Mapping
from pathlib import Path

from bespoke.catalog import load_catalog
from bespoke.costing import curve_quantities
from bespoke.costing.product import choose, price_product, product_curve
from bespoke.model import Catalog, InputError
from bespoke.model.product_plan import ProductQuote
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
    catalog = catalog or load_catalog(shop_file)
    quantities = sorted(set(quantities or catalog.shop.quantity_breaks))
    if quantities[0] < 1:
        raise InputError(f"quantity must be a whole number of at least 1, got {quantities[0]}")
    product = configure(
        load_spec(spec_path),
        settings or {},
        catalog,
        spec_dir=spec_path.parent,
        out_dir=files_dir or Path("out") / spec_path.stem,
        source=spec_path.name,
    )
    plan = plan_product(product, catalog)
    if not plan.feasible:
        return ProductQuote(
            plan=plan, currency=catalog.shop.currency, prices=[], routing=None, curve=None
        )
    shop = catalog.shop
    return ProductQuote(
        plan=plan,
        currency=shop.currency,
        prices=[price_product(plan, q, shop) for q in quantities],
        routing=product_routing(plan, choose(plan, quantities[0], shop)),
        curve=product_curve(plan, shop, curve_quantities()),
    )
