"""GitHub's tree-creation semantics over real git trees.

``POST /git/trees`` with ``base_tree`` starts from the base tree and applies each entry
by path: an entry with ``sha: null`` deletes that path (file or folder); an entry that
puts a folder where a folder already is **overlays** it, so files of the old folder that
the new one lacks are kept (GitHub documents neither, but this is what it does: a folder
is only emptied by deleting its paths explicitly). Folders left empty disappear.

What GitHub refuses is refused here too (``check_changes``), so no test passes on a
request GitHub would answer with an error: a ``.git`` path component; deleting a path
that does not exist ("Returns an error if you try to delete a file that does not exist",
the API description says), including a path below one the same request turns into a
file; and a path below a file that stays a file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from .git import TREE_MODE, BareRepo, Entry

PathChange = tuple[str, Entry | None]
_LISTING_ABOVE = 64  # changes in one request above which the base is listed once


class MalformedPathError(ValueError):
    """A tree path with an empty, ``.``, ``..`` or ``.git`` component, or a leading slash."""


class TreeChangeError(ValueError):
    """A tree write GitHub refuses (422): the message says which path and why."""


def split_path(path: str) -> list[str]:
    parts = path.split("/")
    if any(part in ("", ".", "..") or part.lower() == ".git" for part in parts):
        raise MalformedPathError(path)
    return parts


def check_changes(git: BareRepo, base: str | None, changes: Iterable[PathChange]) -> None:
    """Refuse a set of tree changes GitHub would refuse (see the module docstring)."""
    changes = list(changes)
    listing: dict[str, Entry] | None = None
    known: dict[str, Entry | None] = {}
    # A few paths: look each one up (cheap on a huge base tree). Many paths (a 3,000-pair
    # promotion): one recursive listing of the base serves them all.
    many = len(changes) > _LISTING_ABOVE

    def entry_at(path: str) -> Entry | None:
        nonlocal listing
        if base is None:
            return None
        if many:
            if listing is None:
                listing = {entry.path: entry for entry in git.ls_tree(base, recursive=True)}
            return listing.get(path)
        if path not in known:
            known[path] = git.entry_at(base, path)
        return known[path]

    files = {path for path, entry in changes if entry is not None and entry.type != "tree"}
    deleted = {path for path, entry in changes if entry is None}
    for path, entry in changes:
        split_path(path)
        above = [path[:i] for i in range(len(path)) if path[i] == "/"]
        if entry is None:
            if any(parent in files for parent in above):
                raise TreeChangeError(f"cannot delete {path!r}: the request makes a parent a file")
            if entry_at(path) is None:
                raise TreeChangeError(f"cannot delete {path!r}: it does not exist")
            continue
        for parent in above:
            if parent in files:
                raise TreeChangeError(f"cannot write {path!r}: {parent!r} is a file in the request")
            existing = entry_at(parent)
            if existing is not None and existing.type != "tree" and parent not in deleted:
                raise TreeChangeError(f"cannot write {path!r}: {parent!r} is a file")


def build_tree(git: BareRepo, base: str | None, changes: Iterable[PathChange]) -> str:
    """The id of ``base`` (None: empty) with ``changes`` applied, written to ``git``."""
    split = [(split_path(path), entry) for path, entry in changes]
    return _apply(git, base, split) or git.make_tree([])


def _apply(git: BareRepo, base: str | None, changes: list[tuple[list[str], Entry | None]]) -> str:
    entries = {e.path: e for e in git.ls_tree(base)} if base else {}
    nested: dict[str, list[tuple[list[str], Entry | None]]] = {}
    for parts, entry in changes:
        name = parts[0]
        if len(parts) > 1:
            nested.setdefault(name, []).append((parts[1:], entry))
        elif entry is None:
            entries.pop(name, None)
        else:
            entries[name] = _place(git, entries.get(name), replace(entry, path=name))
    for name, sub_changes in nested.items():
        existing = entries.get(name)
        sub_base = existing.sha if existing is not None and existing.type == "tree" else None
        sha = _apply(git, sub_base, sub_changes)
        if sha:
            entries[name] = Entry(TREE_MODE, "tree", sha, None, name)
        else:
            entries.pop(name, None)
    return git.make_tree(entries.values()) if entries else ""


def _place(git: BareRepo, existing: Entry | None, new: Entry) -> Entry:
    if existing is None or existing.type != "tree" or new.type != "tree":
        return new
    return replace(new, sha=overlay(git, existing.sha, new.sha))


def overlay(git: BareRepo, old: str, new: str) -> str:
    """Tree ``new`` laid over tree ``old``: ``new`` wins, ``old``'s other entries stay."""
    entries = {e.path: e for e in git.ls_tree(old)}
    for entry in git.ls_tree(new):
        entries[entry.path] = _place(git, entries.get(entry.path), entry)
    return git.make_tree(entries.values())
