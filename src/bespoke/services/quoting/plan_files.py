"""The files a product plan made: kept in the blob store when it is planned, served as a
picture of each part, the parts' drawings and meshes in one ZIP archive, and the plan as
one HTML file."""

import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bespoke.model.accounts import Account
from bespoke.model.errors import NotFoundError, TooLargeError
from bespoke.model.plan_document import PlanDocument, PlanFiles
from bespoke.model.product_plan import ProductQuote
from bespoke.reports.plan_html import part_pictures, plan_html
from bespoke.services.environment import Environment
from bespoke.store.blobs import BlobStore

MAX_ARCHIVE_BYTES = 256 * 1024 * 1024
"""Most bytes of drawings and meshes one archive holds, before compression."""


@dataclass(frozen=True)
class Download:
    """A file to send: where it is and the name it is saved as."""

    path: Path
    filename: str


def keep_files(blobs: BlobStore, quote: ProductQuote, shop: str) -> PlanFiles:
    """Keep each part's design file and picture and the plan's HTML; where they are kept."""
    product = quote.plan.product
    pictures = part_pictures(product)
    return PlanFiles(
        designs={p.id: blobs.put(Path(p.design_file).read_bytes()) for p in product.parts},
        pictures={part: blobs.put(png) for part, png in pictures.items()},
        report=blobs.put(plan_html(quote, shop, pictures).encode()),
    )


def _kept(env: Environment, owner: Account, quote_id: int) -> tuple[PlanDocument, PlanFiles]:
    with env.uow() as uow:
        row = uow.quotes.get(owner, quote_id)
        if row.kind != "product":
            raise NotFoundError(f"quote {quote_id} is not a product's plan")
        document = PlanDocument.model_validate(row.document)
    if document.files is None:
        raise NotFoundError(f"plan {quote_id} kept no files: plan the product again for them")
    return document, document.files


def part_picture(env: Environment, owner: Account, quote_id: int, part_id: str) -> Path:
    """The PNG of one part of a plan."""
    _, files = _kept(env, owner, quote_id)
    if part_id not in files.pictures:
        raise NotFoundError(f"plan {quote_id} has no part '{part_id}'")
    return env.blobs.path(files.pictures[part_id])


def plan_report(env: Environment, owner: Account, quote_id: int) -> Download:
    """The plan as the HTML file a maker hands to a workshop."""
    document, files = _kept(env, owner, quote_id)
    return Download(env.blobs.path(files.report), f"{_file_name(document.name)}-plan.html")


def plan_archive(env: Environment, owner: Account, quote_id: int) -> Download:
    """The plan's parts as DXF drawings and STL meshes in one ZIP archive (a temporary
    file in the environment's work folder: the caller removes it once sent).

    Refused (TooLargeError) past `MAX_ARCHIVE_BYTES` of files.
    """
    document, files = _kept(env, owner, quote_id)
    members = {
        f"{part.id}{Path(part.design_file).suffix.lower()}": files.designs[part.id]
        for part in document.parts
        if part.id in files.designs
    }
    size = sum(env.blobs.path(sha).stat().st_size for sha in members.values())
    if size > MAX_ARCHIVE_BYTES:
        raise TooLargeError(
            f"the parts' files are {size / 1e6:,.0f} MB; an archive holds at most "
            f"{MAX_ARCHIVE_BYTES / 1e6:,.0f} MB"
        )
    env.work_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.NamedTemporaryFile(
            dir=env.work_dir, prefix="parts-", suffix=".zip", delete=False
        ) as out,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for name, sha in members.items():
            archive.write(env.blobs.path(sha), name)
    return Download(Path(out.name), f"{_file_name(document.name)}-parts.zip")


def _file_name(name: str) -> str:
    """A product's name as a file name: letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:80] or "product"
