"""Prints of many orders packed together: footprints on the build plates of FDM and SLA
printers, and layers of footprints stacked in the build volume of a powder bed."""

from collections.abc import Sequence

import shapely

from bespoke.batching.nesting import NestingError, NestSettings, nest
from bespoke.model.batching import Nest, NestPart, Placement, SheetLayout
from bespoke.model.planning import DfmFinding


def pack_plates(
    parts: Sequence[NestPart],
    envelope_mm: tuple[float, float, float],
    *,
    spacing_mm: float,
    material: str,
    process: str = "",
    settings: NestSettings | None = None,
) -> Nest:
    """Every copy of every part on as few build plates as sparrow finds, each part as it
    lies (turned only about the vertical), `spacing_mm` apart; a part may reach the edge
    of the plate, which is the printable area.

    Raises:
        NestingError: a part is taller than the build height or larger than the plate.
    """
    _check_heights(parts, envelope_mm[2], process)
    return nest(
        parts,
        (envelope_mm[0], envelope_mm[1]),
        material=material,
        thickness_mm=None,
        kerf_mm=0.0,
        spacing_mm=spacing_mm,
        process=process,
        stock="build plate",
        edge_mm=0.0,
        settings=settings,
    )


def pack_volume(
    parts: Sequence[NestPart],
    envelope_mm: tuple[float, float, float],
    *,
    spacing_mm: float,
    material: str,
    process: str = "",
    settings: NestSettings | None = None,
) -> Nest:
    """Parts in the build volume of a powder bed, layer by layer: footprints nested on
    layers as large as the bed, the layers stacked into as few builds as they fit.

    A layer is as high as its tallest part and `spacing_mm` of powder; layers go into
    builds tallest first, each into the first build with height left for it.
    """
    height = envelope_mm[2]
    _check_heights(parts, height - spacing_mm, process)
    flat = pack_plates(
        parts,
        envelope_mm,
        spacing_mm=spacing_mm,
        material=material,
        process=process,
        settings=settings,
    )
    layers, parts = flat.sheets, flat.parts
    tall = {p.id: p.height_mm for p in parts}
    thickness = {
        layer.index: max(tall[p.part] for p in layer.placements) + spacing_mm for layer in layers
    }
    builds: list[list[SheetLayout]] = []
    for layer in sorted(layers, key=lambda layer: -thickness[layer.index]):
        room = [height - sum(thickness[x.index] for x in b) for b in builds]
        build = next(
            (b for b, r in zip(builds, room, strict=True) if r >= thickness[layer.index]), None
        )
        if build is None:
            builds.append([layer])
        else:
            build.append(layer)
    return Nest(
        material=material,
        kerf_mm=0.0,
        spacing_mm=spacing_mm,
        parts=parts,
        notes=flat.notes,
        sheets=[_stack(i, b, thickness, parts, envelope_mm) for i, b in enumerate(builds)],
        seconds=flat.seconds,
    )


def _stack(
    index: int,
    layers: list[SheetLayout],
    thickness: dict[int, float],
    parts: Sequence[NestPart],
    envelope_mm: tuple[float, float, float],
) -> SheetLayout:
    """Layers one on another: one build, its parts lifted to their layer's floor; its
    utilisation is the parts' prisms (footprint x height) over the volume used."""
    by_id = {p.id: p for p in parts}
    placements: list[Placement] = []
    floor = 0.0
    for layer in layers:
        placements += [p.model_copy(update={"z": floor}) for p in layer.placements]
        floor += thickness[layer.index]
    filled = sum(
        shapely.Polygon(by_id[p.part].outline.exterior).area * by_id[p.part].height_mm
        for p in placements
    )
    return SheetLayout(
        index=index,
        size_mm=(envelope_mm[0], envelope_mm[1]),
        used_length_mm=envelope_mm[0],
        used_height_mm=round(floor, 3),
        placements=placements,
        parts_area_mm2=round(sum(layer.parts_area_mm2 for layer in layers), 3),
        utilisation=round(min(1.0, filled / (envelope_mm[0] * envelope_mm[1] * floor)), 4),
    )


def _check_heights(parts: Sequence[NestPart], height_mm: float, process: str) -> None:
    tall = [p for p in parts if p.height_mm > height_mm]
    if tall:
        raise NestingError(
            [
                DfmFinding(
                    process_id=process,
                    feature=f"part {p.id}",
                    measured=round(p.height_mm, 1),
                    limit=round(height_mm, 1),
                    message=f"{p.name} of order {p.order} is {p.height_mm:.0f} mm tall: the"
                    f" build holds {height_mm:.0f} mm",
                )
                for p in tall
            ]
        )
