"""Configure a product spec: set its parameters, evaluate every expression, make each part.

Parametric parts become real DXF/STL files, written by `geometry.parametric`, and are
measured by the same readers as uploaded designs. Errors name the spec path.
"""

from collections import defaultdict
from collections.abc import Mapping
from graphlib import TopologicalSorter
from pathlib import Path

from bespoke.geometry.parametric import MAX_PLATE_FEATURES, ShapeError, write_shape
from bespoke.geometry.readers import read_design
from bespoke.model import (
    Catalog,
    DesignFileError,
    Finishing,
    InputError,
    Part,
    Sheet2D,
    Solid3D,
)
from bespoke.model.lookup import unknown
from bespoke.model.product import (
    Assembly,
    Box,
    BoxShape,
    ConfiguredPart,
    ConfiguredShape,
    Cylinder,
    CylinderShape,
    DesignFile,
    HoleAt,
    HoleGrid,
    Parameter,
    ParameterType,
    PartSpec,
    Plate,
    PlateShape,
    Product,
    ProductSpec,
    PurchasedItem,
    PurchasedSpec,
    SlotAt,
    Tube,
    TubeShape,
)
from bespoke.planning.stock import sheet_thickness
from bespoke.products.expressions import Expect, ExpressionError, Length, Value, evaluate
from bespoke.products.spec import SpecError

MAX_COUNT = 10_000
"""Largest count a spec may give: a quantity, hole-grid rows or columns, welds, bends."""
MAX_PER_PRODUCT = 10_000
"""Most of one part, bought item or sub-assembly a product uses, through all its assemblies."""
MAX_PIECES_PER_PRODUCT = 100_000
"""Most parts and bought items a product uses in all."""

Settings = Mapping[str, str]
EXPECTED: dict[ParameterType, Expect] = {
    ParameterType.LENGTH: "length",
    ParameterType.NUMBER: "number",
    ParameterType.INTEGER: "integer",
}


def configure(
    spec: ProductSpec,
    settings: Settings,
    catalog: Catalog,
    *,
    spec_dir: Path,
    out_dir: Path,
    source: str = "spec",
) -> Product:
    """The concrete product for `settings` (parameter name -> value as typed, e.g. '800 mm')."""
    try:
        values = parameter_values(spec.parameters, settings)
        assemblies = [
            Assembly(
                id=a.id,
                name=a.name or a.id,
                components=[
                    (c.id, _count(c.quantity, values, f"assemblies[{i}].components[{j}].quantity"))
                    for j, c in enumerate(a.components)
                ],
                welds=_count(a.welds, values, f"assemblies[{i}].welds"),
                weld_length_mm=_mm(a.weld_length, values, f"assemblies[{i}].weld_length"),
                instructions=a.instructions,
            )
            for i, a in enumerate(spec.assemblies)
        ]
        used = explode(assemblies)
        for i, assembly in enumerate(assemblies):
            _check_per_product(used.get(assembly.id, 1), assembly.id, f"assemblies[{i}]")
        purchased = [
            PurchasedItem(
                id=item.id,
                name=item.name,
                quantity=_per_product(item, used, values, f"purchased[{i}].quantity"),
                unit_price=item.unit_price,
                lead_days=item.lead_days,
                supplier=item.supplier,
            )
            for i, item in enumerate(spec.purchased)
        ]
        counts = [
            _per_product(p, used, values, f"parts[{i}].quantity") for i, p in enumerate(spec.parts)
        ]
        _check_pieces(sum(counts) + sum(item.quantity for item in purchased))
        parts = [
            _part(p, n, f"parts[{i}]", values, catalog, spec_dir, out_dir)
            for i, (p, n) in enumerate(zip(spec.parts, counts, strict=True))
        ]
    except ExpressionError as error:
        raise SpecError(source, error.path, error.reason) from None
    return Product(
        name=spec.name,
        settings={k: _plain(v) for k, v in values.items()},
        parts=parts,
        purchased=purchased,
        assemblies=assemblies,
    )


def explode(assemblies: list[Assembly]) -> dict[str, int]:
    """How many of each part, bought item and sub-assembly one product uses, through the
    assembly tree from its top assemblies (those no other assembly contains).

    Assemblies are visited once each, every one after all that contain it, so an assembly
    used along many paths costs no more than one used once.
    """
    by_id = {a.id: a for a in assemblies}
    containers: dict[str, list[str]] = {a.id: [] for a in assemblies}
    for assembly in assemblies:
        for component, _ in assembly.components:
            if component in containers:
                containers[component].append(assembly.id)
    used: dict[str, int] = defaultdict(int)
    for assembly_id in TopologicalSorter(containers).static_order():
        times = used[assembly_id] if containers[assembly_id] else 1
        for component, count in by_id[assembly_id].components:
            used[component] += times * count
    return dict(used)


def _per_product(
    item: PartSpec | PurchasedSpec, used: dict[str, int], values: dict[str, Value], path: str
) -> int:
    """The count the assemblies use; a quantity the spec also gives must agree with it."""
    given = _count(item.quantity, values, path) if "quantity" in item.model_fields_set else None
    if item.id not in used:
        return 1 if given is None else given
    if given is not None and given != used[item.id]:
        raise ExpressionError(
            path,
            f"{given} per product here, but the assemblies use {used[item.id]} of '{item.id}'"
            " (give the same count, or leave the quantity out)",
        )
    return _check_per_product(used[item.id], item.id, path)


def _check_per_product(count: int, item_id: str, path: str) -> int:
    if count > MAX_PER_PRODUCT:
        raise ExpressionError(
            path,
            f"the assemblies use {count:,} of '{item_id}' per product; "
            f"at most {MAX_PER_PRODUCT:,} are accepted",
        )
    return count


def _check_pieces(pieces: int) -> None:
    if pieces > MAX_PIECES_PER_PRODUCT:
        raise ExpressionError(
            "parts",
            f"the product uses {pieces:,} parts and bought items in all; "
            f"at most {MAX_PIECES_PER_PRODUCT:,} are accepted",
        )


def parameter_values(parameters: list[Parameter], settings: Settings) -> dict[str, Value]:
    """Each parameter's value: the setting given, else its default, checked against its type."""
    known = {p.name for p in parameters}
    for name in settings:
        if name not in known:
            raise ExpressionError(f"--set {name}", unknown("parameter", name, known))
    values: dict[str, Value] = {}
    for i, parameter in enumerate(parameters):
        raw: Value = settings.get(parameter.name, parameter.default)
        path = (
            f"--set {parameter.name}" if parameter.name in settings else f"parameters[{i}].default"
        )
        values[parameter.name] = _parameter_value(parameter, raw, path, f"parameters[{i}]")
    return values


def _parameter_value(parameter: Parameter, raw: Value, path: str, where: str) -> Value:
    if parameter.type is ParameterType.CHOICE:
        return _choice(parameter, raw, path)
    if parameter.type is ParameterType.BOOLEAN:
        return _boolean(raw, path)
    expect = EXPECTED[parameter.type]
    value = evaluate(raw, {}, path=path, expect=expect)
    for bound, limit in (("min", parameter.min), ("max", parameter.max)):
        if limit is None:
            continue
        edge = evaluate(limit, {}, path=f"{where}.{bound}", expect=expect)
        if (bound == "min" and _number(value) < _number(edge)) or (
            bound == "max" and _number(value) > _number(edge)
        ):
            word = "below the minimum" if bound == "min" else "above the maximum"
            raise ExpressionError(
                path,
                f"{_show(value)} is {word} {_show(edge)} of '{parameter.name}'"
                f" (accepted: {_show_range(parameter, expect)})",
            )
    return value


def _choice(parameter: Parameter, raw: Value, path: str) -> Value:
    assert parameter.choices is not None
    for choice in parameter.choices:
        if str(choice) == str(raw) or (
            isinstance(choice, float | int) and _is_number(raw) and float(str(raw)) == choice
        ):
            return choice
    listed = ", ".join(str(c) for c in parameter.choices)
    raise ExpressionError(
        path, f"'{raw}' is not a choice of '{parameter.name}' (accepted: {listed})"
    )


def _boolean(raw: Value, path: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ExpressionError(path, f"'{raw}' is not a yes/no value (accepted: true, false, yes, no)")


def _part(
    spec: PartSpec,
    quantity: int,
    path: str,
    values: dict[str, Value],
    catalog: Catalog,
    spec_dir: Path,
    out_dir: Path,
) -> ConfiguredPart:
    material = _catalog_id(spec.material, values, f"{path}.material")
    if material not in catalog.materials:
        raise ExpressionError(f"{path}.material", unknown("material", material, catalog.materials))
    finish = None
    if spec.finish is not None:
        finish = _catalog_id(spec.finish, values, f"{path}.finish")
        finishes = [
            k
            for k, p in catalog.processes.items()
            if isinstance(p, Finishing) and p.basis == "area"
        ]
        if finish not in finishes:
            raise ExpressionError(f"{path}.finish", unknown("finish", finish, finishes))
    if spec.process is not None and spec.process not in catalog.processes:
        raise ExpressionError(
            f"{path}.process", unknown("process", spec.process, catalog.processes)
        )
    shape = _shape(spec, path, values)
    design = _design_file(spec, shape, path, spec_dir, out_dir)
    geometry = _measure(design, spec, path)
    thickness = None
    if isinstance(geometry, Sheet2D):
        given = None if spec.thickness is None else _mm(spec.thickness, values, f"{path}.thickness")
        try:
            thickness = sheet_thickness(catalog.materials[material], given)
        except InputError as error:
            raise ExpressionError(f"{path}.thickness", str(error)) from None
    part = Part(
        name=spec.name or spec.id,
        material_id=material,
        thickness_mm=thickness,
        sheet=geometry if isinstance(geometry, Sheet2D) else None,
        solid=None if isinstance(geometry, Sheet2D) else geometry,
        finish=finish,
    )
    return ConfiguredPart(
        id=spec.id,
        quantity=quantity,
        part=part,
        design_file=str(design),
        shape=shape,
        tolerance=spec.tolerance,
        bends=_count(spec.bends, values, f"{path}.bends"),
        process=spec.process,
        instructions=spec.instructions,
    )


def _shape(spec: PartSpec, path: str, values: dict[str, Value]) -> ConfiguredShape | None:
    g, at = spec.geometry, f"{path}.geometry"
    match g:
        case Plate():
            holes = [
                HoleAt(
                    x_mm=_mm(h.x, values, f"{at}.holes[{i}].x"),
                    y_mm=_mm(h.y, values, f"{at}.holes[{i}].y"),
                    diameter_mm=_positive(h.diameter, values, f"{at}.holes[{i}].diameter"),
                )
                for i, h in enumerate(g.holes)
            ]
            for i, grid in enumerate(g.hole_grids):
                room = MAX_PLATE_FEATURES - len(holes) - len(g.slots)
                holes += _grid_holes(grid, values, f"{at}.hole_grids[{i}]", room)
            slots = [
                SlotAt(
                    x_mm=_mm(s.x, values, f"{at}.slots[{i}].x"),
                    y_mm=_mm(s.y, values, f"{at}.slots[{i}].y"),
                    length_mm=_positive(s.length, values, f"{at}.slots[{i}].length"),
                    width_mm=_positive(s.width, values, f"{at}.slots[{i}].width"),
                    angle_deg=_number_of(s.angle, values, f"{at}.slots[{i}].angle"),
                )
                for i, s in enumerate(g.slots)
            ]
            return PlateShape(
                width_mm=_positive(g.width, values, f"{at}.width"),
                height_mm=_positive(g.height, values, f"{at}.height"),
                corner_radius_mm=_mm(g.corner_radius, values, f"{at}.corner_radius"),
                holes=holes,
                slots=slots,
            )
        case Box():
            return BoxShape(
                x_mm=_positive(g.x, values, f"{at}.x"),
                y_mm=_positive(g.y, values, f"{at}.y"),
                z_mm=_positive(g.z, values, f"{at}.z"),
                wall_mm=None if g.wall is None else _positive(g.wall, values, f"{at}.wall"),
            )
        case Cylinder():
            return CylinderShape(
                diameter_mm=_positive(g.diameter, values, f"{at}.diameter"),
                height_mm=_positive(g.height, values, f"{at}.height"),
            )
        case Tube():
            return TubeShape(
                outer_diameter_mm=_positive(g.outer_diameter, values, f"{at}.outer_diameter"),
                wall_mm=_positive(g.wall, values, f"{at}.wall"),
                length_mm=_positive(g.length, values, f"{at}.length"),
            )
    return None


def _grid_holes(grid: HoleGrid, values: dict[str, Value], path: str, room: int) -> list[HoleAt]:
    """The holes of a grid, refused when they are more than the `room` left in the plate."""
    columns = _count(grid.columns, values, f"{path}.columns")
    rows = _count(grid.rows, values, f"{path}.rows")
    if rows * columns > room:
        raise ExpressionError(
            path,
            f"{rows:,} x {columns:,} holes leave the plate more than {MAX_PLATE_FEATURES:,} "
            f"holes and slots; accepted: up to {MAX_PLATE_FEATURES:,} (grids count rows x columns)",
        )
    x0, y0 = _mm(grid.x, values, f"{path}.x"), _mm(grid.y, values, f"{path}.y")
    dx, dy = (
        _mm(grid.pitch_x, values, f"{path}.pitch_x"),
        _mm(grid.pitch_y, values, f"{path}.pitch_y"),
    )
    diameter = _positive(grid.diameter, values, f"{path}.diameter")
    return [
        HoleAt(x_mm=x0 + c * dx, y_mm=y0 + r * dy, diameter_mm=diameter)
        for r in range(rows)
        for c in range(columns)
    ]


def _design_file(
    spec: PartSpec, shape: ConfiguredShape | None, path: str, spec_dir: Path, out_dir: Path
) -> Path:
    if shape is None:
        assert isinstance(spec.geometry, DesignFile)
        design = (spec_dir / spec.geometry.file).resolve()
        if not design.is_file():
            raise ExpressionError(
                f"{path}.geometry.file",
                f"design file not found: {spec.geometry.file} (looked in {spec_dir})",
            )
        return design
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        return write_shape(shape, out_dir, spec.id)
    except ShapeError as error:
        raise ExpressionError(f"{path}.geometry.{error.path}", error.reason) from None


def _measure(design: Path, spec: PartSpec, path: str) -> Sheet2D | Solid3D:
    units = spec.geometry.units if isinstance(spec.geometry, DesignFile) else "mm"  # as written
    try:
        return read_design(design, units)
    except DesignFileError as error:
        raise ExpressionError(f"{path}.geometry.file", str(error)) from None


def _catalog_id(text: str, values: dict[str, Value], path: str) -> str:
    """A literal id, or the text an '=' expression gives."""
    if not text.startswith("="):
        return text
    return str(evaluate(text[1:], values, path=path, expect="text"))


def _mm(expression: float | str, values: dict[str, Value], path: str) -> float:
    value = evaluate(expression, values, path=path, expect="length")
    assert isinstance(value, Length)
    return value.mm


def _positive(expression: float | str, values: dict[str, Value], path: str) -> float:
    mm = _mm(expression, values, path)
    if mm <= 0:
        raise ExpressionError(path, f"must be greater than 0 mm, got {mm:g} mm")
    return mm


def _number_of(expression: float | str, values: dict[str, Value], path: str) -> float:
    value = evaluate(expression, values, path=path, expect="number")
    assert isinstance(value, int | float)
    return float(value)


def _count(expression: float | str, values: dict[str, Value], path: str) -> int:
    value = evaluate(expression, values, path=path, expect="integer")
    assert isinstance(value, int)
    if value < 0:
        raise ExpressionError(path, f"a count cannot be negative, got {value}")
    if value > MAX_COUNT:
        raise ExpressionError(path, f"{value:,} is more than the {MAX_COUNT:,} a count may be")
    return value


def _number(value: Value) -> float:
    return value.mm if isinstance(value, Length) else float(value)


def _is_number(raw: Value) -> bool:
    try:
        float(str(raw))
    except ValueError:
        return False
    return True


def _show(value: Value) -> str:
    if isinstance(value, Length):
        return f"{value.mm:g} mm"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:g}"
    return str(value)


def _show_range(parameter: Parameter, expect: Expect) -> str:
    low = "" if parameter.min is None else f"from {parameter.min}"
    high = "" if parameter.max is None else f"to {parameter.max}"
    return " ".join(x for x in (low, high) if x) or expect


def _plain(value: Value) -> bool | int | float | str:
    return value.mm if isinstance(value, Length) else value
