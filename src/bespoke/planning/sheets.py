"""How many parts a stock sheet holds, for material estimates before real nesting."""

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
