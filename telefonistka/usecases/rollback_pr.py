"""The rollback of a merged promotion PR on GitHub: one rollback PR, found again on a re-run.

Asked by ``/rollback [reason]`` on the promotion PR (a writer; the permission is always
asked) or by ``workflow_dispatch`` with ``rollback-pr``. The branch and its content come
from ``usecases.rollback``; this adds the PR (label ``rollback``, the requester assigned)
and one note on the promotion PR linking it; with the flow's ``autoMergeRollbacks`` it is
merged as ``autoMerge`` merges, never past branch protection. A rollback PR merged later starts no
promotion (``is_rollback_pr``): the restored content is not carried to later stages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from telefonistka.core.config.model import PromotionPath, RepoConfig
from telefonistka.core.events.pull_request import PullRequest
from telefonistka.core.promotion.holds import HOLD_LABEL, UNKNOWN, Hold, active_holds
from telefonistka.core.promotion.metadata import PromotionMetadata, extract_metadata
from telefonistka.core.promotion.planning import flow_matches
from telefonistka.core.promotion.rollback import BRANCH_PREFIX
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import TelefonistkaError, UsageError
from telefonistka.ports import CodeHost, PullRequestHost
from telefonistka.usecases.auto_merge import merge_respecting_protection
from telefonistka.usecases.bot_identity import promotion_pr_problems
from telefonistka.usecases.repo_config import read_repo_config_on
from telefonistka.usecases.rollback import RollbackOutcome, RollbackStatus, roll_back

ROLLBACK_LABEL = "rollback"
Log = Callable[[str], None]


@dataclass(frozen=True)
class RollbackPrResult:
    outcome: RollbackOutcome
    pr: PullRequest | None = None  # None when there was nothing to roll back
    merge: str = ""  # with autoMergeRollbacks: "merged", "auto-merge enabled", "left open"

    @property
    def message(self) -> str:
        if self.pr is None:
            return f"nothing to roll back of #{self.outcome.pr_number}: " + (
                "every folder it wrote is already as before it or changed since"
            )
        merged = f" ({self.merge})" if self.merge else ""
        where = self.pr.html_url or self.outcome.branch
        return f"rollback of #{self.outcome.pr_number}: {where}{merged}"


def read_holds(
    repo: PullRequestHost, now: datetime, is_bot: Callable[[str], bool], log: Log
) -> list[Hold]:
    """The holds of merged rollbacks in force (one request). When they cannot be read,
    ``[UNKNOWN]``: every target counts as held, nothing is merged on a guess."""
    try:
        labelled = repo.merged_prs_labelled(HOLD_LABEL)
    except TelefonistkaError as exc:
        log(f"could not read the holds of rolled-back targets: {exc}")
        return [UNKNOWN]
    return active_holds(labelled, now, is_bot)


def is_rollback_pr(pull: PullRequest, is_bot: Callable[[str], bool]) -> bool:
    """A rollback PR the bot opened (its branch and its author say so)."""
    return pull.head_ref.startswith(BRANCH_PREFIX) and is_bot(pull.author)


def open_rollback_pr(
    repo: CodeHost,
    renderer: Renderer,
    promotion: PullRequest,
    *,
    default_branch: str,
    is_bot: Callable[[str], bool],
    reason: str = "",
    requester: str = "",
    log: Log = print,
) -> RollbackPrResult:
    """Open (or update, or find) the rollback PR of merged promotion PR ``promotion``."""
    problems = promotion_pr_problems(promotion, is_bot)
    if problems:
        raise UsageError(f"#{promotion.number} cannot be rolled back: {'; '.join(problems)}")
    if not promotion.merged or not promotion.merge_commit_sha:
        raise UsageError(
            f"#{promotion.number} is not merged: only a merged promotion is rolled back"
        )
    metadata = extract_metadata(promotion.body)
    flow = _flow_of(metadata, read_repo_config_on(repo, default_branch))
    outcome = roll_back(
        repo,
        renderer,
        base=default_branch,
        merge_commit=promotion.merge_commit_sha,
        pr_number=promotion.number,
        reason=reason,
        requester=requester,
        metadata=metadata,
        hold=flow.hold_after_rollback if flow is not None else None,
    )
    log(f"rollback of #{promotion.number}: {outcome.status} {outcome.branch}")
    if outcome.status is RollbackStatus.NOTHING:
        result = RollbackPrResult(outcome)
        repo.comment_once(promotion.number, f"⏪ {result.message}.", f"rollback {outcome.branch}")
        return result
    pull = repo.find_open_pr(outcome.branch)
    if pull is None:
        pull = repo.create_pr(outcome.title, outcome.body, outcome.branch, default_branch)
    elif (pull.title, pull.body) != (outcome.title, outcome.body):
        pull = repo.update_pr(pull.number, outcome.title, outcome.body)
    repo.set_labels_and_assignees(pull.number, [ROLLBACK_LABEL], [requester] if requester else [])
    asked = f" at the request of @{requester}" if requester else ""
    note = f"⏪ Rolled back by #{pull.number}{asked}."
    repo.comment_once(promotion.number, note, f"rollback {outcome.branch}")
    if flow is None or not flow.auto_merge_rollbacks:
        return RollbackPrResult(outcome, pull)
    merged = merge_respecting_protection(repo, pull, log)
    return RollbackPrResult(outcome, pull, merged.state.value)


def _flow_of(metadata: PromotionMetadata | None, config: RepoConfig) -> PromotionPath | None:
    """The flow that opened the promotion: the one whose source matches its newest stage."""
    stage = metadata.newest_stage if metadata is not None else None
    if stage is None:
        return None
    return next((f for f in config.promotion_paths if flow_matches(f, stage.source_path)), None)


def release_hold(
    repo: CodeHost, rollback: PullRequest, who: str, is_bot: Callable[[str], bool]
) -> str:
    """``/release`` on a merged rollback PR: its hold ends (the label goes). What to say."""
    if not is_rollback_pr(rollback, is_bot) or not rollback.merged:
        raise UsageError(f"#{rollback.number} is not a merged rollback PR of the bot")
    if HOLD_LABEL not in rollback.labels:
        return f"#{rollback.number} holds nothing any more"
    labels = [label for label in rollback.labels if label != HOLD_LABEL]
    repo.set_labels_and_assignees(rollback.number, labels, list(rollback.assignees))
    note = (
        f"🔓 Hold released by @{who}: the promotion PRs waiting on these targets are "
        "released by the next scheduled run."
    )
    repo.comment_once(rollback.number, note, "hold released")
    return f"the hold of #{rollback.number} is released"
