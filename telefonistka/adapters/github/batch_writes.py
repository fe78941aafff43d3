"""Writes sent as one GraphQL request where REST needs one per PR.

Why: in a merge storm each merge opens P promotion PRs and may close as many superseded
ones; through REST that is a label ``PATCH`` per new PR and a comment look-up, comment,
re-read, branch delete and close per superseded PR. Here the new PRs' labels and
assignees are one request, and closing any number of superseded PRs is three (read their
comments and branch ids, then note-delete-close in order, then read the comments again
for ``comment_once``'s rule on duplicates). Every write is harmless to repeat, so a retry
after a lost answer is safe; whatever GraphQL refuses goes through the REST calls.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from telefonistka.adapters.github.batch_reads import BatchReads
from telefonistka.adapters.github.pulls import event_marker
from telefonistka.adapters.github.queries import (
    CREATE_PULL,
    CREATE_PULL_ALONE,
    close_query,
    label_query,
    superseded_read_query,
)
from telefonistka.core.events.pull_request import PullRequest
from telefonistka.errors import GitHubError
from telefonistka.ports import OpenPullsView

SUPERSEDED_EVENT = "superseded"  # the comment_once event of a superseded PR's note


class BatchWrites(BatchReads):
    """``ports.BatchReader``'s writes over GitHub's GraphQL API."""

    def create_pr_seeing(
        self, title: str, body: str, head: str, base: str, repository_id: str, *, see: bool
    ) -> tuple[PullRequest, OpenPullsView | None]:
        """``ports.BatchReader.create_pr_seeing``: GraphQL ``createPullRequest``. A PR
        already open from ``head`` (a re-run, or our own create retried after a lost
        answer) is found as ``create_pr`` finds it, without a view."""
        variables: dict[str, Any] = {
            "input": {
                "repositoryId": repository_id,
                "baseRefName": base,
                "headRefName": head,
                "title": title,
                "body": body,
            },
        }
        if see:
            variables |= {"base": base, "qualified": f"refs/heads/{base}"}
        query = CREATE_PULL if see else CREATE_PULL_ALONE
        try:
            data = self._graphql(f"open a PR from {head!r}", query, variables)
        except GitHubError as exc:
            if "already exists" not in exc.detail.lower():
                raise
            existing = self.find_open_pr(head)
            if existing is None:
                raise
            return existing, None
        try:
            node = data["createPullRequest"]["pullRequest"]
            created = self._open_pull(node, base).pull
            if not see:
                return created, None
            repository = node["repository"]
            pulls = self.all_open_pulls(repository["pullRequests"], base)
            if pulls is None:
                return created, None
            view = OpenPullsView(str(repository["ref"]["target"]["oid"]), pulls)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GitHubError(f"unexpected answer to creating a PR: {exc!r}") from exc
        return created, view

    def label_and_assign(self, items: Sequence[tuple[PullRequest, list[str], list[str]]]) -> None:
        """Labels and assignees of PRs this run opened (nothing to replace): all in one
        GraphQL request when the labels exist and the users are known (from
        ``promotion_read``); a PR with a label not created yet, an unknown user, or a
        mutation GitHub refused gets the usual ``PATCH /issues/{n}`` (which creates
        labels). Adding a label or an assignee twice is harmless, so a retry is safe."""
        ready: list[tuple[Any, ...]] = []
        rest: list[tuple[Any, ...]] = []
        for pull, labels, logins in items:
            label_ids = [self._ids.get(("label", name)) for name in labels]
            user_ids = [self._ids.get(("user", login)) for login in logins]
            known = pull.node_id and all(label_ids) and all(user_ids)
            (ready if known else rest).append((pull, labels, logins, label_ids, user_ids))
        if ready:
            failed = self._label_at_once(ready)
            rest += [item for item in ready if item[0].number in failed]
        for pull, labels, logins, _, _ in rest:
            self.set_labels_and_assignees(pull.number, labels, logins)

    def _label_at_once(self, items: list[tuple[Any, ...]]) -> set[int]:
        """The numbers of the PRs whose labels or assignees GraphQL did not set."""
        variables: dict[str, Any] = {}
        owners: dict[str, int] = {}
        assigned = 0
        for n, (pull, _, _, label_ids, user_ids) in enumerate(items):
            variables[f"l{n}"] = {"labelableId": pull.node_id, "labelIds": label_ids}
            owners[f"l{n}"] = pull.number
            if user_ids:
                variables[f"a{assigned}"] = {"assignableId": pull.node_id, "assigneeIds": user_ids}
                owners[f"a{assigned}"] = pull.number
                assigned += 1
        query = label_query(len(items), assigned)
        try:
            errors = self._graphql_errors(f"label {len(items)} PRs", query, variables)
        except GitHubError:
            return {pull.number for pull, *_ in items}
        return {owners[str(e["path"][0])] for e in errors if e.get("path", [None])[0] in owners}

    def close_superseded(self, items: Sequence[tuple[PullRequest, str]]) -> dict[int, str]:
        """Close superseded PRs, each with its note (``comment_once`` event
        ``superseded``), its branch deleted first: three GraphQL requests for any number
        (read their comments and branch ids; note, delete, close; read the comments
        again, so that of two runs at once the later's duplicate note is deleted). A PR
        GraphQL could not close is closed through REST. Returns PR → error for those
        that could not be closed at all."""
        if not items:
            return {}
        try:
            done = self._close_at_once(items)
        except GitHubError:
            done = set()
        failures: dict[int, str] = {}
        for pull, note in items:
            if pull.number in done:
                continue
            try:
                self.comment_once(pull.number, note, SUPERSEDED_EVENT)
                self.delete_branch(pull.head_ref)
                self.close_pr(pull.number)
            except GitHubError as exc:
                failures[pull.number] = str(exc)
        return failures

    def _close_at_once(self, items: Sequence[tuple[PullRequest, str]]) -> set[int]:
        """The numbers of the PRs closed (noted, branch deleted) through GraphQL."""
        marker = event_marker(SUPERSEDED_EVENT)
        read = self._superseded_read(items)
        comments, deletes, closes = [], [], []
        for n, (pull, note) in enumerate(items):
            found, ref_id = read[n]
            if not any(marker in body for _, body in found) and pull.node_id:
                comments.append((pull, {"subjectId": pull.node_id, "body": f"{note}\n\n{marker}"}))
            if ref_id:
                deletes.append((pull, {"refId": ref_id}))
            closes.append((pull, {"pullRequestId": pull.node_id}))
        variables: dict[str, Any] = {}
        owner: dict[str, PullRequest] = {}
        for key, group in (("c", comments), ("d", deletes), ("x", closes)):
            for n, (pull, given) in enumerate(group):
                variables[f"{key}{n}"], owner[f"{key}{n}"] = given, pull
        query = close_query(len(comments), len(deletes), len(closes))
        data, errors = self._graphql_data(f"close {len(items)} superseded PRs", query, variables)
        failed = {owner[str(e["path"][0])].number for e in errors if e.get("path")}
        failed |= {p.number for p, _ in items if not p.node_id}
        mine = {
            owner[key].number: int(
                ((data.get(key) or {}).get("commentEdge") or {})["node"]["databaseId"]
            )
            for key in owner
            if key.startswith("c") and data.get(key)
        }
        self._drop_duplicates(items, mine, marker)
        return {p.number for p, _ in items} - failed

    def _superseded_read(
        self, items: Sequence[tuple[PullRequest, str]]
    ) -> list[tuple[list[tuple[int, str]], str]]:
        """Per PR: its comments (id, body) and its branch's ref id ("" when gone)."""
        named: dict[str, Any] = {}
        for n, (pull, _) in enumerate(items):
            named[f"n{n}"], named[f"r{n}"] = pull.number, f"refs/heads/{pull.head_ref}"
        query = superseded_read_query(len(items))
        data = self._graphql("read the superseded PRs", query, self._variables(**named))
        repository = data.get("repository") or {}
        found = []
        for n in range(len(items)):
            nodes = ((repository.get(f"p{n}") or {}).get("comments") or {}).get("nodes") or []
            said = [(int(c["databaseId"]), str(c.get("body") or "")) for c in nodes]
            found.append((said, str((repository.get(f"r{n}") or {}).get("id") or "")))
        return found

    def _drop_duplicates(
        self, items: Sequence[tuple[PullRequest, str]], mine: dict[int, int], marker: str
    ) -> None:
        """``comment_once``'s rule after posting: when an earlier note of the same event
        is there (another run's), this run's own is deleted."""
        if not mine:
            return
        posted = [(pull, note) for pull, note in items if pull.number in mine]
        try:
            again = self._superseded_read(posted)
        except GitHubError:
            return  # a duplicate note is noise, not a failure
        for (pull, _), (said, _) in zip(posted, again, strict=True):
            first = min((cid for cid, body in said if marker in body), default=None)
            if first is not None and first != mine[pull.number]:
                with contextlib.suppress(GitHubError):
                    self.delete_comment(mine[pull.number])
