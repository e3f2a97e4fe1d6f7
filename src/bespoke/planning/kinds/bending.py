"""Press-brake bending of a cut blank."""

from typing import ClassVar

from bespoke.model import Bending, Machine, Material, Operation, ProcessKind
from bespoke.model.wording import plural
from bespoke.planning.kinds.base import Kind
from bespoke.planning.shape import Shape


class BendingKind(Kind[Bending]):
    kind: ClassVar[ProcessKind] = ProcessKind.BENDING

    def bend(
        self, process: Bending, machine: Machine, bends: int, shape: Shape, material: Material
    ) -> Operation | str:
        """The press brake's operation for a blank bent `bends` times, or why it cannot."""
        thickness = shape.thickness_mm or 0.0
        bend_line = min(shape.footprint_mm)
        if material.family not in process.families:
            return f"{process.name} does not bend {material.family}"
        if thickness > process.max_thickness_mm:
            return (
                f"{process.name} bends up to {process.max_thickness_mm:g} mm,"
                f" part is {thickness:g} mm"
            )
        if bend_line > process.max_length_mm:
            return f"bend {bend_line:.0f} mm is longer than {process.max_length_mm:g} mm"
        return Operation(
            id="bend",
            process_id=process.id,
            machine_id=machine.id,
            name=f"{process.name}: {plural(bends, 'bend')}",
            rate_per_hour=machine.rate_per_hour,
            setup_s=process.setup_s + process.setup_per_bend_s * bends,
            run_s=process.bend_s * bends + process.handling_s,
            manual=process.manual,
            learning_rate=process.learning_rate,
            learning_floor=process.learning_floor,
            basis=f"{plural(bends, 'bend')} x {process.bend_s:g} s + {process.handling_s:g} s"
            f" handling; set-up {process.setup_s:g} s + {process.setup_per_bend_s:g} s a bend",
        )
