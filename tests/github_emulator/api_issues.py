"""Plain issues (not PRs): list, create, read and edit, as the dashboard issue uses them.

As on GitHub, issues and PRs share one sequence of numbers, ``GET /issues`` lists PRs
too (each with a ``pull_request`` key), and an issue body edit sends an ``issues``
``edited`` delivery with ``changes.body.from``. Creating or editing an issue needs the
issues write permission the emulator grants every token; a body over 65,536 characters
is refused as GitHub refuses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import webhooks
from .paging import paginate
from .server import ApiError, Request, Response, Router, validation_failed
from .state import Issue, Label, Repository, now_iso

if TYPE_CHECKING:
    from .emulator import GitHubEmulator

REPO = "/repos/{owner}/{repo}"
ISSUE = f"{REPO}/issues/{{issue_number}}"
MAX_TEXT = 65_536


class IssuesApi:
    def __init__(self, emu: GitHubEmulator) -> None:
        self.emu = emu

    def register(self, router: Router) -> None:
        router.add("GET", f"{REPO}/issues", self.list_issues)
        router.add("POST", f"{REPO}/issues", self.create_issue)
        router.add("GET", ISSUE, self.get_issue)

    def _repo(self, request: Request) -> Repository:
        return self.emu.find_repo(request.params["owner"], request.params["repo"])

    def list_issues(self, request: Request) -> Response:
        """Open (or ``state``) issues and PRs, newest first; ``labels`` (all must match),
        ``creator`` and ``since`` (updated at or after) filter."""
        repo = self._repo(request)
        state = request.arg("state", "open")
        if state not in ("open", "closed", "all"):
            raise validation_failed("Issue", "state")
        labels = [n for n in (request.arg("labels") or "").split(",") if n]
        creator = request.arg("creator")
        since = request.arg("since") or ""  # ISO 8601: updated at or after it
        items: list[Any] = [*repo.issues.values(), *repo.pulls.values()]
        found = [
            item
            for item in sorted(items, key=lambda i: -i.number)
            if state in {"all", item.state}
            and all(label in item.labels for label in labels)
            and (creator is None or item.user == creator)
            and (not since or (item.updated_at or item.created_at) >= since)
        ]
        page, headers = paginate(self.emu.root_url, request, found)
        return Response(200, [self.emu.shapes.issue(repo, item) for item in page], headers)

    def create_issue(self, request: Request) -> Response:
        repo = self._repo(request)
        body = request.json_object()
        title = body.get("title")
        if not isinstance(title, str) or not title:
            raise validation_failed("Issue", "title", "missing_field")
        text = body.get("body")
        check_length("title", title)
        check_length("body", text)
        stamp = now_iso()
        number, login = repo.next_number, request.login
        issue = Issue(number, self.emu.ids.next(), title, text, login, stamp, stamp)
        repo.next_number += 1
        for given in body.get("labels") or []:
            name = str(given.get("name") if isinstance(given, dict) else given)
            if name not in repo.labels:
                repo.labels[name] = Label(self.emu.ids.next(), name)
            issue.labels.append(name)
        repo.issues[issue.number] = issue
        return Response(201, self.emu.shapes.plain_issue(repo, issue))

    def get_issue(self, request: Request) -> Response:
        repo = self._repo(request)
        number = request.params["issue_number"]
        key = int(number) if number.isdigit() else -1
        if key in repo.issues:
            return Response(200, self.emu.shapes.plain_issue(repo, repo.issues[key]))
        if key in repo.pulls:
            return Response(200, self.emu.shapes.issue(repo, repo.pulls[key]))
        raise ApiError(404, "Not Found")

    def update(self, repo: Repository, issue: Issue, request: Request) -> Response:
        """``PATCH /issues/{n}`` of a plain issue: title, body, state and labels."""
        body = request.json_object()
        previous = issue.body
        for key in ("title", "body"):
            if isinstance(body.get(key), str):
                check_length(key, body[key])
                setattr(issue, key, body[key])
        if body.get("state") in ("open", "closed"):
            issue.state = body["state"]
            issue.closed_at = now_iso() if issue.state == "closed" else None
        if isinstance(body.get("labels"), list):
            issue.labels = [str(n) for n in body["labels"]]
            for name in issue.labels:
                repo.labels.setdefault(name, Label(self.emu.ids.next(), name))
        issue.updated_at = now_iso()
        if isinstance(body.get("body"), str) and body["body"] != previous:
            payload = webhooks.issues_edited(
                self.emu.shapes, repo, issue, previous=previous or "", sender=request.login
            )
            self.emu.record("issues", payload)
        return Response(200, self.emu.shapes.plain_issue(repo, issue))


def check_length(field_name: str, value: object) -> None:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise validation_failed("Issue", field_name, "custom")
