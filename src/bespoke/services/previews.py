"""Pictures of stored designs, drawn once per file content and kept beside the blobs."""

import tempfile
from pathlib import Path

from bespoke.reports.pictures import design_png
from bespoke.services.environment import Environment
from bespoke.store.tables import DesignRow


def design_preview(env: Environment, row: DesignRow) -> Path:
    """The PNG of a design (drawn from its DXF entities or its mesh), cached by sha256."""
    picture = env.settings.data_dir / "previews" / f"{row.sha256}.png"
    if not picture.exists():
        picture.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="bespoke-preview-") as folder:
            source = Path(folder) / f"design.{row.kind}"
            source.write_bytes(env.blobs.get(row.sha256))
            drawn = Path(folder) / "preview.png"
            drawn.write_bytes(design_png(source))
            drawn.replace(picture)
    return picture
