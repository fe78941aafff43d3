"""Pull requests and their conversation: open, update, label, assign, approve, merge,
comment, and minimise outdated comments.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from telefonistka.adapters.github.queries import ENABLE_AUTO_MERGE, MINIMIZE_COMMENT
from telefonistka.adapters.github.session import RepoSession
from telefonistka.core.events.pull_request import PullRequest
from telefonistka.errors import GitHubError
from telefonistka.ports import Comment

_MERGE_AGAIN = "try the merge again"
_REFUSED_MERGE = frozenset({405, 409, 422})  # how GitHub refuses to merge a merged PR


def pull_request_from_json(data: Mapping[str, Any]) -> PullRequest:
    """A REST pull-request object as the core ``PullRequest`` (list responses omit
    ``changed_files`` and ``merged``: None/False then)."""
    try:
        return PullRequest(
            number=int(data["number"]),
            title=str(data.get("title") or ""),
            body=str(data.get("body") or ""),
            author=str((data.get("user") or {}).get("login") or ""),
            head_ref=str(data["head"]["ref"]),
            head_sha=str(data["head"]["sha"]),
            base_ref=str(data["base"]["ref"]),
            base_sha=str(data["base"]["sha"]),
            merged=bool(data.get("merged")),
            merge_commit_sha=data.get("merge_commit_sha"),
            changed_files=data.get("changed_files"),
            labels=tuple(str(label["name"]) for label in data.get("labels") or []),
            assignees=tuple(str(user["login"]) for user in data.get("assignees") or []),
            html_url=str(data.get("html_url") or ""),
            head_repo=str((data["head"].get("repo") or {}).get("full_name") or ""),
            created_at=str(data.get("created_at") or ""),
            node_id=str(data.get("node_id") or ""),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise GitHubError(f"unexpected pull request object from GitHub: {exc!r}") from exc


def event_marker(event: str) -> str:
    """The hidden line that names the event a bot comment was written for."""
    safe = "".join(c if c.isalnum() or c in " .:/_-#" else "_" for c in event)
    return f"<!-- telefonistka:event {safe} -->"


def comment_from_json(data: Mapping[str, Any]) -> Comment:
    """A REST issue-comment object as a ``Comment``."""
    author = str((data.get("user") or {}).get("login") or "")
    return Comment(int(data["id"]), str(data.get("node_id") or ""), author, str(data["body"] or ""))


class PullRequests(RepoSession):
    """``/pulls``, ``/issues/{n}/…`` (labels, assignees, comments), reviews, merges."""

    def user_permission(self, login: str) -> str:
        """``admin``, ``write``, ``read`` or ``none``: what ``login`` may do in this repository.

        One ``GET /collaborators/{login}/permission`` (GitHub reports ``maintain`` as
        ``write`` and ``triage`` as ``read``); a login GitHub does not know (404) has none.
        """
        path = f"/collaborators/{quote(login, safe='')}/permission"
        try:
            data = self._call("collaborator", f"read the permission of @{login}", "GET", path)
        except GitHubError as exc:
            if exc.status == 404:
                return "none"
            raise
        return str((data or {}).get("permission") or "none")

    def get_pr(self, number: int) -> PullRequest:
        data = self._call("pull", f"read PR #{number}", "GET", f"/pulls/{number}")
        return pull_request_from_json(data)

    def find_open_pr(self, head_branch: str) -> PullRequest | None:
        """The open PR from branch ``head_branch`` of this repository, if any."""
        params = {"head": f"{self.owner}:{head_branch}", "state": "open"}
        data = self._call(
            "pull", f"look for an open PR from {head_branch!r}", "GET", "/pulls", params
        )
        return pull_request_from_json(data[0]) if data else None

    def list_open_prs(self, base: str) -> list[PullRequest]:
        """Every open PR into ``base`` (``""``: into any branch), newest first (100 per page)."""
        query = {"state": "open", "base": base} if base else {"state": "open"}
        where = f" into {base!r}" if base else ""
        records = self._paginate("pull", f"list open PRs{where}", "/pulls", query=query)
        return [pull_request_from_json(record) for record in records]

    def list_merged_prs(self, base: str) -> list[PullRequest]:
        """The PRs merged into ``base`` most recently (one page of the closed PRs, by last
        update): what a run that took long may have been overtaken by."""
        query = {"state": "closed", "base": base, "sort": "updated", "direction": "desc"}
        what = f"list recently closed PRs into {base!r}"
        records = self._call("pull", what, "GET", "/pulls", {**query, "per_page": "30"}) or []
        return [
            replace(pull_request_from_json(record), merged=True)
            for record in records
            if record.get("merged_at")
        ]

    def close_pr(self, number: int) -> None:
        """Close PR ``number`` without merging (closing a closed PR changes nothing)."""
        body = {"state": "closed"}
        self._call("pull", f"close PR #{number}", "PATCH", f"/pulls/{number}", body=body)

    def create_pr(self, title: str, body: str, head: str, base: str) -> PullRequest:
        """Open a PR; when one is already open from ``head`` (a re-run), return that one."""
        payload = {"title": title, "body": body, "head": head, "base": base}
        try:
            data = self._call("pull", f"open a PR from {head!r}", "POST", "/pulls", body=payload)
        except GitHubError as exc:
            existing = self.find_open_pr(head) if _pr_exists(exc) else None
            if existing is None:
                raise
            return existing
        return pull_request_from_json(data)

    def update_pr(self, number: int, title: str, body: str) -> PullRequest:
        payload = {"title": title, "body": body}
        data = self._call("pull", f"update PR #{number}", "PATCH", f"/pulls/{number}", body=payload)
        return pull_request_from_json(data)

    def add_labels(self, number: int, labels: Sequence[str]) -> None:
        """Add ``labels`` (GitHub creates unknown ones); no request when there are none."""
        if labels:
            body = {"labels": list(labels)}
            self._call(
                "labels", f"label PR #{number}", "POST", f"/issues/{number}/labels", body=body
            )

    def add_assignees(self, number: int, logins: Sequence[str]) -> None:
        """Assign ``logins``; GitHub silently skips users who cannot be assigned."""
        if logins:
            body = {"assignees": list(logins)}
            path = f"/issues/{number}/assignees"
            self._call("assignees", f"assign PR #{number}", "POST", path, body=body)

    def set_labels_and_assignees(
        self, number: int, labels: Sequence[str], logins: Sequence[str]
    ) -> None:
        """Labels and assignees in one ``PATCH /issues/{n}`` (replacing both lists).

        For a PR this run just opened, where there is nothing to replace: one request
        instead of two.
        """
        body = {"labels": list(labels), "assignees": list(logins)}
        self._call(
            "labels", f"label and assign PR #{number}", "PATCH", f"/issues/{number}", body=body
        )

    def approve(self, number: int, commit: str) -> None:
        """Approve PR ``number`` at ``commit``, exactly once even when the answer is lost.

        Call it on ``with_identity(approver)``: nobody approves their own PR. Pinning the
        commit means the approval is for the content the bot wrote, never for a commit
        pushed after it was checked. After a 5xx or a dropped connection the review may
        exist already: it is looked up (``reviewed``) before being posted again.
        """
        body = {"event": "APPROVE", "commit_id": commit}
        path, what = f"/pulls/{number}/reviews", f"approve PR #{number}"
        try:
            self._call("review", what, "POST", path, body=body, repeatable=False)
            return
        except GitHubError as exc:
            if not exc.answer_lost:
                raise
        if not self.reviewed(number, commit):
            self._call("review", what, "POST", path, body=body)

    def reviewed(self, number: int, commit: str) -> bool:
        """Whether this identity already reviewed PR ``number`` at ``commit``.

        Any state counts, a dismissed approval too: a person who dismissed it meant it,
        and a re-run must not approve the same content again. Costs the identity's login
        (one GraphQL request, read once per session) and the PR's reviews (100 per page).
        """
        login = self.viewer_login()
        path = f"/pulls/{number}/reviews"
        records = self._paginate("review", f"list reviews of PR #{number}", path)
        return any(
            str((r.get("user") or {}).get("login") or "") == login
            and str(r.get("commit_id") or "") == commit
            for r in records
        )

    def merge_pr(self, number: int, method: str = "merge") -> str:
        """Merge the PR and return the merge commit id.

        GitHub answers 405 "Base branch was modified. Review and try the merge again."
        while a concurrent merge settles; that answer is retried with backoff, at most
        ``policy.merge_attempts`` times. Any other refusal is raised at once.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._merge_once(number, method)
            except GitHubError as exc:
                again = exc.status == 405 and _MERGE_AGAIN in exc.detail.lower()
                if not again and exc.status in _REFUSED_MERGE:
                    merged = self._merged_commit(number)  # a retry of a merge that happened
                    if merged is not None:
                        return merged
                if not again or attempt >= self._http.policy.merge_attempts:
                    raise
            self._http.sleep(self._http.policy.backoff_for(attempt))

    def enable_auto_merge(self, pull: PullRequest, method: str = "merge") -> None:
        """Turn on GitHub's native auto-merge for ``pull`` (GraphQL
        ``enablePullRequestAutoMerge``): GitHub merges it when the base branch's last
        requirement is met, so no rule is ever skipped. Enabling it again is harmless,
        which makes a retry after a lost answer safe.
        """
        node = pull.node_id or self.get_pr(pull.number).node_id
        variables = {"input": {"pullRequestId": node, "mergeMethod": method.upper()}}
        self._graphql(f"enable auto-merge on PR #{pull.number}", ENABLE_AUTO_MERGE, variables)

    def _merged_commit(self, number: int) -> str | None:
        """The merge commit when PR ``number`` is merged already, else None.

        A merge whose answer was lost (a 502 after GitHub merged) is retried, and the retry
        is refused as "not mergeable": the PR, read again, says whether that was success.
        """
        pull = self.get_pr(number)
        return (pull.merge_commit_sha or "") if pull.merged else None

    def _merge_once(self, number: int, method: str) -> str:
        body = {"merge_method": method}
        data = self._call(
            "merge", f"merge PR #{number}", "PUT", f"/pulls/{number}/merge", body=body
        )
        return str(data.get("sha") or "")

    def comment(self, number: int, body: str) -> Comment:
        """Post a comment, exactly once even when GitHub's answer is lost.

        After a 5xx or a dropped connection the comment may exist already: the comments
        are read (newest last) and one with the very same body is taken as ours; only
        when there is none is it posted again.
        """
        path = f"/issues/{number}/comments"
        what = f"comment on #{number}"
        try:
            data = self._call("comment", what, "POST", path, body={"body": body}, repeatable=False)
        except GitHubError as exc:
            if not exc.answer_lost:
                raise
            posted = self._posted(number, body)
            if posted is not None:
                return posted
            data = self._call("comment", what, "POST", path, body={"body": body})
        return comment_from_json(data)

    def comment_once(self, number: int, body: str, event: str) -> Comment:
        """The bot's one comment on ``number`` for ``event`` (``superseded``,
        ``auto-merge 12 13``…): a hidden marker naming the event ends it, and a comment
        carrying that marker is looked for before one is written.

        Looking first covers a re-run and a kill then a re-run; two runs at once may both
        look, find nothing and post. So after posting the comments are read again, and
        when an earlier comment of the same event is there, this run's own is deleted:
        both runs converge on the earliest, whatever the order they finish in.
        """
        marker = event_marker(event)
        text = body if body.endswith(marker) else f"{body}\n\n{marker}"
        earlier = self._marked(number, marker)
        if earlier:
            return earlier[0]
        mine = self.comment(number, text)
        first = self._marked(number, marker)
        if first and first[0].id != mine.id:
            with contextlib.suppress(GitHubError):  # a duplicate left is noise, not a failure
                self.delete_comment(mine.id)
            return first[0]
        return mine

    def _marked(self, number: int, marker: str) -> list[Comment]:
        """The comments on ``number`` carrying ``marker``, oldest first."""
        found = [c for c in self.list_comments(number) if marker in c.body]
        return sorted(found, key=lambda c: c.id)

    def delete_comment(self, comment_id: int) -> None:
        """Delete comment ``comment_id``; one already gone is fine (a lost answer)."""
        try:
            self._call(
                "comment",
                f"delete comment {comment_id}",
                "DELETE",
                f"/issues/comments/{comment_id}",
            )
        except GitHubError as exc:
            if exc.status != 404:
                raise

    def _posted(self, number: int, body: str) -> Comment | None:
        """The newest comment on ``number`` whose body is exactly ``body``, if any."""
        return next((c for c in reversed(self.list_comments(number)) if c.body == body), None)

    def list_comments(self, number: int) -> list[Comment]:
        """Every comment on issue or PR ``number``, 100 per page (or, once, as a GraphQL
        query that read them all a moment ago gave them: ``batch_reads.pr_read``)."""
        given = self._comments_once.pop(number, None)
        if given is not None:
            return given
        records = self._paginate(
            "comment", f"list comments of #{number}", f"/issues/{number}/comments"
        )
        return [comment_from_json(record) for record in records]

    def minimize_comment(self, node_id: str, classifier: str = "OUTDATED") -> None:
        """Hide comment ``node_id`` as ``classifier`` (GraphQL ``minimizeComment``)."""
        variables = {"input": {"subjectId": node_id, "classifier": classifier}}
        self._graphql(f"minimize comment {node_id}", MINIMIZE_COMMENT, variables)


def _pr_exists(exc: GitHubError) -> bool:
    """GitHub's 422 for a second PR from the same head."""
    return exc.status == 422 and "already exists" in exc.detail.lower()
