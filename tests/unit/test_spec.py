"""Reading product specs: good ones load, bad ones name the spec path and the reason."""

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.helpers import ROOT

from bespoke.model.product import (
    MAX_EXPRESSION_CHARS,
    MAX_HOLES,
    MAX_NAME_CHARS,
    MAX_PARAMETERS,
    MAX_TEXT_CHARS,
)
from bespoke.products.spec import (
    MAX_SPEC_DEPTH,
    MAX_SPEC_VALUES,
    SpecError,
    load_spec,
    parse_spec,
    read_spec_text,
    spec_schema,
)

PRODUCTS = ROOT / "examples" / "products"
BASE: dict[str, Any] = {
    "name": "Test plate",
    "parameters": [{"name": "width", "type": "length", "default": "100 mm"}],
    "parts": [
        {
            "id": "plate",
            "material": "steel-s235",
            "thickness": 2,
            "geometry": {
                "shape": "plate",
                "width": "width",
                "height": 50,
                "holes": [{"x": 10, "y": 10, "diameter": 5}],
            },
        },
        {
            "id": "foot",
            "material": "pla",
            "geometry": {"shape": "cylinder", "diameter": 20, "height": 5},
        },
    ],
    "purchased": [{"id": "screw", "name": "Screw M4", "quantity": 4, "unit_price": 0.05}],
    "assemblies": [
        {"id": "top", "components": [{"id": "plate"}, {"id": "sub"}]},
        {
            "id": "sub",
            "components": [{"id": "foot", "quantity": 4}, {"id": "screw", "quantity": 4}],
        },
    ],
}


def _spec(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


@pytest.mark.parametrize("path", sorted(PRODUCTS.glob("*.yaml")), ids=lambda p: p.stem)
def test_example_specs_load(path: Path) -> None:
    spec = load_spec(path)
    assert spec.parts and spec.name


def test_a_good_spec_loads() -> None:
    spec = parse_spec(_spec(), "test.yaml")
    assert [p.id for p in spec.parts] == ["plate", "foot"]


def test_the_schema_describes_parts_and_shapes() -> None:
    schema = spec_schema()
    assert "parts" in schema["properties"]
    assert {"Plate", "Box", "Cylinder", "Tube", "DesignFile"} <= set(schema["$defs"])


def _error(data: dict[str, Any]) -> SpecError:
    with pytest.raises(SpecError) as caught:
        parse_spec(data, "test.yaml")
    return caught.value


def test_wrong_type_deep_in_a_part_names_its_path() -> None:
    data = _spec()
    data["parts"][0]["geometry"]["holes"][0]["diameter"] = [5]
    error = _error(data)
    assert error.path == "parts[0].geometry.holes[0].diameter"
    assert str(error).startswith("test.yaml: parts[0].geometry.holes[0].diameter: ")


def test_unknown_key_is_refused() -> None:
    data = _spec()
    data["parts"][1]["colour"] = "red"
    error = _error(data)
    assert error.path == "parts[1].colour"
    assert "unknown key" in error.reason


def test_unknown_shape_names_the_accepted_ones() -> None:
    data = _spec()
    data["parts"][1]["geometry"] = {"shape": "sphere", "diameter": 3}
    error = _error(data)
    assert error.path == "parts[1].geometry"
    assert "cylinder" in error.reason and "plate" in error.reason


def test_duplicate_part_id_is_refused() -> None:
    data = _spec()
    data["parts"][1]["id"] = "plate"
    error = _error(data)
    assert error.path == "parts[1].id"
    assert "duplicate id 'plate' (first given at parts[0].id)" in error.reason


def test_an_id_shared_by_a_part_and_a_purchased_item_is_refused() -> None:
    data = _spec()
    data["purchased"][0]["id"] = "foot"
    assert _error(data).path == "purchased[0].id"


def test_duplicate_parameter_is_refused() -> None:
    data = _spec(parameters=[BASE["parameters"][0], BASE["parameters"][0]])
    assert _error(data).path == "parameters[1].name"


def test_unknown_component_is_refused() -> None:
    data = _spec()
    data["assemblies"][1]["components"][1]["id"] = "screws"
    error = _error(data)
    assert error.path == "assemblies[1].components[1].id"
    assert "'screws'" in error.reason and "screw" in error.reason


def test_an_assembly_that_contains_itself_is_refused() -> None:
    data = _spec()
    data["assemblies"][1]["components"].append({"id": "top"})
    error = _error(data)
    assert error.path == "assemblies[0]"
    assert "top -> sub -> top" in error.reason


def test_an_assembly_made_of_itself_is_refused() -> None:
    data = _spec()
    data["assemblies"][0]["components"].append({"id": "top"})
    assert "top -> top" in _error(data).reason


def test_a_choice_parameter_needs_choices() -> None:
    data = _spec(parameters=[{"name": "wood", "type": "choice", "default": "oak"}])
    error = _error(data)
    assert error.path == "parameters[0]"
    assert "choices" in error.reason


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("spec.txt", "name: x", "not a product spec"),
        ("spec.yaml", "name: [unclosed", "cannot be read as YAML"),
        ("spec.json", "{not json", "cannot be read as JSON"),
        ("spec.yaml", "- just\n- a list\n", "a spec is a mapping"),
    ],
)
def test_unreadable_files_are_refused(tmp_path: Path, name: str, content: str, reason: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(SpecError, match=reason):
        load_spec(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="file not found"):
        load_spec(tmp_path / "nothing.yaml")


def test_json_and_yaml_read_the_same(tmp_path: Path) -> None:
    import json

    (tmp_path / "a.json").write_text(json.dumps(BASE))
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(BASE))
    assert load_spec(tmp_path / "a.json") == load_spec(tmp_path / "a.yaml")


# --- bounds -------------------------------------------------------------------------------


def _read_error(text: str, *, json_format: bool = False) -> SpecError:
    with pytest.raises(SpecError) as caught:
        read_spec_text(text, "spec.yaml", json_format=json_format)
    return caught.value


def test_aliases_within_the_bound_are_expanded() -> None:
    text = """
name: Plate
parts:
  - id: plate
    material: steel-s235
    thickness: 2
    geometry:
      shape: plate
      width: 100
      height: 50
      holes:
        - &hole {x: 10, y: 10, diameter: 5}
        - *hole
        - *hole
"""
    holes = read_spec_text(text, "spec.yaml").parts[0].geometry.holes  # type: ignore[union-attr]
    assert len(holes) == 3 and holes[0] == holes[2]


def test_aliases_of_aliases_past_the_bound_are_refused_before_they_are_built() -> None:
    """Nine levels of ten aliases each: a billion values in a few hundred bytes."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    error = _read_error("\n".join(lines))
    assert error.reason == (
        f"more than {MAX_SPEC_VALUES:,} values once its aliases are expanded; "
        f"accepted: up to {MAX_SPEC_VALUES:,}"
    )


def test_an_alias_inside_the_value_it_names_is_refused() -> None:
    assert "alias *loop is inside the value it names" in _read_error("a: &loop [*loop]").reason


@pytest.mark.parametrize(
    ("text", "json_format"),
    [("[" * 100_000, False), ("[" * 100_000, True), ('{"a": ' * 100_000, True)],
    ids=["yaml", "json-lists", "json-mappings"],
)
def test_deep_nesting_is_refused_cleanly(text: str, json_format: bool) -> None:
    error = _read_error(text, json_format=json_format)
    assert f"nested more than {MAX_SPEC_DEPTH} levels deep" in error.reason


def test_nesting_at_the_bound_reaches_the_spec_checks() -> None:
    nested = "[" * (MAX_SPEC_DEPTH - 1) + "]" * (MAX_SPEC_DEPTH - 1)
    error = _read_error(f'{{"name": "x", "extra": {nested}}}', json_format=True)
    assert error.path == "extra" and "unknown key" in error.reason


@pytest.mark.parametrize(
    ("text", "json_format"),
    [
        ("name: " + "9" * 5000, False),
        ('{"name": ' + "9" * 5000 + "}", True),
        ("name: 2024-13-45", False),
        ("name: !!int twelve", False),
    ],
    ids=["yaml-long-number", "json-long-number", "impossible-date", "tagged-int"],
)
def test_values_that_cannot_be_built_are_refused_cleanly(text: str, json_format: bool) -> None:
    language = "JSON" if json_format else "YAML"
    assert _read_error(text, json_format=json_format).reason.startswith(
        f"cannot be read as {language}"
    )


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        (
            {"parameters": [{"name": f"p{i}", "type": "number", "default": 1} for i in range(101)]},
            "parameters",
            f"at most {MAX_PARAMETERS} items",
        ),
        ({"name": "x" * (MAX_NAME_CHARS + 1)}, "name", f"at most {MAX_NAME_CHARS} characters"),
        (
            {"description": "x" * (MAX_TEXT_CHARS + 1)},
            "description",
            f"at most {MAX_TEXT_CHARS} characters",
        ),
    ],
)
def test_lists_and_text_past_their_bounds_are_refused(
    change: dict[str, Any], where: str, reason: str
) -> None:
    error = _error(_spec(**change))
    assert error.path == where
    assert reason in error.reason


def test_a_long_expression_is_refused_with_its_path() -> None:
    data = _spec()
    data["parts"][0]["geometry"]["height"] = "1 + " * 200 + "1"
    error = _error(data)
    assert error.path == "parts[0].geometry.height"
    assert f"at most {MAX_EXPRESSION_CHARS} characters" in error.reason


def test_too_many_holes_are_refused_with_their_path() -> None:
    data = _spec()
    data["parts"][0]["geometry"]["holes"] *= MAX_HOLES + 1
    error = _error(data)
    assert error.path == "parts[0].geometry.holes"
    assert f"at most {MAX_HOLES} items" in error.reason


def test_assemblies_on_many_paths_are_checked_for_cycles_at_once() -> None:
    """Each assembly holds the next two: some 2^40 paths from the first to the last."""
    data = _spec()
    data["assemblies"] = [
        {"id": f"a{i}", "components": [{"id": f"a{i + 1}"}, {"id": f"a{i + 2}"}]} for i in range(59)
    ]
    data["assemblies"] += [
        {"id": "a59", "components": [{"id": "a60"}]},
        {"id": "a60", "components": [{"id": "plate"}]},
    ]
    assert parse_spec(data, "spec.yaml").assemblies[0].id == "a0"
    data["assemblies"][60]["components"].append({"id": "a0"})
    error = _error(data)
    assert error.path == "assemblies[0]"
    assert "assembly 'a0' contains itself (a0 -> " in error.reason
    assert error.reason.endswith("-> a60 -> a0)")
