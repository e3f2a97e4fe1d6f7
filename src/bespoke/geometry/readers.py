"""The reader of a design file, chosen by its suffix: DXF drawings and STL meshes."""

from pathlib import Path, PurePath
from typing import Literal

from bespoke.model.errors import DesignFileError
from bespoke.model.geometry import Sheet2D, Solid3D

DesignKind = Literal["dxf", "stl"]
DESIGN_SUFFIXES: dict[str, DesignKind] = {".dxf": "dxf", ".stl": "stl"}
"""The suffixes of the design files Bespoke reads (any case), and their kinds."""


def part_title(name: str) -> str:
    """A part's name as people read it: a design file's name without its suffix."""
    path = PurePath(name)
    return path.stem if path.suffix.lower() in DESIGN_SUFFIXES else name


def design_kind(name: str) -> DesignKind:
    """'dxf' or 'stl' by the suffix of the file `name`.

    Raises DesignFileError naming the accepted suffixes for any other file.
    """
    kind = DESIGN_SUFFIXES.get(PurePath(name).suffix.lower())
    if kind is None:
        accepted = ", ".join(DESIGN_SUFFIXES)
        raise DesignFileError(
            f"{PurePath(name).name}: not a design file Bespoke reads (accepted: {accepted})"
        )
    return kind


def read_design(path: Path, units: str | None) -> Sheet2D | Solid3D:
    """The design file measured by the reader its suffix chooses, in `units` when given."""
    if design_kind(path.name) == "dxf":
        from bespoke.geometry.dxf import read_dxf  # ezdxf loads only for drawings

        return read_dxf(path, units)
    from bespoke.geometry.stl import read_stl  # trimesh loads only for meshes

    return read_stl(path, units)
