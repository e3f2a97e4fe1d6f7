"""The inputs of the shop's settings forms, made from the catalog's types: a label, a unit
and an input type for each field, the value as typed, and the typed form read back into
the fields of an entry (or refused, naming the field and what is accepted)."""

import math
import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from bespoke.model.catalog import CatalogEntry, StockKind
from bespoke.model.errors import InputError

Kind = Literal["text", "number", "percent", "count", "choice", "flag", "size", "words", "stock"]
MAX_VALUE_CHARS = 500
MAX_LIST_ITEMS = 50
TIMES = "\N{MULTIPLICATION SIGN}"

PERCENT = {
    "overhead",
    "margin",
    "material_markup",
    "pass_through_markup",
    "learning_rate",
    "learning_floor",
    "support_fraction",
    "infill",
    "packing_density",
    "powder_refresh",
    "scrap_fraction",
    "strip_utilisation",
    "speed_derate",
}
LABELS = {
    "rate_per_hour": "Machine rate",
    "labour_rate_per_hour": "Labour rate",
    "inspection_aql": "Inspection AQL",
    "envelope_mm": "Work envelope",
    "max_thickness_mm": "Thickest material",
    "speed_factor": "Speed factor",
    "outsourced": "Run by a partner, not in the shop",
    "price_per_kg": "Price",
    "density_kg_m3": "Density",
    "default_thickness_mm": "Default thickness",
    "setup_s": "Set-up per batch",
    "handling_s": "Load and unload per part",
    "lead_days": "Days added to lead time",
    "base_lead_days": "Base lead time",
    "hours_per_day": "Working hours per day",
    "min_order_price": "Least price of an order",
    "quantity_breaks": "Quantities quoted",
    "manual": "Run time is manual work",
    "tolerance": "Finest tolerance class (ISO 2768-1)",
    "families": "Material families",
    "min_first_part": "Least price of one part",
    "min_extra_part": "Least price of each copy",
    "per_mm_cut": "Price per mm cut",
    "per_cm3": "Price per cm³ of part",
    "per_cm3_bbox": "Price per cm³ of bounding box",
    "per_kg": "Price per kg",
    "per_part": "Price per part",
    "order_fee": "Order fee",
}
TOLERANCES = (("f", "f (fine)"), ("m", "m (medium)"), ("c", "c (coarse)"), ("v", "v (very coarse)"))
_MONEY = {"min_order_price", "order_fee", "per_part", "min_first_part", "min_extra_part"}
_MONEY_UNITS = {
    "rate_per_hour": "/h",
    "labour_rate_per_hour": "/h",
    "price_per_kg": "/kg",
    "per_kg": "/kg",
    "per_mm_cut": "/mm",
    "tooling_per_mm": "/mm",
    "per_cm3": "/cm³",
    "per_cm3_bbox": "/cm³",
    "tooling_per_cm3": "/cm³",
    "consumable_per_m2": "/m²",
    "consumable_per_m": "/m",
    "tooling_base": "",
    "tooling_per_contour": " per contour",
}
_SUFFIX_UNITS = (
    ("_mm3_s", "mm³/s"),
    ("_mm_s", "mm/s"),
    ("_mm3", "mm³"),
    ("_kg_m3", "kg/m³"),
    ("_mm", "mm"),
    ("_s", "s"),
    ("_days", "days"),
    ("_kg", "kg"),
)
_OTHER_UNITS = {
    "hours_per_day": "h",
    "speed_factor": "times the process's rates",
    "min_hole_factor": "times the thickness",
    "rate": "mm/s of edge or mm²/s of surface",
    "cavities": "per mould",
    "setups_per_part": "per part",
}


@dataclass(frozen=True)
class Input:
    """One field of a settings form."""

    name: str
    label: str
    unit: str = ""
    kind: Kind = "number"
    required: bool = False
    hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    pattern: str = ""

    @property
    def caption(self) -> str:
        """The label with its unit: "Machine rate (USD/h)"."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


def unit_of(name: str, currency: str) -> str:
    if name in PERCENT:
        return "%"
    if name in _MONEY:
        return currency
    if name in _MONEY_UNITS:
        return currency + _MONEY_UNITS[name]
    if name in _OTHER_UNITS:
        return _OTHER_UNITS[name]
    return next((unit for suffix, unit in _SUFFIX_UNITS if name.endswith(suffix)), "")


def label_of(name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    words = name
    for suffix, _ in _SUFFIX_UNITS:
        words = words.removesuffix(suffix)
    return words.replace("_", " ").capitalize()


def figure(
    cls: type[CatalogEntry], name: str, currency: str, kind: Kind | None = None, **more: Any
) -> Input:
    """The input of the field `name` of `cls`, its kind from its type unless given."""
    info = cls.model_fields[name]
    if kind is None:
        kind = _kind_of(name, _base_type(info))
    return Input(
        name=name,
        label=label_of(name),
        unit=unit_of(name, currency),
        kind=kind,
        required=info.is_required() and kind != "flag",
        hint=info.description or "",
        **more,
    )


def scalar_figures(cls: type[CatalogEntry], currency: str) -> list[Input]:
    """An input for each number, flag and tolerance class of `cls` (not its tables)."""
    inputs = []
    for name, info in cls.model_fields.items():
        base = _base_type(info)
        if name in {"id", "name", "sources", "calibrated", "kind"}:
            continue
        if base in (int, float, bool):
            inputs.append(figure(cls, name, currency))
        elif name == "tolerance":
            inputs.append(figure(cls, name, currency, "choice", choices=TOLERANCES))
    return inputs


def _base_type(info: FieldInfo) -> object:
    """The field's type without None and Annotated."""
    annotation: object = info.annotation
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        annotation = args[0] if len(args) == 1 else annotation
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _kind_of(name: str, base: object) -> Kind:
    if base is bool:
        return "flag"
    if name in PERCENT:
        return "percent"
    if base is int:
        return "count"
    return "number"


# --- values as typed ------------------------------------------------------------------------


def typed(inputs: Sequence[Input], entry: Mapping[str, Any]) -> dict[str, str]:
    """The form's fields as they show `entry`'s values."""
    shown: dict[str, str] = {}
    for field in inputs:
        value = entry.get(field.name)
        if field.kind == "size":
            for axis, number in zip("xyz", value or (), strict=False):
                shown[f"{field.name}_{axis}"] = _number(number)
        elif field.kind == "stock":
            for index, form in enumerate(value or ()):
                shown.update(_stock_typed(index, form))
        elif field.kind == "flag":
            shown[field.name] = "on" if value else ""
        elif field.kind == "percent" and value is not None:
            shown[field.name] = _number(round(float(value) * 100, 6))
        elif field.kind == "words" and value is not None:
            shown[field.name] = ", ".join(str(v) for v in value)
        elif isinstance(value, float | int) and not isinstance(value, bool):
            shown[field.name] = _number(value)
        else:
            shown[field.name] = "" if value is None else str(value)
    return shown


def _stock_typed(index: int, form: Mapping[str, Any]) -> dict[str, str]:
    pairs = form.get("sheet_sizes_mm", [])
    sizes = "; ".join(f"{_number(a)} {TIMES} {_number(b)}" for a, b in pairs)
    unit = form.get("unit_kg")
    return {
        f"stock_{index}_kind": str(form.get("kind", "")),
        f"stock_{index}_thicknesses_mm": ", ".join(map(_number, form.get("thicknesses_mm", []))),
        f"stock_{index}_sheet_sizes_mm": sizes,
        f"stock_{index}_diameters_mm": ", ".join(map(_number, form.get("diameters_mm", []))),
        f"stock_{index}_unit_kg": "" if unit is None else _number(unit),
    }


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else str(value)


# --- reading a posted form ------------------------------------------------------------------


def read(inputs: Sequence[Input], form: Mapping[str, str]) -> dict[str, Any]:
    """The fields of an entry as typed in `form`; InputError names the first field typed
    wrong (its path is the field's name). A blank optional field is left out."""
    fields: dict[str, Any] = {}
    for field in inputs:
        value = _read_one(field, form)
        if value is not None or field.kind == "flag":
            fields[field.name] = value
    return fields


def _read_one(field: Input, form: Mapping[str, str]) -> Any:
    if field.kind == "flag":
        return bool(_text(form, field.name, field))
    if field.kind == "size":
        return _size(field, form)
    if field.kind == "stock":
        return _stock(field, form)
    text = _text(form, field.name, field)
    if not text:
        if field.required:
            raise _refused(field, "required")
        return None
    match field.kind:
        case "number":
            return _float(field, text)
        case "percent":
            return _float(field, text) / 100
        case "count":
            return _count(field, text)
        case "choice":
            if text not in dict(field.choices):
                accepted = ", ".join(label for _, label in field.choices)
                raise _refused(field, f"{text!r} is not one of {accepted}")
            return text
        case "words":
            return _words(field, text)
        case _:
            return text


def _text(form: Mapping[str, str], key: str, field: Input) -> str:
    text = form.get(key, "").strip()
    if len(text) > MAX_VALUE_CHARS:
        raise _refused(field, f"at most {MAX_VALUE_CHARS} characters")
    return text


def _refused(field: Input, reason: str) -> InputError:
    return InputError(f"{field.caption}: {reason}", path=field.name)


def _float(field: Input, text: str) -> float:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise _refused(field, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise _refused(field, f"{text!r} is not a number")
    return value


def _count(field: Input, text: str) -> int:
    if not re.fullmatch(r"\d{1,9}", text):
        raise _refused(field, f"{text!r} is not a whole number")
    return int(text)


def _words(field: Input, text: str) -> list[str]:
    words = [w.strip() for w in text.split(",") if w.strip()]
    if len(words) > MAX_LIST_ITEMS:
        raise _refused(field, f"at most {MAX_LIST_ITEMS} items")
    return words


def _numbers(field: Input, text: str) -> list[float]:
    parts = [p.strip() for p in re.split(r"[,;]", text) if p.strip()]
    if len(parts) > MAX_LIST_ITEMS:
        raise _refused(field, f"at most {MAX_LIST_ITEMS} numbers")
    return [_float(field, p) for p in parts]


def _size(field: Input, form: Mapping[str, str]) -> list[float] | None:
    axes = [_text(form, f"{field.name}_{axis}", field) for axis in "xyz"]
    if not any(axes):
        if field.required:
            raise _refused(field, "required (width and depth, and height for a volume)")
        return None
    if not (axes[0] and axes[1]):
        raise _refused(field, "give the width and the depth (and the height for a volume)")
    return [_float(field, a) for a in axes if a]


def _stock(field: Input, form: Mapping[str, str]) -> list[dict[str, Any]]:
    forms = []
    for index in range(MAX_LIST_ITEMS):
        kind = form.get(f"stock_{index}_kind")
        if kind is None:
            break
        if not kind:
            continue
        where = Input(f"stock_{index}", f"Stock form {index + 1}", "mm")
        if kind not in set(StockKind):
            raise _refused(where, f"unknown kind {kind!r}")
        sizes = _text(form, f"stock_{index}_sheet_sizes_mm", where)
        unit = _text(form, f"stock_{index}_unit_kg", where)
        forms.append(
            {
                "kind": kind,
                "thicknesses_mm": _numbers(
                    where, _text(form, f"stock_{index}_thicknesses_mm", where)
                ),
                "sheet_sizes_mm": [_pair(where, s) for s in re.split(r"[;]", sizes) if s.strip()],
                "diameters_mm": _numbers(where, _text(form, f"stock_{index}_diameters_mm", where)),
                "unit_kg": _float(where, unit) if unit else None,
            }
        )
    if not forms:
        raise _refused(field, "give at least one stock form")
    return forms


def _pair(field: Input, text: str) -> list[float]:
    parts = re.split(rf"\s*[xX{TIMES}]\s*", text.strip())
    if len(parts) != 2 or not all(parts):
        raise _refused(field, f"sheet size {text.strip()!r} is not 'length {TIMES} width'")
    return [_float(field, p) for p in parts]
