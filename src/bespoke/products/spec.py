"""Reading a product spec: YAML or JSON in, a validated `ProductSpec` out.

Every error names the spec path of what is wrong (`parts[2].geometry.holes[0].diameter`)
and what would be accepted; nothing is half-read.
"""

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from bespoke.model.errors import InputError
from bespoke.model.product import AssemblySpec, ProductSpec

SPEC_SUFFIXES = (".yaml", ".yml", ".json")
_UNION_MEMBERS = {"float", "str", "int", "bool", "none", "list[str]", "list[float]"}
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
    """Check a spec given as YAML text (or JSON with `json_format`); `source` names it."""
    try:
        data = json.loads(text) if json_format else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as error:
        reason = str(error).replace("\n", " ")
        language = "JSON" if json_format else "YAML"
        raise SpecError(source, "", f"cannot be read as {language}: {reason}") from None
    return parse_spec(data, source)


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
    """Components name known items, and no assembly contains itself."""
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
    for i, assembly in enumerate(spec.assemblies):
        cycle = _cycle_from(assembly, assemblies, [assembly.id])
        if cycle:
            raise SpecError(
                source,
                f"assemblies[{i}]",
                f"assembly '{assembly.id}' contains itself ({' -> '.join(cycle)})",
            )


def _cycle_from(
    assembly: AssemblySpec, assemblies: dict[str, AssemblySpec], trail: list[str]
) -> list[str] | None:
    for component in assembly.components:
        inner = assemblies.get(component.id)
        if inner is None:
            continue
        if component.id == trail[0]:
            return [*trail, component.id]
        if component.id in trail:
            continue
        found = _cycle_from(inner, assemblies, [*trail, component.id])
        if found:
            return found
    return None


def spec_schema() -> dict[str, Any]:
    """The JSON Schema of the spec format."""
    return ProductSpec.model_json_schema()
