"""Auto-merge that never bypasses branch protection.

``autoMerge`` used to mean "merge now". Where the base branch requires status checks or
approving reviews, GitHub refuses that merge (405 "Required status check ... is
expected"), and an admin merge would skip the very rules a platform team relies on. So a
refused merge turns into GitHub's native auto-merge: GitHub merges the PR itself once the
last requirement is met. Where the repository does not allow auto-merge, the PR stays
open with one comment that says why and what to change. Never an admin merge.

Shared by every job that merges a PR it opened: promotions, the gate pass, bumps.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from telefonistka.core.events.pull_request import PullRequest
from telefonistka.errors import GitHubError
from telefonistka.ports import PullRequestHost

# What GitHub says when a protection rule (classic or a ruleset) keeps a merge back.
_PROTECTION = (
    "required status check",
    "approving review",
    "review is required",
    "code owner",
    "repository rule violations",
    "protected branch",
    "status checks",
)
_NOT_ALLOWED = "auto merge is not allowed"
_CLEAN = "clean status"  # nothing left to wait for: merge it now


class MergeState(enum.Enum):
    MERGED = "merged"
    QUEUED = "auto-merge enabled"  # GitHub merges it when the requirements are met
    LEFT_OPEN = "left open"  # protected, and the repository does not allow auto-merge


@dataclass(frozen=True)
class MergeResult:
    state: MergeState
    why: str = ""  # GitHub's refusal, when it was not merged at once
    commit: str = ""  # the merge commit, when merged


def protection_refusal(exc: GitHubError) -> bool:
    """Whether GitHub refused a merge because a branch protection rule is not met yet."""
    detail = exc.detail.lower()
    return exc.status == 405 and any(phrase in detail for phrase in _PROTECTION)


def left_open_comment(why: str) -> str:
    return (
        "⏸️ **Not merged automatically.** The base branch's protection says: "
        f"{why.strip()}\n\n"
        "`autoMerge` never bypasses branch protection, and this repository does not allow "
        "auto-merge, so GitHub cannot merge this PR once its requirements are met. Turn "
        "on *Settings → General → Allow auto-merge* and re-run the job that opened this "
        "PR (it then enables auto-merge here), or merge this PR by hand when its checks "
        "and reviews pass."
    )


def merge_respecting_protection(
    repo: PullRequestHost, pull: PullRequest, log: Callable[[str], None]
) -> MergeResult:
    """Merge ``pull``, or have GitHub merge it when its base branch's rules are met.

    Raises ``GitHubError`` for anything that is not a protection rule (a conflict, no
    permission): that is a failure of the job, as before.
    """
    try:
        return MergeResult(MergeState.MERGED, commit=repo.merge_pr(pull.number))
    except GitHubError as exc:
        if not protection_refusal(exc):
            raise
        why = exc.detail
    try:
        repo.enable_auto_merge(pull)
    except GitHubError as exc:
        detail = exc.detail.lower()
        if _CLEAN in detail:  # the last requirement was met meanwhile
            return MergeResult(MergeState.MERGED, commit=repo.merge_pr(pull.number))
        if _NOT_ALLOWED not in detail:
            raise
        repo.comment_once(pull.number, left_open_comment(why), f"left open {pull.head_sha}")
        log(f"PR #{pull.number} left open: {why} (the repository does not allow auto-merge)")
        return MergeResult(MergeState.LEFT_OPEN, why)
    log(f"PR #{pull.number}: GitHub will merge it when its requirements are met ({why})")
    return MergeResult(MergeState.QUEUED, why)
