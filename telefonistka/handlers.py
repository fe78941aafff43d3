"""Event routing: an ordered registry of (event name, predicate) → handler.

``dispatch`` parses the delivery once (only for event names some route handles, so an
event the bot ignores costs nothing and needs no token), then runs the handler of the
first route whose predicate holds. Adding a feature = one module + one ``Route`` here +
one test file. Routes are a tuple, not a set: the first match wins, deterministically.

Handlers receive the parsed event and a ``Context`` (settings, logging, and factories
for the GitHub identities) and return a ``Report`` for the edge to turn into outputs,
a job summary, annotations and an exit code; they log through the context (which may
fold their lines into a ``::group::``) and never exit themselves.

Start-up cost: this module, and so ``telefonistka.action``, imports only the event
parsers and the light predicates (``core/pr_requests.py``). Each handler imports its use
case (and with it PyGithub, Jinja2, DeepDiff, ruamel.yaml) when its route matches, so an
event the bot ignores never loads them; ``tests/test_startup_imports.py`` holds that.
"""

# The handlers' imports inside functions are the point (see above), hence:
# ruff: noqa: PLC0415

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from telefonistka.core.dispatch_events import (
    WorkflowDispatchEvent,
    workflow_dispatch_event_from_json,
)
from telefonistka.core.events import PushEvent, push_event_from_json
from telefonistka.core.github_api import RequestCounter
from telefonistka.core.pr_events import (
    IssueCommentEvent,
    PullRequest,
    PullRequestEvent,
    issue_comment_event_from_json,
    parse_json,
    pull_request_event_from_json,
)
from telefonistka.core.pr_requests import SHOW_PLAN_LABEL, asks_for_plan, has_command
from telefonistka.errors import UsageError

if TYPE_CHECKING:
    from github import Auth

    from telefonistka.action import Identity, Settings, Workflow
    from telefonistka.adapters.github import GitHubRepo
    from telefonistka.core.rendering import Renderer
    from telefonistka.pr_commands import Toggle

Event = PushEvent | PullRequestEvent | IssueCommentEvent | WorkflowDispatchEvent
E = TypeVar("E", PushEvent, PullRequestEvent, IssueCommentEvent, WorkflowDispatchEvent)
R = TypeVar("R")

# How each event name's payload is parsed; only names with a route are ever parsed.
PARSERS: Mapping[str, Callable[[object], Event]] = {
    "push": push_event_from_json,
    "pull_request": pull_request_event_from_json,
    "issue_comment": issue_comment_event_from_json,
    "workflow_dispatch": workflow_dispatch_event_from_json,
}


@dataclass(frozen=True)
class Report:
    """What a handler did, for the edge: step outputs, job summary, failures to annotate."""

    outputs: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""
    failures: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    failure_title: str = "telefonistka: promotion failed"


@dataclass
class Context:
    """What handlers get besides the event: settings, the log, GitHub identities.

    The GitHub clients are built here, from the settings, only when a handler asks, so
    a missing token is an error only for events that need one. Every client shares one
    request counter, so a run's request total covers both identities.
    """

    settings: Settings
    workflow: Workflow
    counter: RequestCounter = field(default_factory=RequestCounter)
    event_body: bytes = b""  # the delivery's exact bytes: fan-out forwards and signs them

    def log(self, message: str) -> None:
        self.workflow.log(message)

    def debug(self, message: str) -> None:
        """A detail for ``log-level: debug`` (or the runner's step debug logging)."""
        self.workflow.debug(message)

    def repo(
        self, full_name: str, default_branch: str | None = None, api_url: str | None = None
    ) -> GitHubRepo:
        """The repository as the bot's identity sees it (``api_url``: another GitHub host)."""
        identity = self.settings.identity
        if not identity.configured:
            raise UsageError(
                "no GitHub credentials: set the `github-token` input (for example "
                "`${{ secrets.GITHUB_TOKEN }}`), or `app-id` and `app-private-key`"
            )
        return self._connect(identity, full_name, default_branch, api_url)

    def approver(self, repo: GitHubRepo) -> GitHubRepo | None:
        """The same repository seen by the approver identity; None when none is set."""
        identity = self.settings.approver
        if not identity.configured:
            return None
        return repo.with_identity(self._auth(identity, repo.full_name, repo.base_url))

    def run_grouped(self, title: str, run: Callable[[], R]) -> R:
        """Run a use case inside a log group, then log the run's GitHub request total.

        Every handler that calls GitHub ends this way, so a user can read the API cost
        of each event from the step log.
        """
        with self.workflow.group(title):
            result = run()
        self.log(f"GitHub API requests: {self.counter.total}")
        return result

    def renderer(self) -> Renderer:
        """Templates from the packaged set, overridden by ``templates-path`` when given."""
        from telefonistka.core.rendering import Renderer

        return Renderer(override_dir=self.settings.templates_path)

    def _connect(
        self,
        identity: Identity,
        full_name: str,
        default_branch: str | None,
        api_url: str | None = None,
    ) -> GitHubRepo:
        from telefonistka.adapters.github import GitHubRepo

        base_url = api_url or self.settings.api_url
        auth = self._auth(identity, full_name, base_url)
        repo = GitHubRepo(
            auth,
            full_name,
            base_url,
            counter=self.counter,
            default_branch=default_branch,
        )
        repo.status_url = self._status_url(repo)
        return repo

    def _status_url(self, repo: GitHubRepo) -> Callable[[str], str] | None:
        """The `status-target-url` template bound to ``repo``; None when the input is unset.

        The commit is read (one request, cached) only when the template uses its time.
        """
        template = self.settings.input("status-target-url")
        if not template:
            return None
        from telefonistka.core.rendering import status_target_url

        def url(sha: str) -> str:
            when = repo.commit_state(sha).date if "commit_time" in template else ""
            return status_target_url(
                template,
                commit_sha=sha,
                commit_time=when,
                repository=repo.full_name,
                server_url=self.settings.server_url,
            )

        return url

    def _auth(
        self, identity: Identity, full_name: str, api_url: str | None = None
    ) -> str | Auth.Auth:
        """A token as is; an App becomes its installation on ``full_name`` (one request)."""
        if not identity.app_id:
            return identity.token
        if not identity.app_private_key:
            raise UsageError(f"GitHub App {identity.app_id} is set without its private key")
        from telefonistka.adapters.github.auth import app_installation_auth

        return app_installation_auth(
            identity.app_id,
            identity.app_private_key,
            full_name,
            api_url or self.settings.api_url,
            counter=self.counter,
        )


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


def promote_merged_pr(event: PullRequestEvent, context: Context) -> Report:
    """``pull_request`` closed and merged: open the promotion PRs (SPEC 6)."""
    from telefonistka.promote_pr import MergedPrPromotion

    repo = context.repo(event.repository, event.default_branch)
    promotion = MergedPrPromotion(
        repo,
        event,
        context.renderer(),
        approver=context.approver(repo),
        dry_run=context.settings.dry_run,
        log=context.log,
    )
    result = context.run_grouped(f"Promotion of PR #{event.pull_request.number}", promotion.run)
    return Report(result.outputs(), result.summary(), result.failures)


DRIFT_ACTIONS = frozenset({"opened", "reopened", "synchronize"})


def check_pr_drift(event: PullRequestEvent, context: Context) -> Report:
    """``pull_request`` opened / reopened / synchronize: the drift check (SPEC 7)."""
    repo = context.repo(event.repository, event.default_branch)
    pull = event.pull_request
    return run_drift_check(repo, pull, event.default_branch, context)


def run_drift_check(
    repo: GitHubRepo, pull: PullRequest, default_branch: str, context: Context
) -> Report:
    """The drift check of one open PR; shared by PR events and ``/retrigger``."""
    from telefonistka.drift_pr import PrDriftCheck

    check = PrDriftCheck(
        repo, pull, default_branch, context.renderer(), context.settings.server_url, context.log
    )
    result = context.run_grouped(f"Drift check of PR #{pull.number}", check.run)
    return Report(result.outputs(), result.summary())


def show_plan(event: PullRequestEvent, context: Context) -> Report:
    """``pull_request`` labeled ``show-plan``: comment the plan of the PR head (SPEC 7)."""
    from telefonistka.show_plan import ShowPlan

    repo = context.repo(event.repository, event.default_branch)
    pull = event.pull_request
    shower = ShowPlan(repo, pull, event.default_branch, context.renderer(), context.log)
    result = context.run_grouped(f"Plan of PR #{pull.number}", shower.run)
    return Report(result.outputs(), result.summary())


def run_comment_commands(event: IssueCommentEvent, context: Context) -> Report:
    """``issue_comment`` created on a PR: ``/retrigger`` and status toggles (SPEC 7)."""
    from telefonistka.pr_commands import PrCommands

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
    pull = repo.get_pr(event.issue_number)
    report = (
        run_drift_check(repo, pull, event.default_branch, context)
        if commands.retrigger
        else Report()
    )
    toggles = [commands.flip(pull.head_sha, status) for status in contexts]
    return Report(report.outputs, report.summary + _toggle_summary(toggles, event))


def _toggle_summary(toggles: list[Toggle], event: IssueCommentEvent) -> str:
    """Job summary lines for the flipped statuses."""
    if not toggles:
        return ""
    lines = [f"### Telefonistka: statuses toggled on #{event.issue_number}", ""]
    lines += [f"- `{t.context}`: {t.before or 'unset'} → {t.after}" for t in toggles]
    return "\n".join(lines) + "\n"


def fan_out_push(event: PushEvent, context: Context) -> Report:
    """``push`` to the default branch: forward it to the endpoints it routes to (SPEC 8)."""
    from telefonistka.fanout_push import FAILURE_TITLE, PushFanout, read_fanout_options

    options = read_fanout_options(context.settings.inputs)
    repo = context.repo(event.repository, event.default_branch)
    fanout = PushFanout(repo, event, context.event_body, options, log=context.log)
    result = context.run_grouped(f"Push fan-out of {event.after[:12]}", fanout.run)
    failures, warnings = result.problems()
    return Report(result.outputs(), result.summary(), failures, warnings, FAILURE_TITLE)


def bump_version(event: WorkflowDispatchEvent, context: Context) -> Report:
    """``workflow_dispatch``: the ``bump-*`` inputs open a version-bump PR (SPEC 9)."""
    from telefonistka.bump import bump
    from telefonistka.bump_dispatch import bump_outputs, bump_summary, read_bump_job

    job = read_bump_job(context.settings)
    context.log(f"dispatched run of {event.workflow or 'a workflow'} in {event.repository}")
    repo = context.repo(job.target_repo, api_url=job.api_url)
    title = f"Version bump of {job.request.target_file} in {repo.full_name}"
    outcome = context.run_grouped(title, lambda: bump(repo, job.request, log=context.log))
    if outcome.pull is not None:
        context.log(f"bump PR #{outcome.pull.number} ({outcome.status}): {outcome.pull.html_url}")
    return Report(bump_outputs(outcome), bump_summary(job, outcome))


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
        "version bump",
        WorkflowDispatchEvent,
        lambda _event: True,
        bump_version,
        needs="nothing: every dispatch",
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
    return f"ref {event.ref}"
