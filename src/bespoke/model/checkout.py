"""What a maker gives when placing an order: where to ship it, notes for the shop and their
purchase-order reference. Each field is bounded and checked, its message naming it."""

import re
from typing import Annotated

from annotated_types import MaxLen, MinLen
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from bespoke.model.bounds import MAX_TEXT, WithoutNul
from bespoke.model.countries import COUNTRIES

MAX_NAME = 200
MAX_LINE = 100
MAX_LINES = 3
MAX_POSTCODE = 16
MAX_CITY = 100
MAX_PHONE = 32
MAX_PURCHASE_ORDER = 64
MAX_NOTES = MAX_TEXT

_POSTCODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]*")
_PHONE = re.compile(r"\+?[0-9][0-9 ()./-]{3,}")
_REFERENCE = re.compile(r"[^\x00-\x1f\x7f]+")

Line = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LINE), WithoutNul
]


def _postcode(text: str) -> str:
    if not _POSTCODE.fullmatch(text):
        raise ValueError("letters, digits, spaces and hyphens, as the post writes it")
    return text.upper()


def _country(text: str) -> str:
    code = text.upper()
    if code not in COUNTRIES:
        raise ValueError(
            f"{text[:20]!r} is not an ISO 3166 alpha-2 country code (DE, FR, GB, US ...)"
        )
    return code


def _phone(text: str) -> str:
    if not _PHONE.fullmatch(text) or sum(c.isdigit() for c in text) < 5:
        raise ValueError("digits with an optional leading +, spaces, dots, hyphens or brackets")
    return text


def _blank_is_none(value: object) -> object:
    """An optional text left blank is not given."""
    return None if isinstance(value, str) and not value.strip() else value


def _one_line(text: str) -> str:
    if not _REFERENCE.fullmatch(text):
        raise ValueError("one line of text without control characters")
    return text


class ShippingAddress(BaseModel):
    """Where the parts go: a name, one to three street lines, postcode, city and country."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Line = Field(description="Who receives it: a person or a company")
    lines: Annotated[list[Line], MinLen(1), MaxLen(MAX_LINES)] = Field(
        description="Street and number, then any further lines (building, floor)"
    )
    postcode: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_POSTCODE),
        AfterValidator(_postcode),
    ]
    city: Line
    country: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=MAX_LINE),
        AfterValidator(_country),
    ] = Field(description="ISO 3166-1 alpha-2 code, such as DE or US")
    phone: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, max_length=MAX_PHONE),
            AfterValidator(_phone),
        ]
        | None
    ) = Field(default=None, description="For the carrier, optional")

    _blank_phone = field_validator("phone", mode="before")(_blank_is_none)

    def country_name(self) -> str:
        return COUNTRIES[self.country]

    def printed(self) -> list[str]:
        """The address as a label prints it, line by line."""
        return [
            self.name,
            *self.lines,
            f"{self.postcode} {self.city}",
            self.country_name(),
            *([f"Phone {self.phone}"] if self.phone else []),
        ]


Notes = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_NOTES), WithoutNul]
PurchaseOrder = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_PURCHASE_ORDER),
    AfterValidator(_one_line),
]


class Checkout(BaseModel):
    """What an order carries besides its quote and quantity."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    address: ShippingAddress | None = Field(
        default=None, description="Where to ship it (the order pages always ask for it)"
    )
    notes: Notes | None = Field(default=None, description="For the shop, up to a page")
    purchase_order: PurchaseOrder | None = Field(
        default=None, description="The maker's purchase-order reference, printed on papers"
    )

    _blank_texts = field_validator("notes", "purchase_order", mode="before")(_blank_is_none)
