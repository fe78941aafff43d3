"""Parsing push payloads: recorded GitHub examples, field errors, truncation hints."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fanout_helpers import FIXTURES, SHA_AFTER, SHA_BEFORE, push_payload, recorded_push

from telefonistka.core.events.push import (
    COMMIT_FILE_CAP,
    NULL_SHA,
    WEBHOOK_COMMIT_CAP,
    PushCommit,
    PushEvent,
    parse_push_event,
    push_event_from_json,
)
from telefonistka.errors import EventError


def test_recorded_branch_push_parses_every_field() -> None:
    event = parse_push_event((FIXTURES / "branch_created.json").read_bytes())

    assert event == PushEvent(
        ref="refs/heads/master",
        before=NULL_SHA,
        after="6113728f27ae82c7b1a177c8d03f9e96e0adf246",
        repository="Codertocat/Hello-World",
        default_branch="master",
        commits=(PushCommit("6113728f27ae82c7b1a177c8d03f9e96e0adf246", added=("README.md",)),),
        created=True,
    )
    assert event.branch == "master"
    assert event.to_default_branch
    assert event.payload_files == ("README.md",)
    assert not event.needs_compare  # nothing to compare a new branch with


@pytest.mark.parametrize("name", ["tag_created", "tag_deleted"])
def test_recorded_tag_pushes_are_not_default_branch_pushes(name: str) -> None:
    event = push_event_from_json(recorded_push(name))

    assert event.ref == "refs/tags/simple-tag"
    assert event.branch is None
    assert not event.to_default_branch
    assert event.commits == ()


def test_deleting_the_default_branch_is_not_an_update_of_it() -> None:
    event = push_event_from_json(push_payload([], deleted=True, after=NULL_SHA))

    assert event.branch == "master"
    assert not event.to_default_branch


def test_files_are_the_sorted_union_over_commits() -> None:
    payload = push_payload([["b.yaml", "a.yaml"], ["a.yaml"]])
    payload["commits"][1]["added"] = ["new.yaml"]
    payload["commits"][1]["removed"] = ["old.yaml"]

    event = push_event_from_json(payload)

    assert event.commits[1].files == ("new.yaml", "a.yaml", "old.yaml")
    assert event.payload_files == ("a.yaml", "b.yaml", "new.yaml", "old.yaml")


def test_absent_or_null_file_lists_read_as_empty() -> None:
    payload = push_payload([["a.yaml"]])
    del payload["commits"][0]["added"]
    payload["commits"][0]["removed"] = None

    assert push_event_from_json(payload).commits[0].files == ("a.yaml",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.pop("ref"), "push event field ref is missing"),
        (lambda p: p.update(before=12), "push event field before must be a string, got a number"),
        (lambda p: p.update(after=""), "push event field after is empty"),
        (
            lambda p: p.update(repository=[]),
            "push event field repository must be a JSON object, got an array",
        ),
        (lambda p: p.pop("repository"), "push event field repository is missing"),
        (
            lambda p: p["repository"].pop("default_branch"),
            "push event field repository.default_branch is missing",
        ),
        (
            lambda p: p["repository"].update(full_name=None),
            "push event field repository.full_name is missing",
        ),
        (
            lambda p: p.update(commits={}),
            "push event field commits must be an array, got an object",
        ),
        (
            lambda p: p["commits"].append("abc"),
            "push event field commits[1] must be a JSON object, got a string",
        ),
        (
            lambda p: p["commits"][0].update(added=["ok", 3]),
            "push event field commits[0].added[1] must be a string path",
        ),
        (lambda p: p.update(forced="yes"), "push event field forced must be true or false"),
        (lambda p: p.update(size=-1), "push event field size must be a non-negative integer"),
        (lambda p: p.update(size=True), "push event field size must be a non-negative integer"),
    ],
)
def test_a_bad_field_is_named(change: Any, message: str) -> None:
    payload = push_payload([["a.yaml"]])
    change(payload)

    with pytest.raises(EventError, match="^" + message.replace("[", r"\[").replace("]", r"\]")):
        parse_push_event(json.dumps(payload))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "the push event is not valid JSON"),
        (b"\xff\xfe", "the push event is not valid JSON"),
        (b"[]", "the push event must be a JSON object, got an array"),
    ],
)
def test_a_body_that_is_no_json_object_is_rejected(body: bytes, message: str) -> None:
    with pytest.raises(EventError, match=message):
        parse_push_event(body)


def test_missing_flags_default_to_false() -> None:
    payload = push_payload([["a.yaml"]], forced=None)
    del payload["created"]

    event = push_event_from_json(payload)

    assert (event.forced, event.created, event.deleted) == (False, False, False)


def test_a_full_commit_list_may_be_truncated() -> None:
    event = push_event_from_json(push_payload([["a.yaml"]] * WEBHOOK_COMMIT_CAP))

    assert event.commits_may_be_truncated
    assert event.needs_compare


def test_a_size_above_the_listed_commits_means_truncated() -> None:
    event = push_event_from_json(push_payload([["a.yaml"]] * 20, size=25, distinct_size=25))

    assert (event.size, event.distinct_size) == (25, 25)
    assert event.commits_may_be_truncated


def test_a_commit_at_the_file_cap_may_be_truncated() -> None:
    files = [f"f{i}.yaml" for i in range(COMMIT_FILE_CAP)]

    assert push_event_from_json(push_payload([files])).commits_may_be_truncated
    assert not push_event_from_json(push_payload([files[:-1]])).commits_may_be_truncated


def test_a_forced_push_needs_a_compare_when_both_commits_exist() -> None:
    assert push_event_from_json(push_payload([["a.yaml"]], forced=True)).needs_compare
    created = push_payload([["a.yaml"]], forced=True, before=NULL_SHA)
    assert not push_event_from_json(created).needs_compare


def test_an_ordinary_push_needs_no_compare() -> None:
    event = push_event_from_json(push_payload([["a.yaml"]] * 20))

    assert (event.before, event.after) == (SHA_BEFORE, SHA_AFTER)
    assert not event.commits_may_be_truncated
    assert not event.needs_compare
