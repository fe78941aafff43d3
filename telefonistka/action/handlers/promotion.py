"""``pull_request`` closed and merged into the default branch: open the promotion PRs.

``workflow_dispatch`` with the ``promote-pr`` input runs the same promotion again for a
merged PR by number: the recovery for a merge whose run was missed or failed for good.
"""

# The use case is imported when the route matches, so other events never load it:
# ruff: noqa: PLC0415

from __future__ import annotations

from typing import TYPE_CHECKING

from telefonistka.action.context import Context, Report
from telefonistka.core.events.dispatch import WorkflowDispatchEvent
from telefonistka.core.events.pull_request import PullRequestEvent
from telefonistka.errors import TelefonistkaError, UsageError

if TYPE_CHECKING:
    from telefonistka.usecases.argocd_diff import ListedOnce


def promote_merged_pr(event: PullRequestEvent, context: Context) -> Report:
    """``pull_request`` closed and merged: open the promotion PRs; then Argo CD apps that
    followed the merged branch follow the default branch again."""
    from telefonistka.usecases.argocd_diff import ListedOnce
    from telefonistka.usecases.promote_merged_pr import MergedPrPromotion

    repo = context.repo(event.repository, event.default_branch)
    client = context.argocd(event.repository)
    argocd = ListedOnce(client) if client is not None else None  # one app listing per run
    promotion = MergedPrPromotion(
        repo,
        event,
        context.renderer(repo, event.default_branch),
        approver=context.approver(repo),
        dry_run=context.settings.dry_run,
        log=context.log,
        argocd=argocd,
    )
    warnings: tuple[str, ...] = ()
    try:
        result = context.run_grouped(f"Promotion of PR #{event.pull_request.number}", promotion.run)
        if argocd is not None:
            warnings = _send_back(argocd, event, context)
    finally:
        if client is not None:
            client.close()
    return Report(result.outputs(), result.summary(), result.failures, result.warnings + warnings)


def _send_back(argocd: ListedOnce, event: PullRequestEvent, context: Context) -> tuple[str, ...]:
    """Apps that followed the merged branch follow the default branch again: best effort
    beside the promotion, which has succeeded by now. Argo CD down or answering garbage is
    a warning; the promotion's outputs and exit code stand."""
    from telefonistka.usecases.argocd_sync import sync_back

    try:
        sync_back(argocd, event.pull_request.head_ref, event.default_branch, context.log)
    except TelefonistkaError as exc:
        return (f"Argo CD apps following {event.pull_request.head_ref} were not sent back: {exc}",)
    return ()


def promote_pr_again(event: WorkflowDispatchEvent, context: Context) -> Report:
    """``workflow_dispatch`` with ``promote-pr: N``: promote merged PR #N as its merge would.

    The PR is read through the API; it must be merged into the default branch. Re-running
    is safe (see "Re-runs are safe" in docs/github-action.md): branches and PRs an earlier
    run opened are found and reused.
    """
    text = context.settings.input("promote-pr")
    if not text.isdecimal() or int(text) < 1:
        raise UsageError(f"the `promote-pr` input must be a PR number, got {text!r}")
    repo = context.repo(event.repository, event.default_branch or None)
    pull = repo.get_pr(int(text))
    default_branch = repo.default_branch
    if not pull.merged or pull.base_ref != default_branch:
        state = "merged into " + pull.base_ref if pull.merged else "not merged"
        raise UsageError(
            f"PR #{pull.number} is {state}: only a PR merged into {default_branch!r} is promoted"
        )
    merged = PullRequestEvent("closed", event.repository, default_branch, pull)
    context.log(f"promoting merged PR #{pull.number} again, as asked by `promote-pr`")
    return promote_merged_pr(merged, context)
