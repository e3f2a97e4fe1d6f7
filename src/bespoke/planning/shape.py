"""What planning needs to know of a part's shape, whether drawn flat or modelled solid."""

from dataclasses import dataclass

from bespoke.model import Contour, Part


@dataclass(frozen=True)
class Shape:
    """Sizes of a part as processes see them. A flat part is its drawing extruded by thickness."""

    flat: bool
    size_mm: tuple[float, float, float]
    volume_mm3: float
    surface_mm2: float
    cut_length_mm: float
    pierces: int
    contours: int
    smallest_hole_mm: float | None
    thickness_mm: float | None
    smallest_hole_at_mm: tuple[float, float] | None = None
    """Where the smallest hole is on the drawing (its centre), None without one."""

    @property
    def footprint_mm(self) -> tuple[float, float]:
        """Size on a sheet or bed: the two largest dimensions."""
        dims = sorted(self.size_mm, reverse=True)
        return dims[0], dims[1]

    @property
    def height_mm(self) -> float:
        """Build height when laid on its largest face."""
        return min(self.size_mm)

    @property
    def bbox_volume_mm3(self) -> float:
        x, y, z = self.size_mm
        return x * y * z


def shape_of(part: Part) -> Shape:
    """Measure a part the way every process reads it."""
    if part.sheet is not None:
        assert part.thickness_mm is not None
        t = part.thickness_mm
        w, h = part.sheet.bbox_mm
        closed_length = part.sheet.cut_length_mm - part.sheet.open_length_mm
        hole: Contour | None = part.sheet.smallest_hole
        return Shape(
            flat=True,
            size_mm=(w, h, t),
            volume_mm3=part.sheet.area_mm2 * t,
            surface_mm2=2 * part.sheet.area_mm2 + closed_length * t,
            cut_length_mm=part.sheet.cut_length_mm,
            pierces=part.sheet.pierces,
            contours=len(part.sheet.contours),
            smallest_hole_mm=None if hole is None else hole.width_mm,
            thickness_mm=t,
            smallest_hole_at_mm=None if hole is None else _rounded(hole.centre_mm),
        )
    solid = part.solid
    assert solid is not None
    return Shape(
        flat=False,
        size_mm=solid.bbox_mm,
        volume_mm3=solid.volume_estimate_mm3,
        surface_mm2=solid.surface_area_mm2,
        cut_length_mm=0.0,
        pierces=0,
        contours=0,
        smallest_hole_mm=None,
        thickness_mm=None,
    )


def _rounded(point: tuple[float, float]) -> tuple[float, float]:
    return round(point[0], 3), round(point[1], 3)


def fits(size: tuple[float, ...], envelope: tuple[float, ...]) -> bool:
    """Whether a box fits an envelope of as many axes in some axis-aligned orientation."""
    return len(size) == len(envelope) and all(
        s <= e for s, e in zip(sorted(size), sorted(envelope), strict=True)
    )
