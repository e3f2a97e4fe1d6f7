"""Errors a user can act on. Each message names what was wrong and what is accepted."""

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


class BespokeError(Exception):
    """Base of every error Bespoke reports to a user as a one-line message.

    `path` names the field or key the error is about, when there is one.
    """

    def __init__(self, message: str = "", *, path: str = "") -> None:
        super().__init__(valid_text(message))
        self.path = valid_text(path)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its kind, message and fields (work done in another process raises
        it there and here alike), whatever its constructor takes."""
        return _rebuilt, (type(self), str(self), dict(self.__dict__))


def _rebuilt(kind: type[BespokeError], message: str, fields: dict[str, Any]) -> BespokeError:
    error = Exception.__new__(kind)
    Exception.__init__(error, message)
    error.__dict__.update(fields)
    return error


def valid_text(text: str) -> str:
    """`text` with every lone surrogate replaced by U+FFFD, so that it encodes as UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


class DesignFileError(BespokeError):
    """A design file that cannot be read or measured: wrong type, corrupt, empty, open."""


class CatalogError(BespokeError):
    """A catalog or shop file with an invalid or conflicting entry."""


class InputError(BespokeError):
    """A request that names something unknown or asks for something impossible."""


class NotFoundError(BespokeError):
    """Something that does not exist, or that the asker may not see (the two look alike)."""


class PermissionDeniedError(BespokeError):
    """An action the asker's role does not allow."""


class ConflictError(BespokeError):
    """A request that clashes with what is stored: a duplicate, a state that moved on."""


class ExpiredError(BespokeError):
    """An offer past its validity date."""


class TooLargeError(BespokeError):
    """An upload over the configured size limit."""


class UnsupportedTypeError(BespokeError):
    """A file of a kind Bespoke does not read."""


class UnavailableError(BespokeError):
    """The work cannot be done now (no worker took it); asking again later may succeed."""
