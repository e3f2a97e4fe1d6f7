"""Load the process library: the bundled YAML, and a shop's own file merged over it.

A shop file may hold the top-level keys `shop`, `materials`, `processes` and `machines`
(and `x-...` keys that only carry YAML anchors). An entry whose `id` is in the catalog
overrides it: the fields it gives replace the bundled ones, `sources` merge key by key,
and a changed figure needs a source of its own. A new id extends the catalog; a machine
marked `retired: true` is left out of it. Any error names the file, the key path and the
reason, and leaves the catalog as it was.
"""

import functools
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError

from bespoke.model.catalog import Catalog, CatalogEntry, Machine, Material, Process, Shop, Supplier
from bespoke.model.errors import CatalogError

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

BUNDLED_FILES = ("materials.yaml", "processes.yaml", "shop.yaml", "suppliers.yaml")
SECTIONS = ("shop", "materials", "processes", "machines", "suppliers")
ANCHOR_PREFIX = "x-"
PROCESS_TYPES: dict[str, type[Process]] = {
    cls.model_fields["kind"].default: cls for cls in get_args(get_args(Process)[0])
}
"""Each kind of process by its `kind`, as the catalog's `Process` union lists them."""

E = TypeVar("E", bound=CatalogEntry)
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", Machine, Supplier)
Raw = dict[str, Any]
Builder = Callable[[E | None, Raw, str], E]


@dataclass(frozen=True)
class _Draft:
    """The catalog being assembled; it becomes a Catalog only once a whole file is valid."""

    shop: Shop | None
    materials: dict[str, Material]
    processes: dict[str, Process]
    machines: dict[str, Machine]
    suppliers: dict[str, Supplier]


def load_catalog(shop_file: Path | None = None) -> Catalog:
    """The bundled catalog, with the entries of `shop_file` merged over it when given.

    Raises CatalogError naming the file, the key path and the reason when the file is
    missing, is not a YAML mapping, or holds an unknown, conflicting or invalid entry.
    """
    if shop_file is None:
        return _fresh(_bundled())
    return catalog_with_overrides(_read(shop_file), str(shop_file))


def catalog_with_overrides(overrides: Mapping[str, Any], source: str) -> Catalog:
    """The bundled catalog with a shop's overrides (the shape of a shop file) merged over it.

    Raises CatalogError naming `source`, the key path and the reason.
    """
    bundled = _bundled()
    draft = _Draft(
        bundled.shop, bundled.materials, bundled.processes, bundled.machines, bundled.suppliers
    )
    return _finish(_apply(draft, _checked_sections(overrides, source), source), source)


@functools.cache
def _bundled() -> Catalog:
    """The catalog shipped with the package, read and validated once per process."""
    data = resources.files("bespoke.catalog") / "data"
    draft = _Draft(None, {}, {}, {}, {})
    for name in BUNDLED_FILES:
        draft = _apply(draft, _parse((data / name).read_text(encoding="utf-8"), name), name)
    return _finish(draft, BUNDLED_FILES[-1])


def _fresh(catalog: Catalog) -> Catalog:
    """A copy whose dicts a caller may change without touching the cached catalog."""
    return catalog.model_copy(
        update={
            "materials": dict(catalog.materials),
            "processes": dict(catalog.processes),
            "machines": dict(catalog.machines),
            "suppliers": dict(catalog.suppliers),
        }
    )


def _finish(draft: _Draft, source: str) -> Catalog:
    if draft.shop is None:
        raise CatalogError(f"{source}: shop: missing (the shop settings are required)")
    fields = {
        "shop": draft.shop,
        "materials": draft.materials,
        "processes": draft.processes,
        "machines": {k: m for k, m in draft.machines.items() if not m.retired},
        "suppliers": draft.suppliers,
    }
    return _validate(Catalog, fields, source)


# --- reading YAML ---------------------------------------------------------------------------


class _UniqueKeyLoader(_SafeLoader):
    """Safe YAML loading that refuses a key given twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"key '{key_node.value}' given twice", key_node.start_mark
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def _read(path: Path) -> Raw:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CatalogError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot be read ({exc})") from None
    return _parse(text, str(path))


def _parse(text: str, source: str) -> Raw:
    """The YAML document in `text`: a mapping of known top-level keys."""
    try:
        doc = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise CatalogError(f"{source}: {where}not valid YAML ({exc.problem})") from None
    except yaml.YAMLError as exc:
        raise CatalogError(f"{source}: not valid YAML ({exc})") from None
    return _checked_sections(doc, source)


def _checked_sections(doc: object, source: str) -> Raw:
    """`doc` if it is a mapping of known top-level keys."""
    accepted = ", ".join(SECTIONS)
    if not isinstance(doc, dict):
        raise CatalogError(f"{source}: expected a mapping with keys {accepted}, got {_kind(doc)}")
    for key in doc:
        if key not in SECTIONS and not str(key).startswith(ANCHOR_PREFIX):
            raise CatalogError(
                f"{source}: {key}: unknown top-level key (accepted: {accepted};"
                f" keys starting with '{ANCHOR_PREFIX}' may hold YAML anchors)"
            )
    return doc


# --- merging a file over the draft -----------------------------------------------------------


def _apply(draft: _Draft, doc: Mapping[str, Any], source: str) -> _Draft:
    """`draft` with the entries of one file merged over it; `draft` itself is unchanged."""
    materials = _merge(draft.materials, doc, "materials", source, _material)
    processes = _merge(draft.processes, doc, "processes", source, _process)

    def machine(base: Machine | None, raw: Raw, where: str) -> Machine:
        return _machine(base, raw, where, processes)

    machines = _merge(draft.machines, doc, "machines", source, machine)

    def supplier(base: Supplier | None, raw: Raw, where: str) -> Supplier:
        return _supplier(base, raw, where, processes)

    suppliers = _merge(draft.suppliers, doc, "suppliers", source, supplier)
    shop = _shop(draft.shop, doc.get("shop"), f"{source}: shop", materials)
    return _Draft(shop, materials, processes, machines, suppliers)


def _merge(
    current: dict[str, E], doc: Mapping[str, Any], section: str, source: str, build: Builder[E]
) -> dict[str, E]:
    merged = dict(current)
    for where, entry_id, raw in _entries(doc.get(section), section, source):
        merged[entry_id] = build(current.get(entry_id), raw, where)
    return merged


def _entries(items: object, section: str, source: str) -> list[tuple[str, str, Raw]]:
    """(key path, id, fields) of each entry of a section, each id given once."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise CatalogError(
            f"{source}: {section}: expected a list of entries with an 'id', got {_kind(items)}"
        )
    first_at: dict[str, str] = {}
    entries = []
    for index, raw in enumerate(items):
        path = f"{section}[{index}]"
        if not isinstance(raw, dict):
            raise CatalogError(
                f"{source}: {path}: expected a mapping with an 'id', got {_kind(raw)}"
            )
        entry_id = raw.get("id")
        if not isinstance(entry_id, str) or not entry_id:
            raise CatalogError(
                f"{source}: {path}: entry has no 'id' (give the id of the entry to override,"
                " or a new one)"
            )
        where = f"{source}: {path} (id '{entry_id}')"
        if entry_id in first_at:
            raise CatalogError(
                f"{where}: conflicts with {first_at[entry_id]}, the same id earlier in this file"
                " (give each id once)"
            )
        first_at[entry_id] = path
        entries.append((where, entry_id, raw))
    return entries


def _material(base: Material | None, raw: Raw, where: str) -> Material:
    return _entry(Material, base, raw, where)


def _process(base: Process | None, raw: Raw, where: str) -> Process:
    kind = raw.get("kind", base.kind if base else None)
    if base is not None and kind != base.kind:
        raise CatalogError(
            f"{where}.kind: conflicts with the catalog: '{base.id}' is {base.kind}, not {kind}"
            " (a process keeps its kind; use a new id)"
        )
    cls = PROCESS_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        problem = "missing" if kind is None else f"unknown kind {kind!r}"
        raise CatalogError(f"{where}.kind: {problem} (accepted: {', '.join(PROCESS_TYPES)})")
    return _entry(cls, base, raw, where)


def _machine(
    base: Machine | None, raw: Raw, where: str, processes: Mapping[str, Process]
) -> Machine:
    return _runs_known_process(_entry(Machine, base, raw, where), where, processes)


def _supplier(
    base: Supplier | None, raw: Raw, where: str, processes: Mapping[str, Process]
) -> Supplier:
    return _runs_known_process(_entry(Supplier, base, raw, where), where, processes)


def _runs_known_process(entry: R, where: str, processes: Mapping[str, Process]) -> R:
    if entry.process not in processes:
        raise CatalogError(
            f"{where}.process: unknown process '{entry.process}'"
            f" (known: {', '.join(sorted(processes))})"
        )
    return entry


def _shop(
    base: Shop | None, raw: object, where: str, materials: Mapping[str, Material]
) -> Shop | None:
    if raw is None:
        return base
    if not isinstance(raw, dict):
        raise CatalogError(f"{where}: expected a mapping of shop settings, got {_kind(raw)}")
    shop = _entry(Shop, base, raw, where)
    for field in ("default_sheet_material", "default_solid_material"):
        material_id = getattr(shop, field)
        if material_id not in materials:
            raise CatalogError(
                f"{where}.{field}: unknown material '{material_id}'"
                f" (known: {', '.join(sorted(materials))})"
            )
    return shop


def _entry(cls: type[E], base: CatalogEntry | None, raw: Raw, where: str) -> E:
    """`raw` validated as `cls`, merged over `base` when it overrides it."""
    entry = _validate(cls, _merged(base, raw), where)
    if base is not None:
        _check_changed_figures(base, entry, raw, where)
    return entry


def _merged(base: CatalogEntry | None, raw: Raw) -> Raw:
    """The fields of `raw` over those given for `base`, `sources` merged key by key."""
    if base is None:
        return raw
    merged = {**base.model_dump(exclude_unset=True), **raw}
    sources = raw.get("sources", {})
    if isinstance(sources, dict):
        merged["sources"] = {**base.sources, **sources}
    return merged


def _check_changed_figures(base: CatalogEntry, entry: CatalogEntry, raw: Raw, where: str) -> None:
    """A figure an override changes needs its own source: the bundled one named the old value."""
    given = raw.get("sources") or {}
    for name in entry.figure_fields():
        old, new = getattr(base, name), getattr(entry, name)
        if name in raw and name not in given and new != old:
            raise CatalogError(
                f"{where}.{name}: changed from {_brief(old)} to {_brief(new)} without a source"
                f" (add sources.{name}: where the new figure comes from)"
            )


# --- messages -------------------------------------------------------------------------------


def _validate(cls: type[M], data: Raw, where: str) -> M:
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        raise CatalogError(f"{where}{_describe(exc, cls)}") from None


def _describe(exc: ValidationError, cls: type[BaseModel]) -> str:
    """Pydantic's errors as one line: the first one's key path and reason, and how many more."""
    errors = exc.errors()
    first = errors[0]
    loc = first["loc"]
    path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)
    reason = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden" and len(loc) == 1:
        reason = f"unknown field (accepted: {', '.join(cls.model_fields)})"
    elif loc and isinstance(first["input"], str | int | float):
        reason += f" (got {_brief(first['input'])})"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{path}: {reason}{more}"


def _kind(value: object) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", type(None): "nothing"}
    return names.get(type(value), f"a {type(value).__name__}")


def _brief(value: object, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."
