"""Commit statuses: the ``telefonistka`` status of each run, and the ones users toggle."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telefonistka.adapters.github.session import PER_PAGE, RepoSession
from telefonistka.ports import CommitStatusState, StatusRecord

MAX_STATUS_DESCRIPTION = 140


class CommitStatuses(RepoSession):
    """``/statuses/{sha}`` and ``/commits/{sha}/statuses``."""

    # Fills ``target_url`` of the ``telefonistka`` status (the `status-target-url` input).
    status_url: Callable[[str], str] | None = None

    def status_state(self, sha: str, context: str) -> str | None:
        """The newest state of status ``context`` on ``sha``; None when it was never set."""
        record = self.status_record(sha, context)
        return record.state if record is not None else None

    def status_record(self, sha: str, context: str) -> StatusRecord | None:
        """The newest status ``context`` on ``sha`` with its time; None when never set.

        One page of ``GET /commits/{sha}/statuses`` (newest first, 100 per page): a commit
        rarely carries more statuses than that, and the newest of a context comes first.
        """
        path = f"/commits/{sha}/statuses"
        what = f"read statuses of {sha[:12]}"
        records = self._call("status", what, "GET", path, {"per_page": PER_PAGE}) or []
        for record in records:
            if record.get("context") == context:
                when = record.get("updated_at") or record.get("created_at") or ""
                return StatusRecord(str(record.get("state")), str(when))
        return None

    def latest_statuses(self, sha: str) -> dict[str, tuple[str, str, str]]:
        """Context → (state, description, updated_at) of the newest status of each context
        on ``sha`` (one page: the newest 100, newest first)."""
        path = f"/commits/{sha}/statuses"
        what = f"read statuses of {sha[:12]}"
        records = self._call("status", what, "GET", path, {"per_page": PER_PAGE}) or []
        found: dict[str, tuple[str, str, str]] = {}
        for record in records:
            context = str(record.get("context") or "")
            if context and context not in found:
                when = str(record.get("updated_at") or record.get("created_at") or "")
                found[context] = (
                    str(record.get("state")),
                    str(record.get("description") or ""),
                    when,
                )
        return found

    def check_runs(self, sha: str) -> dict[str, str]:
        """Name → conclusion (``success``, ``failure``, ``neutral``, ``skipped``, …) or, for
        a run not completed, its status (``queued``, ``in_progress``) of the newest check
        run of each name on ``sha`` (one page, the newest 100)."""
        path = f"/commits/{sha}/check-runs"
        what = f"read the check runs of {sha[:12]}"
        data = self._call("status", what, "GET", path, {"per_page": PER_PAGE}) or {}
        found: dict[str, str] = {}
        for run in data.get("check_runs") or []:
            name = str(run.get("name") or "")
            if name and name not in found:
                done = run.get("status") == "completed"
                found[name] = str(run.get("conclusion") if done else run.get("status"))
        return found

    def last_change(self, ref: str, path: str) -> tuple[str, str] | None:
        """(sha, committer date) of the newest commit of ``ref`` that changed ``path``
        (a folder: any file below it); None when none did."""
        params = {"sha": ref, "path": path.strip("/"), "per_page": "1"}
        records = self._call("commit", f"find the last change of {path}", "GET", "/commits", params)
        if not records:
            return None
        record = records[0]
        committer = (record.get("commit") or {}).get("committer") or {}
        return str(record["sha"]), str(committer.get("date") or "")

    def set_status(
        self,
        sha: str,
        state: CommitStatusState | str,
        context: str = "telefonistka",
        description: str = "",
        target_url: str | None = None,
    ) -> None:
        """Set commit status ``context`` on ``sha`` (descriptions are cut to GitHub's 140)."""
        body: dict[str, Any] = {
            "state": CommitStatusState(state).value,
            "context": context,
            "description": description[:MAX_STATUS_DESCRIPTION],
        }
        if target_url is None and self.status_url is not None and context == "telefonistka":
            target_url = self.status_url(sha)  # our own status only, not toggled ones
        if target_url:
            body["target_url"] = target_url
        self._call(
            "status", f"set status {context!r} on {sha[:12]}", "POST", f"/statuses/{sha}", body=body
        )
