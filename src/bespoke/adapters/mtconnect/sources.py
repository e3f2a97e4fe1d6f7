"""What the MTConnect feeds share about their sources."""


class SourceUnreachableError(ConnectionError):
    """A feed's source could not be reached at all when the feed started."""
