"""The file changes that carry out a promotion, computed from one snapshot.

What users see of it: docs/github-action.md, "Promotion on merge".

``compute_sync`` turns the sync pairs of a promotion group into file-level changes: after
they are applied, every target folder is an exact copy of its source folder (same paths,
modes and object ids, symlinks and submodules included), a target whose source folder is
gone is deleted, and nothing outside the target folders changes. Pairs whose folder ids
are already equal (or that are both absent) are reported as in sync without reading a
single blob.

Pairs that cannot be carried out safely raise ``SyncError`` naming the path: a target or
source that is a file (or lies below a file), the repository root as a target, two
different sources for one target, and folders that overlap (a target inside another
target, or a target inside, equal to or containing a source of another pair), because
there the result would depend on the order the pairs are applied in.

``keep`` (the ``keepLocal`` of each source component, by its path) leaves a target's kept
files as they are: never overwritten, deleted or created (docs/configuration.md, "What
travels and what stays"). A pair whose only differences are kept files is in sync.

``apply_changes`` is the reference semantics of the changes, used by tests and dry runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from telefonistka.core.config.keep_local import KeepLocal
from telefonistka.core.promotion.snapshot import TreeEntry, TreeSnapshot, strip_slashes
from telefonistka.errors import SyncError

BRANCH_PREFIX = "promotions/"
MAX_BRANCH_CHARS = 250
MAX_HEAD_BRANCH_CHARS = 200
HASH_CHARS = 12

Pair = tuple[str, str]


@dataclass(frozen=True)
class KeptFile:
    """A file of a target that differs from its source and stays: ``kept`` (the target's
    version stays, or it stays although the source deleted it) or ``not created`` (the
    source has it, the target does not and will not)."""

    path: str  # repository path in the target
    how: str  # "kept" or "not created"


@dataclass(frozen=True)
class SyncResult:
    """What one promotion group writes.

    ``changes`` maps a repo-relative file path to its new entry, or to None for a
    deletion, sorted by path. ``in_sync`` and ``changed_pairs`` split the (target,
    source) pairs as given, in input order, without duplicates.
    """

    changes: dict[str, TreeEntry | None] = field(default_factory=dict)
    in_sync: tuple[Pair, ...] = ()
    changed_pairs: tuple[Pair, ...] = ()
    kept: tuple[KeptFile, ...] = ()  # the differences ``keepLocal`` left in the targets

    @property
    def all_in_sync(self) -> bool:
        return not self.changes


def compute_sync(
    base: TreeSnapshot, pairs: Iterable[Pair], keep: Mapping[str, KeepLocal] | None = None
) -> SyncResult:
    """The file changes that make each target folder of ``pairs`` a copy of its source,
    but for the files ``keep`` (by source component path) says stay in the target."""
    given = list(dict.fromkeys(pairs))
    _check_pairs(base, given)
    changes: dict[str, TreeEntry | None] = {}
    in_sync: list[Pair] = []
    changed: list[Pair] = []
    kept: list[KeptFile] = []
    for pair in given:
        target, source = (strip_slashes(p) for p in pair)
        if base.folder_id(target) == base.folder_id(source):
            in_sync.append(pair)
            continue
        wanted = folder_changes(base, target, source)
        rules = (keep or {}).get(source)
        if rules:
            wanted, left = _keep_files(base, target, wanted, rules)
            kept.extend(left)
        if not wanted:
            in_sync.append(pair)
            continue
        changed.append(pair)
        changes.update(wanted)
    return SyncResult(dict(sorted(changes.items())), tuple(in_sync), tuple(changed), tuple(kept))


def _keep_files(
    base: TreeSnapshot, target: str, wanted: Mapping[str, TreeEntry | None], rules: KeepLocal
) -> tuple[dict[str, TreeEntry | None], list[KeptFile]]:
    """``wanted`` without the changes to kept files, and those files."""
    left: dict[str, TreeEntry | None] = {}
    kept: list[KeptFile] = []
    for path, entry in wanted.items():
        if not rules.keeps_file(path[len(target) + 1 :]):
            left[path] = entry
        elif base.entry(path) is None:
            kept.append(KeptFile(path, "not created"))
        else:
            kept.append(KeptFile(path, "kept"))
            blocking = next((a for a in _ancestors(path) if left.get(a) is not None), None)
            if blocking is not None:
                raise SyncError(
                    f"cannot write {blocking!r}: the kept file {path!r} is below it (keepLocal)"
                )
    return left, kept


def folder_changes(base: TreeSnapshot, target: str, source: str) -> dict[str, TreeEntry | None]:
    """The writes and deletions that turn folder ``target`` into a copy of ``source``."""
    wanted = base.files_under(source)
    present = base.files_under(target)
    changes: dict[str, TreeEntry | None] = {
        f"{target}/{rel}": entry for rel, entry in wanted.items() if present.get(rel) != entry
    }
    changes.update({f"{target}/{rel}": None for rel in present if rel not in wanted})
    return changes


def apply_changes(
    snapshot: TreeSnapshot, changes: Mapping[str, TreeEntry | None]
) -> dict[str, TreeEntry]:
    """The repo's files (non-folder entries, by full path) once ``changes`` are applied.

    Raises ``SyncError`` when the result would hold a file below another file, which no
    git tree can represent.
    """
    files = snapshot.files_under("")
    for path, entry in changes.items():
        if entry is None:
            files.pop(path, None)
        else:
            files[path] = entry
    for path in files:
        blocking = next((a for a in _ancestors(path) if a in files), None)
        if blocking is not None:
            raise SyncError(f"cannot write {path!r}: {blocking!r} would be a file")
    return files


def branch_name(pr_number: int, head_branch: str, target_paths: Iterable[str]) -> str:
    """``promotions/<pr>-<head branch, / → ->-<sha1 of the sorted targets, 12 hex>``.

    The target paths are hashed as given (the Go original hashes the configured paths,
    trailing slash included), so both implementations name a group's branch alike. The
    head branch is cut to 200 characters like the Go original, and further if needed so
    the name stays within git hosting's 250-character limit.
    """
    digest = hashlib.sha1("_".join(sorted(target_paths)).encode(), usedforsecurity=False)
    suffix = digest.hexdigest()[:HASH_CHARS]
    head = head_branch.replace("/", "-")[:MAX_HEAD_BRANCH_CHARS]
    fixed = len(f"{BRANCH_PREFIX}{pr_number}--{suffix}")
    head = head[: max(MAX_BRANCH_CHARS - fixed, 0)]
    return f"{BRANCH_PREFIX}{pr_number}-{head}-{suffix}"[:MAX_BRANCH_CHARS]


def _check_pairs(base: TreeSnapshot, pairs: list[Pair]) -> None:
    normalized = [(strip_slashes(t), strip_slashes(s)) for t, s in pairs]
    sources: dict[str, str] = {}
    for target, source in normalized:
        if not target:
            raise SyncError("the repository root cannot be a promotion target")
        if sources.setdefault(target, source) != source:
            raise SyncError(
                f"target {target!r} would be synced from both {sources[target]!r} and {source!r}"
            )
        _check_folder(base, target, "target")
        _check_folder(base, source, "source")
    _check_overlaps(normalized)


def _check_folder(base: TreeSnapshot, path: str, role: str) -> None:
    """``path`` must be a folder or absent, and not below a file."""
    for candidate in (path, *_ancestors(path)):
        entry = base.entry(candidate)
        if entry is not None and not entry.is_folder:
            raise SyncError(
                f"{role} {path!r} is not a folder: {candidate!r} is a file "
                f"(mode {entry.mode.value}) in commit {base.commit}"
            )


def _check_overlaps(pairs: list[Pair]) -> None:
    targets = sorted({t for t, _ in pairs})
    for target in targets:
        for other in targets:
            if other != target and _contains(target, other):
                raise SyncError(f"target {other!r} lies inside target {target!r} of the same sync")
    for target, source in pairs:
        if target == source:
            continue
        for other_target, _ in pairs:
            if _contains(other_target, source) or _contains(source, other_target):
                raise SyncError(
                    f"source {source!r} (for {target!r}) overlaps target {other_target!r}"
                )


def _contains(folder: str, path: str) -> bool:
    """Whether ``path`` is ``folder`` or lies below it (the root contains everything)."""
    return not folder or path == folder or path.startswith(f"{folder}/")


def _ancestors(path: str) -> list[str]:
    """``a/b/c`` → ``["a/b", "a"]``."""
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]
