"""What a PR asks the bot for, read from the event payload alone: comment commands and
the ``show-plan`` label.

The route predicates of ``handlers.py`` use these, so they stay light: deciding that an
event needs nothing must not import the use cases (``pr_commands.py``, ``show_plan.py``)
or the GitHub client behind them.
"""

from __future__ import annotations

from telefonistka.core.events.pull_request import IssueCommentEvent, PullRequestEvent

RETRIGGER = "retrigger"
BREAK_GLASS = "break-glass"  # /break-glass <reason>: bypass a promotion PR's gates
ROLLBACK = "rollback"  # /rollback [reason]: roll back a merged promotion PR
RELEASE = "release"  # /release on a merged rollback PR: end its hold
SHOW_PLAN_LABEL = "show-plan"
# The bot's Argo CD diff comment starts with this marker; with allowSyncfromBranchPathRegex
# it ends with a checkbox a person with write access ticks to sync the apps from the PR's
# branch (and unticks to sync them from the default branch again).
ARGOCD_MARKER = "<!-- telefonistka:argocd-diff -->"
SYNC_BOX = "Sync the Argo CD apps of this PR from its branch"
SYNC_UNTICKED, SYNC_TICKED = f"- [ ] {SYNC_BOX}", f"- [x] {SYNC_BOX}"


def commands_in(body: str) -> tuple[str, ...]:
    """The commands of a comment, without their slash, in order, each once."""
    words = (line.split(maxsplit=1)[0] for line in body.splitlines() if line.strip())
    return tuple(dict.fromkeys(w[1:] for w in words if w.startswith("/") and len(w) > 1))


def command_argument(body: str, command: str) -> str:
    """The rest of the first line that starts with ``/command`` (its argument), stripped."""
    for line in body.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == f"/{command}":
            return rest.strip()
    return ""


def has_command(event: IssueCommentEvent) -> bool:
    """A new comment on a PR (not a plain issue) that holds at least one command."""
    return (
        event.action == "created"
        and event.on_pull_request
        and bool(commands_in(event.comment_body))
    )


def asks_for_plan(event: PullRequestEvent) -> bool:
    """The ``show-plan`` label was just added to the PR."""
    return event.action == "labeled" and event.label == SHOW_PLAN_LABEL


def sync_box_state(body: str | None) -> bool | None:
    """Whether the sync checkbox of an Argo CD diff comment is ticked; None without one."""
    if body is None or not body.startswith(ARGOCD_MARKER):
        return None
    lines = {line.strip() for line in body.splitlines()}
    ticked = SYNC_TICKED in lines or SYNC_TICKED.replace("[x]", "[X]") in lines
    return True if ticked else (False if SYNC_UNTICKED in lines else None)


def toggles_sync(event: IssueCommentEvent) -> bool:
    """A person just ticked or unticked the sync checkbox of an Argo CD diff comment."""
    if event.action != "edited" or not event.on_pull_request:
        return False
    now, before = sync_box_state(event.comment_body), sync_box_state(event.previous_body)
    return now is not None and before is not None and now != before
