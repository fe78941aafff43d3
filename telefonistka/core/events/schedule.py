"""The deliveries of the fleet report and the dashboard: ``schedule`` and ``issues``.

``schedule`` payloads carry the cron line and, usually, the repository; when they do
not, the run's ``GITHUB_REPOSITORY`` names it (the caller falls back). ``issues`` is read
only for what a dashboard tick needs: the issue (number, title, body, author), who edited
it and the body before the edit (``changes.body.from``).
"""

from __future__ import annotations

from dataclasses import dataclass

from telefonistka.core.events.pull_request import checked_full_name
from telefonistka.errors import EventError
from telefonistka.ports import IssueInfo

DASHBOARD_MARKER = "<!-- telefonistka:dashboard -->"


@dataclass(frozen=True)
class ScheduleEvent:
    """A scheduled run: its cron line and repository ("" when the payload names none)."""

    schedule: str = ""
    repository: str = ""
    default_branch: str = ""


@dataclass(frozen=True)
class IssuesEvent:
    """An ``issues`` delivery: the action, the repository, the issue, who did it."""

    action: str
    repository: str
    default_branch: str
    issue: IssueInfo
    sender: str = ""
    previous_body: str | None = None  # changes.body.from of an ``edited`` delivery

    @property
    def edits_dashboard(self) -> bool:
        """A body edit of an issue that carries the dashboard marker (whose, the handler
        checks: the marker alone proves nothing)."""
        return (
            self.action == "edited"
            and self.previous_body is not None
            and DASHBOARD_MARKER in self.issue.body
        )


def schedule_event_from_json(data: object) -> ScheduleEvent:
    if not isinstance(data, dict):
        raise EventError("schedule event: the payload must be a JSON object")
    root = data
    repository = root.get("repository")
    name = repository.get("full_name") if isinstance(repository, dict) else None
    branch = repository.get("default_branch") if isinstance(repository, dict) else None
    return ScheduleEvent(
        schedule=str(root.get("schedule") or ""),
        repository=checked_full_name(name, "schedule") if isinstance(name, str) else "",
        default_branch=branch if isinstance(branch, str) else "",
    )


def issues_event_from_json(data: object) -> IssuesEvent:
    """Build the event; ``EventError`` names a missing or mistyped field."""
    if not isinstance(data, dict):
        raise EventError("issues event: the payload must be a JSON object")
    repository = _object(data, "repository")
    issue = _object(data, "issue")
    user = issue.get("user")
    sender = data.get("sender")
    changes = data.get("changes")
    body_change = changes.get("body") if isinstance(changes, dict) else None
    previous = body_change.get("from") if isinstance(body_change, dict) else None
    number = issue.get("number")
    if not isinstance(number, int) or isinstance(number, bool):
        raise EventError("issues event field issue.number must be an integer")
    return IssuesEvent(
        action=_text(data, "action"),
        repository=checked_full_name(_text(repository, "full_name", "repository."), "issues"),
        default_branch=str(repository.get("default_branch") or ""),
        issue=IssueInfo(
            number=number,
            title=str(issue.get("title") or ""),
            body=str(issue.get("body") or ""),
            author=str(user.get("login") or "") if isinstance(user, dict) else "",
            html_url=str(issue.get("html_url") or ""),
        ),
        sender=str(sender.get("login") or "") if isinstance(sender, dict) else "",
        previous_body=previous if isinstance(previous, str) else None,
    )


def _object(data: dict[str, object], key: str) -> dict[str, object]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise EventError(f"issues event field {key} must be a JSON object")
    return value


def _text(data: dict[str, object], key: str, prefix: str = "") -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise EventError(f"issues event field {prefix}{key} must be a non-empty string")
    return value
