"""Reading product specs: good ones load, bad ones name the spec path and the reason."""

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.helpers import ROOT

from bespoke.products.spec import SpecError, load_spec, parse_spec, spec_schema

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
