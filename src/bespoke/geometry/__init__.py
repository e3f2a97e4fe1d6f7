"""Design files in, measurements out."""

from bespoke.geometry.dxf import read_dxf
from bespoke.geometry.stl import read_stl

__all__ = ["read_dxf", "read_stl"]
