"""The readers fuzzed: whatever they are given, they return a result or raise a BespokeError.

Inputs are generated structures (drawings built with ezdxf, meshes of extreme numbers,
spec-like data, expressions from a grammar) and mutations of real files (bytes flipped,
the file cut short, stretches duplicated, DXF group codes or keywords inserted). Each
property runs a bounded number of examples, derandomized so that CI always sees the same.
"""

import json
import math
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ezdxf
import pytest
import yaml
from ezdxf.layouts import BaseLayout
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers import ROOT

from bespoke.geometry.dxf import read_dxf
from bespoke.geometry.stl import read_stl
from bespoke.model.errors import BespokeError
from bespoke.products.expressions import Length, evaluate
from bespoke.products.spec import read_spec_text


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def outcome(read: Callable[[], object]) -> None:
    """Run `read`: a result, or a BespokeError whose message is one line of valid text."""
    try:
        read()
    except BespokeError as error:
        message = str(error)
        message.encode("utf-8")
        assert message and "\n" not in message and "Traceback" not in message


def sources(*patterns: str, root: Path = ROOT) -> tuple[bytes, ...]:
    return tuple(p.read_bytes() for pattern in patterns for p in sorted(root.glob(pattern)))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# --- mutations of real files ---------------------------------------------------------------

DXF_INSERTS = (
    b"  0\nINSERT\n  2\nNOWHERE\n",
    b"  0\nINSERT\n  2\n*Model_Space\n 70\n32767\n 71\n32767\n 44\n1\n 45\n1\n",
    b"  0\nBLOCK\n  2\nLOOP\n  0\nINSERT\n  2\nLOOP\n  0\nENDBLK\n",
    b" 10\n1e308\n",
    b" 20\nnan\n",
    b" 40\n-1\n",
    b" 40\ninf\n",
    b" 42\n1e300\n",
    b" 41\n0\n",
    b"210\n0\n220\n0\n230\n0\n",
    b" 90\n99999999\n",
    b"  0\nLWPOLYLINE\n 90\n3\n 10\n0\n 20\n0\n 42\nnan\n 10\n1\n 20\n1\n",
    b"  0\nSPLINE\n 71\n3\n 11\n1e300\n 21\n0\n 11\n1\n 21\n1\n",
    b"  0\nELLIPSE\n 11\n0\n 21\n0\n 40\n0\n",
    b"  0\nCIRCLE\n 10\n0\n 20\n0\n 40\n1e11\n",
    b"  0\nENDSEC\n",
    b"  0\nSECTION\n  2\nBLOCKS\n",
    b"  9\n$INSUNITS\n 70\n20\n",
    b"\xff\xfe\x00",
)
STL_INSERTS = (
    b"vertex 1e308 0 0\n",
    b"vertex nan nan nan\n",
    b"vertex 1 2\n",
    b"facet normal 0 0 0\nouter loop\n",
    b"endloop\nendfacet\n",
    b"endsolid\n",
    b"solid again\n",
    b"\xff\xfe\xe9",
    b"\x00",
)


@st.composite
def mutated(draw: st.DrawFn, files: tuple[bytes, ...], inserts: tuple[bytes, ...]) -> bytes:
    """One of `files` with one to three changes: a bit flipped, the end cut off, a stretch
    duplicated elsewhere, or one of `inserts` put at the start of a line."""
    data = bytearray(draw(st.sampled_from(files)))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, max(0, len(data) - 1)))
        change = draw(st.sampled_from(("flip", "cut", "duplicate", "insert", "insert")))
        if change == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif change == "cut":
            del data[at:]
        elif change == "duplicate":
            stretch = bytes(data[at : at + draw(st.integers(1, 4000))])
            to = draw(st.integers(0, len(data)))
            data[to:to] = stretch
        else:
            line = data.find(b"\n", at) + 1
            data[line:line] = draw(st.sampled_from(inserts))
    return bytes(data)


EXAMPLE_DRAWINGS = sources("examples/*.dxf")
STL_FILES = sources("tests/fixtures/stl/*.stl", "examples/*.stl")


@fuzz(60)
@given(data=mutated(EXAMPLE_DRAWINGS, DXF_INSERTS))
def test_mutated_example_drawings(scratch: Path, data: bytes) -> None:
    path = scratch / "mutated.dxf"
    path.write_bytes(data)
    outcome(lambda: read_dxf(path))


@fuzz(40)
@given(data=st.data())
def test_mutated_shared_drawings(scratch: Path, shared_fixtures: Path, data: st.DataObject) -> None:
    files = sources("dxf/*.dxf", root=shared_fixtures)
    path = scratch / "shared.dxf"
    path.write_bytes(data.draw(mutated(files, DXF_INSERTS)))
    outcome(lambda: read_dxf(path))


@fuzz(80)
@given(data=mutated(STL_FILES, STL_INSERTS))
def test_mutated_meshes(scratch: Path, data: bytes) -> None:
    path = scratch / "mutated.stl"
    path.write_bytes(data)
    outcome(lambda: read_stl(path))


@fuzz(40)
@given(data=st.data())
def test_mutated_shared_meshes(scratch: Path, shared_fixtures: Path, data: st.DataObject) -> None:
    files = tuple(f for f in sources("stl/*", root=shared_fixtures) if len(f) < 100_000)
    path = scratch / "shared.stl"
    path.write_bytes(data.draw(mutated(files, STL_INSERTS)))
    outcome(lambda: read_stl(path))


# --- generated drawings ----------------------------------------------------------------------

EXTREMES = (0.0, -0.0, 1e-300, 1e300, -1e300, 1e15, math.nan, math.inf, -math.inf)
number = st.one_of(st.floats(-500, 500), st.sampled_from(EXTREMES))
point = st.tuples(number, number)
extrusion = st.sampled_from(((0, 0, 1), (0, 0, 1), (0, 0, -1), (0, 0, 0), (1, 0, 0), (0, 1, 1)))
Entity = tuple[Any, ...]
entity: st.SearchStrategy[Entity] = st.one_of(
    st.tuples(st.just("line"), point, point),
    st.tuples(st.just("circle"), point, number, extrusion),
    st.tuples(st.just("arc"), point, number, number, number, extrusion),
    st.tuples(st.just("ellipse"), point, point, st.sampled_from((0.5, 1.0, 0.0, -1.0, 2.0))),
    st.tuples(st.just("spline"), st.lists(point, min_size=2, max_size=6)),
    st.tuples(
        st.just("lwpolyline"),
        st.lists(st.tuples(number, number, st.sampled_from((0.0, 1.0, -1.0, 1e300))), max_size=6),
        st.booleans(),
    ),
    st.tuples(st.just("polyline"), st.lists(point, min_size=1, max_size=5), st.booleans()),
    st.tuples(
        st.just("insert"),
        st.integers(0, 3),
        point,
        st.sampled_from((1.0, 2.0, -1.0, 0.0, 0.5)),
        st.sampled_from((1.0, 2.0, -1.0, 1e-9)),
        number,
        st.tuples(st.integers(1, 4), st.integers(1, 4)),
    ),
)


def add(layout: BaseLayout, item: Entity) -> None:
    """Draw `item` into `layout`; what ezdxf itself refuses to create is left out."""
    kind, *args = item
    try:
        if kind == "line":
            layout.add_line(*args)
        elif kind == "circle":
            layout.add_circle(args[0], args[1], dxfattribs={"extrusion": args[2]})
        elif kind == "arc":
            center, radius, start, end, normal = args
            layout.add_arc(center, radius, start, end, dxfattribs={"extrusion": normal})
        elif kind == "ellipse":
            center, (ax, ay), ratio = args
            layout.add_ellipse(center, major_axis=(ax, ay, 0.0), ratio=ratio)
        elif kind == "spline":
            layout.add_spline(fit_points=args[0])
        elif kind == "lwpolyline":
            layout.add_lwpolyline(args[0], format="xyb", close=args[1])
        elif kind == "polyline":
            layout.add_polyline2d(args[0], close=args[1])
        else:
            block, at, xscale, yscale, rotation, grid = args
            scales = {"xscale": xscale, "yscale": yscale, "rotation": rotation}
            layout.add_blockref(f"B{block}", at, dxfattribs=scales).grid(grid, (10.0, 10.0))
    except (ValueError, ZeroDivisionError, ezdxf.DXFError):
        pass


@fuzz(40)
@given(
    blocks=st.lists(st.lists(entity, max_size=4), max_size=4),
    entities=st.lists(entity, min_size=1, max_size=8),
    units=st.sampled_from((0, 1, 4, 6, 20)),
)
def test_generated_drawings(
    scratch: Path, blocks: list[list[Entity]], entities: list[Entity], units: int
) -> None:
    doc = ezdxf.new("R2010", units=units)
    for index, content in enumerate(blocks):
        block = doc.blocks.new(f"B{index}")
        for item in content:
            add(block, item)
    for item in entities:
        add(doc.modelspace(), item)
    path = scratch / "generated.dxf"
    doc.saveas(path)
    outcome(lambda: read_dxf(path))


# --- generated meshes ------------------------------------------------------------------------


def triangles(extremes: tuple[float, ...]) -> st.SearchStrategy[list[tuple[float, ...]]]:
    coordinate = st.one_of(st.floats(-100, 100, width=32), st.sampled_from(extremes))
    return st.lists(st.tuples(*[coordinate] * 9), min_size=1, max_size=40)


@fuzz(60)
@given(
    facets=triangles((0.0, 3e38, -3e38, math.nan, math.inf, 1e-30)),
    declared=st.sampled_from((None, 0, 1, 2**32 - 1)),
)
def test_generated_binary_meshes(
    scratch: Path, facets: list[tuple[float, ...]], declared: int | None
) -> None:
    count = len(facets) if declared is None else declared
    body = b"".join(struct.pack("<12fH", 0.0, 0.0, 0.0, *facet, 0) for facet in facets)
    path = scratch / "generated.stl"
    path.write_bytes(b" " * 80 + struct.pack("<I", count) + body)
    outcome(lambda: read_stl(path))


@fuzz(40)
@given(
    facets=triangles((0.0, 1e308, -1e308, math.nan, math.inf, 1e-300)),
    name=st.binary(max_size=20).filter(lambda b: b"\x00" not in b),
)
def test_generated_ascii_meshes(
    scratch: Path, facets: list[tuple[float, ...]], name: bytes
) -> None:
    def facet(values: tuple[float, ...]) -> str:
        vertices = "".join(
            f"vertex {values[i]} {values[i + 1]} {values[i + 2]}\n" for i in (0, 3, 6)
        )
        return f"facet normal 0 0 0\nouter loop\n{vertices}endloop\nendfacet\n"

    text = "".join(facet(values) for values in facets).encode()
    path = scratch / "generated.stl"
    path.write_bytes(b"solid " + name + b"\n" + text + b"endsolid\n")
    outcome(lambda: read_stl(path))


# --- specs -----------------------------------------------------------------------------------

SPEC_TEXTS = tuple(p.read_text() for p in sorted((ROOT / "examples" / "products").glob("*.yaml")))
SPEC_INSERTS = (
    "&a ", "*a", "<<: *a\n", "[", "]", "{", "}", "!!int x", "!!binary", "!!set", "? ", "- ",
    ": ", "\n  ", "'", '"', '"\\ud800"', "9" * 5000, "2024-13-45", "&b [*a, *a, *a]", "---\n",
    "!!python/object:os.system", "\t", "1e999", ".nan", "0x1F", "=wood", "(" * 300,
    "[" * 100, "!!timestamp 2024-02-30",
)  # fmt: skip


@st.composite
def mutated_text(draw: st.DrawFn, texts: tuple[str, ...], inserts: tuple[str, ...]) -> str:
    """One of `texts` with one to four changes: a character replaced, a stretch cut out or
    duplicated, or one of `inserts` put anywhere or in place of the next value."""
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        change = draw(st.sampled_from(("replace", "cut", "duplicate", "insert", "value")))
        if change == "value" and ": " in text[at:]:
            value = text.index(": ", at) + 2
            text = text[:value] + draw(st.sampled_from(inserts)) + text[value:]
        elif change == "replace":
            text = text[:at] + draw(st.characters()) + text[at + 1 :]
        elif change == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 200)) :]
        elif change == "duplicate":
            to = draw(st.integers(0, len(text)))
            text = text[:to] + text[at : at + draw(st.integers(1, 400))] + text[to:]
        else:
            text = text[:at] + draw(st.sampled_from(inserts)) + text[at:]
    return text


@fuzz(150)
@given(text=mutated_text(SPEC_TEXTS, SPEC_INSERTS))
def test_mutated_yaml_specs(text: str) -> None:
    outcome(lambda: read_spec_text(text, "spec.yaml"))


@fuzz(100)
@given(data=st.data())
def test_mutated_json_specs(data: st.DataObject) -> None:
    texts = tuple(json.dumps(yaml.safe_load(text)) for text in SPEC_TEXTS)
    text = data.draw(
        mutated_text(texts, ('{"a": ', "[", "]", "}", "1e999", '"\\ud800"', "9" * 5000))
    )
    outcome(lambda: read_spec_text(text, "spec.json", json_format=True))


leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
    st.sampled_from(("plate", "box", "file", "10 mm", "width * 2", "steel-s235", "length")),
)  # fmt: skip
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                ("name", "parts", "id", "geometry", "shape", "width", "height", "holes", "x",
                 "parameters", "type", "default", "assemblies", "components", "quantity",
                 "material", "purchased", "unit_price", "hole_grids", "rows", "columns")
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=40,
)  # fmt: skip


@fuzz(150)
@given(data=values, as_json=st.booleans())
def test_generated_specs(data: object, as_json: bool) -> None:
    try:
        text = json.dumps(data) if as_json else yaml.safe_dump(data)
    except ValueError:
        return  # NaN is not JSON: nothing to read
    outcome(lambda: read_spec_text(text, "spec", json_format=as_json))


# --- expressions -----------------------------------------------------------------------------

NAMES = {
    "width": Length(800.0),
    "count": 3,
    "wood": "oak",
    "big": 10**300,
    "flag": True,
    "tiny": 1e-300,
}
atoms = st.one_of(
    st.sampled_from(("1", "0", "-0.0", "1e308", "1e-308", "9" * 40, "2.5", "18 mm", "1 in",
                     "0.5 m", "width", "count", "wood", "big", "flag", "tiny", "pi", "'oak'",
                     "1e999", "nan", "floor(1e308)", "9" * 400)),
    st.floats(allow_nan=False).map(repr),
    st.integers(-(10**30), 10**30).map(str),
)  # fmt: skip
operators = st.sampled_from(("+", "-", "*", "/", "//", "%", "**", "==", "<", ">=", "and", "or"))
functions = st.sampled_from(("min", "max", "abs", "round", "floor", "ceil", "sqrt", "clamp", "int"))
expressions = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.tuples(inner, operators, inner).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        inner.map(lambda e: f"-({e})"),
        inner.map(lambda e: f"not ({e})"),
        st.tuples(inner, inner, inner).map(lambda t: f"{t[0]} if {t[1]} else {t[2]}"),
        st.tuples(functions, st.lists(inner, max_size=4)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"
        ),
    ),
    max_leaves=12,
)
expects = st.sampled_from(("length", "number", "integer", "text", "bool", "any"))


@fuzz(300)
@given(expression=expressions, expect=expects)
def test_generated_expressions(expression: str, expect: Any) -> None:
    outcome(lambda: evaluate(expression, NAMES, path="x", expect=expect))


@fuzz(200)
@given(text=st.text(alphabet=st.sampled_from("()+-*/%,. 0123456789eEmnix_'\"a<>=!*"), max_size=80))
def test_random_expression_text(text: str) -> None:
    outcome(lambda: evaluate(text, NAMES, path="x"))


@fuzz(100)
@given(value=st.one_of(st.integers(), st.floats(), st.booleans(), st.text(max_size=20)))
def test_plain_values(value: Any) -> None:
    outcome(lambda: evaluate(value, NAMES, path="x", expect="length"))
