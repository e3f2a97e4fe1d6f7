"""`bespoke backup` and `restore` on both backends: a round trip finds exactly the state
backed up (rows and uploaded files), and a damaged, climbing, newer or foreign archive
is refused with the target left as it was."""

import io
import json
import tarfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text
from tests.helpers import ROOT
from typer.testing import CliRunner

from bespoke.cli import app
from bespoke.model.errors import ConflictError, InputError
from bespoke.services import accounts, quoting
from bespoke.services.backup import MANIFEST, restore
from bespoke.services.environment import Environment, Settings, open_environment
from bespoke.services.ordering import orders
from bespoke.services.shop import shops
from bespoke.store.tables import Base, DesignRow, OrderRow

runner = CliRunner()
State = tuple[dict[str, list[tuple[Any, ...]]], dict[str, bytes]]


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Environment:
    """A shop with a maker whose uploaded design is quoted and ordered."""
    url = None
    if request.param == "postgresql":
        server = request.getfixturevalue("postgres_url")
        name = f"backup_{uuid.uuid4().hex[:10]}"
        engine = create_engine(server, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        engine.dispose()
        url = server.rsplit("/", 1)[0] + f"/{name}"
    environment = open_environment(Settings(data_dir=tmp_path / "data", database_url=url))
    shops.ensure_shop(environment, "works", "Works")
    maker = accounts.create_user(environment, "m@example.com", "long enough", shop_slug="works")
    design = quoting.upload_design(
        environment, maker, "sprocket.dxf", (ROOT / "examples" / "sprocket.dxf").read_bytes()
    )
    request_ = quoting.PartQuoteRequest(design_id=design.id, material="steel-s235", thickness_mm=2)
    quote = quoting.quote_stored_design(environment, maker, request_)
    orders.place_order(environment, maker, quote.id, 10, "first")
    return environment


def state(env: Environment) -> State:
    """Every row of every table, and every stored file's bytes."""
    with env.uow() as uow:
        rows = {
            t.name: sorted(tuple(r) for r in uow.session.execute(select(t)))
            for t in Base.metadata.sorted_tables
        }
    root = env.blobs.root
    files = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    return rows, files


def changed(env: Environment) -> State:
    """Change the data after the backup: a new user, an order cancelled, a file gone, and
    a table a later schema would add."""
    accounts.create_user(env, "late@example.com", "long enough", shop_slug="works")
    with env.uow() as uow:
        uow.session.execute(text("CREATE TABLE added_later (id INTEGER PRIMARY KEY)"))
        order = uow.session.scalars(select(OrderRow)).one()
        design = uow.session.scalars(select(DesignRow)).one()
        order.status = "cancelled"
        uow.commit()
    env.blobs.path(design.sha256).unlink()
    return state(env)


def cli(env: Environment, *args: str) -> Any:
    """Run `bespoke` with the environment's data folder and database."""
    variables = {"BESPOKE_DATABASE_URL": env.settings.database_url or ""}
    return runner.invoke(app, [*args, "--data-dir", str(env.settings.data_dir)], env=variables)


def test_a_restore_brings_back_exactly_the_backed_up_state(
    env: Environment, tmp_path: Path
) -> None:
    before = state(env)
    archive = tmp_path / "backup.tar.gz"
    made = cli(env, "backup", "--to", str(archive))
    assert made.exit_code == 0, made.output
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    assert manifest["backend"] == env.settings.url().split(":")[0].split("+")[0]
    assert manifest["revision"] and len(manifest["members"]) == 2

    after = changed(env)
    assert after != before
    refused = cli(env, "restore", str(archive))
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert state(env) == after

    done = cli(env, "restore", str(archive), "--yes")
    assert done.exit_code == 0, done.output
    assert state(env) == before
    with env.uow() as uow:
        assert "added_later" not in inspect(uow.session.connection()).get_table_names()


def _rewritten(
    archive: Path, to: Path, change: Callable[[dict[str, bytes]], None], extra: tarfile.TarInfo
) -> Path:
    """A copy of `archive` with its members' bytes changed and one more member."""
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar}  # type: ignore[union-attr]
    change(members)
    with tarfile.open(to, "w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        if extra.name:
            tar.addfile(extra, io.BytesIO(b"x" * extra.size))
    return to


def _manifest(**fields: str) -> Callable[[dict[str, bytes]], None]:
    def change(members: dict[str, bytes]) -> None:
        members[MANIFEST] = json.dumps(json.loads(members[MANIFEST]) | fields).encode()

    return change


def _tampered(members: dict[str, bytes]) -> None:
    blob = next(name for name in members if name.startswith("blobs/"))
    members[blob] = members[blob] + b"\n"


def _member(name: str, kind: bytes = tarfile.REGTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = 1 if kind == tarfile.REGTYPE else 0
    info.linkname = "/etc/passwd" if kind == tarfile.SYMTYPE else ""
    return info


def test_damaged_climbing_newer_or_foreign_archives_change_nothing(
    env: Environment, tmp_path: Path
) -> None:
    from bespoke.services.backup import backup

    made = backup(env.settings, tmp_path / "backup.tar.gz")
    other = "postgresql" if env.settings.database_url is None else "sqlite"
    cases = {
        "does not match its sha256": (_tampered, _member("")),
        "climbs out": (_manifest(), _member("../escaped")),
        "climbs out of it": (_manifest(), _member("/tmp/absolute")),
        "link or special file": (_manifest(), _member("blobs/evil", tarfile.SYMTYPE)),
        "newer than this Bespoke": (_manifest(revision="9999_future"), _member("")),
        f"holds a {other} database": (_manifest(backend=other), _member("")),
    }
    after = changed(env)
    for number, (message, (change, extra)) in enumerate(cases.items()):
        bad = _rewritten(
            tmp_path / "backup.tar.gz", tmp_path / f"bad{number}.tar.gz", change, extra
        )
        with pytest.raises(InputError, match=message):
            restore(env.settings, bad, overwrite=True)
        assert state(env) == after, message
    assert made.backend != other
    assert not (tmp_path / "data" / "escaped").exists() and not (tmp_path / "escaped").exists()
    assert [p.name for p in env.settings.data_dir.iterdir() if p.name.startswith(".")] == []
    with pytest.raises(ConflictError, match="--yes"):
        restore(env.settings, tmp_path / "backup.tar.gz")
