"""Checking what is asked for against what the shop stocks."""

from bespoke.model import InputError, Material


def sheet_thickness(material: Material, thickness_mm: float | None) -> float:
    """The sheet thickness asked for, checked against stock; else the material's default."""
    stocked = material.sheet_thicknesses_mm
    if thickness_mm is None:
        if material.default_thickness_mm is not None:
            return material.default_thickness_mm
        if stocked:
            return stocked[0]
        raise InputError(
            f"{material.id} is not stocked as sheet: give a thickness to make the outline"
            " that thick (printed, moulded or milled)"
        )
    if thickness_mm <= 0:
        raise InputError(f"thickness must be greater than 0 mm, got {thickness_mm:g}")
    if stocked and not any(abs(thickness_mm - t) < 1e-6 for t in stocked):
        listed = ", ".join(f"{t:g}" for t in stocked)
        raise InputError(
            f"{material.id} is not stocked {thickness_mm:g} mm thick (stocked: {listed} mm)"
        )
    return thickness_mm
