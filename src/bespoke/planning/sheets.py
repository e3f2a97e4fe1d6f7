"""Stock sheets on a machine: the piece that fits its bed, and how many parts it holds
before real nesting."""

from math import floor


def parts_per_sheet(
    footprint_mm: tuple[float, float], sheet_mm: tuple[float, float], spacing_mm: float
) -> int:
    """Parts laid out in a grid on a sheet, in the better of the two orientations."""
    w, h = footprint_mm
    sw, sh = sheet_mm

    def grid(a: float, b: float) -> int:
        return floor((sw + spacing_mm) / (a + spacing_mm)) * floor(
            (sh + spacing_mm) / (b + spacing_mm)
        )

    return max(grid(w, h), grid(h, w))


def cut_to_bed(sheet: tuple[float, float], bed: tuple[float, ...]) -> tuple[float, float]:
    """The largest piece of a sheet that lies on the bed, either way round."""
    lying = (min(sheet[0], bed[0]), min(sheet[1], bed[1]))
    turned = (min(sheet[0], bed[1]), min(sheet[1], bed[0]))
    return max(lying, turned, key=lambda s: s[0] * s[1])
