"""Pictures of stored designs, drawn once per file content and kept beside the blobs."""

from pathlib import Path

from bespoke.reports.pictures import design_png
from bespoke.services.designs import stored_design_file
from bespoke.services.environment import Environment
from bespoke.store.tables import DesignRow


def design_preview(env: Environment, row: DesignRow) -> Path:
    """The PNG of a design (drawn from its DXF entities or its mesh), cached by sha256."""
    picture = env.settings.data_dir / "previews" / f"{row.sha256}.png"
    if not picture.exists():
        picture.parent.mkdir(parents=True, exist_ok=True)
        with stored_design_file(env.blobs, row) as source:
            drawn = source.with_name("preview.png")
            drawn.write_bytes(design_png(source))
            drawn.replace(picture)
    return picture
