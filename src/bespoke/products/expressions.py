"""Spec expressions with units, evaluated safely: "width - 2 * 18 mm", "floor(width / 250 mm)".

Python's `ast` reads an expression after each unit literal ("18 mm", "31.5 in") is swapped
for a placeholder name; an allow-list of syntax is checked, and simpleeval evaluates it with
operators and functions of our own. Lengths are pint quantities in mm, so the rules of
dimensions hold: a length plus a bare number, or an area where a length is expected, is an
error that says what to write instead. Nothing reaches Python's `eval`.
"""

from __future__ import annotations

import ast
import difflib
import functools
import keyword
import math
import operator
import re
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeGuard, cast

import simpleeval

from bespoke.model.errors import InputError, valid_text
from bespoke.model.product import MAX_EXPRESSION_CHARS

if TYPE_CHECKING:
    import pint
    from pint.facets.plain import PlainUnit

    Quantity = pint.Quantity[float]


@dataclass(frozen=True)
class Length:
    """A length in mm."""

    mm: float


Value = bool | int | float | str | Length
"""A parameter's or an expression's value."""

Expect = Literal["length", "number", "integer", "text", "bool", "any"]
"""What an expression must give."""


class ExpressionError(InputError):
    """An expression or value that cannot be used: `path` says where it is, `reason` why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = valid_text(path)
        self.reason = valid_text(reason)

    def __reduce__(self) -> tuple[type[ExpressionError], tuple[str, str]]:
        return type(self), (self.path, self.reason)


def evaluate(
    expression: Value, names: Mapping[str, Value], *, path: str, expect: Expect = "any"
) -> Value:
    """The value of `expression` (a string is an expression of `names`), checked as `expect`.

    A bare number where a length is expected is taken as mm, but only when the whole
    expression is that number: "800" is 800 mm, "400 + 400" is an error.
    """
    try:
        if not isinstance(expression, str):
            return _result(_inner(expression, "the value"), expect, bare_number=True)
        compiled = _compile(expression.strip())
        return _result(_run(compiled, names), expect, bare_number=compiled.bare_number)
    except _EvaluationError as reason:
        raise ExpressionError(path, str(reason)) from None


def parse_length(text: str | float | int, *, path: str) -> Length:
    """A length written as a number and a unit ("800 mm", "0.8 m", "31.5 in", "2 ft"); bare = mm."""
    try:
        return _parse_length(text)
    except _EvaluationError as reason:
        raise ExpressionError(path, str(reason)) from None


def _parse_length(text: object) -> Length:
    if isinstance(text, str):
        match = _LENGTH.fullmatch(text.strip())
        if match is None:
            raise _EvaluationError(
                f"cannot read '{text}' as a length (write a number and one of: {_UNIT_LIST})"
            )
        number, unit = float(match["number"]), match["unit"] or "mm"
    elif _is_number(text):
        number, unit = float(text), "mm"
    else:
        raise _EvaluationError(f"expected a length such as 800 mm, got {text!r}")
    return _length(_literal(_finite(number, "the length"), unit).magnitude)


# Reading

MAX_CHARS = MAX_EXPRESSION_CHARS
"""Most characters in an expression: with the power limits, what bounds its cost."""
_DIGITS = r"\d(?:_?\d)*"
_NUMBER = rf"(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?"
_UNITS = {
    "mm": "millimeter",
    "cm": "centimeter",
    "m": "meter",
    "in": "inch",
    "inch": "inch",
    "inches": "inch",
    "ft": "foot",
    "foot": "foot",
    "feet": "foot",
}
_UNIT_LIST = "mm, cm, m, in, inch, ft"
_TOKENS = re.compile(
    r"""(?P<text>'[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*")"""
    rf"|(?P<number>{_NUMBER})(?:\s*(?P<word>[^\W\d]\w*))?"
    r"|(?P<name>[^\W\d]\w*)"
)
_LENGTH = re.compile(rf"(?P<number>[+-]?{_NUMBER})\s*(?P<unit>{'|'.join(_UNITS)})?")


class _EvaluationError(Exception):
    """Why an expression failed, raised inside and reported with the spec path by `evaluate`."""


@dataclass(frozen=True)
class _Compiled:
    """An expression read and checked: its syntax tree and the unit literals it names."""

    tree: ast.expr
    literals: Mapping[str, Quantity]
    bare_number: bool


@functools.lru_cache(maxsize=4096)
def _compile(text: str) -> _Compiled:
    if not text:
        raise _EvaluationError("the expression is empty")
    if len(text) > MAX_CHARS:
        raise _EvaluationError(
            f"the expression is {len(text)} characters long; the limit is {MAX_CHARS}"
        )
    source, literals = _swap_literals(text)
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as error:
        raise _EvaluationError(f"cannot read '{text}': {error.msg}") from None
    except (RecursionError, MemoryError):
        raise _EvaluationError(f"cannot read '{text}': it is nested too deeply") from None
    _check(tree)
    return _Compiled(tree, literals, _is_bare_number(tree))


def _swap_literals(text: str) -> tuple[str, dict[str, Quantity]]:
    """`text` with each unit literal ("18 mm") replaced by a name ("__0") bound to its value."""
    literals: dict[str, Quantity] = {}

    def swap(match: re.Match[str]) -> str:
        name, word = match["name"], match["word"]
        if name is not None and name.startswith("__"):
            raise _EvaluationError(f"names starting with '__' are not allowed ('{name}')")
        if word is None or (keyword.iskeyword(word) and word != "in"):
            return match[0]
        if word not in _UNITS:
            number = match["number"]
            raise _EvaluationError(
                f"'{word}' after {number} is not a unit of length (accepted: {_UNIT_LIST});"
                f" to multiply, write {number} * {word}"
            )
        placeholder = f"__{len(literals)}"
        number = float(match["number"])
        if not math.isfinite(number):
            raise _EvaluationError(f"the number {_shown_digits(match['number'])} is too large")
        literals[placeholder] = _literal(number, word)
        return placeholder

    return _TOKENS.sub(swap, text), literals


def _is_bare_number(tree: ast.expr) -> bool:
    if isinstance(tree, ast.UnaryOp) and isinstance(tree.op, ast.USub | ast.UAdd):
        tree = tree.operand
    return isinstance(tree, ast.Constant) and _is_number(tree.value)


# Checking the syntax against an allow-list

_ALLOWED = (
    ast.Name,
    ast.Load,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Pow,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.And,
    ast.Or,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
)
_FORBIDDEN: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "indexing (a[b])",
    ast.List: "a list",
    ast.Tuple: "a tuple",
    ast.Set: "a set",
    ast.Dict: "a dict",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.Lambda: "lambda",
    ast.NamedExpr: "assignment (:=)",
    ast.JoinedStr: "an f-string",
    ast.Starred: "unpacking (*a)",
    ast.keyword: "a keyword argument",
    ast.BitXor: "the operator ^ (for a power write **)",
    ast.BitOr: "the operator |",
    ast.BitAnd: "the operator &",
    ast.LShift: "the operator <<",
    ast.RShift: "the operator >>",
    ast.Invert: "the operator ~",
    ast.MatMult: "the operator @",
    ast.In: "the operator 'in'",
    ast.NotIn: "the operator 'not in'",
    ast.Is: "the operator 'is'",
    ast.IsNot: "the operator 'is not'",
}


def _check(tree: ast.expr) -> None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            _check_call(node)
        elif isinstance(node, ast.Constant):
            _check_constant(node)
        elif not isinstance(node, _ALLOWED):
            what = _FORBIDDEN.get(type(node), type(node).__name__)
            raise _EvaluationError(f"{what} is not allowed in an expression ({_accepted()})")


def _check_call(node: ast.Call) -> None:
    if isinstance(node.func, ast.Attribute):
        return  # reported as attribute access when the walk reaches it
    if not isinstance(node.func, ast.Name):
        raise _EvaluationError(f"only these functions can be called: {_function_list()}")
    name = node.func.id
    if name not in _FUNCTIONS:
        close = difflib.get_close_matches(name, _FUNCTIONS, n=1)
        hint = f"did you mean '{close[0]}'?; " if close else ""
        raise _EvaluationError(f"unknown function '{name}' ({hint}functions: {_function_list()})")


def _check_constant(node: ast.Constant) -> None:
    value = node.value
    if _is_number(value) and not _in_range(value):
        raise _EvaluationError("a number in the expression is too large")
    if not isinstance(value, int | float | str):
        raise _EvaluationError(
            f"the value {value!r} is not allowed in an expression ({_accepted()})"
        )


def _accepted() -> str:
    return (
        "accepted: numbers, lengths such as 18 mm, names, 'text', + - * / // % **,"
        " comparisons, and, or, not, a if condition else b, and the functions " + _function_list()
    )


def _function_list() -> str:
    return ", ".join(sorted(_FUNCTIONS))


# Evaluating


class _Evaluator(threading.local):
    """One simpleeval evaluator per thread, set up once with our operators and functions."""

    def __init__(self) -> None:
        self.simpleeval = simpleeval.SimpleEval(operators=_OPERATORS, functions=_FUNCTIONS)


def _run(compiled: _Compiled, names: Mapping[str, Value]) -> object:
    evaluator = _EVALUATOR.simpleeval
    evaluator.names = _Scope(compiled.literals, names)
    try:
        return evaluator.eval("", previously_parsed=compiled.tree)
    except RecursionError:
        raise _EvaluationError("the expression is nested too deeply") from None


class _Scope:
    """The names an expression reads: its unit literals, then the caller's values, then pi."""

    def __init__(self, literals: Mapping[str, object], names: Mapping[str, Value]) -> None:
        self._literals = literals
        self._names = names

    def __getitem__(self, name: str) -> object:
        if name in self._literals:
            return self._literals[name]
        if name in self._names:
            return _inner(self._names[name], f"'{name}'")
        if name == "pi":
            return math.pi
        raise _EvaluationError(self._unknown(name))

    def _unknown(self, name: str) -> str:
        if name in _FUNCTIONS:
            return f"'{name}' is a function: call it, as in {_FUNCTIONS[name].usage}"
        known = sorted(key for key in self._names if key.isidentifier())
        if not known:
            return f"unknown name '{name}' (no parameters are defined)"
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'?; " if close else ""
        return f"unknown name '{name}' ({hint}known: {', '.join(known)})"


def _inner(value: object, what: str) -> object:
    """A caller's value as the evaluator holds it: a Length becomes a pint quantity in mm."""
    if isinstance(value, Length):
        return _millimetres(_finite(value.mm, what))
    if _is_number(value):
        return _finite(value, what)
    if isinstance(value, bool | str):
        return value
    raise _EvaluationError(
        f"{what} is {value!r}: accepted are numbers, lengths, text and true/false"
    )


def _finite(number: float, what: str) -> float:
    if isinstance(number, int) and not _in_range(number):
        raise _EvaluationError(f"{what} is too large, more than a float can hold")
    if not math.isfinite(number):
        raise _EvaluationError(f"{what} is {number}, not a finite number")
    return number


# Values and their kinds


@functools.cache
def _registry() -> pint.UnitRegistry[float]:
    import pint  # imported on first use: it takes about 0.3 s

    return pint.UnitRegistry()


@functools.cache
def _millimetre() -> PlainUnit:
    return _registry().millimeter


@functools.lru_cache(maxsize=4096)
def _millimetres(mm: float) -> Quantity:
    """A length as a quantity, shared: quantities are never changed in place here."""
    return _quantity(mm)


def _quantity(magnitude: float, units: PlainUnit | None = None) -> Quantity:
    return _registry().Quantity(magnitude, units or _millimetre())


def _literal(number: float, unit: str) -> Quantity:
    """`number` `unit` in mm, rounded to 1e-9 mm so that 31.5 in is exactly 800.1 mm."""
    return _millimetres(round(number * _mm_per(unit), 9))


@functools.cache
def _mm_per(unit: str) -> float:
    return float(_registry().Quantity(1, _UNITS[unit]).m_as(_millimetre()))


def _length(mm: float) -> Length:
    """A Length rounded to 1e-9 mm, below any machine's resolution and float noise (+0.0: no -0)."""
    return Length(mm=round(float(mm), 9) + 0.0)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_quantity(value: object) -> TypeGuard[Quantity]:
    return isinstance(value, _registry().Quantity)


def _is_numeric(value: object) -> bool:
    return _is_number(value) or _is_quantity(value)


def _power_of_length(value: object) -> float:
    """1 for a length, 2 for an area, 0 for a plain number."""
    if _is_quantity(value):
        return cast(float, value.dimensionality.get("[length]", 0))
    return 0.0


def _normal(value: object) -> object:
    """A result as the evaluator holds it: dimensionless quantities as numbers, all finite."""
    if _is_quantity(value):
        if value.dimensionality:
            _finite_result(value.magnitude)
            return value
        value = value.m_as("dimensionless")
    if _is_number(value):
        _finite_result(value)
    return value


def _finite_result(number: float) -> None:
    if not _in_range(number):
        raise _EvaluationError("the result is too large")


_LARGEST = int(sys.float_info.max)


def _in_range(number: float) -> bool:
    """Whether `number` is finite and, if whole, within a float's range: a whole number
    grows no larger than a float can, so no sum of whole numbers costs more than floats."""
    if isinstance(number, int):
        return -_LARGEST <= number <= _LARGEST
    return math.isfinite(number)


def _shown_digits(number: str) -> str:
    return number if len(number) <= 20 else f"{number[:10]}...{number[-5:]}"


_DIMENSIONS = {1.0: "a length", 2.0: "an area", 3.0: "a volume"}


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, str):
        return "text"
    if _is_number(value):
        return "a plain number"
    if _is_quantity(value):
        return _DIMENSIONS.get(_power_of_length(value), f"a quantity in {value.units:~P}")
    return type(value).__name__


def _describe(value: object) -> str:
    """`value` for a message: 2.5, a length (800 mm), text ('oak')."""
    if _is_number(value):
        return _show(value)
    if _is_quantity(value):
        return f"{_kind(value)} ({_show(value.magnitude)} {value.units:~P})"
    return f"{_kind(value)} ({value!r})"


def _show(number: float) -> str:
    return f"{number:.10g}"


# Operators


def _mismatch(symbol: str, a: object, b: object) -> str:
    """Why `a symbol b` cannot be done, with the unit to write when one side is a bare number."""
    if symbol == "+":
        phrase = f"add {_kind(a)} and {_kind(b)}"
    elif symbol == "-":
        phrase = f"subtract {_kind(b)} from {_kind(a)}"
    elif symbol in ("==", "!=", "<", "<=", ">", ">="):
        phrase = f"compare {_kind(a)} with {_kind(b)}"
    else:
        phrase = f"use {symbol} on {_kind(a)} and {_kind(b)}"
    return f"cannot {phrase}{_unit_hint(a, b)}"


def _unit_hint(*values: object) -> str:
    kinds = [_kind(v) for v in values]
    if "a length" in kinds and "a plain number" in kinds:
        number = next(v for v in values if _is_number(v))
        return f": write {_show(number)} mm"
    return ""


def _arithmetic(
    symbol: str, apply: Callable[[Any, Any], Any]
) -> Callable[[object, object], object]:
    same_dimension = symbol in ("+", "-", "//", "%")

    def operate(a: object, b: object) -> object:
        if symbol == "+" and isinstance(a, str) and isinstance(b, str):
            return _join(a, b)
        if not (_is_numeric(a) and _is_numeric(b)):
            raise _EvaluationError(_mismatch(symbol, a, b))
        if same_dimension and _power_of_length(a) != _power_of_length(b):
            raise _EvaluationError(_mismatch(symbol, a, b))
        try:
            return _normal(apply(a, b))
        except ZeroDivisionError:
            raise _EvaluationError("division by zero") from None
        except OverflowError:
            raise _EvaluationError("the result is too large") from None

    return operate


def _join(a: str, b: str) -> str:
    try:
        return str(simpleeval.safe_add(a, b))
    except simpleeval.IterableTooLong:
        raise _EvaluationError(
            f"text longer than {simpleeval.MAX_STRING_LENGTH} characters"
        ) from None


def _power(base: object, exponent: object) -> object:
    if not _is_number(exponent):
        raise _EvaluationError(f"the exponent must be a plain number, got {_describe(exponent)}")
    if _is_quantity(base):
        return _normal(_quantity(_safe_power(base.magnitude, exponent), base.units**exponent))
    if _is_number(base):
        return _normal(_safe_power(base, exponent))
    raise _EvaluationError(_mismatch("**", base, exponent))


def _safe_power(base: float, exponent: float) -> float:
    """`base ** exponent` within simpleeval's limits, as a float (no huge whole numbers)."""
    written = f"{_show(base) if base >= 0 else f'({_show(base)})'} ** {_show(exponent)}"
    try:
        result = simpleeval.safe_power(float(base), exponent)
    except simpleeval.NumberTooHigh:
        raise _EvaluationError(
            f"{written} is too large (base and exponent are limited to {simpleeval.MAX_POWER})"
        ) from None
    except OverflowError:
        raise _EvaluationError(f"{written} is too large") from None
    except ZeroDivisionError:
        raise _EvaluationError(f"{written}: division by zero") from None
    if isinstance(result, complex):
        raise _EvaluationError(f"{written}: a fractional power of a negative number")
    return float(result)


def _comparison(symbol: str, apply: Callable[[Any, Any], bool]) -> Callable[[object, object], bool]:
    def compare(a: object, b: object) -> bool:
        if _is_numeric(a) and _is_numeric(b) and _power_of_length(a) == _power_of_length(b):
            return apply(a, b)
        if isinstance(a, str | bool) and type(a) is type(b):
            if symbol in ("==", "!="):
                return apply(a, b)
            raise _EvaluationError(f"{_kind(a)} can only be compared with == or !=")
        raise _EvaluationError(_mismatch(symbol, a, b))

    return compare


def _sign(symbol: str, apply: Callable[[Any], Any]) -> Callable[[object], object]:
    def operate(value: object) -> object:
        if not _is_numeric(value):
            raise _EvaluationError(f"cannot use unary {symbol} on {_describe(value)}")
        return apply(value)

    return operate


_OPERATORS: dict[type[ast.AST], Callable[..., object]] = {
    ast.Add: _arithmetic("+", operator.add),
    ast.Sub: _arithmetic("-", operator.sub),
    ast.Mult: _arithmetic("*", operator.mul),
    ast.Div: _arithmetic("/", operator.truediv),
    ast.FloorDiv: _arithmetic("//", operator.floordiv),
    ast.Mod: _arithmetic("%", operator.mod),
    ast.Pow: _power,
    ast.USub: _sign("-", operator.neg),
    ast.UAdd: _sign("+", operator.pos),
    ast.Not: operator.not_,
    ast.Eq: _comparison("==", operator.eq),
    ast.NotEq: _comparison("!=", operator.ne),
    ast.Lt: _comparison("<", operator.lt),
    ast.LtE: _comparison("<=", operator.le),
    ast.Gt: _comparison(">", operator.gt),
    ast.GtE: _comparison(">=", operator.ge),
}


# Functions

_Numeric = Any
"""A plain number or a pint quantity, already checked by `_Function`."""


@dataclass(frozen=True)
class _Function:
    """A function an expression may call, on numbers and lengths alike."""

    usage: str
    fewest: int
    most: int | None  # None: any number of values
    apply: Callable[..., object]

    @property
    def name(self) -> str:
        return self.usage.split("(")[0]

    def __call__(self, *args: object) -> object:
        if len(args) < self.fewest or (self.most is not None and len(args) > self.most):
            raise _EvaluationError(
                f"{self.name}() takes {self._arity()}, got {len(args)}: write {self.usage}"
            )
        for arg in args:
            if not _is_numeric(arg):
                raise _EvaluationError(
                    f"{self.name}() takes numbers or lengths, got {_describe(arg)}"
                )
        return _normal(self.apply(*args))

    def _arity(self) -> str:
        if self.most is None:
            return f"at least {self.fewest} values"
        if self.most == self.fewest:
            return f"{self.fewest} value{'s' if self.fewest > 1 else ''}"
        return f"{self.fewest} or {self.most} values"


def _same_kind(name: str, values: tuple[_Numeric, ...]) -> None:
    if len({_power_of_length(v) for v in values}) > 1:
        kinds = " and ".join(sorted({_kind(v) for v in values}))
        raise _EvaluationError(
            f"{name}() needs values of one kind, got {kinds}{_unit_hint(*values)}"
        )


def _extreme(
    name: str, pick: Callable[[tuple[_Numeric, ...]], _Numeric]
) -> Callable[..., _Numeric]:
    def apply(*values: _Numeric) -> _Numeric:
        _same_kind(name, values)
        return pick(values)

    return apply


def _clamp(value: _Numeric, low: _Numeric, high: _Numeric) -> _Numeric:
    _same_kind("clamp", (value, low, high))
    if low > high:
        raise _EvaluationError(
            f"clamp() needs low <= high, got {_describe(low)} > {_describe(high)}"
        )
    return min(max(value, low), high)


def _on_magnitude(function: Callable[[float], float]) -> Callable[[_Numeric], _Numeric]:
    """`function` applied to a number, or to a quantity's magnitude keeping its unit."""

    def apply(value: _Numeric) -> _Numeric:
        if _is_quantity(value):
            return _quantity(function(value.magnitude), value.units)
        return function(value)

    return apply


def _sqrt(value: _Numeric) -> _Numeric:
    if (value.magnitude if _is_quantity(value) else value) < 0:
        raise _EvaluationError(f"sqrt() of a negative value: {_describe(value)}")
    return value**0.5


_DECIMAL = Context(prec=400)


def _round(value: _Numeric, digits: _Numeric = 0) -> _Numeric:
    """`value` to `digits` decimals (in mm for a length); halves round away from zero."""
    if not (_is_number(digits) and float(digits).is_integer() and abs(digits) <= 15):
        raise _EvaluationError(
            f"round() takes a whole number of digits from -15 to 15, got {digits}"
        )
    step = Decimal(1).scaleb(-int(digits))
    whole = digits <= 0 and not _is_quantity(value)

    def half_up(number: float) -> float:
        rounded = Decimal(repr(float(number))).quantize(step, ROUND_HALF_UP, _DECIMAL)
        return int(rounded) if whole else float(rounded)

    return _on_magnitude(half_up)(value)


_FUNCTIONS: dict[str, _Function] = {
    f.name: f
    for f in (
        _Function("min(a, b, ...)", 2, None, _extreme("min", min)),
        _Function("max(a, b, ...)", 2, None, _extreme("max", max)),
        _Function("abs(x)", 1, 1, abs),
        _Function("round(x) or round(x, digits)", 1, 2, _round),
        _Function("floor(x)", 1, 1, _on_magnitude(math.floor)),
        _Function("ceil(x)", 1, 1, _on_magnitude(math.ceil)),
        _Function("sqrt(x)", 1, 1, _sqrt),
        _Function("clamp(x, low, high)", 3, 3, _clamp),
    )
}

_EVALUATOR = _Evaluator()


# Results


_EXPECTED: dict[str, str] = {
    "length": "a length",
    "number": "a plain number",
    "integer": "a whole number",
    "text": "text",
    "bool": "a yes/no value",
    "any": "a length, a plain number, text or a yes/no value",
}


def _result(value: object, expect: Expect, *, bare_number: bool) -> Value:
    """`value` as the caller gets it, or why it is not what `expect` asks for."""
    if _is_quantity(value) and _power_of_length(value) == 1 and expect in ("length", "any"):
        return _length(value.magnitude)
    if _is_number(value):
        if expect == "length" and bare_number:
            return _length(value)
        if expect in ("number", "any"):
            return value
        if expect == "integer":
            return _whole(value)
    if isinstance(value, bool) and expect in ("bool", "any"):
        return value
    if isinstance(value, str) and expect in ("text", "any"):
        return value
    hint = (
        f": give it a unit, as in {_show(value)} mm"
        if expect == "length" and _is_number(value)
        else ""
    )
    raise _EvaluationError(f"expected {_EXPECTED[expect]}, got {_describe(value)}{hint}")


def _whole(number: float) -> int:
    nearest = round(number)
    if abs(number - nearest) > 1e-9:
        raise _EvaluationError(f"expected a whole number, got {_show(number)}")
    return int(nearest)
