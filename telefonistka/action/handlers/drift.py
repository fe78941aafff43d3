"""``pull_request`` opened / reopened / synchronize (and ``/retrigger``): the drift check."""

# The use case is imported when the route matches, so other events never load it:
# ruff: noqa: PLC0415

from __future__ import annotations

from typing import TYPE_CHECKING

from telefonistka.action.context import Context, Report
from telefonistka.core.events.pull_request import PullRequest, PullRequestEvent

if TYPE_CHECKING:
    from telefonistka.adapters.github import GitHubRepo

DRIFT_ACTIONS = frozenset({"opened", "reopened", "synchronize"})


def check_pr_drift(event: PullRequestEvent, context: Context) -> Report:
    """``pull_request`` opened / reopened / synchronize: the drift check."""
    repo = context.repo(event.repository, event.default_branch)
    pull = event.pull_request
    report = run_drift_check(repo, pull, event.default_branch, context, read_only=event.from_fork)
    if event.from_fork:
        return report  # a read-only token: nothing to comment with
    return with_argocd_diff(report, repo, pull, event.default_branch, context)


def with_argocd_diff(
    report: Report, repo: GitHubRepo, pull: PullRequest, default_branch: str, context: Context
) -> Report:
    """The Argo CD diff after the drift check, when an Argo CD server is configured (the
    repo's ``argocd.commentDiffonPR`` then decides)."""
    if pull.from_fork_of(repo.full_name):  # e.g. /retrigger on a fork's PR
        context.log(
            f"PR #{pull.number} comes from {pull.head_repo or 'a deleted fork'}, not "
            f"{repo.full_name}: no Argo CD diff (Argo CD would render another repository's code)"
        )
        return report
    argocd = context.argocd(repo.full_name)
    if argocd is None:
        return report
    from telefonistka.usecases.argocd_diff import PrArgoCdDiff

    diff = PrArgoCdDiff(
        repo, argocd, pull, default_branch, context.renderer(repo, default_branch), context.log
    )
    try:
        result = context.run_grouped(f"Argo CD diff of PR #{pull.number}", diff.run)
    finally:
        argocd.close()
    failures = tuple(f"Argo CD diff of {s.name}: {s.error}" for s in result.failed)
    return Report(
        {**report.outputs, **result.outputs()},
        report.summary + result.summary(),
        report.failures + failures,
        report.warnings,
        failure_title="telefonistka: Argo CD diff failed",
    )


def run_drift_check(
    repo: GitHubRepo,
    pull: PullRequest,
    default_branch: str,
    context: Context,
    *,
    read_only: bool = False,
) -> Report:
    """The drift check of one open PR; shared by PR events and ``/retrigger``."""
    from telefonistka.usecases.check_drift import PrDriftCheck

    check = PrDriftCheck(
        repo,
        pull,
        default_branch,
        context.renderer(repo, default_branch),
        context.settings.server_url,
        context.log,
        read_only=read_only,
        details_url=_run_url(context, repo.full_name),
    )
    result = context.run_grouped(f"Drift check of PR #{pull.number}", check.run)
    return Report(result.outputs(), result.summary())


def _run_url(context: Context, repository: str) -> str:
    """This workflow run's page (its job summary), when the runner says which run it is."""
    run_id = context.settings.workflow_run.run_id
    if not run_id.isdecimal():
        return ""
    return f"{context.settings.server_url.rstrip('/')}/{repository}/actions/runs/{run_id}"
