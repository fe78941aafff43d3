"""The ``pull_request`` and ``issue_comment`` webhook payloads, parsed once at the edge.

Like ``telefonistka.core.events.push`` does for ``push``: every field a handler reads is
checked here and a missing or mistyped one raises ``EventError`` naming it
(``pull_request.head.sha``), so handlers only see frozen dataclasses. Fields we do not
read are ignored, so payloads from newer GitHub versions keep working.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from telefonistka.core.github.repo_paths import full_name_problem
from telefonistka.errors import EventError

_Json = Mapping[str, object]


@dataclass(frozen=True)
class PullRequest:
    """The parts of a pull request the bot acts on, from an event or the REST API.

    ``changed_files`` is GitHub's count (None when the payload leaves it out); over
    3,000 it tells the GitHub adapter to compare trees instead of listing files.
    """

    number: int
    title: str
    body: str
    author: str
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    merged: bool = False
    merge_commit_sha: str | None = None
    changed_files: int | None = None
    labels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()  # logins
    html_url: str = ""
    head_repo: str = ""  # OWNER/NAME the head branch lives in ("" when unknown or deleted)
    created_at: str = ""  # ISO 8601, as GitHub gives it ("" when unknown)
    node_id: str = ""  # the GraphQL id (enabling native auto-merge needs it)

    def from_fork_of(self, repository: str) -> bool:
        """Whether the PR's branch lives in another repository than ``repository`` (a
        fork). Unknown (a deleted fork's ``repo: null``) counts as a fork: the branch is
        then not this repository's either."""
        return self.head_repo.lower() != repository.lower()

    @property
    def status_sha(self) -> str:
        """The commit a status about this PR belongs on: the merge commit once merged."""
        return self.merge_commit_sha if self.merged and self.merge_commit_sha else self.head_sha


@dataclass(frozen=True)
class PullRequestEvent:
    """A ``pull_request`` delivery: the action, the repository and the pull request."""

    action: str
    repository: str
    default_branch: str
    pull_request: PullRequest
    sender: str = ""
    label: str | None = None

    @property
    def from_fork(self) -> bool:
        """The PR's branch lives in another repository (a fork).

        Why it matters: GitHub runs ``pull_request`` workflows of fork PRs with a read-only
        ``GITHUB_TOKEN`` and no secrets, so the bot can read but not comment or set
        statuses there.
        """
        head = self.pull_request.head_repo
        return bool(head) and head.lower() != self.repository.lower()

    @property
    def is_merge(self) -> bool:
        """True for the ``closed`` delivery of a PR that was merged (not just closed)."""
        return self.action == "closed" and self.pull_request.merged

    @property
    def is_merge_into_default_branch(self) -> bool:
        """A merge the promotion acts on: into the default branch, whose state it reads."""
        return self.is_merge and self.pull_request.base_ref == self.default_branch


@dataclass(frozen=True)
class IssueCommentEvent:
    """An ``issue_comment`` delivery; ``on_pull_request`` is False for plain issues."""

    action: str
    repository: str
    default_branch: str
    issue_number: int
    on_pull_request: bool
    comment_id: int
    comment_body: str
    comment_author: str
    # GitHub's word for the commenter's relation to the repository (OWNER, MEMBER,
    # COLLABORATOR, CONTRIBUTOR, FIRST_TIMER, NONE, ...); "" when the payload has none.
    author_association: str = ""
    sender: str = ""  # who caused the event: for ``edited``, who edited the comment
    previous_body: str | None = None  # ``edited``: the body before the edit
    comment_updated_at: str = ""  # names one edit of the comment ("" when not given)


def checked_full_name(name: str, event: str) -> str:
    """``repository.full_name`` of an ``event`` delivery, which must be ``OWNER/NAME``: it
    goes into every API path. Shared by every event parser."""
    problem = full_name_problem(name)
    if problem is not None:
        raise EventError(f"{event} event field repository.full_name ({name!r}): {problem}")
    return name


def parse_json(body: bytes | str, event: str) -> object:
    """Decode a delivery body; ``EventError`` says which event was not JSON."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EventError(f"the {event} event is not valid JSON: {exc}") from exc
    except RecursionError:
        raise EventError(f"the {event} event nests its JSON too deeply to be a webhook") from None


def pull_request_event_from_json(data: object) -> PullRequestEvent:
    """Build a ``PullRequestEvent`` from a decoded ``pull_request`` payload."""
    fields = _Fields("pull_request")
    root = fields.root(data)
    repository = fields.obj(root, "repository")
    label = root.get("label")
    return PullRequestEvent(
        action=fields.string(root, "action"),
        repository=fields.full_name(repository),
        default_branch=fields.string(repository, "default_branch", "repository."),
        pull_request=_pull_request(fields, fields.obj(root, "pull_request")),
        sender=fields.login(root.get("sender"), "sender"),
        label=fields.string(fields.obj(root, "label"), "name", "label.") if label else None,
    )


def issue_comment_event_from_json(data: object) -> IssueCommentEvent:
    """Build an ``IssueCommentEvent`` from a decoded ``issue_comment`` payload."""
    fields = _Fields("issue_comment")
    root = fields.root(data)
    repository = fields.obj(root, "repository")
    issue = fields.obj(root, "issue")
    comment = fields.obj(root, "comment")
    return IssueCommentEvent(
        action=fields.string(root, "action"),
        repository=fields.full_name(repository),
        default_branch=fields.string(repository, "default_branch", "repository."),
        issue_number=fields.integer(issue, "number", "issue."),
        on_pull_request=issue.get("pull_request") is not None,
        comment_id=fields.integer(comment, "id", "comment."),
        comment_body=fields.text(comment, "body", "comment."),
        comment_author=fields.login(comment.get("user"), "comment.user"),
        author_association=fields.text(comment, "author_association", "comment.").upper(),
        sender=_login_or_empty(root.get("sender")),
        previous_body=_previous_body(root.get("changes")),
        comment_updated_at=_text_or_empty(comment.get("updated_at")),
    )


def _login_or_empty(user: object) -> str:
    login = user.get("login") if isinstance(user, dict) else None
    return login if isinstance(login, str) else ""


def _previous_body(changes: object) -> str | None:
    """``changes.body.from`` of an ``edited`` delivery, when GitHub sent it."""
    body = changes.get("body") if isinstance(changes, dict) else None
    previous = body.get("from") if isinstance(body, dict) else None
    return previous if isinstance(previous, str) else None


def _pull_request(fields: _Fields, pull: _Json) -> PullRequest:
    """The ``pull_request`` object of a delivery."""
    p = "pull_request."
    head = fields.obj(pull, "head", p)
    base = fields.obj(pull, "base", p)
    return PullRequest(
        number=fields.integer(pull, "number", p),
        title=fields.text(pull, "title", p),
        body=fields.text(pull, "body", p),
        author=fields.login(pull.get("user"), f"{p}user"),
        head_ref=fields.string(head, "ref", f"{p}head."),
        head_sha=fields.string(head, "sha", f"{p}head."),
        base_ref=fields.string(base, "ref", f"{p}base."),
        base_sha=fields.string(base, "sha", f"{p}base."),
        merged=fields.flag(pull, "merged", p),
        merge_commit_sha=fields.optional_string(pull, "merge_commit_sha", p),
        changed_files=fields.optional_integer(pull, "changed_files", p),
        labels=fields.label_names(pull, p),
        html_url=fields.text(pull, "html_url", p),
        head_repo=_head_repo(head),
        created_at=_text_or_empty(pull.get("created_at")),
    )


def _text_or_empty(value: object) -> str:
    return value if isinstance(value, str) else ""


def _head_repo(head: _Json) -> str:
    """``head.repo.full_name``; GitHub sends ``repo: null`` once a fork is deleted."""
    repo = head.get("repo")
    name = repo.get("full_name") if isinstance(repo, dict) else None
    return name if isinstance(name, str) else ""


class _Fields:
    """Typed reads of payload fields, each failure naming the event and the field."""

    def __init__(self, event: str) -> None:
        self.event = event

    def fail(self, where: str, problem: str) -> EventError:
        return EventError(f"{self.event} event field {where} {problem}")

    def full_name(self, repository: _Json) -> str:
        return checked_full_name(self.string(repository, "full_name", "repository."), self.event)

    def root(self, data: object) -> _Json:
        if not isinstance(data, dict):
            raise EventError(f"the {self.event} event must be a JSON object, got {_kind(data)}")
        return data

    def obj(self, data: _Json, key: str, prefix: str = "") -> _Json:
        value = data.get(key)
        if not isinstance(value, dict):
            raise self.fail(prefix + key, _problem(value, "a JSON object"))
        return value

    def string(self, data: _Json, key: str, prefix: str = "") -> str:
        """A required, non-empty string."""
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
        raise self.fail(prefix + key, "is empty" if value == "" else _problem(value, "a string"))

    def optional_string(self, data: _Json, key: str, prefix: str = "") -> str | None:
        value = data.get(key)
        return None if value is None or value == "" else self.string(data, key, prefix)

    def text(self, data: _Json, key: str, prefix: str = "") -> str:
        """An optional string that may be empty or null (titles, bodies, URLs)."""
        value = data.get(key)
        if value is None or isinstance(value, str):
            return value or ""
        raise self.fail(prefix + key, _problem(value, "a string"))

    def integer(self, data: _Json, key: str, prefix: str = "") -> int:
        value = data.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise self.fail(prefix + key, _problem(value, "an integer"))

    def optional_integer(self, data: _Json, key: str, prefix: str = "") -> int | None:
        return None if data.get(key) is None else self.integer(data, key, prefix)

    def flag(self, data: _Json, key: str, prefix: str = "") -> bool:
        value = data.get(key)
        if value is None or isinstance(value, bool):
            return bool(value)
        raise self.fail(prefix + key, _problem(value, "true or false"))

    def login(self, value: object, where: str) -> str:
        """``user.login`` of a user object; a deleted ("ghost") user may be null."""
        if value is None:
            return ""
        if not isinstance(value, dict):
            raise self.fail(where, _problem(value, "a JSON object"))
        return self.text(value, "login", f"{where}.")

    def label_names(self, data: _Json, prefix: str) -> tuple[str, ...]:
        value = data.get("labels")
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(f"{prefix}labels", _problem(value, "an array"))
        names = []
        for i, label in enumerate(value):
            if not isinstance(label, dict):
                raise self.fail(f"{prefix}labels[{i}]", _problem(label, "a JSON object"))
            names.append(self.string(label, "name", f"{prefix}labels[{i}]."))
        return tuple(names)


def _problem(value: object, expected: str) -> str:
    """``is missing`` or ``must be <expected>, got <kind>``."""
    return "is missing" if value is None else f"must be {expected}, got {_kind(value)}"


def _kind(value: object) -> str:
    """The JSON name of a decoded value's type, for error messages."""
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")
