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
    close_query,
    create_pull_query,
    label_query,
    superseded_read_query,
)
from telefonistka.core.events.pull_request import PullRequest
from telefonistka.core.github.refnames import is_bot_branch
from telefonistka.errors import GitHubError, TelefonistkaError
from telefonistka.ports import OpenPullsView

SUPERSEDED_EVENT = "superseded"  # the comment_once event of a superseded PR's note


class BatchWrites(BatchReads):
    """``ports.BatchReader``'s writes over GitHub's GraphQL API."""

    def create_pr_at_once(
        self,
        title: str,
        body: str,
        head: str,
        base: str,
        repository_id: str,
        *,
        labels: Sequence[str] = (),
    ) -> PullRequest:
        """``ports.BatchReader.create_pr_at_once``: GraphQL ``createPullRequest``, after
        creating in the same request each of ``labels`` the repository does not have yet
        (their ids kept for ``label_and_assign``). A PR already open from ``head`` (a
        re-run, or our own create retried after a lost answer) is found as ``create_pr``
        finds it."""
        missing = [name for name in dict.fromkeys(labels) if ("label", name) not in self._ids]
        variables: dict[str, Any] = {
            "input": {
                "repositoryId": repository_id,
                "baseRefName": base,
                "headRefName": head,
                "title": title,
                "body": body,
            },
        }
        for n, name in enumerate(missing):
            # GitHub's own colour for a label created by naming it (REST does the same)
            variables[f"k{n}"] = {"repositoryId": repository_id, "name": name, "color": "ededed"}
        query = create_pull_query(len(missing))
        try:
            data, errors = self._graphql_data(f"open a PR from {head!r}", query, variables)
        except GitHubError as exc:
            return self._found_after(exc, head)
        failed = [e for e in errors if e.get("path") and e["path"][0] == "createPullRequest"]
        if failed:
            detail = str(failed[0].get("message") or failed[0])
            return self._found_after(
                GitHubError(f"GraphQL refused to open a PR: {detail}", 200, detail), head
            )
        try:
            for n in range(len(missing)):
                label = (data.get(f"k{n}") or {}).get("label")
                if label:
                    self._ids[("label", str(label["name"]))] = str(label["id"])
            return self._open_pull(data["createPullRequest"]["pullRequest"], base).pull
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GitHubError(f"unexpected answer to creating a PR: {exc!r}") from exc

    def _found_after(self, exc: GitHubError, head: str) -> PullRequest:
        """The PR open from ``head`` when GitHub said one exists, else ``exc`` raised."""
        if "already exists" not in exc.detail.lower():
            raise exc
        existing = self.find_open_pr(head)
        if existing is None:
            raise exc
        return existing

    def label_and_assign(
        self, items: Sequence[tuple[PullRequest, list[str], list[str]]], base: str = ""
    ) -> OpenPullsView | None:
        """Labels and assignees of PRs this run opened (nothing to replace): all in one
        GraphQL request when the labels' and users' ids are known; a PR with a label or
        user without one, or a mutation GitHub refused, gets the usual ``PATCH
        /issues/{n}``. Adding a label or an assignee twice is harmless, so a retry is
        safe. With ``base``, the same request reads, once every label is set, the open PRs
        into ``base`` and its head (None when some PR went through REST, or past the
        pages read)."""
        ready: list[tuple[Any, ...]] = []
        rest: list[tuple[Any, ...]] = []
        for pull, labels, logins in items:
            label_ids = [self._ids.get(("label", name)) for name in labels]
            user_ids = [self._ids.get(("user", login)) for login in logins]
            known = pull.node_id and all(label_ids) and all(user_ids)
            (ready if known else rest).append((pull, labels, logins, label_ids, user_ids))
        view = None
        if ready:
            failed, view = self._label_at_once(ready, base)
            rest += [item for item in ready if item[0].number in failed]
        for pull, labels, logins, _, _ in rest:
            self.set_labels_and_assignees(pull.number, labels, logins)
        return None if rest else view

    def _label_at_once(
        self, items: list[tuple[Any, ...]], base: str
    ) -> tuple[set[int], OpenPullsView | None]:
        """The numbers of the PRs whose labels or assignees GraphQL did not set, and the
        open PRs as read after them (when ``base`` is given)."""
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
        if base:
            variables |= {"base": base, "qualified": f"refs/heads/{base}"}
        query = label_query(len(items), assigned, view=bool(base))
        try:
            data, errors = self._graphql_data(f"label {len(items)} PRs", query, variables)
        except GitHubError:
            return {pull.number for pull, *_ in items}, None
        failed = {owners[str(e["path"][0])] for e in errors if e.get("path", [None])[0] in owners}
        return failed, self._view(data.get(f"l{len(items) - 1}"), base) if base else None

    def _view(self, answer: Any, base: str) -> OpenPullsView | None:
        try:
            repository = answer["labelable"]["repository"]
            pulls = self.all_open_pulls(repository["pullRequests"], base)
            head = str(repository["ref"]["target"]["oid"])
        except (KeyError, TypeError, ValueError, AttributeError, GitHubError):
            return None
        return OpenPullsView(head, pulls) if pulls is not None else None

    def close_superseded(self, items: Sequence[tuple[PullRequest, str]]) -> dict[int, str]:
        """Close superseded PRs, each with its note (``comment_once`` event
        ``superseded``), its branch deleted first: three GraphQL requests for any number
        (read their comments and branch ids; note, delete, close; read the comments
        again, so that of two runs at once the later's duplicate note is deleted). A PR
        GraphQL could not close is closed through REST. Returns PR → error for those
        that could not be closed at all."""
        if not items:
            return {}
        # only the bot's own branches are ever deleted: another goes through REST, whose
        # guard refuses it (the PR is then reported, not closed)
        batch = [(pull, note) for pull, note in items if is_bot_branch(pull.head_ref)]
        try:
            done = self._close_at_once(batch) if batch else set()
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
            except TelefonistkaError as exc:
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
