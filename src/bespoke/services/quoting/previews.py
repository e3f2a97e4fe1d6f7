"""Pictures of stored designs, drawn once per file content and kept beside the blobs."""

import tempfile
from pathlib import Path

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


def drawing(kind: str, content: bytes) -> bytes:
    """The PNG of a design file's content of `kind` ('dxf' or 'stl')."""
    with tempfile.TemporaryDirectory(prefix="bespoke-design-") as folder:
        source = Path(folder) / f"design.{kind}"
        source.write_bytes(content)
        return design_png(source)
