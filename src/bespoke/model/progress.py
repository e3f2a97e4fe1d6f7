"""How long work tells its caller how far it has come."""

from collections.abc import Callable

Progress = Callable[[float, str], None]
"""Told the fraction of the work done (0 to 1) and what is being done."""


def silent(fraction: float, what: str) -> None:
    """Progress nobody listens to."""
