"""Accounts: users of a shop and their roles, signing in (with its throttle), sessions
and API tokens; the audit log as admins read it."""

from typing import TYPE_CHECKING

from bespoke.services.exports import lazy

if TYPE_CHECKING:
    from bespoke.services.accounts.audit import audit_entries
    from bespoke.services.accounts.tokens import create_token, revoke_token, token_holder
    from bespoke.services.accounts.users import (
        authenticate,
        create_user,
        sign_in,
        sign_out,
        sign_out_everywhere,
        start_session,
    )

EXPORTS = {
    "audit_entries": "audit",
    "authenticate": "users",
    "create_token": "tokens",
    "create_user": "users",
    "revoke_token": "tokens",
    "sign_in": "users",
    "sign_out": "users",
    "sign_out_everywhere": "users",
    "start_session": "users",
    "token_holder": "tokens",
}
__all__ = [
    "audit_entries",
    "authenticate",
    "create_token",
    "create_user",
    "revoke_token",
    "sign_in",
    "sign_out",
    "sign_out_everywhere",
    "start_session",
    "token_holder",
]
__getattr__ = lazy(__name__, EXPORTS)
