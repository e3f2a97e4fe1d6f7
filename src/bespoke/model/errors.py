"""Errors a user can act on. Each message names what was wrong and what is accepted."""


class BespokeError(Exception):
    """Base of every error Bespoke reports to a user as a one-line message."""


class DesignFileError(BespokeError):
    """A design file that cannot be read or measured: wrong type, corrupt, empty, open."""


class CatalogError(BespokeError):
    """A catalog or shop file with an invalid or conflicting entry."""


class InputError(BespokeError):
    """A request that names something unknown or asks for something impossible."""
