"""The seams between the pure core and the adapters, as small Protocols.

The core asks for data through these; the local-git adapter, the GitHub adapter and the
tests' fakes each implement them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CommitState:
    """What a commit says: its tree, parents, message and author's name.

    Both backends return it, so the promotion use case can tell whether a branch an
    earlier run wrote already holds exactly the commit it would write now.
    """

    tree: str
    parents: tuple[str, ...]
    message: str
    author: str = ""
    date: str = ""  # committer date, ISO 8601, where the backend reports it


class BlobReader(Protocol):
    """Reads blob contents by object id, in one batch so adapters can pipeline."""

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """Return the bytes of every requested blob, keyed by object id."""
        ...


class FolderComparer(Protocol):
    """Tells whether two folders hold the same content (a ``TreeSnapshot`` is one)."""

    def same_content(self, folder_a: str, folder_b: str) -> bool: ...


class PushComparer(Protocol):
    """Lists the files that differ between two commits of a repository.

    Used for push fan-out when the payload cannot be trusted to list every changed file
    (a truncated commit list, or a forced push whose dropped commits are not listed).
    Best is the tree difference of the two commits (what ``fanout --repo`` computes from
    a clone); the compare API's ``before...after`` (changes since the merge base) is a
    fair stand-in. Fan-out adds the payload's own files to the answer either way, and
    falls back to them alone when this raises a ``TelefonistkaError``.
    """

    def compare_files(self, repo: str, before: str, after: str) -> list[str]:
        """Every path added, modified or removed between ``before`` and ``after``."""
        ...
