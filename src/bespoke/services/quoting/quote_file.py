"""A quote as a PDF for its maker and its shop: the kept quote, in the names of the shop's
catalog, printed by `reports.quote_pdf`."""

from decimal import Decimal

from bespoke.model.accounts import Account
from bespoke.model.catalog import Catalog
from bespoke.model.costing import CostBreakdown
from bespoke.model.plan_document import PlanDocument
from bespoke.model.quote_document import BreakdownDocument, QuoteDocument
from bespoke.reports.quote_pdf import PriceLine, QuoteSheet
from bespoke.reports.quote_pdf import quote_pdf as printed
from bespoke.services.environment import Environment
from bespoke.services.shop.shops import shop_catalog
from bespoke.store.tables import QuoteRow


def quote_pdf(env: Environment, viewer: Account, quote_id: int) -> tuple[str, bytes]:
    """The file name and content of a quote's PDF, for its maker, its shop's staff and
    admins (NotFoundError for anyone else)."""
    with env.uow() as uow:
        row = uow.quotes.get(viewer, quote_id)
        shop = uow.shops.by_id(row.shop_id).name
        owner = uow.users.by_id(row.owner_id)
        catalog = shop_catalog(uow, row.shop_id)
    maker = f"{owner.name} <{owner.email}>" if owner and owner.name else (owner and owner.email)
    sheet = quote_sheet(row, shop, maker or "", catalog)
    return f"quote-{row.id}.pdf", printed(sheet)


def quote_sheet(row: QuoteRow, shop: str, maker: str, catalog: Catalog) -> QuoteSheet:
    """What the quote's PDF prints."""
    names = catalog.names()
    document = row.typed_document()
    if isinstance(document, QuoteDocument):
        facts, ways, breakdown, notes = _part(document, names)
    else:
        facts, ways, breakdown, notes = _product(document, names)
    prices = [
        PriceLine(
            quantity=p.quantity,
            way=ways.get(p.quantity, ""),
            unit_price=p.unit_price,
            total_price=p.total_price,
            lead_time_days=p.lead_time_days,
            ready_by=p.promised_at,
        )
        for p in row.prices
    ]
    return QuoteSheet(
        number=row.id,
        title=row.title,
        shop=shop,
        maker=maker,
        made_at=row.created_at,
        valid_until=row.valid_until,
        currency=row.currency,
        facts=facts,
        prices=prices,
        breakdown=_lines(breakdown) if breakdown else [],
        notes=notes,
    )


Parts = tuple[list[tuple[str, str]], dict[int, str], BreakdownDocument | None, list[str]]
"""What is quoted, the way each quantity is made, the first price's make-up, the notes."""


def _part(document: QuoteDocument, names: dict[str, str]) -> Parts:
    material = names.get(document.material, document.material)
    if document.thickness_mm:
        material += f", {document.thickness_mm:g} mm"
    size = " x ".join(f"{v:,.1f}" for v in document.geometry.bbox_mm) + " mm"
    facts = [("File", document.design), ("Material", material), ("Size", size)]
    if document.finish:
        facts.append(("Finish", names.get(document.finish, document.finish)))
    ways = {b.quantity: names.get(b.process, b.process) for b in document.best}
    processes = dict.fromkeys(ways.values())
    if processes:
        facts.append(("Process", ", ".join(processes)))
    notes = [
        f"{names.get(o.process, o.process)}: {f.message}"
        for o in document.rejected
        for f in o.findings
    ]
    notes += document.geometry.warnings
    breakdown = document.best[0].breakdown if document.best else None
    return facts, ways, breakdown, notes


def _product(document: PlanDocument, names: dict[str, str]) -> Parts:
    facts = [("Product", document.name)]
    facts += [(key, str(value)) for key, value in document.settings.items()]
    facts += [
        (
            f"Part {p.id}",
            f"{p.quantity} x {p.design_file or p.id}, "
            + names.get(p.material, p.material)
            + (f", {p.thickness_mm:g} mm" if p.thickness_mm else ""),
        )
        for p in document.parts
    ]
    ways = {
        p.quantity: ", ".join(dict.fromkeys(names.get(w, w) for w in p.ways.values()))
        for p in document.prices
    }
    notes = [f.message for f in document.findings]
    notes += [f"{p.id}: {f.message}" for p in document.parts for f in p.findings]
    breakdown = document.prices[0].breakdown if document.prices else None
    return facts, ways, breakdown, notes


def _lines(breakdown: BreakdownDocument) -> list[tuple[str, Decimal]]:
    """The make-up's kinds that count, named as people call them, and the total."""
    amounts = breakdown.model_dump()
    lines = [
        (label.capitalize(), _decimal(amounts[kind]))
        for kind, label in CostBreakdown.parts().items()
        if amounts.get(kind)
    ]
    return [*lines, ("Total", _decimal(breakdown.total))]


def _decimal(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))
