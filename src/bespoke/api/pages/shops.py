"""The maker's page of a part's quote asked across the network's shops: each shop's
prices and promised dates or why it cannot make it, the best by price or by date, and a
link to each shop's kept quote to order it there."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from bespoke.api.pages.kit import Signed, refusal, render
from bespoke.api.security import Env, check_csrf
from bespoke.api.waiting import off_request_threads
from bespoke.model.bounds import RowId
from bespoke.model.errors import BespokeError, InputError
from bespoke.services import quoting
from bespoke.services.quoting.across_shops import AcrossShops

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form()]


@router.post("/quotes/{quote_id}/across-shops", response_class=HTMLResponse)
async def across_shops(
    quote_id: RowId,
    request: Request,
    env: Env,
    caller: Signed,
    csrf_token: Text = "",
    best_by: Text = "price",
) -> HTMLResponse:
    """The design of a part's quote asked again, with the same choices, in every shop."""
    check_csrf(caller, csrf_token)

    def asked() -> AcrossShops:
        with env.uow() as uow:
            row = uow.quotes.get(caller.account, quote_id)
            if row.design_id is None:
                raise InputError(f"quote {quote_id}: only a part's quote is asked across shops")
            body = {**row.request, "best_by": best_by}
        return quoting.quote_across_shops(
            env, caller.account, quoting.AcrossShopsRequest.model_validate(body)
        )

    try:
        answer = await off_request_threads(request, asked)
    except (BespokeError, ValidationError) as error:
        status, message = refusal(error)
        return render(
            request, "across_shops.html.j2", caller, status, quote_id=quote_id, error=message
        )
    best = {b.quantity: b for b in answer.best}
    return render(
        request, "across_shops.html.j2", caller, quote_id=quote_id, answer=answer, best=best
    )
