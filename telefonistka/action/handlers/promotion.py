"""``pull_request`` closed and merged into the default branch: open the promotion PRs."""

# The use case is imported when the route matches, so other events never load it:
# ruff: noqa: PLC0415

from __future__ import annotations

from telefonistka.action.context import Context, Report
from telefonistka.core.pr_events import PullRequestEvent


def promote_merged_pr(event: PullRequestEvent, context: Context) -> Report:
    """``pull_request`` closed and merged: open the promotion PRs."""
    from telefonistka.usecases.promote_merged_pr import MergedPrPromotion

    repo = context.repo(event.repository, event.default_branch)
    promotion = MergedPrPromotion(
        repo,
        event,
        context.renderer(repo, event.default_branch),
        approver=context.approver(repo),
        dry_run=context.settings.dry_run,
        log=context.log,
    )
    result = context.run_grouped(f"Promotion of PR #{event.pull_request.number}", promotion.run)
    return Report(result.outputs(), result.summary(), result.failures, result.warnings)
