"""Who uses Bespoke and what they may see: makers, a shop's operators, admins."""

from dataclasses import dataclass
from datetime import timedelta
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


ACCOUNT_ATTEMPTS = 5
"""Failures per email in a window: room for a typo, caps lock and an old password."""
ADDRESS_ATTEMPTS = 20
"""Failures per client address in a window: a workshop's people share one address. At
about 0.4 s of argon2 per check, one address costs the server at most 8 s per window."""
WINDOW = timedelta(minutes=15)
"""How long a failure is counted; a key quiet for this long after a back-off starts over."""
FIRST_BACKOFF = timedelta(minutes=1)
LONGEST_BACKOFF = timedelta(minutes=15)
"""The first refusal lasts a minute, each next one twice as long up to 15 minutes: a
guesser gets about 5 tries per 15 minutes per email (some 500 a day, hopeless against
passwords of 8 characters or more), and the owner of a locked email waits 15 minutes
at most."""


class Scope(StrEnum):
    ACCOUNT = "account"
    ADDRESS = "address"


@dataclass(frozen=True)
class LoginLimits:
    """When sign-ins are refused: after `per_account` failures for one email or
    `per_address` from one address within `window`, for a back-off from `first_backoff`
    doubling to `longest_backoff`."""

    per_account: int = ACCOUNT_ATTEMPTS
    per_address: int = ADDRESS_ATTEMPTS
    window: timedelta = WINDOW
    first_backoff: timedelta = FIRST_BACKOFF
    longest_backoff: timedelta = LONGEST_BACKOFF

    def attempts(self, scope: Scope) -> int:
        return self.per_account if scope == Scope.ACCOUNT else self.per_address

    def backoff(self, earlier: int) -> timedelta:
        """The back-off after `earlier` back-offs in a row."""
        return min(self.first_backoff * (1 << min(earlier, 32)), self.longest_backoff)
