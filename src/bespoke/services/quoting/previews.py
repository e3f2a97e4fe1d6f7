"""Pictures of stored designs, drawn once per file content and kept beside the blobs, and
a drawing's cut paths for the pages to draw."""

import tempfile
from pathlib import Path

from bespoke.geometry.dxf import read_dxf_drawing
from bespoke.model.accounts import Account
from bespoke.model.geometry import SheetDrawing, UnitReading
from bespoke.reports.pictures import design_png
from bespoke.services.environment import Environment
from bespoke.services.workers import DRAW
from bespoke.store.tables import DesignRow


def design_preview(env: Environment, row: DesignRow) -> Path:
    """The PNG of a design (drawn from its DXF entities or its mesh), cached by sha256."""
    picture = env.settings.data_dir / "previews" / f"{row.sha256}.png"
    if not picture.exists():
        picture.parent.mkdir(parents=True, exist_ok=True)
        drawn = env.workers.run(DRAW, drawing, row.kind, env.blobs.get(row.sha256))
        with tempfile.NamedTemporaryFile(dir=picture.parent, delete=False) as out:
            out.write(drawn)
        Path(out.name).replace(picture)
    return picture


def design_drawing(
    env: Environment, who: Account, design_id: int, reading: UnitReading
) -> SheetDrawing:
    """The cut paths of one of `who`'s DXF designs read as `reading` (its quote's reading),
    in the mm of that quote's measurements; kept beside the pictures once drawn."""
    with env.uow() as uow:
        row = uow.designs.get(who, design_id)
    kept = env.settings.data_dir / "previews" / f"{row.sha256}-{reading.factor_to_mm!r}.json"
    if kept.exists():
        return SheetDrawing.model_validate_json(kept.read_bytes())
    drawn = env.workers.run(DRAW, drawing_paths, env.blobs.get(row.sha256), reading)
    kept.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=kept.parent, delete=False) as out:
        out.write(drawn.model_dump_json().encode())
    Path(out.name).replace(kept)
    return drawn


def drawing(kind: str, content: bytes) -> bytes:
    """The PNG of a design file's content of `kind` ('dxf' or 'stl')."""
    with tempfile.TemporaryDirectory(prefix="bespoke-design-") as folder:
        source = Path(folder) / f"design.{kind}"
        source.write_bytes(content)
        return design_png(source)


def drawing_paths(content: bytes, reading: UnitReading) -> SheetDrawing:
    """The cut paths of a DXF file's content read as `reading`."""
    with tempfile.TemporaryDirectory(prefix="bespoke-design-") as folder:
        source = Path(folder) / "design.dxf"
        source.write_bytes(content)
        return read_dxf_drawing(source, reading)
