"""The ``pull_request`` and ``issue_comment`` payloads, parsed from recorded examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from telefonistka.core.events.pull_request import (
    issue_comment_event_from_json,
    parse_json,
    pull_request_event_from_json,
)
from telefonistka.errors import EventError

WEBHOOKS = Path(__file__).parent / "fixtures" / "webhooks"


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((WEBHOOKS / f"{name}.json").read_text())
    return data


@pytest.mark.parametrize("action", ["opened", "synchronize", "labeled", "closed"])
def test_recorded_pull_request_payloads_parse(action: str) -> None:
    data = payload(f"pull_request.{action}")

    event = pull_request_event_from_json(data)

    assert event.action == action
    assert event.repository == data["repository"]["full_name"]
    assert event.pull_request.number == data["pull_request"]["number"]
    assert event.pull_request.head_sha == data["pull_request"]["head"]["sha"]
    assert event.label == (data["label"]["name"] if action == "labeled" else None)
    assert not event.is_merge  # the recorded "closed" example was closed unmerged


def test_a_merged_close_puts_statuses_on_the_merge_commit() -> None:
    data = payload("pull_request.closed")
    data["pull_request"]["merged"] = True

    event = pull_request_event_from_json(data)

    assert event.is_merge
    assert event.pull_request.status_sha == data["pull_request"]["merge_commit_sha"]


def test_the_recorded_issue_comment_parses() -> None:
    data = payload("issue_comment.created")

    event = issue_comment_event_from_json(data)

    assert (event.action, event.issue_number) == ("created", data["issue"]["number"])
    assert event.comment_author == data["comment"]["user"]["login"]
    assert event.on_pull_request is False


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.pop("repository"), "repository is missing"),
        (lambda d: d["pull_request"]["head"].pop("sha"), r"pull_request\.head\.sha is missing"),
        (lambda d: d["pull_request"].update(number="2"), "number must be an integer, got a string"),
        (lambda d: d["pull_request"].update(merged="yes"), "merged must be true or false"),
        (lambda d: d["pull_request"].update(labels=[{}]), r"labels\[0\]\.name is missing"),
    ],
)
def test_a_bad_pull_request_payload_names_the_field(edit: Any, message: str) -> None:
    data = payload("pull_request.closed")
    edit(data)

    with pytest.raises(EventError, match=message):
        pull_request_event_from_json(data)


def test_an_issue_comment_on_a_pull_request_says_so() -> None:
    data = payload("issue_comment.created")
    data["issue"]["pull_request"] = {"url": "https://api.github.com/repos/o/r/pulls/1"}

    assert issue_comment_event_from_json(data).on_pull_request


@pytest.mark.parametrize("body", [b"{", b"\xff"])
def test_a_body_that_is_not_json_names_the_event(body: bytes) -> None:
    with pytest.raises(EventError, match="the issue_comment event is not valid JSON"):
        parse_json(body, "issue_comment")


def test_a_payload_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(EventError, match="must be a JSON object, got an array"):
        pull_request_event_from_json([])


@pytest.mark.parametrize("name", ["a/../b", "a", "a/b/c", "a/b?x=1", "../b"])
def test_a_repository_full_name_that_is_not_owner_slash_name_is_an_event_error(
    name: str,
) -> None:
    data = json.loads((WEBHOOKS / "pull_request.closed.json").read_text())
    data["repository"]["full_name"] = name

    with pytest.raises(EventError, match=r"repository\.full_name .* is not OWNER/NAME"):
        pull_request_event_from_json(data)


def test_deeply_nested_json_is_an_event_error_not_a_crash() -> None:
    body = "[" * 100_000 + "]" * 100_000

    with pytest.raises(EventError, match="nests its JSON too deeply"):
        parse_json(body, "pull_request")


def test_every_event_parser_checks_the_repository_name() -> None:
    from telefonistka.core.events.dispatch import (  # noqa: PLC0415
        workflow_dispatch_event_from_json,
    )
    from telefonistka.core.events.push import push_event_from_json  # noqa: PLC0415

    push = {"ref": "refs/heads/main", "before": "a", "after": "b", "commits": []}
    push["repository"] = {"full_name": "a/../b", "default_branch": "main"}
    dispatch = {"ref": "refs/heads/main", "repository": {"full_name": "a/b?x"}}

    with pytest.raises(EventError, match=r"^push event field repository\.full_name"):
        push_event_from_json(push)
    with pytest.raises(EventError, match=r"^workflow_dispatch event field repository\.full_name"):
        workflow_dispatch_event_from_json(dispatch)
