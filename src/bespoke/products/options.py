"""A spec's parameters as the fields of a form, and the values typed in them as settings.

Each parameter becomes one field of its type: a length (a number and its unit), a number,
a whole number, a choice or a yes/no switch, with its limits in numbers a form can
enforce. Settings are checked by the configurator's own rules (`parameter_values`), and a
refusal names the option as people read it ("Shelf depth: ..."), not as the command line
writes it.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bespoke.geometry._units import UNIT_ALIASES, UNITS_TO_MM
from bespoke.model.errors import InputError
from bespoke.model.product import Parameter, ParameterType, ProductSpec
from bespoke.products.configure import EXPECTED, Settings, parameter_values
from bespoke.products.expressions import ExpressionError, Length, Value, evaluate

_SHORT = {unit: alias for alias, unit in UNIT_ALIASES.items()}
LENGTH_UNITS: dict[str, float] = {_SHORT.get(unit, unit): mm for unit, mm in UNITS_TO_MM.items()}
"""The units a length option may be typed in, by the name the form shows, and their mm."""
_TYPED = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)\s*")
_KIND_WORDS = {
    ParameterType.LENGTH: "a length",
    ParameterType.NUMBER: "a number",
    ParameterType.INTEGER: "a whole number",
}


class OptionError(InputError):
    """An option typed that the product does not accept; `path` is `settings.<name>`."""


@dataclass(frozen=True)
class OptionField:
    """One parameter as a form field, with the value shown in it.

    `low` and `high` are the limits in the field's unit (lengths: in `unit`), `low_mm` and
    `high_mm` the same for a length in mm.
    """

    name: str
    label: str
    kind: ParameterType
    value: str
    unit: str
    low: float | None
    high: float | None
    low_mm: float | None
    high_mm: float | None
    step: str
    choices: tuple[str, ...]
    description: str
    limits: str


def label_of(name: str) -> str:
    """A parameter's name as people read it: "shade_height" is "Shade height"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def option_fields(spec: ProductSpec, settings: Settings) -> list[OptionField]:
    """The form's fields, showing each setting typed, else the parameter's default."""
    return [_field(p, settings.get(p.name)) for p in spec.parameters]


def _field(parameter: Parameter, typed: str | None) -> OptionField:
    shown = _text(parameter.default) if typed is None else typed
    low, high = _limit(parameter, parameter.min), _limit(parameter, parameter.max)
    value, unit = shown, ""
    if parameter.type is ParameterType.LENGTH:
        value, unit = _length_shown(shown)
    factor = LENGTH_UNITS.get(unit, 1.0)
    return OptionField(
        name=parameter.name,
        label=label_of(parameter.name),
        kind=parameter.type,
        value=value,
        unit=unit,
        low=None if low is None else low / factor,
        high=None if high is None else high / factor,
        low_mm=low if unit else None,
        high_mm=high if unit else None,
        step="1" if parameter.type is ParameterType.INTEGER else "any",
        choices=tuple(_text(c) for c in parameter.choices or ()),
        description=parameter.description,
        limits=_limits(parameter, low, high),
    )


def _text(value: str | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _length_shown(typed: str) -> tuple[str, str]:
    """A length as a number and a unit of the form; an expression is shown in mm."""
    match = _TYPED.fullmatch(typed)
    if match is not None:
        number, unit = match.groups()
        unit = _SHORT.get(unit.lower(), unit.lower()) or "mm"
        if unit in LENGTH_UNITS:
            return number, unit
    try:
        length = evaluate(typed, {}, path="", expect="length")
    except ExpressionError:
        return typed, "mm"
    assert isinstance(length, Length)
    return f"{length.mm:g}", "mm"


def _limit(parameter: Parameter, edge: str | float | None) -> float | None:
    """A limit as a number (lengths in mm); None when there is none or it is not a number."""
    expect = EXPECTED.get(parameter.type)
    if edge is None or expect is None:
        return None
    try:
        value = evaluate(edge, {}, path="", expect=expect)
    except ExpressionError:
        return None
    return value.mm if isinstance(value, Length) else float(value)


def _limits(parameter: Parameter, low: float | None, high: float | None) -> str:
    """The accepted values in words: "from 300 mm to 1,200 mm"."""
    unit = " mm" if parameter.type is ParameterType.LENGTH else ""
    words = []
    if low is not None:
        words.append(f"from {low:,g}{unit}")
    if high is not None:
        words.append(f"to {high:,g}{unit}")
    return " ".join(words)


def typed_settings(spec: ProductSpec, form: Mapping[str, str]) -> dict[str, str]:
    """Settings from a form's fields: `option.<name>` (and `unit.<name>` for a length).

    A switch left unticked is "false"; a length is its number and unit ("10 in").
    """
    settings = {}
    for parameter in spec.parameters:
        typed = form.get(f"option.{parameter.name}", "").strip()
        if parameter.type is ParameterType.BOOLEAN:
            settings[parameter.name] = typed or "false"
        elif parameter.type is ParameterType.LENGTH:
            unit = form.get(f"unit.{parameter.name}", "mm").strip()
            settings[parameter.name] = f"{typed} {unit}".strip()
        else:
            settings[parameter.name] = typed
    return settings


def checked_settings(spec: ProductSpec, settings: Settings) -> dict[str, Value]:
    """Each parameter's value for `settings`, checked as the configurator checks them.

    A setting refused raises `OptionError` naming the option in words, with its path
    `settings.<name>`; an unknown one names the options the product has.
    """
    by_name = {p.name: p for p in spec.parameters}
    for name, typed in settings.items():
        parameter = by_name.get(name)
        if parameter is None:
            known = ", ".join(by_name) or "none"
            raise OptionError(
                f"{label_of(name)}: this product has no such option (its options: {known})",
                path=f"settings.{name}",
            )
        if not typed.strip() or typed.strip() in LENGTH_UNITS:
            what = _KIND_WORDS.get(parameter.type, "a value")
            raise OptionError(f"{label_of(name)}: enter {what}", path=f"settings.{name}")
    try:
        return parameter_values(spec.parameters, settings)
    except ExpressionError as error:
        name = error.path.removeprefix("--set ")
        if name == error.path or name not in by_name:
            raise
        raise OptionError(f"{label_of(name)}: {error.reason}", path=f"settings.{name}") from None


def shown_settings(
    spec: ProductSpec, settings: Mapping[str, bool | int | float | str]
) -> list[tuple[str, str]]:
    """A configured product's settings as people read them: each option's label and its
    value with its unit ("Shelf depth", "254 mm"), in the spec's order."""
    kinds = {p.name: p.type for p in spec.parameters}
    shown = []
    for name, value in settings.items():
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif kinds.get(name) is ParameterType.LENGTH and isinstance(value, int | float):
            text = f"{value:,g} mm"
        elif isinstance(value, float):
            text = f"{value:,g}"
        else:
            text = str(value)
        shown.append((label_of(name), text))
    return shown
