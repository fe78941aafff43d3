"""A rollback: a promotion in reverse, computed from three snapshots.

The repository knows exactly which folders a promotion PR wrote (its metadata's promoted
paths). Rolling it back restores each of those folders to its content at the first
parent of the PR's merge commit, byte for byte: modes, symlinks and submodules included,
a folder the promotion created deleted, a file it deleted back. Only a folder whose
current content is still exactly what the promotion wrote is restored; one changed since
(a later merge) is listed for a person, never overwritten.

Pure: the snapshots are read by the caller (the local git adapter or the GitHub one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from telefonistka.core.github.refnames import ROLLBACK_NAMESPACE
from telefonistka.core.promotion.snapshot import TreeEntry, TreeSnapshot, strip_slashes

BRANCH_PREFIX = ROLLBACK_NAMESPACE
TITLE_PREFIX = "⏪ Rollback: "
HASH_CHARS = 12


@dataclass(frozen=True)
class RollbackPlan:
    """What rolling back one promotion writes, and what it leaves to a person."""

    changes: dict[str, TreeEntry | None] = field(default_factory=dict)
    restored: tuple[str, ...] = ()  # folders set back to their content before the promotion
    changed_since: tuple[str, ...] = ()  # changed again after it: not rolled back
    already: tuple[str, ...] = ()  # already as before the promotion: nothing to do

    @property
    def nothing_to_do(self) -> bool:
        return not self.changes


def plan_rollback(
    before: TreeSnapshot, wrote: TreeSnapshot, current: TreeSnapshot, folders: Iterable[str]
) -> RollbackPlan:
    """The changes that put each of ``folders`` back as ``before`` had it.

    ``before``: the first parent of the promotion's merge commit; ``wrote``: the merge
    commit; ``current``: the branch the rollback goes onto.
    """
    changes: dict[str, TreeEntry | None] = {}
    restored: list[str] = []
    changed_since: list[str] = []
    already: list[str] = []
    for folder in sorted({strip_slashes(f) for f in folders}):
        now, then = current.folder_id(folder), before.folder_id(folder)
        if now == then:
            already.append(folder)
        elif now != wrote.folder_id(folder):
            changed_since.append(folder)
        else:
            restored.append(folder)
            changes.update(_restore(before, current, folder))
    return RollbackPlan(
        dict(sorted(changes.items())), tuple(restored), tuple(changed_since), tuple(already)
    )


def _restore(
    before: TreeSnapshot, current: TreeSnapshot, folder: str
) -> dict[str, TreeEntry | None]:
    wanted, present = before.files_under(folder), current.files_under(folder)
    changes: dict[str, TreeEntry | None] = {
        f"{folder}/{rel}": entry for rel, entry in wanted.items() if present.get(rel) != entry
    }
    changes.update({f"{folder}/{rel}": None for rel in present if rel not in wanted})
    return changes


def rollback_branch(pr_number: int, folders: Iterable[str]) -> str:
    """``rollbacks/<pr>-<sha1 of the sorted folders, 12 hex>``: one branch per promotion
    rolled back, so a re-run finds its own."""
    joined = "_".join(sorted({strip_slashes(f) for f in folders}))
    digest = hashlib.sha1(joined.encode(), usedforsecurity=False).hexdigest()[:HASH_CHARS]
    return f"{BRANCH_PREFIX}{pr_number}-{digest}"


def rollback_title(pr_number: int, folders: Iterable[str]) -> str:
    """``⏪ Rollback: <components> ➡️  <targets> (reverts #N)``."""
    paths = sorted({strip_slashes(f) for f in folders})
    components = ",".join(dict.fromkeys(p.rpartition("/")[2] for p in paths))
    targets = " ".join(dict.fromkeys(p.rpartition("/")[0] + "/" for p in paths))
    return f"{TITLE_PREFIX}{components} ➡️  {targets} (reverts #{pr_number})"
