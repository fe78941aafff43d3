"""Pure helpers for the GitHub tree API: parse listings, check completeness, build writes.

No I/O here, so every rule is tested on plain dictionaries.

Completeness of a truncated listing is decided by git's own content addressing: a
folder's object id is the hash of its direct children (mode, name, object id), so a
folder whose listed children hash to its id is complete, and one that does not (cut by
the truncation, or absent altogether) is the only kind that needs another request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from telefonistka.core.promotion.snapshot import Mode, TreeEntry, TreeSnapshot, normalize_mode
from telefonistka.errors import GitHubError

# The git object type GitHub expects next to each mode in a tree write.
_TYPES = {Mode.FOLDER: "tree", Mode.SUBMODULE: "commit"}
_SHA256_HEX = 64


def object_type(mode: Mode) -> str:
    """``blob``, ``tree`` or ``commit`` (a submodule), as the tree API spells types."""
    return _TYPES.get(mode, "blob")


def parse_tree_items(items: Iterable[Mapping[str, Any]], prefix: str = "") -> dict[str, TreeEntry]:
    """The ``tree`` array of a tree response → path → entry, paths under ``prefix``.

    A sub-tree read returns paths relative to that folder; ``prefix`` puts them back
    under it so every listing merges into one repository-wide map.
    """
    entries: dict[str, TreeEntry] = {}
    lead = f"{prefix}/" if prefix else ""
    for item in items:
        try:
            entries[lead + str(item["path"])] = TreeEntry(normalize_mode(item["mode"]), item["sha"])
        except (KeyError, ValueError) as exc:
            raise GitHubError(f"unexpected tree entry from GitHub: {dict(item)!r}") from exc
    return entries


def children_by_folder(entries: Mapping[str, TreeEntry]) -> dict[str, dict[str, TreeEntry]]:
    """Folder path → {child name → entry}, for the direct children listed."""
    folders: dict[str, dict[str, TreeEntry]] = {}
    for path, entry in entries.items():
        folder, _, name = path.rpartition("/")
        folders.setdefault(folder, {})[name] = entry
    return folders


def git_tree_oid(children: Mapping[str, TreeEntry], hex_length: int = 40) -> str:
    """The git object id of a tree holding exactly ``children`` (name → entry).

    Git sorts entries by name, comparing a folder's name as if it ended in ``/``, and
    writes folder modes without the leading zero. SHA-256 repositories (64-hex ids) hash
    with SHA-256.
    """
    body = b"".join(
        b"%s %s\0%s"
        % (
            entry.mode.value.lstrip("0").encode(),
            name.encode("utf-8", "surrogateescape"),
            bytes.fromhex(entry.oid),
        )
        for name, entry in sorted(children.items(), key=_git_sort_key)
    )
    algorithm = "sha256" if hex_length == _SHA256_HEX else "sha1"
    digest = hashlib.new(algorithm, b"tree %d\0" % len(body) + body, usedforsecurity=False)
    return digest.hexdigest()


def _git_sort_key(item: tuple[str, TreeEntry]) -> bytes:
    name, entry = item
    raw = name.encode("utf-8", "surrogateescape")
    return raw + b"/" if entry.is_folder else raw


def is_complete(children: Mapping[str, TreeEntry], oid: str) -> bool:
    """Whether ``children`` are all the direct children of the folder with id ``oid``."""
    if not children:
        return False  # git has no empty folders: a folder listed bare was cut off
    try:
        return git_tree_oid(children, len(oid)) == oid
    except ValueError:
        return False  # ids that are not hex (a test double): cannot be proven complete


def tree_write_items(
    changes: Mapping[str, TreeEntry | None], base: TreeSnapshot | None
) -> list[dict[str, Any]]:
    """The ``tree`` array of a ``POST /git/trees`` that applies ``changes`` to ``base``.

    A deletion is ``"sha": null`` on the file's own path, with the mode the base holds
    (GitHub wants a mode on every item); per file, never per folder, so a folder that
    keeps other files is not removed. Sorted for a stable request body.

    When a folder becomes a file, the files below it are not deleted one by one: the new
    file entry replaces the whole folder, and GitHub refuses to delete a path that the
    same request has turned into a file. A file that becomes a folder is deleted, then
    its path is written as a folder.
    """
    files = {path for path, entry in changes.items() if entry is not None}
    items: list[dict[str, Any]] = []
    for path in sorted(changes):
        entry = changes[path]
        if entry is None and any(parent in files for parent in _parents(path)):
            continue  # replaced by a file written at a parent path
        if entry is not None and entry.is_folder:
            raise GitHubError(f"cannot write folder entry {path!r}: tree changes are per file")
        if entry is None:
            old = base.entry(path) if base is not None else None
            mode = old.mode if old is not None else Mode.FILE
            items.append({"path": path, "mode": mode.value, "type": object_type(mode), "sha": None})
        else:
            mode = entry.mode
            items.append(
                {"path": path, "mode": mode.value, "type": object_type(mode), "sha": entry.oid}
            )
    return items


def _parents(path: str) -> Iterable[str]:
    """``a/b/c`` → ``a``, ``a/b``."""
    return (path[:index] for index, char in enumerate(path) if char == "/")


def changed_files(old: TreeSnapshot, new: TreeSnapshot) -> list[str]:
    """Files (not folders) whose entry differs between two snapshots, sorted by path.

    The same list the PR-files API gives for a diff, used when GitHub stops listing a
    PR's files at 3,000: added, removed and modified files, mode changes included.
    """
    before = dict(_files(old))
    after = dict(_files(new))
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def _files(snapshot: TreeSnapshot) -> Iterable[tuple[str, TreeEntry]]:
    return ((path, entry) for path, entry in snapshot.walk("") if not entry.is_folder)


class Listing:
    """A growing path → entry map with a folder → children index.

    For completing a truncated recursive listing (``git_data.GitData``).
    """

    def __init__(self, entries: Mapping[str, TreeEntry]) -> None:
        self.entries = dict(entries)
        self._children = children_by_folder(self.entries)

    def children(self, folder: str) -> dict[str, TreeEntry]:
        return self._children.get(folder, {})

    def subfolders(self, folder: str) -> list[tuple[str, str]]:
        """(path, oid) of the folders directly inside ``folder``."""
        lead = f"{folder}/" if folder else ""
        return [(lead + n, e.oid) for n, e in self.children(folder).items() if e.is_folder]

    def merge(self, entries: Mapping[str, TreeEntry]) -> None:
        self.entries.update(entries)
        for folder, children in children_by_folder(entries).items():
            self._children.setdefault(folder, {}).update(children)

    def copy(self, source: str, target: str) -> None:
        """List ``target`` as ``source`` is listed (two folders with the same id)."""
        copied: dict[str, TreeEntry] = {}
        stack = [(source, target)]
        while stack:
            src, dst = stack.pop()
            for name, entry in self.children(src).items():
                copied[f"{dst}/{name}"] = entry
                if entry.is_folder:
                    stack.append((f"{src}/{name}", f"{dst}/{name}"))
        self.merge(copied)
