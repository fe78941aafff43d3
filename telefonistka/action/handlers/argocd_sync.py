"""Argo CD apps synced from a PR's branch: the checkbox of the diff comment, and back.

``issue_comment`` edited (the checkbox ticked or unticked) sets the touched apps'
target revision; ``pull_request`` closed points apps that follow the PR's branch at the
default branch again (a merged PR does so after its promotion).
"""

# The use case is imported when the route matches, so other events never load it:
# ruff: noqa: PLC0415

from __future__ import annotations

from telefonistka.action.context import Context, Report
from telefonistka.core.events.pull_request import IssueCommentEvent, PullRequestEvent


def sync_from_branch(event: IssueCommentEvent, context: Context) -> Report:
    """The sync checkbox of the bot's Argo CD diff comment was ticked or unticked."""
    argocd = context.argocd(event.repository)
    if argocd is None:
        context.log("the sync checkbox changed but no Argo CD server is configured")
        return Report()
    from telefonistka.usecases.argocd_sync import SyncFromBranch

    repo = context.repo(event.repository, event.default_branch)
    pull = repo.get_pr(event.issue_number)
    sync = SyncFromBranch(repo, argocd, pull, event.default_branch, context.log)
    try:
        outcome = context.run_grouped(
            f"Argo CD sync of PR #{pull.number}",
            lambda: sync.run(
                event.comment_author,
                event.sender,
                event.comment_body,
                f"{event.comment_id}@{event.comment_updated_at}",
            ),
        )
    finally:
        argocd.close()
    return Report(summary=outcome.summary(pull.number))


def sync_back_on_close(event: PullRequestEvent, context: Context) -> Report:
    """A closed PR: apps that followed its branch follow the default branch again."""
    argocd = context.argocd(event.repository)
    if argocd is None:
        context.log("a closed PR; no Argo CD server is configured, so nothing follows its branch")
        return Report()
    from telefonistka.usecases.argocd_sync import sync_back

    try:
        moved = sync_back(argocd, event.pull_request.head_ref, event.default_branch, context.log)
    finally:
        argocd.close()
    names = ", ".join(f"`{name}`" for name in moved) or "no app"
    title = f"### Telefonistka: PR #{event.pull_request.number} closed"
    return Report(summary=f"{title}\n\n{names} moved back to `{event.default_branch}`.\n")
