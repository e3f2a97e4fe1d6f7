"""Requests that wait on heavy work (measuring or drawing a design) wait on threads of
their own, so that the request threads stay free for everyone else's requests."""

from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from fastapi import Request

T = TypeVar("T")
WAITING_THREADS = 32
"""Requests of one server process waiting on its workers at once; more queue for a thread."""


def waiting_limiter() -> anyio.CapacityLimiter:
    """The limiter of the waiting threads (made in the app's event loop)."""
    return anyio.CapacityLimiter(WAITING_THREADS)


async def off_request_threads(request: Request, call: Callable[[], T]) -> T:
    """`call()`, a service call that waits on the workers, run on a waiting thread."""
    limiter: anyio.CapacityLimiter = request.app.state.waiting
    return await anyio.to_thread.run_sync(call, limiter=limiter)
