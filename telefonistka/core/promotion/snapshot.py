"""A tree snapshot: one read of a commit's whole tree, with fast folder lookups.

Both backends fill the same model: the local-git adapter from ``git ls-tree -r -t``,
the GitHub adapter from one recursive tree call. Every later step (planning conflicts,
sync, drift) asks the snapshot instead of the network, so "already in sync" and "same
content" are answered by comparing folder object ids without reading a single blob.

Paths are ``str`` without a leading or trailing slash; the root folder is ``""``. Paths
that are not valid UTF-8 are decoded with ``surrogateescape`` by the adapters so they
round-trip to the same bytes.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Mode(StrEnum):
    """Git tree entry modes, as git and GitHub spell them."""

    FILE = "100644"
    EXECUTABLE = "100755"
    SYMLINK = "120000"
    FOLDER = "040000"
    SUBMODULE = "160000"


@dataclass(frozen=True, slots=True)
class TreeEntry:
    """One path of the tree: its mode and git object id.

    Slotted: a snapshot of a large repository holds hundreds of thousands of these.
    """

    mode: Mode
    oid: str

    @property
    def is_folder(self) -> bool:
        return self.mode is Mode.FOLDER


def normalize_mode(raw: str) -> Mode:
    """Accept git's spellings (``40000`` from some tools, ``040000`` from others)."""
    return Mode.FOLDER if raw.lstrip("0") == "40000" else Mode(raw)


def strip_slashes(path: str) -> str:
    """Folder prefixes in config end with ``/``; snapshot keys never do."""
    return path.strip("/")


class TreeSnapshot:
    """Every file and folder of one commit, keyed by path."""

    def __init__(self, commit: str, root_oid: str, entries: Mapping[str, TreeEntry]) -> None:
        self.commit = commit
        self.root_oid = root_oid
        self._entries = dict(entries)
        self._sorted = sorted(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, path: str) -> TreeEntry | None:
        """The entry at ``path`` (file or folder), or None when absent."""
        path = strip_slashes(path)
        if not path:
            return TreeEntry(Mode.FOLDER, self.root_oid)
        return self._entries.get(path)

    def folder_id(self, path: str) -> str | None:
        """The object id of the folder at ``path``; None when it is absent or a file."""
        found = self.entry(path)
        return found.oid if found is not None and found.is_folder else None

    def exists(self, path: str) -> bool:
        return self.entry(path) is not None

    def same_content(self, folder_a: str, folder_b: str) -> bool:
        """Two folders hold the same content when their tree ids are equal.

        Two absent folders count as equal (both sides deleted the component).
        """
        return self.folder_id(folder_a) == self.folder_id(folder_b)

    def walk(self, folder: str) -> Iterator[tuple[str, TreeEntry]]:
        """Every entry below ``folder`` (folders included), as (path relative to it, entry).

        Uses the sorted key list, so the cost is the size of the folder, not of the repo.
        """
        folder = strip_slashes(folder)
        prefix = f"{folder}/" if folder else ""
        keys = self._sorted
        # by index: a slice (keys[start:]) would copy, and islice would step through,
        # every key before or after the folder
        for index in range(bisect.bisect_left(keys, prefix), len(keys)):
            path = keys[index]
            if not path.startswith(prefix):
                break
            yield path[len(prefix) :], self._entries[path]

    def files_under(self, folder: str) -> dict[str, TreeEntry]:
        """The non-folder entries below ``folder``, keyed by path relative to it."""
        return {rel: e for rel, e in self.walk(folder) if not e.is_folder}

    def paths(self) -> list[str]:
        """All paths, sorted."""
        return list(self._sorted)

    def folder_paths(self) -> list[str]:
        """The paths of every folder (not the root), sorted."""
        return [path for path in self._sorted if self._entries[path].is_folder]
