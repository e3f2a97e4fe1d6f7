"""Finding catalog entries by id, with a did-you-mean when the id is unknown."""

import difflib
from collections.abc import Iterable, Mapping
from typing import TypeVar

from bespoke.model.errors import InputError

T = TypeVar("T")


def lookup(what: str, key: str, entries: Mapping[str, T]) -> T:
    """The entry `key`, or an InputError naming close matches and where to see them all."""
    if key in entries:
        return entries[key]
    raise InputError(unknown(what, key, entries))


def unknown(what: str, key: str, known: Iterable[str]) -> str:
    """A message for an unknown id: the closest known ids, else the full list."""
    names = sorted(known)
    close = difflib.get_close_matches(key.lower(), names, n=3, cutoff=0.5)
    if close:
        hint = f"did you mean {' or '.join(repr(c) for c in close)}?"
    else:
        hint = f"known: {', '.join(names)}"
    return f"unknown {what} '{key}': {hint}"
