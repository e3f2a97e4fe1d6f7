"""The maker's files of an order, for the shop to download: the design a part was quoted
from, or the designs a product's spec names (the newest upload of each name when it was
quoted), each by its sha256 under its original file name."""

from pydantic import BaseModel

from bespoke.model.accounts import Account
from bespoke.model.errors import NotFoundError
from bespoke.model.product import DesignFile
from bespoke.products.spec import parse_spec
from bespoke.services.environment import Environment
from bespoke.store import UnitOfWork
from bespoke.store.tables import DesignRow, OrderRow


class OrderFile(BaseModel):
    filename: str
    sha256: str
    size_bytes: int


def order_files(env: Environment, viewer: Account, order_id: int) -> list[OrderFile]:
    """The files of an order its `viewer` may see (its maker, its shop, an admin)."""
    with env.uow() as uow:
        designs = _designs(uow, uow.orders.get(viewer, order_id))
    return [
        OrderFile(filename=d.filename, sha256=d.sha256, size_bytes=d.size_bytes) for d in designs
    ]


def order_file(env: Environment, viewer: Account, order_id: int, sha256: str) -> OrderFile:
    """One file of an order (its content is `env.blobs.path(sha256)`). NotFoundError for
    a file not of it, or an order the viewer may not see."""
    found = next((f for f in order_files(env, viewer, order_id) if f.sha256 == sha256), None)
    if found is None:
        raise NotFoundError(f"order {order_id} has no file {sha256[:64]!r}")
    return found


def _designs(uow: UnitOfWork, order: OrderRow) -> list[DesignRow]:
    quote = uow.quotes.by_id(order.quote_id)
    if quote.design_id is not None:
        return [uow.designs.by_id(quote.design_id)]
    if quote.product_id is None:
        return []
    product = uow.products.by_id(quote.product_id)
    named = {
        d.filename: d for d in reversed(uow.designs.of_owner(product.owner_id, quote.created_at))
    }
    files = [
        p.geometry.file
        for p in parse_spec(product.spec, "spec").parts
        if isinstance(p.geometry, DesignFile)
    ]
    return [named[name] for name in dict.fromkeys(files) if name in named]
