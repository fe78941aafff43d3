"""Event routing: an ordered registry of (event name, predicate) → handler.

``dispatch`` parses the delivery once (only for event names some route handles, so an
event the bot ignores costs nothing and needs no token), then runs the handler of the
first route whose predicate holds. Adding a feature = one module in ``handlers/`` + one
``Route`` here + one test file. Routes are a tuple, not a set: the first match wins,
deterministically.

Handlers receive the parsed event and a ``Context`` (settings, logging, and factories
for the GitHub identities) and return a ``Report`` for the edge to turn into outputs,
a job summary, annotations and an exit code; they log through the context (which may
fold their lines into a ``::group::``) and never exit themselves.

Start-up cost: this module imports only the event parsers, the light predicates
(``core/events/pr_requests.py``) and the handler modules, which import their use case (and
with it PyGithub, Jinja2, DeepDiff, ruamel.yaml) only when their route matches, so an
event the bot ignores never loads them; ``tests/test_startup_imports.py`` holds that.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from telefonistka.action.context import Context, Report
from telefonistka.action.handlers.argocd_sync import sync_back_on_close, sync_from_branch
from telefonistka.action.handlers.bump import on_dispatch
from telefonistka.action.handlers.comment_commands import run_comment_commands
from telefonistka.action.handlers.drift import DRIFT_ACTIONS, check_pr_drift
from telefonistka.action.handlers.fanout import fan_out_push
from telefonistka.action.handlers.plan import show_plan
from telefonistka.action.handlers.promotion import promote_merged_pr
from telefonistka.action.handlers.report import dashboard_ticks, on_schedule
from telefonistka.core.events.dispatch import (
    WorkflowDispatchEvent,
    workflow_dispatch_event_from_json,
)
from telefonistka.core.events.pr_requests import (
    SHOW_PLAN_LABEL,
    asks_for_plan,
    has_command,
    toggles_sync,
)
from telefonistka.core.events.pull_request import (
    IssueCommentEvent,
    PullRequestEvent,
    issue_comment_event_from_json,
    parse_json,
    pull_request_event_from_json,
)
from telefonistka.core.events.push import PushEvent, push_event_from_json
from telefonistka.core.events.schedule import (
    IssuesEvent,
    ScheduleEvent,
    issues_event_from_json,
    schedule_event_from_json,
)

Event = (
    PushEvent
    | PullRequestEvent
    | IssueCommentEvent
    | WorkflowDispatchEvent
    | ScheduleEvent
    | IssuesEvent
)


E = TypeVar(
    "E",
    PushEvent,
    PullRequestEvent,
    IssueCommentEvent,
    WorkflowDispatchEvent,
    ScheduleEvent,
    IssuesEvent,
)


PARSERS: Mapping[str, Callable[[object], Event]] = {
    "push": push_event_from_json,
    "pull_request": pull_request_event_from_json,
    "issue_comment": issue_comment_event_from_json,
    "workflow_dispatch": workflow_dispatch_event_from_json,
    "schedule": schedule_event_from_json,
    "issues": issues_event_from_json,
}


Handler = Callable[[Event, Context], Report]


@dataclass(frozen=True)
class Route:
    """One registration: ``handler`` runs for ``event`` deliveries ``matches`` accepts.

    ``needs`` says in words what ``matches`` checks, for the debug log of an event the
    route did not take.
    """

    event: str
    name: str
    matches: Callable[[Event], bool]
    handler: Handler
    needs: str = ""


def route(
    event: str,
    name: str,
    kind: type[E],
    matches: Callable[[E], bool],
    handler: Callable[[E, Context], Report],
    *,
    needs: str = "",
) -> Route:
    """A ``Route`` whose predicate and handler are typed for one parsed event class."""

    def typed_matches(parsed: Event) -> bool:
        return isinstance(parsed, kind) and matches(parsed)

    def typed_handler(parsed: Event, context: Context) -> Report:
        if not isinstance(parsed, kind):
            raise TypeError(f"route {name!r} got a {type(parsed).__name__}")
        return handler(parsed, context)

    return Route(event, name, typed_matches, typed_handler, needs)


ROUTES: tuple[Route, ...] = (
    route(
        "pull_request",
        "promotion on merge",
        PullRequestEvent,
        lambda event: event.is_merge_into_default_branch,
        promote_merged_pr,
        needs="action closed, merged into the default branch",
    ),
    route(
        "pull_request",
        "drift check",
        PullRequestEvent,
        lambda event: event.action in DRIFT_ACTIONS,
        check_pr_drift,
        needs="action opened, reopened or synchronize",
    ),
    route(
        "pull_request",
        "show plan",
        PullRequestEvent,
        asks_for_plan,
        show_plan,
        needs=f"action labeled, with the label {SHOW_PLAN_LABEL}",
    ),
    route(
        "pull_request",
        "Argo CD apps back to the default branch",
        PullRequestEvent,
        lambda event: event.action == "closed" and not event.is_merge_into_default_branch,
        sync_back_on_close,
        needs="action closed (not a merge into the default branch)",
    ),
    route(
        "issue_comment",
        "Argo CD sync from the PR branch",
        IssueCommentEvent,
        toggles_sync,
        sync_from_branch,
        needs="action edited, the sync checkbox of the bot's Argo CD diff comment changed",
    ),
    route(
        "issue_comment",
        "comment commands",
        IssueCommentEvent,
        has_command,
        run_comment_commands,
        needs="action created, on a PR, a line starting with a /command",
    ),
    route(
        "push",
        "push fan-out",
        PushEvent,
        lambda event: event.to_default_branch,
        fan_out_push,
        needs="a branch push to the default branch (not a tag, not a deletion)",
    ),
    route(
        "workflow_dispatch",
        # The name is also the route's metrics label: kept as it was when rollback-pr came.
        "version bump, promotion again (promote-pr), gates or fleet report (report)",
        WorkflowDispatchEvent,
        lambda _event: True,
        on_dispatch,
        needs="nothing: every dispatch",
    ),
    route(
        "schedule",
        "pending gates and fleet report",
        ScheduleEvent,
        lambda _event: True,
        on_schedule,
        needs="nothing: every scheduled run",
    ),
    route(
        "issues",
        "dashboard: promotions asked for",
        IssuesEvent,
        lambda event: event.edits_dashboard,
        dashboard_ticks,
        needs="action edited, the body of an issue carrying the dashboard marker",
    ),
)


def routes_for(event_name: str, routes: tuple[Route, ...] = ROUTES) -> tuple[Route, ...]:
    """The routes registered for ``event_name``, in registration order."""
    return tuple(candidate for candidate in routes if candidate.event == event_name)


def dispatch(
    event_name: str, body: bytes | str, context: Context, routes: tuple[Route, ...] = ROUTES
) -> Report | None:
    """Run the first matching route's handler; None when the event is not handled."""
    candidates = routes_for(event_name, routes)
    if not candidates:
        handled = ", ".join(dict.fromkeys(candidate.event for candidate in routes))
        context.debug(f"routes exist for these events only: {handled}")
        context.log(f"telefonistka: `{event_name}` events are not handled; nothing to do")
        return None
    event = PARSERS[event_name](parse_json(body, event_name))
    context.debug(f"the `{event_name}` event: {_describe(event)}")
    for candidate in candidates:
        if candidate.matches(event):
            context.log(f"telefonistka: {event_name} → {candidate.name}")
            context.route = candidate.name
            return candidate.handler(event, context)
        needs = f": it needs {candidate.needs}" if candidate.needs else ""
        context.debug(f"route {candidate.name!r} does not match{needs}")
    context.log(f"telefonistka: this `{event_name}` event ({_describe(event)}) needs no action")
    return None


def _describe(event: Event) -> str:
    """A few words about an ignored event, for the log line."""
    if isinstance(event, PullRequestEvent):
        pull = event.pull_request
        detail = ""
        if event.action == "closed":
            detail = f", merged into {pull.base_ref}" if pull.merged else ", not merged"
        elif event.label is not None:
            detail = f", label {event.label}"
        return f"action {event.action}{detail}, PR #{pull.number}"
    if isinstance(event, IssueCommentEvent):
        return f"action {event.action}, #{event.issue_number}"
    if isinstance(event, WorkflowDispatchEvent):
        return f"workflow {event.workflow or '?'} on {event.ref}"
    if isinstance(event, ScheduleEvent):
        return f"schedule {event.schedule or '?'}"
    if isinstance(event, IssuesEvent):
        return f"action {event.action}, issue #{event.issue.number}"
    return f"ref {event.ref}"
