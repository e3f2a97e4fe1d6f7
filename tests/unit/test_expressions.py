"""Spec expressions: units, dimensions, functions, errors naming the spec path, and safety."""

import pickle
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import pytest

from bespoke.model.errors import InputError
from bespoke.products.expressions import (
    MAX_CHARS,
    Expect,
    ExpressionError,
    Length,
    Value,
    evaluate,
    parse_length,
)

PATH = "parts[2].geometry.holes[0].diameter"
NAMES: dict[str, Value] = {
    "width": Length(800),
    "height": Length(1200),
    "depth": Length(300),
    "shelves": 3,
    "ratio": 0.5,
    "wood": "birch-plywood",
    "glazed": True,
}
FORMULA = "accepted: numbers, lengths such as 18 mm"


def ev(expression: Value, expect: Expect = "any", names: Mapping[str, Value] = NAMES) -> Value:
    return evaluate(expression, names, path=PATH, expect=expect)


def reason(expression: Value, expect: Expect = "any", names: Mapping[str, Value] = NAMES) -> str:
    """The reason `expression` is rejected, after checking the error carries the path."""
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, names, path=PATH, expect=expect)
    error = caught.value
    assert error.path == PATH
    assert str(error) == f"{PATH}: {error.reason}"
    assert "Traceback" not in error.reason
    return error.reason


# Values


@pytest.mark.parametrize(
    ("expression", "expect", "value"),
    [
        ("width - 2 * 18 mm", "length", Length(764)),
        ("(height - 40 mm) / (shelves + 1)", "length", Length(290)),
        ("max(3, floor(width / 250 mm))", "integer", 3),
        ("12 mm if width > 900 mm else 9 mm", "length", Length(9)),
        ("12 mm if width > 700 mm else 9 mm", "length", Length(12)),
        ("width / 250 mm", "number", 3.2),
        ("width * height / depth", "length", Length(3200)),
        ("sqrt(width * height / 6)", "length", Length(400)),
        ("width // 300 mm", "integer", 2),
        ("width % 300 mm", "length", Length(200)),
        ("-width + 1 m", "length", Length(200)),
        ("+width", "length", Length(800)),
        ("(width + depth) * 2", "length", Length(2200)),
        ("shelves ** 2", "integer", 9),
        ("2 ** 10", "integer", 1024),
        ("7 // 2 + 7 % 2", "integer", 4),
        ("ratio * width", "length", Length(400)),
        ("pi * 100 mm", "length", Length(314.159265359)),
        ("wood == 'birch-plywood'", "bool", True),
        ("wood != 'oak'", "bool", True),
        ("'edge-' + wood", "text", "edge-birch-plywood"),
        ("glazed and width > 1 m", "bool", False),
        ("glazed or width > 1 m", "bool", True),
        ("not glazed", "bool", False),
        ("100 mm < depth <= 300 mm", "bool", True),
        ("wood", "any", "birch-plywood"),
        ("'3 mm'", "text", "3 mm"),
        ("wood == '3 in'", "bool", False),
        ("31.5 in == 800.1 mm", "bool", True),
    ],
)
def test_evaluates(expression: str, expect: Expect, value: Value) -> None:
    result = ev(expression, expect)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize(
    ("literal", "mm"),
    [
        ("18 mm", 18),
        ("18mm", 18),
        ("1.5 cm", 15),
        ("0.8 m", 800),
        ("0.8m", 800),
        ("3 in", 76.2),
        ("0.75 inch", 19.05),
        ("2 inches", 50.8),
        ("31.5 in", 800.1),
        ("2 ft", 609.6),
        ("1 foot", 304.8),
        ("3 feet", 914.4),
        (".5 mm", 0.5),
        ("1e3 mm", 1000),
        ("1_000 mm", 1000),
        ("0.1 m + 0.2 m", 300),
    ],
)
def test_unit_literals_convert_to_mm(literal: str, mm: float) -> None:
    assert ev(literal, "length") == Length(mm)


def test_units_mix_in_one_expression() -> None:
    assert ev("1 ft + 1 in + 1 cm + 1 mm", "length") == Length(304.8 + 25.4 + 10 + 1)


@pytest.mark.parametrize(
    ("text", "mm"),
    [
        ("800 mm", 800),
        ("0.8 m", 800),
        ("31.5 in", 800.1),
        ("2 ft", 609.6),
        ("800", 800),
        ("  12.5mm ", 12.5),
        ("-5 mm", -5),
        (12, 12),
        (1.5, 1.5),
    ],
)
def test_parse_length(text: str | float, mm: float) -> None:
    assert parse_length(text, path=PATH) == Length(mm)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("80o mm", "cannot read '80o mm' as a length (write a number and one of: mm, cm, m,"),
        ("800 kg", "cannot read '800 kg' as a length"),
        ("width", "cannot read 'width' as a length"),
        ("400 mm + 400 mm", "cannot read '400 mm + 400 mm' as a length"),
        ("1e999 mm", "the length is inf, not a finite number"),
        (True, "expected a length such as 800 mm, got True"),
    ],
)
def test_parse_length_rejects(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_length(text, path="parameters[0].default")
    assert caught.value.path == "parameters[0].default"
    assert caught.value.reason.startswith(message)


# Values given as values, not text


@pytest.mark.parametrize(
    ("value", "expect", "result"),
    [
        (800, "length", Length(800)),
        (12.5, "length", Length(12.5)),
        (Length(800), "length", Length(800)),
        (Length(800), "any", Length(800)),
        (3, "integer", 3),
        (2.0, "integer", 2),
        (2.5, "number", 2.5),
        (True, "bool", True),
        (False, "any", False),
    ],
)
def test_values_pass_through(value: Value, expect: Expect, result: Value) -> None:
    assert ev(value, expect) == result
    assert type(ev(value, expect)) is type(result)


@pytest.mark.parametrize(
    ("value", "expect", "message"),
    [
        (Length(800), "number", "expected a plain number, got a length (800 mm)"),
        (Length(800), "integer", "expected a whole number, got a length (800 mm)"),
        (2.5, "integer", "expected a whole number, got 2.5"),
        (True, "integer", "expected a whole number, got a yes/no value (True)"),
        (True, "length", "expected a length, got a yes/no value (True)"),
        (3, "bool", "expected a yes/no value, got 3"),
        (3, "text", "expected text, got 3"),
        (float("nan"), "number", "the value is nan, not a finite number"),
        (Length(float("inf")), "length", "the value is inf, not a finite number"),
    ],
)
def test_values_are_checked(value: Value, expect: Expect, message: str) -> None:
    assert reason(value, expect) == message


# What an expression must give


def test_integer_accepts_whole_floats_only() -> None:
    assert ev("(shelves + 1) / 2", "integer") == 2
    assert type(ev("(shelves + 1) / 2", "integer")) is int
    assert ev("0.3 m / 100 mm", "integer") == 3
    assert reason("5 / 2", "integer") == "expected a whole number, got 2.5"


def test_a_bare_number_is_a_length_only_when_written_alone() -> None:
    assert ev("800", "length") == Length(800)
    assert ev("-5", "length") == Length(-5)
    assert reason("400 + 400", "length") == (
        "expected a length, got 800: give it a unit, as in 800 mm"
    )
    assert reason("shelves", "length") == "expected a length, got 3: give it a unit, as in 3 mm"


@pytest.mark.parametrize(
    ("expression", "expect", "message"),
    [
        ("width / 250 mm", "length", "expected a length, got 3.2: give it a unit"),
        ("width", "number", "expected a plain number, got a length (800 mm)"),
        ("wood", "number", "expected a plain number, got text ('birch-plywood')"),
        ("shelves", "text", "expected text, got 3"),
        ("shelves > 2", "text", "expected text, got a yes/no value (True)"),
        ("width", "bool", "expected a yes/no value, got a length (800 mm)"),
    ],
)
def test_expect_rejects_the_wrong_kind(expression: str, expect: Expect, message: str) -> None:
    assert reason(expression, expect).startswith(message)


# Dimensions


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("width + 3", "cannot add a length and a plain number: write 3 mm"),
        ("3 + width", "cannot add a plain number and a length: write 3 mm"),
        ("width - 3", "cannot subtract a plain number from a length: write 3 mm"),
        ("width > 900", "cannot compare a length with a plain number: write 900 mm"),
        ("width == 800", "cannot compare a length with a plain number: write 800 mm"),
        ("width > 0", "cannot compare a length with a plain number: write 0 mm"),
        ("width // 3", "cannot use // on a length and a plain number: write 3 mm"),
        ("width % 3", "cannot use % on a length and a plain number: write 3 mm"),
        ("width * height + width", "cannot add an area and a length"),
        ("width ** 3 - width", "cannot subtract a length from a volume"),
        ("width ** width", "the exponent must be a plain number, got a length (800 mm)"),
        ("min(1, width)", "min() needs values of one kind, got a length and a plain number"),
        ("clamp(width, 0, 1 m)", "clamp() needs values of one kind"),
    ],
)
def test_dimension_rules(expression: str, message: str) -> None:
    assert reason(expression).startswith(message)


@pytest.mark.parametrize(
    ("expression", "expect", "message"),
    [
        ("width * height", "length", "expected a length, got an area (960000 mm²)"),
        (
            "width * height",
            "any",
            "expected a length, a plain number, text or a yes/no value, got an area (960000 mm²)",
        ),
        ("width * height * depth", "any", "got a volume (288000000 mm³)"),
        ("1 / width", "number", "expected a plain number, got a quantity in 1/mm (0.00125 1/mm)"),
        ("sqrt(width)", "any", "got a quantity in mm⁰⋅⁵"),
    ],
)
def test_results_other_than_lengths_and_numbers_are_rejected(
    expression: str, expect: Expect, message: str
) -> None:
    assert message in reason(expression, expect)


# Functions


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("min(width, depth, height)", Length(300)),
        ("max(width, depth)", Length(800)),
        ("max(1, 2.5, 2)", 2.5),
        ("abs(depth - width)", Length(500)),
        ("abs(-3)", 3),
        ("floor(width / 3)", Length(266)),
        ("ceil(width / 3)", Length(267)),
        ("floor(2.7)", 2),
        ("ceil(2.1)", 3),
        ("round(12.5 mm)", Length(13)),
        ("round(-12.5 mm)", Length(-13)),
        ("round(2.5)", 3),
        ("round(2.675, 2)", 2.68),
        ("round(1234, -2)", 1200),
        ("round(width / 3, 1)", Length(266.7)),
        ("sqrt(16)", 4.0),
        ("sqrt(width * width)", Length(800)),
        ("clamp(width, 100 mm, 500 mm)", Length(500)),
        ("clamp(depth, 100 mm, 500 mm)", Length(300)),
        ("clamp(shelves, 4, 6)", 4),
    ],
)
def test_functions(expression: str, value: Value) -> None:
    result = ev(expression)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("min(3)", "min() takes at least 2 values, got 1: write min(a, b, ...)"),
        ("clamp(1, 2)", "clamp() takes 3 values, got 2: write clamp(x, low, high)"),
        ("sqrt()", "sqrt() takes 1 value, got 0: write sqrt(x)"),
        (
            "round(1, 2, 3)",
            "round() takes 1 or 2 values, got 3: write round(x) or round(x, digits)",
        ),
        ("floor(wood)", "floor() takes numbers or lengths, got text ('birch-plywood')"),
        ("abs(glazed)", "abs() takes numbers or lengths, got a yes/no value (True)"),
        ("sqrt(-4)", "sqrt() of a negative value: -4"),
        ("sqrt(-width)", "sqrt() of a negative value: a length (-800 mm)"),
        ("clamp(1, 5, 2)", "clamp() needs low <= high, got 5 > 2"),
        ("round(width, 0.5)", "round() takes a whole number of digits from -15 to 15, got 0.5"),
        ("round(width, 100)", "round() takes a whole number of digits from -15 to 15, got 100"),
        ("min", "'min' is a function: call it, as in min(a, b, ...)"),
        (
            "flor(width)",
            "unknown function 'flor' (did you mean 'floor'?; functions: abs, ceil, clamp,"
            " floor, max, min, round, sqrt)",
        ),
        ("width(3)", "unknown function 'width' (functions: abs, ceil, clamp,"),
    ],
)
def test_function_errors(expression: str, message: str) -> None:
    assert reason(expression).startswith(message)


# Errors a user can act on


def test_unknown_name_suggests_and_lists() -> None:
    names: dict[str, Value] = {"width": Length(800), "height": Length(1), "depth": Length(1)}
    assert reason("widht - 1 mm", names=names) == (
        "unknown name 'widht' (did you mean 'width'?; known: depth, height, width)"
    )
    assert reason("colour", names=names) == "unknown name 'colour' (known: depth, height, width)"
    assert reason("x", names={}) == "unknown name 'x' (no parameters are defined)"


def test_syntax_errors_quote_the_expression() -> None:
    assert reason("width -* 2") == "cannot read 'width -* 2': invalid syntax"
    assert reason("max(1,") == "cannot read 'max(1,': '(' was never closed"
    assert reason("  ") == "the expression is empty"


@pytest.mark.parametrize(
    "expression", ["1 / 0", "width / 0 mm", "width // 0 mm", "width % 0 mm", "shelves % 0"]
)
def test_division_by_zero(expression: str) -> None:
    assert reason(expression) == "division by zero"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("3 kg", "'kg' after 3 is not a unit of length (accepted: mm, cm, m, in, inch, ft);"),
        ("3 width", "'width' after 3 is not a unit of length"),
        ("wood + 3", "cannot add text and a plain number"),
        ("wood * 3", "cannot use * on text and a plain number"),
        ("glazed + 1", "cannot add a yes/no value and a plain number"),
        ("-wood", "cannot use unary - on text ('birch-plywood')"),
        ("wood < 'oak'", "text can only be compared with == or !="),
        ("wood == 3", "cannot compare text with a plain number"),
        ("glazed == 1", "cannot compare a yes/no value with a plain number"),
        ("1e400", "a number in the expression is too large"),
        ("1e300 * 1e300", "the result is too large"),
        ("(-8) ** 0.5", "(-8) ** 0.5: a fractional power of a negative number"),
        ("0 ** -1", "0 ** -1: division by zero"),
    ],
)
def test_other_errors(expression: str, message: str) -> None:
    assert reason(expression).startswith(message)


def test_a_parameter_that_is_not_a_finite_number_is_named() -> None:
    assert reason("x + 1", names={"x": float("inf")}) == "'x' is inf, not a finite number"


def test_expression_length_is_limited() -> None:
    longest = "1" + " + 1" * ((MAX_CHARS - 1) // 4)
    assert ev(longest) == (MAX_CHARS - 1) // 4 + 1
    assert reason("1" * (MAX_CHARS + 1)) == (
        f"the expression is {MAX_CHARS + 1} characters long; the limit is {MAX_CHARS}"
    )


# Safety


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os')", "names starting with '__' are not allowed ('__import__')"),
        ("().__class__", "names starting with '__' are not allowed ('__class__')"),
        ("__builtins__", "names starting with '__' are not allowed"),
        ("[x for x in y]", "a comprehension is not allowed"),
        ("(x for x in y)", "a comprehension is not allowed"),
        ("lambda: 1", "lambda is not allowed"),
        ("open('f')", "unknown function 'open'"),
        ("eval('1')", "unknown function 'eval'"),
        ("wood.upper()", "attribute access (a.b) is not allowed"),
        ("width.magnitude", "attribute access (a.b) is not allowed"),
        ("min.apply", "attribute access (a.b) is not allowed"),
        ("wood[0]", "indexing (a[b]) is not allowed"),
        ("(1, 2)", "a tuple is not allowed"),
        ("{'a': 1}", "a dict is not allowed"),
        ("(x := 1)", "assignment (:=) is not allowed"),
        ("f'{width}'", "an f-string is not allowed"),
        ("max(*(1, 2))", "unpacking (*a) is not allowed"),
        ("round(x=1)", "a keyword argument is not allowed"),
        ("2 ^ 3", "the operator ^ (for a power write **) is not allowed"),
        ("1 << 2", "the operator << is not allowed"),
        ("'b' in wood", "the operator 'in' is not allowed"),
        ("width is width", "the operator 'is' is not allowed"),
        ("None", "the value None is not allowed"),
        ("b'x'", "the value b'x' is not allowed"),
        ("(1)(2)", "only these functions can be called: abs, ceil,"),
        ("width = 3", "cannot read 'width = 3': invalid syntax"),
        ("width; 3", "cannot read 'width; 3': invalid syntax"),
        ("import os", "cannot read 'import os': invalid syntax"),
    ],
)
def test_forbidden_constructs_are_rejected(expression: str, message: str) -> None:
    assert reason(expression).startswith(message)


def test_forbidden_constructs_say_what_is_accepted() -> None:
    assert FORMULA in reason("wood.upper()")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("10 ** 10000000", "10 ** 10000000 is too large (base and exponent are limited to"),
        ("9.5 ** 400", "9.5 ** 400 is too large"),
        ("width ** 400", "800 ** 400 is too large"),
        ("(10 ** 300) ** 2", "1e+300 ** 2 is too large"),
    ],
)
def test_big_powers_are_rejected(expression: str, message: str) -> None:
    assert reason(expression).startswith(message)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("9" * 400, "a number in the expression is too large"),
        ("9" * 400 + " mm", "the number 9999999999...99999 is too large"),
        ("floor(1e308) * floor(1e308)", "the result is too large"),
        ("floor(1e308 mm) * 10", "the result is too large"),
        ("round(1e308) + round(1e308)", "the result is too large"),
    ],
)
def test_whole_numbers_beyond_a_float_are_rejected(expression: str, message: str) -> None:
    assert reason(expression) == message


def test_a_whole_number_value_beyond_a_float_is_rejected() -> None:
    with pytest.raises(ExpressionError, match="the value is too large"):
        evaluate(10**400, {}, path=PATH, expect="length")


def test_deeply_nested_parentheses_are_refused() -> None:
    assert reason("(" * 240 + "1" + ")" * 240).endswith("too many nested parentheses")


def test_deep_nesting_fails_cleanly() -> None:
    try:
        assert ev("-" * (MAX_CHARS - 1) + "1") == -1
    except ExpressionError as error:
        assert "nested too deeply" in error.reason


# Behaviour


def test_results_depend_only_on_the_expression_and_the_names() -> None:
    expressions = ["width - 2 * 18 mm", "max(3, floor(width / 250 mm))", "31.5 in / 3"]
    first = [ev(e) for e in expressions]
    assert [ev(e) for e in reversed(expressions)] == list(reversed(first))
    assert ev("width", names={"width": Length(5)}) == Length(5)
    assert ev("width") == Length(800)


def test_threads_get_the_same_results() -> None:
    expressions = [f"width / {n} + {n} mm" for n in range(1, 200)]
    alone = [ev(e) for e in expressions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(ev, expressions)) == alone


def test_names_may_start_with_one_underscore_and_shadow_pi() -> None:
    assert ev("_margin * 2", names={"_margin": Length(5)}) == Length(10)
    assert ev("pi", names={"pi": 3}) == 3


def test_expression_error_is_an_input_error_that_survives_pickling() -> None:
    error = ExpressionError(PATH, "division by zero")
    assert isinstance(error, InputError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.reason, str(copy)) == (PATH, "division by zero", str(error))
