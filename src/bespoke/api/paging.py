"""Lists served a page at a time: `limit` and `offset` in the query; the answer's
`X-Total-Count` header says how many there are and `Link` names the next and previous
pages (RFC 8288)."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Protocol, TypeVar

from fastapi import Depends, Query, Request, Response

from bespoke.model.accounts import Account
from bespoke.model.bounds import MAX_PAGE, Offset, PageSize

Row = TypeVar("Row")
Row_co = TypeVar("Row_co", covariant=True)


@dataclass(frozen=True)
class Page:
    """Which part of a list to answer with."""

    limit: int
    offset: int


def page(
    limit: Annotated[
        PageSize, Query(description=f"Items in the page, 1 to {MAX_PAGE}, newest first")
    ] = 50,
    offset: Annotated[Offset, Query(description="Items to skip before the page")] = 0,
) -> Page:
    """FastAPI dependency: the page a list request asks for."""
    return Page(limit, offset)


Paged = Annotated[Page, Depends(page)]


class Listed(Protocol[Row_co]):
    """Rows each viewer sees some of, newest first: a repository of owned rows."""

    def count(self, viewer: Account) -> int: ...

    def list(self, viewer: Account, limit: int, offset: int) -> Sequence[Row_co]: ...


def page_of(
    request: Request, response: Response, asked: Page, rows: Listed[Row], viewer: Account
) -> Sequence[Row]:
    """The asked page of the rows `viewer` may see, with how many there are and where the
    pages around it are announced."""
    announce(request, response, asked, rows.count(viewer))
    return rows.list(viewer, asked.limit, asked.offset)


def announce(request: Request, response: Response, asked: Page, total: int) -> None:
    """Tell the caller how many items there are and where the pages around this one are."""
    response.headers["X-Total-Count"] = str(total)
    links = []
    if asked.offset + asked.limit < total:
        links.append(_link(request, asked.limit, asked.offset + asked.limit, "next"))
    if asked.offset > 0:
        links.append(_link(request, asked.limit, max(0, asked.offset - asked.limit), "prev"))
    if links:
        response.headers["Link"] = ", ".join(links)


def _link(request: Request, limit: int, offset: int, rel: str) -> str:
    url = request.url.include_query_params(limit=limit, offset=offset)
    return f'<{url.path}?{url.query}>; rel="{rel}"'
