"""Event routing: parsing recorded payloads, the first matching route, ignored events."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import responses

from telefonistka.action.context import Context, Report
from telefonistka.action.routes import ROUTES, Event, dispatch, route
from telefonistka.action.settings import Identity, LogLevel, Settings
from telefonistka.action.workflow import Workflow
from telefonistka.core.events.pull_request import (
    IssueCommentEvent,
    PullRequestEvent,
    issue_comment_event_from_json,
)
from telefonistka.errors import EventError, UsageError

WEBHOOKS = Path(__file__).parent / "fixtures" / "webhooks"


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((WEBHOOKS / f"{name}.json").read_text())
    return data


def context(
    stream: io.StringIO | None = None,
    identity: Identity | None = None,
    approver: Identity | None = None,
) -> Context:
    settings = Settings(
        "pull_request", Path("event.json"), identity or Identity(), approver or Identity()
    )
    return Context(settings, Workflow(settings, stream or io.StringIO()))


def test_dispatch_runs_the_first_matching_route_only() -> None:
    calls: list[str] = []

    def handler(tag: str) -> Any:
        def run(_event: PullRequestEvent, _ctx: Context) -> Report:
            calls.append(tag)
            return Report(outputs={"by": tag})

        return run

    routes = (
        route("pull_request", "never", PullRequestEvent, lambda _: False, handler("never")),
        route("pull_request", "first", PullRequestEvent, lambda _: True, handler("first")),
        route("pull_request", "second", PullRequestEvent, lambda _: True, handler("second")),
    )
    body = json.dumps(payload("pull_request.opened"))

    report = dispatch("pull_request", body, context(), routes)

    assert report is not None
    assert (calls, report.outputs) == (["first"], {"by": "first"})


def test_an_event_without_routes_is_not_even_parsed() -> None:
    stream = io.StringIO()

    assert dispatch("release", b"not json", context(stream)) is None
    assert "`release` events are not handled" in stream.getvalue()


def test_an_event_no_route_accepts_is_logged_and_ignored() -> None:
    stream = io.StringIO()

    data = payload("pull_request.closed")
    data["action"] = "edited"

    report = dispatch("pull_request", json.dumps(data), context(stream))

    assert report is None
    assert "(action edited, PR #2) needs no action" in stream.getvalue()


def test_a_handled_event_that_is_not_json_is_an_event_error() -> None:
    with pytest.raises(EventError, match="the pull_request event is not valid JSON"):
        dispatch("pull_request", b"{", context())


def test_a_typed_route_refuses_another_event_class() -> None:
    merge_route = ROUTES[0]
    comment = issue_comment_event_from_json(payload("issue_comment.created"))
    wrong: Event = comment

    assert not merge_route.matches(wrong)
    with pytest.raises(TypeError, match="IssueCommentEvent"):
        merge_route.handler(wrong, context())
    assert isinstance(comment, IssueCommentEvent)


def test_the_registry_in_registration_order() -> None:
    assert [(r.event, r.name) for r in ROUTES] == [
        ("pull_request", "promotion on merge"),
        ("pull_request", "drift check"),
        ("pull_request", "show plan"),
        ("pull_request", "Argo CD apps back to the default branch"),
        ("issue_comment", "Argo CD sync from the PR branch"),
        ("issue_comment", "comment commands"),
        ("push", "push fan-out"),
        (
            "workflow_dispatch",
            "version bump, promotion again (promote-pr), gates or fleet report (report)",
        ),
        ("schedule", "pending gates and fleet report"),
        ("issues", "dashboard: promotions asked for"),
    ]


def test_a_handler_needing_github_without_credentials_says_what_to_set() -> None:
    with pytest.raises(UsageError, match="github-token"):
        context().repo("acme/infra")


def test_an_app_without_its_private_key_is_refused() -> None:
    ctx = context(identity=Identity(app_id="7"))

    with pytest.raises(UsageError, match="GitHub App 7 is set without its private key"):
        ctx.repo("acme/infra")


def test_an_app_identity_acts_as_its_installation_and_the_approver_as_its_token(
    private_key: str,
) -> None:
    api = "https://api.github.com:443/repos/acme/infra"
    ctx = context(
        identity=Identity(app_id="7", app_private_key=private_key),
        approver=Identity(token="approver-pat"),
    )
    with responses.RequestsMock() as rsps:
        rsps.get(f"{api}/installation", json={"id": 42})
        token = {"token": "ghs_installation", "expires_at": "2099-01-01T00:00:00Z"}
        rsps.post("https://api.github.com:443/app/installations/42/access_tokens", json=token)
        rsps.get(f"{api}/git/ref/heads/main", json={"object": {"sha": "a" * 40}})
        rsps.post(f"{api}/pulls/3/reviews", json={"id": 1})

        repo = ctx.repo("acme/infra", "main")
        approver = ctx.approver(repo)
        assert repo.branch_head("main") == "a" * 40
        assert approver is not None
        approver.approve(3, "b" * 40)
        authorizations = [call.request.headers["Authorization"] for call in rsps.calls]

    assert authorizations[0].startswith("Bearer ")  # the App's JWT finds the installation
    assert authorizations[2:] == ["token ghs_installation", "token approver-pat"]
    assert ctx.counter.by_kind == {"app": 1, "ref": 1, "review": 1}


def test_a_merge_into_another_branch_is_not_promoted() -> None:
    data = payload("pull_request.closed")
    data["pull_request"]["merged"] = True
    data["pull_request"]["base"]["ref"] = "release-1"
    stream = io.StringIO()

    report = dispatch("pull_request", json.dumps(data), context(stream))

    # only Argo CD apps that follow its branch go back (none: no Argo CD server here)
    assert report is not None
    assert report.outputs == {}
    logged = stream.getvalue()
    assert "pull_request → Argo CD apps back to the default branch" in logged
    assert "no Argo CD server is configured" in logged


def debug_context(stream: io.StringIO) -> Context:
    settings = Settings("pull_request", Path("event.json"), Identity(), log_level=LogLevel.DEBUG)
    return Context(settings, Workflow(settings, stream))


def test_the_debug_log_says_why_each_route_did_not_match() -> None:
    stream = io.StringIO()

    dispatch("pull_request", json.dumps(payload("pull_request.labeled")), debug_context(stream))

    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("the `pull_request` event: action labeled, label ")
    assert lines[1:4] == [
        "route 'promotion on merge' does not match: "
        "it needs action closed, merged into the default branch",
        "route 'drift check' does not match: it needs action opened, reopened or synchronize",
        "route 'show plan' does not match: it needs action labeled, with the label show-plan",
    ]
    assert lines[4] == (
        "route 'Argo CD apps back to the default branch' does not match: "
        "it needs action closed (not a merge into the default branch)"
    )
    assert "needs no action" in lines[5]


def test_the_debug_log_of_an_unhandled_event_names_the_handled_ones() -> None:
    stream = io.StringIO()

    dispatch("release", b"{}", debug_context(stream))

    assert stream.getvalue().splitlines()[0] == (
        "routes exist for these events only: pull_request, issue_comment, push, "
        "workflow_dispatch, schedule, issues"
    )


def test_every_route_says_what_it_needs() -> None:
    assert all(candidate.needs for candidate in ROUTES)


def test_a_comment_without_a_command_is_not_taken() -> None:
    stream = io.StringIO()

    report = dispatch(
        "issue_comment", json.dumps(payload("issue_comment.created")), debug_context(stream)
    )

    assert report is None
    assert "route 'comment commands' does not match: it needs action created" in stream.getvalue()
