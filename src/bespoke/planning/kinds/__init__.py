"""Kinds of process as behaviour: each module holds what one kind is to planning (its
feasibility checks and time estimate, the stock it consumes), to batching (its set-up
family, whether it batches across orders) and to scheduling (the machines it may run on,
whether it runs through closed hours). `kind_of` is the one registry; a new kind is one
module here, a member of `ProcessKind`, its catalog type and its YAML."""

from typing import Any, assert_never

from bespoke.model import Process, ProcessKind
from bespoke.planning.kinds.additive import AdditiveKind
from bespoke.planning.kinds.base import BENCH, Estimate, Findings, Kind, Making, Workpiece
from bespoke.planning.kinds.bending import BendingKind
from bespoke.planning.kinds.finishing import FinishingKind
from bespoke.planning.kinds.hand_work import AssemblyKind, InspectionKind, PackingKind, WeldingKind
from bespoke.planning.kinds.machining import MachiningKind
from bespoke.planning.kinds.moulding import MouldingKind
from bespoke.planning.kinds.profile_cutting import ProfileCuttingKind
from bespoke.planning.kinds.stamping import StampingKind

PROFILE_CUTTING = ProfileCuttingKind()
ADDITIVE = AdditiveKind()
MACHINING = MachiningKind()
MOULDING = MouldingKind()
STAMPING = StampingKind()
BENDING = BendingKind()
FINISHING = FinishingKind()
INSPECTION = InspectionKind()
ASSEMBLY = AssemblyKind()
WELDING = WeldingKind()
PACKING = PackingKind()


def kind_of(kind: ProcessKind) -> Kind[Any]:
    """The rules of a kind of process; a kind without rules fails type-checking here."""
    match kind:
        case ProcessKind.PROFILE_CUTTING:
            return PROFILE_CUTTING
        case ProcessKind.ADDITIVE:
            return ADDITIVE
        case ProcessKind.MACHINING:
            return MACHINING
        case ProcessKind.MOULDING:
            return MOULDING
        case ProcessKind.STAMPING:
            return STAMPING
        case ProcessKind.BENDING:
            return BENDING
        case ProcessKind.FINISHING:
            return FINISHING
        case ProcessKind.INSPECTION:
            return INSPECTION
        case ProcessKind.ASSEMBLY:
            return ASSEMBLY
        case ProcessKind.WELDING:
            return WELDING
        case ProcessKind.PACKING:
            return PACKING
        case _:
            assert_never(kind)


def rules(process: Process) -> Kind[Any]:
    """The rules of the process's kind."""
    return kind_of(process.kind)


__all__ = ["BENCH", "Estimate", "Findings", "Kind", "Making", "Workpiece", "kind_of", "rules"]
