"""``issue_comment`` created on a PR: ``/retrigger`` and commit-status toggles."""

# The use case is imported when the route matches, so other events never load it:
# ruff: noqa: PLC0415

from __future__ import annotations

from typing import TYPE_CHECKING

from telefonistka.action.context import Context, Report
from telefonistka.action.handlers.drift import run_drift_check, with_argocd_diff
from telefonistka.core.events.pull_request import IssueCommentEvent
from telefonistka.core.text.markdown import code_span

if TYPE_CHECKING:
    from telefonistka.ports import CodeHost
    from telefonistka.usecases.comment_commands import PrCommands, Toggle


def run_comment_commands(event: IssueCommentEvent, context: Context) -> Report:
    """``issue_comment`` created on a PR: ``/retrigger`` and status toggles."""
    from telefonistka.usecases.comment_commands import PrCommands

    repo = context.repo(event.repository, event.default_branch)
    commands = PrCommands(repo, event, context.log)
    with context.workflow.group(f"Commands of a comment on #{event.issue_number}"):
        if commands.from_bot():
            context.log(f"the comment is by the bot itself (@{event.comment_author}); ignored")
            return Report()
        contexts = commands.toggle_contexts()
    if not (commands.retrigger or contexts):
        context.log(f"no known command in {', '.join(commands.commands)}; nothing to do")
        return Report()
    if not commands.may_write():
        return _refuse(commands, event, context, repo)
    pull = repo.get_pr(event.issue_number)
    report = Report()
    if commands.retrigger:  # the drift check and, when configured, the Argo CD diff again
        drift = run_drift_check(repo, pull, event.default_branch, context)
        report = with_argocd_diff(drift, repo, pull, event.default_branch, context)
    toggles = [commands.flip(pull.head_sha, status) for status in contexts]
    return Report(
        report.outputs,
        report.summary + _toggle_summary(toggles, event),
        report.failures,
        report.warnings,
        failure_title=report.failure_title,
    )


def _refuse(
    commands: PrCommands, event: IssueCommentEvent, context: Context, repo: CodeHost
) -> Report:
    """Nothing changes; the commenter is told why (a reply, unless replies are off)."""
    reply = commands.refusal()
    context.log(f"refused: {reply}")
    if context.settings.input("command-replies").lower() != "false":
        repo.comment_once(event.issue_number, reply, f"refused {event.comment_id}")
    summary = f"### Telefonistka: commands refused on #{event.issue_number}\n\n{reply}\n"
    return Report(summary=summary)


def _toggle_summary(toggles: list[Toggle], event: IssueCommentEvent) -> str:
    """Job summary lines for the flipped statuses."""
    if not toggles:
        return ""
    lines = [f"### Telefonistka: statuses toggled on #{event.issue_number}", ""]
    lines += [f"- {code_span(t.context)}: {t.before or 'unset'} → {t.after}" for t in toggles]
    return "\n".join(lines) + "\n"
