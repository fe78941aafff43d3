"""``pull_request`` labeled ``show-plan``: comment the promotion plan of the PR head."""

# The use case is imported when the route matches, so other events never load it:
# ruff: noqa: PLC0415

from __future__ import annotations

from telefonistka.action.context import Context, Report
from telefonistka.core.events.pull_request import PullRequestEvent


def show_plan(event: PullRequestEvent, context: Context) -> Report:
    """``pull_request`` labeled ``show-plan``: comment the plan of the PR head."""
    from telefonistka.usecases.comment_plan import ShowPlan

    repo = context.repo(event.repository, event.default_branch)
    pull = event.pull_request
    renderer = context.renderer(repo, event.default_branch)
    shower = ShowPlan(
        repo, pull, event.default_branch, renderer, context.log, read_only=event.from_fork
    )
    result = context.run_grouped(f"Plan of PR #{pull.number}", shower.run)
    return Report(result.outputs(), result.summary())
