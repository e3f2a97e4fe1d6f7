"""The process plan a maker hands to a workshop: one self-contained HTML file."""

import base64
from collections.abc import Mapping
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from bespoke.model.product import ConfiguredPart, Product
from bespoke.model.product_plan import ProductQuote
from bespoke.reports.pictures import design_png, routing_png
from bespoke.reports.scale_curve import scale_curve_png
from bespoke.reports.text import duration, money

_TEMPLATES = Environment(
    loader=PackageLoader("bespoke.reports", "templates"),
    autoescape=select_autoescape(["j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def part_pictures(product: Product) -> dict[str, bytes]:
    """A PNG of each part of a configured product, drawn from its file, by part id."""
    return {p.id: design_png(Path(p.design_file)) for p in product.parts}


def plan_html(quote: ProductQuote, shop: str, pictures: Mapping[str, bytes] | None = None) -> str:
    """Summary, DFM findings, parts with previews, BOM, routing, costs and the scale curve;
    pictures are embedded, so the file stands alone. The parts' `pictures` are drawn
    when not given."""
    plan = quote.plan
    product = plan.product
    settings = ", ".join(f"{k} = {_setting(v)}" for k, v in product.settings.items())
    return _TEMPLATES.get_template("plan.html.j2").render(
        product=product,
        plan=plan,
        shop=shop,
        settings=settings,
        currency=quote.currency,
        prices=quote.prices,
        routing=quote.routing,
        curve=quote.curve,
        parts=product.parts,
        previews={k: _base64(v) for k, v in (pictures or part_pictures(product)).items()},
        sizes={p.id: _size(p) for p in product.parts},
        routing_png=_base64(routing_png(quote.routing)) if quote.routing else "",
        curve_png=(
            _base64(scale_curve_png(quote.curve, f"{product.name}: unit price", quote.currency))
            if quote.curve
            else ""
        ),
        money=money,
        duration=duration,
    )


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _setting(value: bool | int | float | str) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _size(item: ConfiguredPart) -> str:
    part = item.part
    if part.sheet is not None:
        w, h = part.sheet.bbox_mm
        sheet = part.sheet
        return f"{w:.1f} x {h:.1f} mm, cut {sheet.cut_length_mm:,.0f} mm, {sheet.pierces} pierces"
    assert part.solid is not None
    dims = " x ".join(f"{v:.1f}" for v in part.solid.bbox_mm)
    return f"{dims} mm, {part.solid.volume_estimate_mm3 / 1000:,.1f} cm³"
