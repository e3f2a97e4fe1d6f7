"""Reading catalog tables: figures by thickness, interpolated between rows."""

import numpy as np


def by_thickness(rows: list[tuple[float, float]], thickness_mm: float) -> float:
    """Value at a thickness, linear between rows and held flat beyond the ends."""
    ts, values = zip(*rows, strict=True)
    return float(np.interp(thickness_mm, ts, values))
