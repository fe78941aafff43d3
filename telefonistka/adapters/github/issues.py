"""Plain issues: the promotion dashboard is one issue the bot keeps up to date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from telefonistka.adapters.github.session import RepoSession
from telefonistka.core.promotion.holds import LabelledPr
from telefonistka.errors import GitHubError
from telefonistka.ports import ClosedPr, IssueInfo

MAX_LISTED = 1_000  # issues with one label: the dashboard's label is on one issue
MAX_HISTORY = 10_000  # closed promotion PRs of a report window: 100 pages at most


class Issues(RepoSession):
    """``/issues``: list by label, create, read, edit the body."""

    def issues_labelled(self, label: str) -> list[IssueInfo]:
        """Open issues (not PRs: GitHub lists those here too) carrying ``label``."""
        query = {"state": "open", "labels": label}
        records = self._paginate(
            "issue", f"list open issues labelled {label!r}", "/issues", MAX_LISTED, query
        )
        return [_issue(r) for r in records if isinstance(r, dict) and "pull_request" not in r]

    def merged_prs_labelled(self, label: str) -> list[LabelledPr]:
        """Closed PRs carrying ``label`` (the merged rollbacks holding their targets), 100
        per page: what the issue list shows of them (author, body, merge time)."""
        query = {"state": "closed", "labels": label}
        what = f"list closed PRs labelled {label!r}"
        records = self._paginate("issue", what, "/issues", MAX_LISTED, query)
        return [
            LabelledPr(
                int(r["number"]),
                str((r.get("user") or {}).get("login") or ""),
                str(r.get("body") or ""),
                str((r.get("pull_request") or {}).get("merged_at") or ""),
            )
            for r in records
            if isinstance(r, dict) and "pull_request" in r
        ]

    def closed_prs_labelled(self, label: str, since: datetime) -> list[ClosedPr]:
        """Closed PRs carrying ``label`` updated since ``since`` (merged or not), 100 per
        page, newest first: what the delivery metrics read of promotions and rollbacks."""
        stamp = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        query = {"state": "closed", "labels": label, "since": stamp, "sort": "updated"}
        what = f"list closed PRs labelled {label!r} since {stamp}"
        records = self._paginate("issue", what, "/issues", MAX_HISTORY, query)
        found = []
        for r in records:
            if not isinstance(r, dict) or "pull_request" not in r:
                continue
            merged = (r.get("pull_request") or {}).get("merged_at")
            found.append(
                ClosedPr(
                    int(r["number"]),
                    str(r.get("title") or ""),
                    str(r.get("body") or ""),
                    str((r.get("user") or {}).get("login") or ""),
                    _instant(str(r.get("created_at"))),
                    _instant(str(merged)) if merged else None,
                )
            )
        return found

    def get_issue(self, number: int) -> IssueInfo:
        return _issue(self._call("issue", f"read issue #{number}", "GET", f"/issues/{number}"))

    def create_issue(self, title: str, body: str, labels: Sequence[str]) -> IssueInfo:
        """Open an issue. Not repeated after a lost answer (it would open two): the caller
        looks for it first (``GitHubError.answer_lost``)."""
        payload = {"title": title, "body": body, "labels": list(labels)}
        data = self._call(
            "issue", "open an issue", "POST", "/issues", body=payload, repeatable=False
        )
        return _issue(data)

    def close_issue(self, number: int) -> None:
        """Close issue ``number`` (closing a closed issue changes nothing)."""
        what = f"close issue #{number}"
        self._call("issue", what, "PATCH", f"/issues/{number}", body={"state": "closed"})

    def edit_issue_body(self, number: int, body: str) -> None:
        """Replace the body of issue ``number`` (the same edit twice changes nothing)."""
        what = f"edit issue #{number}"
        self._call("issue", what, "PATCH", f"/issues/{number}", body={"body": body})


def _issue(data: Any) -> IssueInfo:
    user = data.get("user") or {}
    return IssueInfo(
        number=int(data["number"]),
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
        author=str(user.get("login") or ""),
        html_url=str(data.get("html_url") or ""),
    )


def _instant(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise GitHubError(f"unexpected time {text!r} from GitHub") from exc
