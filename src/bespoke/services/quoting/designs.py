"""Uploaded design files: checked, measured, stored by content, listed per owner."""

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import shapely

from bespoke.geometry._units import UNITS_TO_MM, unit_name
from bespoke.geometry.dxf import read_dxf_and_outlines, read_dxf_outlines
from bespoke.geometry.readers import design_kind
from bespoke.model import Sheet2D, Solid3D
from bespoke.model.accounts import Account
from bespoke.model.batching import Outline
from bespoke.model.errors import (
    DesignFileError,
    InputError,
    NotFoundError,
    TooLargeError,
    UnsupportedTypeError,
)
from bespoke.model.product import DesignFile, ProductSpec
from bespoke.services.environment import Environment
from bespoke.services.workers import MEASURE
from bespoke.store import now
from bespoke.store.blobs import BlobStore
from bespoke.store.tables import DesignRow

MAX_NAME = 255
DESIGN_UNITS = tuple(UNITS_TO_MM)
"""The units a design may be read in besides its own ('auto': the file's or the reader's)."""


def upload_design(
    env: Environment, owner: Account, filename: str, content: bytes, units: str | None = None
) -> DesignRow:
    """Measure and keep a design file; the same file uploaded again is the same design.

    Raises UnsupportedTypeError (not .dxf/.stl), TooLargeError (over the upload limit),
    DesignFileError (unreadable), InputError (bad name or units). Nothing is stored then.
    """
    units = design_units(units)
    name = _safe_name(filename)
    try:
        kind = design_kind(name)
    except DesignFileError as error:
        raise UnsupportedTypeError(f"file: {error}") from None
    limit = env.settings.max_upload_bytes
    if len(content) > limit:
        raise TooLargeError(
            f"file: {name} is {len(content) / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB"
        )
    if owner.shop_id is None:
        raise InputError("this account belongs to no shop to upload designs to")
    with env.uow() as uow:
        sha = env.blobs.digest(content)
        known = uow.designs.same_upload(owner.id, sha, name, units)
        if known is not None:
            return known
    kept = env.workers.run(MEASURE, keep_design, env, owner, name, kind, content, units)
    with env.uow() as uow:
        return uow.designs.get(owner, kept)


def design_units(units: str | None) -> str | None:
    """The units to read a design in, by their one name; None (or 'auto'): as the file says.

    Raises InputError naming the accepted units.
    """
    if units is None or units.strip().lower() in ("", "auto"):
        return None
    name = unit_name(units)
    if name is None:
        accepted = ", ".join(("auto", *DESIGN_UNITS))
        raise InputError(f"units: {units!r} is not a unit (accepted: {accepted})", path="units")
    return name


def read_again(env: Environment, owner: Account, design_id: int, units: str | None) -> DesignRow:
    """The owner's stored design read with other units, without uploading it again: the
    design of that reading (a new one, or the one read so before).

    Raises NotFoundError (not the caller's design), InputError (bad units).
    """
    units = design_units(units)
    with env.uow() as uow:
        row = uow.designs.get(owner, design_id)
        if row.owner_id != owner.id:
            raise NotFoundError(f"design {design_id} not found")
        name, sha = row.filename, row.sha256
    return upload_design(env, owner, name, env.blobs.get(sha), units)


def keep_design(
    env: Environment, owner: Account, name: str, kind: str, content: bytes, units: str | None
) -> int:
    """Measure a checked upload and keep it (file, row and audit entry); its id."""
    geometry, outline_area = measure(name, content, units)
    shown = geometry.model_dump(mode="json", exclude={"contours"})  # all but the contours
    sha = env.blobs.put(content)
    assert owner.shop_id is not None
    with env.uow() as uow:
        row = DesignRow(
            owner_id=owner.id,
            shop_id=owner.shop_id,
            filename=name,
            kind=kind,
            sha256=sha,
            size_bytes=len(content),
            units=units,
            geometry=geometry.model_dump(mode="json"),
            measurements={**shown, "outline_area_mm2": outline_area},
            created_at=now(),
        )
        uow.designs.add(row)
        uow.flush()
        uow.audit.record(row.created_at, owner, "upload", "design", row.id, sha256=sha)
        uow.commit()
        return row.id


def measure(
    filename: str, content: bytes, units: str | None
) -> tuple[Sheet2D | Solid3D, float | None]:
    """Read the file with the same readers as the CLI (they want a named file on disk);
    with a drawing, also the area within its parts' outlines (what they take of a sheet,
    holes and all)."""
    with tempfile.TemporaryDirectory(prefix="bespoke-upload-") as folder:
        path = Path(folder) / filename
        path.write_bytes(content)
        if design_kind(filename) == "dxf":
            sheet, outlines = read_dxf_and_outlines(path, units)
            return sheet, outlines_area(outlines)
        from bespoke.geometry.stl import read_stl  # trimesh loads only for meshes

        return read_stl(path, units), None


def outlines_area(outlines: Sequence[Outline]) -> float:
    """The area within the outer boundaries of `outlines`, in mm²."""
    return float(sum(shapely.Polygon(o.exterior).area for o in outlines))


@contextmanager
def stored_design_file(blobs: BlobStore, row: DesignRow) -> Iterator[Path]:
    """A stored design as a named file on disk (the readers want one), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bespoke-design-") as folder:
        path = Path(folder) / f"design.{row.kind}"
        path.write_bytes(blobs.get(row.sha256))
        yield path


def stored_outline_area(blobs: BlobStore, row: DesignRow) -> float:
    """A stored drawing's area within its parts' outlines: kept when it was measured, or
    read again from its file (a design kept before that was measured)."""
    kept = row.measurements.get("outline_area_mm2")
    if kept is not None:
        return float(kept)
    with stored_design_file(blobs, row) as path:
        return outlines_area(read_dxf_outlines(path, row.units))


def stored_geometry(row: DesignRow) -> Sheet2D | Solid3D:
    """The measurements kept with a design."""
    model: Any = Sheet2D if row.kind == "dxf" else Solid3D
    geometry: Sheet2D | Solid3D = model.model_validate(row.geometry)
    return geometry


def write_spec_designs(
    blobs: BlobStore, designs: Sequence[DesignRow], spec: ProductSpec, folder: Path
) -> None:
    """Put the uploaded designs a spec's parts name into `folder`, by file name; of
    `designs` (newest first) the newest of each name is taken. A name is only ever an
    upload's own file name, never a path: nothing is written outside `folder`."""
    check_spec_files(spec)
    folder.mkdir(parents=True)
    named = {d.filename: d for d in reversed(designs)}
    for i, part in enumerate(spec.parts):
        if not isinstance(part.geometry, DesignFile):
            continue
        design = named.get(part.geometry.file)
        if design is None:
            uploaded = ", ".join(sorted(named)) or "none yet"
            raise InputError(
                f"parts[{i}].geometry.file: {part.geometry.file!r} is not one of your"
                f" uploaded designs (uploaded: {uploaded})",
                path=f"parts[{i}].geometry.file",
            )
        (folder / design.filename).write_bytes(blobs.get(design.sha256))


def check_spec_files(spec: ProductSpec) -> None:
    """Every drawn part of a spec sent to the service names an upload by its file name
    alone (no folders): names are data, never paths."""
    for i, part in enumerate(spec.parts):
        if isinstance(part.geometry, DesignFile) and not is_plain_name(part.geometry.file):
            raise InputError(
                f"parts[{i}].geometry.file: {part.geometry.file!r} is not a file name; give the"
                " name of one of your uploaded designs alone, without folders (bracket.dxf)",
                path=f"parts[{i}].geometry.file",
            )


def is_plain_name(name: str) -> bool:
    """A file's own name: no folder, no parent, not hidden, no control characters; safe
    to join onto a folder."""
    return (
        0 < len(name) <= MAX_NAME
        and name == Path(name).name
        and "\\" not in name
        and not name.startswith(".")
        and name.isprintable()
    )


def _safe_name(filename: str) -> str:
    """The file's own name, without any folders a browser or script sent along."""
    name = Path(filename.replace("\\", "/")).name.strip()
    if not is_plain_name(name):
        raise InputError(f"file: {filename!r} is not a usable file name")
    return name
