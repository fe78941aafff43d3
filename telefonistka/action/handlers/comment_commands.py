"""``issue_comment`` created on a PR: ``/retrigger`` and commit-status toggles."""

# The use case is imported when the route matches, so other events never load it:
# ruff: noqa: PLC0415

from __future__ import annotations

from typing import TYPE_CHECKING

from telefonistka.action.context import Context, Report
from telefonistka.action.handlers.drift import run_drift_check, with_argocd_diff
from telefonistka.core.events.dispatch import WorkflowDispatchEvent
from telefonistka.core.events.pull_request import IssueCommentEvent
from telefonistka.core.text.markdown import code_span

if TYPE_CHECKING:
    from telefonistka.adapters.github import GitHubRepo
    from telefonistka.core.events.pull_request import PullRequest
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
    asked = commands.break_glass or commands.rollback or commands.release
    if not (commands.retrigger or contexts or asked):
        context.log(f"no known command in {', '.join(commands.commands)}; nothing to do")
        return Report()
    if not commands.may_write():
        return _refuse(commands, event, context, repo)
    pull = repo.get_pr(event.issue_number)
    report = Report()
    if commands.break_glass:
        report = _break_glass(commands, event, context, repo, pull)
    if commands.rollback:
        report = _joined(report, _rollback(commands, event, context, repo, pull))
    if commands.release:
        report = _joined(report, _release(event, context, repo, pull))
    if commands.retrigger:  # the drift check and, when configured, the Argo CD diff again
        drift = run_drift_check(repo, pull, event.default_branch, context)
        checked = with_argocd_diff(drift, repo, pull, event.default_branch, context)
        report = Report(
            checked.outputs,
            report.summary + checked.summary,
            checked.failures,
            report.warnings + checked.warnings,
            samples=report.samples,
            failure_title=checked.failure_title,
        )
    toggles = [commands.flip(pull.head_sha, status) for status in contexts]
    return Report(
        report.outputs,
        report.summary + _toggle_summary(toggles, event),
        report.failures,
        report.warnings,
        samples=report.samples,
        failure_title=report.failure_title,
    )


def _break_glass(
    commands: PrCommands,
    event: IssueCommentEvent,
    context: Context,
    repo: CodeHost,
    pull: PullRequest,
) -> Report:
    """``/break-glass <reason>`` by someone with write access (checked by the caller)."""
    from datetime import UTC, datetime

    from telefonistka.usecases.bot_identity import bot_matcher
    from telefonistka.usecases.break_glass import break_glass

    who = event.comment_author or "someone"
    if (refusal := _unless_writer(repo, event, pull.number, "break-glass")) is not None:
        return refusal
    done = break_glass(
        repo,
        pull,
        who,
        commands.break_glass_reason,
        comment_id=event.comment_id,
        now=datetime.now(UTC),
        is_bot=bot_matcher(repo, context.log),
    )
    context.log(f"/break-glass on #{pull.number}: {done.message}")
    title = f"### Telefonistka: /break-glass on #{pull.number}\n\n"
    return Report(summary=title + done.message + "\n", samples=done.samples)


def _rollback(
    commands: PrCommands,
    event: IssueCommentEvent,
    context: Context,
    repo: GitHubRepo,
    pull: PullRequest,
) -> Report:
    """``/rollback [reason]`` on a merged promotion PR, by someone with write access."""
    from telefonistka.errors import UsageError
    from telefonistka.usecases.bot_identity import bot_matcher
    from telefonistka.usecases.rollback_pr import open_rollback_pr

    who = event.comment_author or "someone"
    if (refusal := _unless_writer(repo, event, pull.number, "rollback")) is not None:
        return refusal
    try:
        done = open_rollback_pr(
            repo,
            context.renderer(repo, event.default_branch),
            pull,
            default_branch=event.default_branch,
            is_bot=bot_matcher(repo, context.log),
            reason=commands.rollback_reason,
            requester=who,
            log=context.log,
        )
    except UsageError as exc:
        return _refused(repo, event, pull.number, "rollback", f"@{who} `/rollback`: {exc}")
    outputs = {"rollback-pr": str(done.pr.number) if done.pr else ""}
    return Report(outputs, summary=f"### Telefonistka: /rollback\n\n{done.message}\n")


def _release(
    event: IssueCommentEvent, context: Context, repo: GitHubRepo, pull: PullRequest
) -> Report:
    """``/release`` on a merged rollback PR, by someone with write access."""
    from telefonistka.errors import UsageError
    from telefonistka.usecases.bot_identity import bot_matcher
    from telefonistka.usecases.rollback_pr import release_hold

    who = event.comment_author or "someone"
    if (refusal := _unless_writer(repo, event, pull.number, "release")) is not None:
        return refusal
    try:
        said = release_hold(repo, pull, who, bot_matcher(repo, context.log))
    except UsageError as exc:
        return _refused(repo, event, pull.number, "release", f"@{who} `/release`: {exc}")
    context.log(f"/release on #{pull.number}: {said}")
    return Report(summary=f"### Telefonistka: /release\n\n{said}\n")


def _unless_writer(
    repo: CodeHost, event: IssueCommentEvent, number: int, command: str
) -> Report | None:
    """None when the commenter may write; else the refusal, said once on #``number``.

    The commands that bypass gates, open rollbacks or end holds ask for the permission
    itself: an association of COLLABORATOR is given to read-only collaborators too.
    """
    from telefonistka.usecases.comment_commands import WRITE_PERMISSIONS

    who = event.comment_author or "someone"
    if repo.user_permission(who) in WRITE_PERMISSIONS:
        return None
    return _refused(
        repo, event, number, command, f"@{who} only people with write access can run `/{command}`"
    )


def _refused(
    repo: CodeHost, event: IssueCommentEvent, number: int, command: str, why: str
) -> Report:
    """``why`` (and that nothing changed) as one reply on #``number`` and the summary."""
    reply = f"{why}; nothing was changed."
    repo.comment_once(number, reply, f"refused {event.comment_id}")
    return Report(summary=f"### Telefonistka: /{command} refused\n\n{reply}\n")


def rollback_dispatched(event: WorkflowDispatchEvent, context: Context) -> Report:
    """``workflow_dispatch`` with ``rollback-pr: N`` (and ``rollback-reason``): the rollback
    of merged promotion PR #N, as ``/rollback`` would open it. Whoever may dispatch the
    workflow has write access already; ``GITHUB_ACTOR`` is assigned."""
    from telefonistka.errors import UsageError
    from telefonistka.usecases.bot_identity import bot_matcher
    from telefonistka.usecases.rollback_pr import open_rollback_pr

    text = context.settings.input("rollback-pr")
    if not text.isdecimal() or int(text) < 1:
        raise UsageError(f"the `rollback-pr` input must be a PR number, got {text!r}")
    repo = context.repo(event.repository, event.default_branch or None)
    default_branch = repo.default_branch
    requester = context.settings.workflow_run.actor
    done = context.run_grouped(
        f"Rollback of #{text}",
        lambda: open_rollback_pr(
            repo,
            context.renderer(repo, default_branch),
            repo.get_pr(int(text)),
            default_branch=default_branch,
            is_bot=bot_matcher(repo, context.log),
            reason=context.settings.input("rollback-reason"),
            requester=requester,
            log=context.log,
        ),
    )
    outputs = {"rollback-pr": str(done.pr.number) if done.pr else ""}
    return Report(outputs, summary=f"### Telefonistka: rollback\n\n{done.message}\n")


def _joined(first: Report, second: Report) -> Report:
    return Report(
        {**first.outputs, **second.outputs},
        first.summary + second.summary,
        first.failures + second.failures,
        first.warnings + second.warnings,
        samples=first.samples + second.samples,
        failure_title=first.failure_title or second.failure_title,
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
