"""What the emulator remembers besides git objects: PRs, comments, labels, statuses, events."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .git import BareRepo


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Label:
    id: int
    name: str
    color: str = "ededed"
    # GitHub's schema for labels inside pull requests says string, not null.
    description: str = ""


@dataclass
class PullRequest:
    number: int
    id: int
    title: str
    body: str | None
    head_ref: str
    base_ref: str
    user: str
    created_at: str
    draft: bool = False
    state: str = "open"
    merged: bool = False
    merged_at: str | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    closed_at: str | None = None
    updated_at: str = ""
    head_sha: str = ""  # frozen when the PR closes; live from the branch while open
    base_sha: str = ""
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    mergeable_override: bool | None = None
    unknown_reads_left: int = 0  # reads that still answer mergeable: null
    maintainer_can_modify: bool = False
    # The fork the head branch lives in (``mallory/infra``); "" when it is this repository.
    # GitHub keeps a fork PR's commits under ``refs/pull/N/head`` of the base repository;
    # the emulator reads them from the branch of the same name here.
    head_repo: str = ""
    auto_merge_method: str | None = None  # native auto-merge enabled (GraphQL), or None
    auto_merge_by: str | None = None  # who enabled it: the merge is theirs


@dataclass
class Issue:
    """A plain issue (not a PR); it shares the repository's numbers with the PRs."""

    number: int
    id: int
    title: str
    body: str | None
    user: str
    created_at: str
    updated_at: str
    state: str = "open"
    closed_at: str | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)


@dataclass
class IssueComment:
    id: int
    issue_number: int
    body: str
    user: str
    created_at: str
    updated_at: str
    minimized_reason: str | None = None


@dataclass
class Review:
    id: int
    pull_number: int
    user: str
    state: str
    body: str
    commit_id: str
    submitted_at: str


@dataclass
class Status:
    id: int
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    creator: str
    created_at: str


@dataclass(frozen=True)
class Protection:
    """A branch protection rule: required status checks and approving reviews."""

    contexts: tuple[str, ...] = ()
    approvals: int = 0


@dataclass
class CheckRun:
    """A check run on a commit (as a CI app would create it through the Checks API)."""

    id: int
    sha: str
    name: str
    status: str  # queued, in_progress, completed
    conclusion: str | None  # success, failure, neutral, skipped, … once completed
    started_at: str


@dataclass
class Repository:
    """One emulated repository: a bare git repository plus the GitHub-only state."""

    owner: str
    name: str
    id: int
    git: BareRepo
    created_at: str = field(default_factory=now_iso)
    pulls: dict[int, PullRequest] = field(default_factory=dict)
    issues: dict[int, Issue] = field(default_factory=dict)
    comments: dict[int, IssueComment] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)
    reviews: list[Review] = field(default_factory=list)
    statuses: list[Status] = field(default_factory=list)
    check_runs: list[CheckRun] = field(default_factory=list)
    protection: dict[str, Protection] = field(default_factory=dict)  # by branch name
    allow_auto_merge: bool = False  # the repository setting "Allow auto-merge"
    next_number: int = 1
    # Who may do what, as GitHub decides ``author_association`` and the permission
    # endpoint: the owner is admin; ``collaborators`` maps a login to its role
    # (admin, maintain, write, triage, read); ``members`` are the owning org's members.
    collaborators: dict[str, str] = field(default_factory=dict)
    members: set[str] = field(default_factory=set)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def association(self, login: str) -> str:
        """``author_association`` of ``login`` on this repository, as GitHub spells it."""
        if login == self.owner:
            return "OWNER"
        if login in self.members:
            return "MEMBER"
        if login in self.collaborators:
            return "COLLABORATOR"
        return "NONE"

    def permission(self, login: str) -> tuple[str, str]:
        """(``permission``, ``role_name``): maintain reads as write, triage as read."""
        role = "admin" if login == self.owner else self.collaborators.get(login, "none")
        legacy = {"maintain": "write", "triage": "read"}.get(role, role)
        return legacy, role

    @property
    def default_branch(self) -> str:
        return self.git.default_branch


@dataclass(frozen=True)
class Event:
    """A webhook delivery GitHub would send: ``X-GitHub-Event`` name and JSON payload."""

    name: str
    payload: dict[str, Any]
    delivery: str

    @property
    def action(self) -> str | None:
        action = self.payload.get("action")
        return action if isinstance(action, str) else None

    def write(self, path: Path) -> Path:
        """Write the payload where ``GITHUB_EVENT_PATH`` can point at it."""
        path.write_text(json.dumps(self.payload, indent=2), encoding="utf-8")
        return path


@dataclass(frozen=True)
class LogEntry:
    """One API request as the emulator answered it."""

    method: str
    path: str
    route: str | None  # the OpenAPI path template, None for unknown routes
    status: int
    time: float
    duration: float
    request_body: Any = None
    response_body: Any = None
    fault: bool = False

    def summary(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "route": self.route,
            "status": self.status,
            "time": self.time,
            "duration": self.duration,
            "fault": self.fault,
        }


@dataclass
class Counter:
    value: int = 0

    def next(self) -> int:
        self.value += 1
        return self.value


def epoch() -> float:
    return time.time()
