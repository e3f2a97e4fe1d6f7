"""Who uses Bespoke and what they may see: makers, a shop's operators, admins."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    """A maker sees their own work; an operator sees their shop's; an admin sees everything."""

    MAKER = "maker"
    OPERATOR = "operator"
    ADMIN = "admin"


class Account(BaseModel):
    """A signed-in user, as every use case receives them."""

    model_config = ConfigDict(frozen=True)

    id: int
    email: str
    name: str
    role: Role
    shop_id: int | None
