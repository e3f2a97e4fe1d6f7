"""A drawing's cut paths as the pages draw them: simplified to a bounded number of points,
with the places its open chains fail to close."""

from collections.abc import Callable

import numpy as np
import shapely

from bespoke.geometry._arcs import FloatArray
from bespoke.geometry._chaining import OpenChain
from bespoke.model.geometry import Contour, DrawnPath, LooseEnds, Point, SheetDrawing

MAX_DRAWN_POINTS = 40_000
"""Points of all paths together: enough for any part at the width of a screen."""
FIRST_TOLERANCE = 1 / 4000
"""The first simplification tolerance, relative to the drawing's largest extent."""


def sheet_drawing(
    contours: list[Contour],
    rings: list[FloatArray],
    chains: list[OpenChain],
    low: FloatArray,
    high: FloatArray,
    describe: Callable[[OpenChain], str],
) -> SheetDrawing:
    """The paths of a read drawing (each contour with its ring, then the open chains' paths)
    within `MAX_DRAWN_POINTS`; `describe` words an open chain for its mark."""
    kinds = [c.kind.value for c in contours] + ["open" for c in chains for _ in c.paths]
    lines = [*rings, *(path for chain in chains for path in chain.paths)]
    tolerance = FIRST_TOLERANCE * float(max(high - low))
    drawn = _simplified(lines, tolerance)
    while sum(len(line) for line in drawn) > MAX_DRAWN_POINTS:
        tolerance *= 2
        drawn = _simplified(lines, tolerance)
    return SheetDrawing(
        bbox_min_mm=_point(low),
        bbox_mm=_point(high - low),
        paths=[
            DrawnPath(kind=kind, points=[_point(p) for p in line])
            for kind, line in zip(kinds, drawn, strict=True)
            if len(line) >= 2
        ],
        loose_ends=[_loose_ends(chain, describe(chain)) for chain in chains],
    )


def _simplified(lines: list[FloatArray], tolerance: float) -> list[FloatArray]:
    strings = [shapely.LineString(line) for line in lines]
    simple = shapely.simplify(strings, tolerance, preserve_topology=False)
    return [shapely.get_coordinates(line) for line in simple]


def _loose_ends(chain: OpenChain, message: str) -> LooseEnds:
    gap = chain.gap_mm
    at = (chain.ends[0] + chain.ends[1]) / 2 if gap is not None else chain.branches[0]
    return LooseEnds(at_mm=_point(at), size_mm=round(gap or 0.0, 3), message=message)


def _point(values: FloatArray) -> Point:
    x, y = np.asarray(values, dtype=float)[:2]
    return round(float(x), 3), round(float(y), 3)
