"""Sign-in throttling: failed sign-ins are counted per account (the email tried) and per
client address in the database, so every server process sees them; past a limit, that
email or address is refused for a back-off that doubles each time, before any password
is checked."""

import math
from datetime import datetime

from bespoke.model.accounts import LoginLimits, Scope
from bespoke.store import UnitOfWork
from bespoke.store.tables import LoginThrottleRow

KEY_LENGTH = 320


class LoginRefusedError(Exception):
    """Sign-ins for this email or from this address wait `seconds` more."""

    def __init__(self, scope: Scope, seconds: int) -> None:
        whose = "for this email" if scope == Scope.ACCOUNT else "from this address"
        super().__init__(f"too many failed sign-ins {whose}; try again in {seconds} s")
        self.scope, self.seconds = scope, seconds


def keys(email: str, address: str) -> dict[Scope, str]:
    """What failures are counted against: the email as sign-in finds it, the address."""
    return {Scope.ACCOUNT: email.strip().lower()[:KEY_LENGTH], Scope.ADDRESS: address}


def check(uow: UnitOfWork, email: str, address: str, at: datetime) -> None:
    """LoginRefusedError while the email or the address is backing off."""
    wanted = [(scope.value, key) for scope, key in keys(email, address).items()]
    waits = [
        (row.locked_until - at, Scope(row.scope))
        for row in uow.login_throttle.counters(wanted)
        if row.locked_until is not None and row.locked_until > at
    ]
    if waits:
        wait, scope = max(waits)
        raise LoginRefusedError(scope, math.ceil(wait.total_seconds()))


def failed(uow: UnitOfWork, limits: LoginLimits, email: str, address: str, at: datetime) -> None:
    """Count a failed sign-in against the email and the address; a back-off it starts is
    written to the audit log. Then counters quiet for a window are forgotten."""
    for scope, key in keys(email, address).items():
        row = uow.login_throttle.counter(scope.value, key, at)
        if _count(row, limits, scope, at):
            assert row.locked_until is not None
            until = row.locked_until.isoformat()
            uow.audit.record(at, None, "login_throttled", scope, key[:64], key=key, until=until)
    uow.login_throttle.forget_quiet(at - limits.window)


def succeeded(uow: UnitOfWork, email: str) -> None:
    """A right password clears the email's failures (not the address's)."""
    uow.login_throttle.forget(Scope.ACCOUNT.value, keys(email, "")[Scope.ACCOUNT])


def _count(row: LoginThrottleRow, limits: LoginLimits, scope: Scope, at: datetime) -> bool:
    """Count one failure in `row`; whether it starts a back-off."""
    if row.window_start + limits.window <= at:
        row.failures, row.window_start = 0, at
        if row.locked_until is None or row.locked_until + limits.window <= at:
            row.backoffs = 0
    row.failures += 1
    if row.failures < limits.attempts(scope):
        return False
    row.locked_until = at + limits.backoff(row.backoffs)
    row.backoffs += 1
    row.failures, row.window_start = 0, at
    return True
