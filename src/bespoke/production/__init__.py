"""The one translation from an accepted order to the shop's work: its operations with
durations, set-up families, stations and precedence, used by batch planning, the shop's
schedule and promised dates."""

from bespoke.production.jobs import Step, order_job
from bespoke.production.operations import (
    batched,
    build_seconds,
    changeovers,
    family,
    operation_seconds,
    run_seconds,
    tasks,
)
from bespoke.production.work import FrozenWork, OrderAssembly, OrderWork

__all__ = [
    "FrozenWork",
    "OrderAssembly",
    "OrderWork",
    "Step",
    "batched",
    "build_seconds",
    "changeovers",
    "family",
    "operation_seconds",
    "order_job",
    "run_seconds",
    "tasks",
]
