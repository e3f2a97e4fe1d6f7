"""Backup and restore: the database and the blob store in one tar.gz with a manifest
(format, Bespoke version, Alembic revision, backend, time, sha256 of each member).

A restore unpacks into a folder of its own inside the data folder and checks everything
(paths, manifest, hashes, schema, backend, an empty target) before it changes anything;
then it loads the database in one transaction, swaps the blob folder by renames, and
migrates to the newest schema.
"""

import hashlib
import re
import shutil
import tarfile
import tempfile
import zlib
from datetime import datetime
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict, ValidationError

from bespoke import __version__
from bespoke.model.errors import ConflictError, InputError
from bespoke.services.environment import Settings
from bespoke.store import connect, now, snapshots, upgrade

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = {"sqlite": "database/bespoke.sqlite3", "postgresql": "database/bespoke.pgdump"}
_BLOB = re.compile(r"blobs/[0-9a-f]{2}/[0-9a-f]{62}")
_CHUNK = 1024 * 1024
_SPARE_BYTES = 256 * 2**20
MAX_MEMBERS = 1_000_000
"""Files one backup may hold: the database, the manifest and the stored uploads."""


class Manifest(BaseModel):
    """What a backup holds; `members` maps each member's path to its sha256."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: int
    bespoke_version: str
    revision: str | None
    backend: snapshots.Backend
    created_at: datetime
    members: dict[str, str]


def backup(settings: Settings, to: Path) -> Manifest:
    """Write the database (a consistent copy, the service may be running) and the blob
    store to the new archive `to`."""
    url = settings.url()
    backend = snapshots.backend_of(url)
    if to.exists():
        raise InputError(f"{to} exists: give a new file name to back up to")
    if not snapshots.exists(url):
        raise InputError(f"no database at {snapshots.sqlite_file(url)}: nothing to back up")
    to.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=to.parent, prefix=".backup-") as work:
        database = Path(work) / "database"
        revision = snapshots.revision(url)
        snapshots.dump(url, database)
        files = {DATABASE[backend]: database} | _blob_files(settings.data_dir / "blobs")
        manifest = Manifest(
            format=FORMAT,
            bespoke_version=__version__,
            revision=revision,
            backend=backend,
            created_at=now(),
            members={name: _sha256(path) for name, path in files.items()},
        )
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            (Path(work) / MANIFEST).write_text(manifest.model_dump_json(indent=2))
            tar.add(Path(work) / MANIFEST, arcname=MANIFEST, filter=_plain)
            for name, path in files.items():
                tar.add(path, arcname=name, recursive=False, filter=_plain)
        partial.replace(to)
    return manifest


def restore(settings: Settings, archive: Path, *, overwrite: bool = False) -> Manifest:
    """Put the database and blob store of `archive` in place of the configured ones and
    migrate to the newest schema; a target with data is replaced only with `overwrite`."""
    url = settings.url()
    backend = snapshots.backend_of(url)
    if not archive.is_file():
        raise InputError(f"{archive}: no such file; give a backup made by `bespoke backup`")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    blobs = settings.data_dir / "blobs"
    with tempfile.TemporaryDirectory(dir=settings.data_dir, prefix=".restore-") as folder:
        work = Path(folder)
        unpacked = work / "archive"
        manifest = _checked(unpacked, _unpacked(archive, unpacked), backend)
        if not overwrite and (snapshots.has_rows(url) or _blob_files(blobs)):
            raise ConflictError(
                f"the target ({_where(settings)}) holds data: restore over it with --yes"
            )
        snapshots.load(url, unpacked / DATABASE[backend])
        staged = unpacked / "blobs"
        staged.mkdir(exist_ok=True)
        if blobs.exists():
            blobs.rename(work / "old-blobs")
        staged.rename(blobs)
    engine = connect(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return manifest


def _where(settings: Settings) -> str:
    url = settings.url()
    if snapshots.backend_of(url) == "sqlite":
        return str(settings.data_dir)
    return str(url.rsplit("@", 1)[-1])


def _blob_files(root: Path) -> dict[str, Path]:
    """The blob store's files by their member names (not its half-written ones)."""
    if not root.is_dir():
        return {}
    found = {f"blobs/{p.parent.name}/{p.name}": p for p in sorted(root.glob("*/*"))}
    return {
        name: path
        for name, path in found.items()
        if _BLOB.fullmatch(name) and path.is_file() and not path.is_symlink()
    }


def _plain(member: tarfile.TarInfo) -> tarfile.TarInfo:
    """A member without its owner's names and ids."""
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    member.mode = 0o644
    return member


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _unpacked(archive: Path, into: Path) -> dict[str, str]:
    """Write each member of `archive` under `into`, refusing any path but the known
    ones and anything but files; their sha256 by name."""
    digests: dict[str, str] = {}
    room = shutil.disk_usage(next(p for p in (into, *into.parents) if p.exists())).free
    room -= _SPARE_BYTES
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                _check_member(member)
                room -= member.size
                if room < 0 or len(digests) >= MAX_MEMBERS:
                    raise InputError(
                        f"{archive}: unpacked it would not fit the data folder's disk (keeping "
                        f"{_SPARE_BYTES // 2**20} MB free) or holds more than {MAX_MEMBERS:,} "
                        "files; nothing was restored"
                    )
                if member.name in digests:
                    raise InputError(f"{member.name!r} is in the archive twice")
                digests[member.name] = _written(tar, member, into / member.name)
    except (tarfile.TarError, EOFError, zlib.error) as error:
        raise InputError(f"{archive}: not a backup made by `bespoke backup` ({error})") from None
    return digests


def _check_member(member: tarfile.TarInfo) -> None:
    name = member.name
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name or re.match(r"[A-Za-z]:", name):
        raise InputError(
            f"{name!r} in the archive climbs out of it: members are relative paths "
            "without '..'; nothing was restored"
        )
    if not member.isfile():
        raise InputError(
            f"{name!r} in the archive is a link or special file: a backup holds only "
            "plain files; nothing was restored"
        )
    if name != MANIFEST and name not in DATABASE.values() and not _BLOB.fullmatch(name):
        raise InputError(
            f"{name!r} is not a member of a backup: it holds {MANIFEST}, the database "
            "under database/ and files under blobs/; nothing was restored"
        )


def _written(tar: tarfile.TarFile, member: tarfile.TarInfo, target: Path) -> str:
    """Copy the member's bytes to `target`; their sha256."""
    source = tar.extractfile(member)
    assert source is not None  # a regular file, checked
    digest = hashlib.sha256()
    target.parent.mkdir(parents=True, exist_ok=True)
    with source, target.open("xb") as out:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def _checked(folder: Path, digests: dict[str, str], backend: str) -> Manifest:
    """The manifest unpacked in `folder`, once it is known and matches every member;
    InputError naming what does not."""
    if MANIFEST not in digests:
        raise InputError(f"the archive has no {MANIFEST}: not a backup made by `bespoke backup`")
    try:
        manifest = Manifest.model_validate_json((folder / MANIFEST).read_bytes())
    except ValidationError as error:
        raise InputError(f"{MANIFEST} is not a backup's manifest: {error}") from None
    if manifest.format != FORMAT:
        raise InputError(f"backup format {manifest.format}: this Bespoke reads format {FORMAT}")
    if manifest.backend != backend:
        raise InputError(
            f"the archive holds a {manifest.backend} database and the target is {backend}: "
            "restore into the same kind of database"
        )
    if manifest.revision is not None and not snapshots.is_known(manifest.revision):
        raise InputError(
            f"the archive's schema (revision {manifest.revision!r}, Bespoke "
            f"{manifest.bespoke_version}) is newer than this Bespoke ({__version__}) knows: "
            "upgrade Bespoke, then restore"
        )
    members = {n: d for n, d in digests.items() if n != MANIFEST}
    if DATABASE[backend] not in manifest.members:
        raise InputError(f"the manifest lists no {DATABASE[backend]}: the backup is incomplete")
    for name in sorted(members.keys() | manifest.members.keys()):
        if members.get(name) != manifest.members.get(name):
            problem = (
                "is missing from the archive"
                if name not in members
                else "is not in the manifest"
                if name not in manifest.members
                else "does not match its sha256 in the manifest"
            )
            raise InputError(f"{name!r} {problem}: the backup is damaged; nothing was restored")
    return manifest
