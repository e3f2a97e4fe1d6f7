"""Shared test helpers: where things are, and small DXF drawings."""

from pathlib import Path

import ezdxf
from ezdxf import units

ROOT = Path(__file__).resolve().parents[1]


def plate_dxf(
    path: Path,
    width: float,
    height: float,
    holes: list[tuple[float, float, float]] = (),  # type: ignore[assignment]
) -> Path:
    """A rectangular plate in mm with round holes given as (x, y, diameter)."""
    doc = ezdxf.new("R2010")
    doc.units = units.MM
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (width, 0), (width, height), (0, height)], close=True)
    for x, y, diameter in holes:
        msp.add_circle((x, y), diameter / 2)
    doc.saveas(path)
    return path
