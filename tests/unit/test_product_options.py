"""A spec's parameters as form fields, and the values typed in them checked as settings."""

import pytest

from bespoke.model.product import ParameterType
from bespoke.products.options import (
    OptionError,
    checked_settings,
    option_fields,
    shown_settings,
    typed_settings,
)
from bespoke.products.spec import parse_spec

SPEC = parse_spec(
    {
        "name": "Shelf",
        "parameters": [
            {
                "name": "shelf_depth",
                "type": "length",
                "default": "200 mm",
                "min": "120 mm",
                "max": "14 in",
                "description": "from the wall",
            },
            {"name": "load", "type": "number", "default": 2.5, "min": 0, "max": "10 / 2"},
            {"name": "brackets", "type": "integer", "default": 2, "min": 2, "max": 8},
            {"name": "wood", "type": "choice", "default": "mdf", "choices": ["mdf", "oak"]},
            {"name": "lip", "type": "boolean", "default": False},
        ],
    },
    "test",
)


def test_each_parameter_is_a_field_of_its_type_with_its_limits_and_help() -> None:
    depth, load, brackets, wood, lip = option_fields(SPEC, {})
    assert (depth.label, depth.kind, depth.value, depth.unit) == (
        "Shelf depth",
        ParameterType.LENGTH,
        "200",
        "mm",
    )
    assert (depth.low, depth.high, depth.step) == (120, pytest.approx(355.6), "any")
    assert depth.limits == "from 120 mm to 355.6 mm"
    assert depth.description == "from the wall"
    assert (load.low, load.high, load.unit, load.step, load.limits) == (
        0,
        5,
        "",
        "any",
        "from 0 to 5",
    )
    assert (brackets.value, brackets.step, brackets.low, brackets.high) == ("2", "1", 2, 8)
    assert (wood.choices, wood.value, wood.low) == (("mdf", "oak"), "mdf", None)
    assert (lip.kind, lip.value) == (ParameterType.BOOLEAN, "false")


def test_a_length_typed_in_inches_is_shown_and_limited_in_inches() -> None:
    depth = option_fields(SPEC, {"shelf_depth": "10 in"})[0]
    assert (depth.value, depth.unit) == ("10", "in")
    assert depth.low == pytest.approx(120 / 25.4) and depth.high == pytest.approx(14)
    assert (depth.low_mm, depth.high_mm) == (120, pytest.approx(355.6))
    assert option_fields(SPEC, {"shelf_depth": "100 mm + 2 in"})[0].value == "150.8"


def test_a_form_becomes_settings_with_units_and_unticked_switches() -> None:
    form = {
        "option.shelf_depth": " 10 ",
        "unit.shelf_depth": "in",
        "option.load": "3",
        "option.brackets": "4",
        "option.wood": "oak",
        "csrf_token": "x",
    }
    settings = typed_settings(SPEC, form)
    assert settings == {
        "shelf_depth": "10 in",
        "load": "3",
        "brackets": "4",
        "wood": "oak",
        "lip": "false",
    }
    values = checked_settings(SPEC, settings)
    assert values["brackets"] == 4 and values["wood"] == "oak" and values["lip"] is False
    assert shown_settings(SPEC, {"shelf_depth": 254.0, "brackets": 4, "lip": True}) == [
        ("Shelf depth", "254 mm"),
        ("Brackets", "4"),
        ("Lip", "yes"),
    ]


@pytest.mark.parametrize(
    ("settings", "path", "words"),
    [
        (
            {"shelf_depth": "15 in"},
            "settings.shelf_depth",
            "Shelf depth: 381 mm is above the maximum",
        ),
        ({"shelf_depth": "mm"}, "settings.shelf_depth", "Shelf depth: enter a length"),
        ({"shelf_depth": "deep"}, "settings.shelf_depth", "Shelf depth: unknown name 'deep'"),
        ({"load": "-1"}, "settings.load", "Load: -1 is below the minimum 0"),
        ({"brackets": "2.5"}, "settings.brackets", "Brackets: "),
        ({"brackets": ""}, "settings.brackets", "Brackets: enter a whole number"),
        (
            {"wood": "pine"},
            "settings.wood",
            "Wood: 'pine' is not a choice of 'wood' (accepted: mdf, oak)",
        ),
        ({"lip": "maybe"}, "settings.lip", "Lip: 'maybe' is not a yes/no value"),
        ({"colour": "red"}, "settings.colour", "Colour: this product has no such option"),
    ],
)
def test_a_value_refused_names_its_option_in_words(
    settings: dict[str, str], path: str, words: str
) -> None:
    with pytest.raises(OptionError) as refused:
        checked_settings(SPEC, settings)
    assert refused.value.path == path
    assert words in str(refused.value)
    assert "--set" not in str(refused.value)
