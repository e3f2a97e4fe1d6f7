"""Public use cases of a service package, imported when first used: the packages call each
other (quoting promises dates from the shop's schedule, the schedule moves orders,
orders read designs), so a package's `__init__` must not import its modules eagerly."""

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` giving each exported name from its module of `package`."""

    def attribute(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(f"{package}.{module}"), name)

    return attribute
