"""What a PR asks the bot for, read from the event payload alone: comment commands and
the ``show-plan`` label.

The route predicates of ``handlers.py`` use these, so they stay light: deciding that an
event needs nothing must not import the use cases (``pr_commands.py``, ``show_plan.py``)
or the GitHub client behind them.
"""

from __future__ import annotations

from telefonistka.core.pr_events import IssueCommentEvent, PullRequestEvent

RETRIGGER = "retrigger"
SHOW_PLAN_LABEL = "show-plan"


def commands_in(body: str) -> tuple[str, ...]:
    """The commands of a comment, without their slash, in order, each once."""
    words = (line.split(maxsplit=1)[0] for line in body.splitlines() if line.strip())
    return tuple(dict.fromkeys(w[1:] for w in words if w.startswith("/") and len(w) > 1))


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
