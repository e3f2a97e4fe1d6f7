"""Design files stored by content: `blobs/ab/cdef...` named by their sha256."""

import hashlib
import os
import tempfile
from pathlib import Path


class BlobStore:
    """A directory of files named by the sha256 of their content; each content stored once."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def digest(content: bytes) -> str:
        return hashlib.sha256(content).hexdigest()

    def put(self, content: bytes) -> str:
        """Store `content` (atomically, once) and return its sha256."""
        digest = self.digest(content)
        path = self.path(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            Path(temporary).replace(path)
        return digest

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:]

    def get(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()
