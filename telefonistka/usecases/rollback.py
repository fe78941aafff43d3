"""Roll back a merged promotion PR: one branch that restores the folders it wrote.

Shared by the front doors (``telefonistka rollback`` on a local repository now; the
Action's ``/rollback`` and ``rollback-pr`` later). Which folders: the promotion's own
metadata (``promotedPaths``), never a guess from a diff. What they become: their content
at the first parent of its merge commit (``core.promotion.rollback``). A re-run finds
its branch and writes nothing when it already holds that rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, Protocol

from telefonistka.core.promotion.metadata import PromotionMetadata, extract_metadata
from telefonistka.core.promotion.rollback import (
    RollbackPlan,
    plan_rollback,
    rollback_branch,
    rollback_title,
)
from telefonistka.core.promotion.snapshot import TreeEntry, TreeSnapshot
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import UsageError
from telefonistka.ports import CommitState

Log = Callable[[str], None]


class RollbackBackend(Protocol):
    def read_snapshot(self, rev: str) -> TreeSnapshot: ...

    def commit_state(self, rev: str) -> CommitState: ...

    def branch_head(self, name: str) -> str | None: ...

    def write_tree(self, base: str, changes: Mapping[str, TreeEntry | None]) -> str: ...

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str: ...

    def update_branch(self, name: str, new_sha: str, old_sha: str | None) -> None: ...


class RollbackStatus(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # the branch already holds this rollback
    NOTHING = "nothing-to-do"  # every folder is as before, or changed since


@dataclass(frozen=True)
class RollbackOutcome:
    pr_number: int
    status: RollbackStatus
    branch: str
    title: str
    body: str
    plan: RollbackPlan
    commit: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "pr_number": self.pr_number,
            "status": str(self.status),
            "branch": self.branch,
            "title": self.title,
            "restored": list(self.plan.restored),
            "changed_since": list(self.plan.changed_since),
            "already": list(self.plan.already),
            "commit": self.commit,
        }


def promotion_metadata(backend: RollbackBackend, merge_commit: str) -> PromotionMetadata:
    """The metadata of the promotion ``merge_commit`` merged (its message, or its second
    parent's, the promotion commit's); ``UsageError`` when it merged no promotion."""
    state = backend.commit_state(merge_commit)
    messages = [state.message]
    if len(state.parents) > 1:
        messages.append(backend.commit_state(state.parents[1]).message)
    for message in messages:
        metadata = extract_metadata(message)
        if metadata is not None and metadata.promoted_paths:
            return metadata
    raise UsageError(
        f"commit {merge_commit[:12]} did not merge a promotion: no telefonistka metadata "
        "naming the folders it wrote (only a promotion PR can be rolled back)"
    )


def roll_back(
    backend: RollbackBackend,
    renderer: Renderer,
    *,
    base: str,
    merge_commit: str,
    pr_number: int,
    reason: str = "",
    requester: str = "",
    dry_run: bool = False,
    metadata: PromotionMetadata | None = None,
    hold: timedelta | None = None,
) -> RollbackOutcome:
    """Write (or find) the rollback branch of promotion PR ``pr_number``; ``metadata``:
    the promotion's (its PR body on GitHub), else read from the merge's commits."""
    state = backend.commit_state(merge_commit)
    if not state.parents:
        raise UsageError(f"commit {merge_commit[:12]} has no parent: nothing to roll back to")
    if metadata is None or not metadata.promoted_paths:
        metadata = promotion_metadata(backend, merge_commit)
    folders = metadata.promoted_paths
    current = backend.read_snapshot(base)
    plan = plan_rollback(
        backend.read_snapshot(state.parents[0]),
        backend.read_snapshot(merge_commit),
        current,
        folders,
    )
    branch, title = rollback_branch(pr_number, folders), rollback_title(pr_number, folders)
    body = renderer.rollback_body(
        pr_number, plan, metadata, reason=reason, requester=requester, hold=hold
    )
    if plan.nothing_to_do:
        return RollbackOutcome(pr_number, RollbackStatus.NOTHING, branch, title, body, plan)
    tree = backend.write_tree(current.commit, plan.changes)
    existing = backend.branch_head(branch)
    if existing is not None:
        held = backend.commit_state(existing)
        if held.tree == tree and held.parents == (current.commit,):
            return RollbackOutcome(
                pr_number, RollbackStatus.UNCHANGED, branch, title, body, plan, existing
            )
    status = RollbackStatus.CREATED if existing is None else RollbackStatus.UPDATED
    if dry_run:
        return RollbackOutcome(pr_number, status, branch, title, body, plan)
    commit = backend.commit_tree(tree, [current.commit], f"{title}\n\n{body}")
    backend.update_branch(branch, commit, existing)
    return RollbackOutcome(pr_number, status, branch, title, body, plan, commit)
