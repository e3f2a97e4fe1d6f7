"""A kept part quote asked again without uploading again: with other options, or with its
design read in other units."""

from typing import Any

from bespoke.model.accounts import Account
from bespoke.model.errors import InputError, NotFoundError
from bespoke.services.environment import Environment
from bespoke.services.quoting.designs import read_again
from bespoke.services.quoting.quotes import PartQuoteRequest, quote_stored_design
from bespoke.store.tables import QuoteRow


def asked_of(env: Environment, owner: Account, quote_id: int) -> PartQuoteRequest:
    """What the owner's part quote `quote_id` was asked for.

    Raises NotFoundError (not the caller's quote), InputError (a product plan).
    """
    with env.uow() as uow:
        row = uow.quotes.get(owner, quote_id)
        if row.owner_id != owner.id:
            raise NotFoundError(f"quote {quote_id} not found")
        if row.kind != "part" or row.design_id is None:
            raise InputError(
                f"quote {quote_id} is a product plan; plan the product again with other settings"
            )
        return PartQuoteRequest.model_validate({**row.request, "design_id": row.design_id})


def requote(env: Environment, owner: Account, quote_id: int, changes: dict[str, Any]) -> QuoteRow:
    """A new quote of the same design as `quote_id`, its request changed by `changes`
    (fields of PartQuoteRequest; None: the default).

    Raises NotFoundError, InputError or pydantic's ValidationError (bad changes); nothing
    is stored then.
    """
    asked = asked_of(env, owner, quote_id)
    changes = {k: v for k, v in changes.items() if k != "design_id"}
    request = PartQuoteRequest.model_validate({**asked.model_dump(), **changes})
    return quote_stored_design(env, owner, request)


def quote_as_read(env: Environment, owner: Account, quote_id: int, units: str | None) -> QuoteRow:
    """A new quote asked as `quote_id` was, of its design read again in `units` (None: as
    the file says).

    Raises NotFoundError, InputError (bad units, or a reading that cannot be quoted).
    """
    asked = asked_of(env, owner, quote_id)
    design = read_again(env, owner, asked.design_id, units)
    return quote_stored_design(env, owner, asked.model_copy(update={"design_id": design.id}))
