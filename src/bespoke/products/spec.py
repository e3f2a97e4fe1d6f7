"""Reading a product spec: YAML or JSON in, a validated `ProductSpec` out.

Every error names the spec path of what is wrong (`parts[2].geometry.holes[0].diameter`)
and what would be accepted; nothing is half-read.
"""

import json
from collections.abc import Iterable
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

from bespoke.model.errors import InputError
from bespoke.model.product import ProductSpec

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML has it (its wheels do): several times faster."""
MAX_SPEC_VALUES = 100_000
"""Most values (mappings, lists and scalars) a spec may hold, YAML aliases expanded.

Aliases are allowed, as makers use anchors for repeated holes and parts, but counted
before anything is built: the parser's events are walked once and each anchor's expanded
size remembered, so aliases of aliases (a few kilobytes standing for billions of values)
are refused at the cost of reading the text. The largest real specs hold a few thousand.
"""
MAX_SPEC_DEPTH = 32
"""Most levels of mappings and lists inside one another (a spec needs six)."""
_UNION_MEMBERS = {
    "float",
    "str",
    "constrained-str",
    "int",
    "bool",
    "none",
    "list[str]",
    "list[float]",
}
_SHAPE_TAGS = {"plate", "box", "cylinder", "tube", "file"}


class SpecError(InputError):
    """A spec that cannot be used: the file, the spec path and the reason."""

    def __init__(self, source: str, path: str, reason: str) -> None:
        self.source, self.reason = source, reason
        super().__init__(
            f"{source}: {path}: {reason}" if path else f"{source}: {reason}", path=path
        )


def load_spec(path: Path) -> ProductSpec:
    """Read and check a spec file (YAML or JSON)."""
    if path.suffix.lower() not in SPEC_SUFFIXES:
        raise SpecError(path.name, "", f"not a product spec (accepted: {', '.join(SPEC_SUFFIXES)})")
    if not path.is_file():
        raise SpecError(str(path), "", "file not found")
    text = path.read_text(encoding="utf-8", errors="replace")
    return read_spec_text(text, path.name, json_format=path.suffix.lower() == ".json")


def read_spec_text(text: str, source: str, *, json_format: bool = False) -> ProductSpec:
    """Check a spec given as YAML text (or JSON with `json_format`); `source` names it.

    Refused before it is built: a spec of more than `MAX_SPEC_VALUES` values (aliases
    expanded) or nested more than `MAX_SPEC_DEPTH` deep.
    """
    language = "JSON" if json_format else "YAML"
    try:
        data = _json_data(text, source) if json_format else _yaml_data(text, source)
    except (yaml.YAMLError, ValueError) as error:
        reason = str(error).replace("\n", " ")
        raise SpecError(source, "", f"cannot be read as {language}: {reason}") from None
    except RecursionError:
        raise _too_deep(source) from None
    return parse_spec(data, source)


def _yaml_data(text: str, source: str) -> Any:
    _check_yaml_size(text, source)
    return yaml.load(text, Loader=SafeLoader)


def _check_yaml_size(text: str, source: str) -> None:
    """Refuse YAML that nests too deep or holds too many values once aliases are expanded."""
    expanded: dict[str, int] = {}
    opened: list[tuple[str | None, int]] = []
    values = 0
    for event in yaml.parse(text, Loader=SafeLoader):
        if isinstance(event, AliasEvent):
            values += _alias_size(event.anchor, expanded, opened, source)
        elif isinstance(event, ScalarEvent):
            values += 1
            if event.anchor is not None:
                expanded[event.anchor] = 1
        elif isinstance(event, CollectionStartEvent):
            values += 1
            opened.append((event.anchor, values))
            if len(opened) > MAX_SPEC_DEPTH:
                raise _too_deep(source)
        elif isinstance(event, CollectionEndEvent):
            anchor, start = opened.pop()
            if anchor is not None:
                expanded[anchor] = values - start + 1
        if values > MAX_SPEC_VALUES:
            raise SpecError(
                source,
                "",
                f"more than {MAX_SPEC_VALUES:,} values once its aliases are expanded; "
                f"accepted: up to {MAX_SPEC_VALUES:,}",
            )


def _alias_size(
    anchor: str | None, expanded: dict[str, int], opened: list[tuple[str | None, int]], source: str
) -> int:
    """How many values alias `*anchor` stands for; 0 if undefined (reported when loading)."""
    if anchor in expanded:
        return expanded[anchor]
    if any(anchor == name for name, _ in opened):
        raise SpecError(
            source, "", f"alias *{anchor} is inside the value it names; accepted: finished values"
        )
    return 0


def _json_data(text: str, source: str) -> Any:
    data = json.loads(text)
    if _depth(data) > MAX_SPEC_DEPTH:
        raise _too_deep(source)
    return data


def _depth(data: Any) -> int:
    """Levels of objects and arrays inside one another, counted without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, depth)
            inner = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in inner)
    return deepest


def _too_deep(source: str) -> SpecError:
    return SpecError(
        source,
        "",
        f"values nested more than {MAX_SPEC_DEPTH} levels deep; accepted: up to {MAX_SPEC_DEPTH}",
    )


def parse_spec(data: Any, source: str) -> ProductSpec:
    """Check a spec given as plain data; `source` names it in errors."""
    if not isinstance(data, dict):
        raise SpecError(
            source, "", f"a spec is a mapping with 'name', 'parts' ...; got {type(data).__name__}"
        )
    try:
        spec = ProductSpec.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise SpecError(source, spec_path(first["loc"]), _reason(first) + more) from None
    _check_names(spec, source)
    _check_assemblies(spec, source)
    _check_cycles(spec, source)
    return spec


def spec_path(loc: Iterable[int | str]) -> str:
    """A pydantic error location as a spec path, without union and shape tags."""
    path = ""
    previous: int | str | None = None
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif (
            part in _UNION_MEMBERS
            or part.startswith(("function-", "json-or-python"))
            or (previous == "geometry" and part in _SHAPE_TAGS)
        ):
            continue
        else:
            path += f".{part}" if path else part
        previous = part
    return path


def _reason(error: ErrorDetails) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown key (check its spelling against `bespoke spec schema`)"
    if error["type"] == "union_tag_invalid":
        return f"unknown shape; accepted: {', '.join(sorted(_SHAPE_TAGS))}"
    return str(error["msg"])


def _check_names(spec: ProductSpec, source: str) -> None:
    """Parameter names and item ids (parts, purchased, assemblies) are each given once."""
    seen: dict[str, str] = {}
    for i, parameter in enumerate(spec.parameters):
        _once(seen, parameter.name, f"parameters[{i}].name", "parameter", source)
    ids: dict[str, str] = {}
    items = [("parts", p.id) for p in spec.parts]
    items += [("purchased", p.id) for p in spec.purchased]
    items += [("assemblies", a.id) for a in spec.assemblies]
    counters: dict[str, int] = {}
    for kind, item_id in items:
        index = counters.get(kind, 0)
        counters[kind] = index + 1
        _once(ids, item_id, f"{kind}[{index}].id", "id", source)


def _once(seen: dict[str, str], key: str, path: str, what: str, source: str) -> None:
    if key in seen:
        raise SpecError(source, path, f"duplicate {what} '{key}' (first given at {seen[key]})")
    seen[key] = path


def _check_assemblies(spec: ProductSpec, source: str) -> None:
    """Components name known parts, bought items or assemblies."""
    known = {p.id for p in spec.parts} | {p.id for p in spec.purchased}
    assemblies = {a.id: a for a in spec.assemblies}
    for i, assembly in enumerate(spec.assemblies):
        for j, component in enumerate(assembly.components):
            if component.id not in known and component.id not in assemblies:
                listed = ", ".join(sorted(known | set(assemblies)))
                raise SpecError(
                    source,
                    f"assemblies[{i}].components[{j}].id",
                    f"unknown part, purchased item or assembly '{component.id}' (known: {listed})",
                )


def _check_cycles(spec: ProductSpec, source: str) -> None:
    """No assembly contains itself, directly or through others (found by a topological
    sort: a spec whose assemblies share sub-assemblies has many paths, walked once)."""
    order = {a.id: i for i, a in enumerate(spec.assemblies)}
    inside = {a.id: [c.id for c in a.components if c.id in order] for a in spec.assemblies}
    try:
        TopologicalSorter(inside).prepare()
    except CycleError as error:
        cycle: list[str] = error.args[1][-1:0:-1]
        first = min(range(len(cycle)), key=lambda k: order[cycle[k]])
        cycle = cycle[first:] + cycle[:first]
        raise SpecError(
            source,
            f"assemblies[{order[cycle[0]]}]",
            f"assembly '{cycle[0]}' contains itself ({' -> '.join([*cycle, cycle[0]])})",
        ) from None


def spec_schema() -> dict[str, Any]:
    """The JSON Schema of the spec format."""
    return ProductSpec.model_json_schema()
