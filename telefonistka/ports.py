"""The seams between the pure core and the adapters, as small Protocols.

The core asks for data through these; the local-git adapter, the GitHub adapter and the
tests' fakes each implement them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class BlobReader(Protocol):
    """Reads blob contents by object id, in one batch so adapters can pipeline."""

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """Return the bytes of every requested blob, keyed by object id."""
        ...


class FolderComparer(Protocol):
    """Tells whether two folders hold the same content (a ``TreeSnapshot`` is one)."""

    def same_content(self, folder_a: str, folder_b: str) -> bool: ...
