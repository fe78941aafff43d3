"""Reads answered by one GraphQL request where REST needs one per item.

Why GraphQL here: a scheduled gate pass every 10 minutes looks at every open promotion
PR; through REST that is a list, one status read per PR, the holds' list, and two or
three reads per source folder. The two queries below (``queries.GATES_READ`` and
``queries.source_moments_query``) carry the same facts in two requests, whatever the
number of PRs up to 100. What they learn about commits (a head's tree, parents and
identities) and the token's login goes into the caches the REST calls use, so those are
not asked again.

GraphQL differs from REST in two spellings, undone here: enum values are capitals
(``SUCCESS``), and an App's login has no ``[bot]`` suffix (``author`` says ``Bot``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from telefonistka.adapters.github.git_data import GitData
from telefonistka.adapters.github.pulls import PullRequests
from telefonistka.adapters.github.queries import (
    GATES_READ,
    OPEN_PULLS_PAGE,
    PR_READ,
    PROMOTION_READ,
    blobs_query,
    source_moments_query,
)
from telefonistka.core.events.pull_request import PullRequest
from telefonistka.core.promotion.holds import LabelledPr
from telefonistka.errors import GitHubError
from telefonistka.ports import (
    Comment,
    CommitState,
    GatePassRead,
    OpenPull,
    PromotionRead,
    SourceMoment,
)

MAX_PAGES = 10  # 1,000 open PRs into one branch; more are not looked at in one pass


class BatchReads(GitData, PullRequests):
    """``ports.BatchReader`` over GitHub's GraphQL API."""

    def gate_pass_read(
        self, branch: str, hold_label: str, config_path: str, *, all_bases: bool = False
    ) -> GatePassRead:
        """``ports.BatchReader.gate_pass_read``: one GraphQL request per 100 open PRs.
        The holds are None when over one page; the configuration None when absent, or
        not whole in the answer (binary, cut, or not hashing to its id)."""
        base = None if all_bases else branch
        variables = self._variables(
            base=base,
            hold=hold_label,
            qualified=f"refs/heads/{branch}",
            config=f"{branch}:{config_path}",
        )
        data = self._graphql(f"read the open PRs into {branch}", GATES_READ, variables)
        try:
            if self._viewer is None:
                self._viewer = str(data["viewer"]["login"])
            repository = data["repository"]
            ref = repository.get("ref")
            if not ref:
                raise GitHubError(f"no branch {branch!r} in {self.full_name}", 404)
            head = str(ref["target"]["oid"])
            config = self._keep_blob(repository.get("config"))
            holds = _holds(repository["holds"])
            pulls, _whole = self._page_open_pulls(repository["pullRequests"], branch, base)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GitHubError(f"unexpected answer to the open PRs query: {exc!r}") from exc
        return GatePassRead(pulls, holds, head, config)

    def promotion_read(
        self, base: str, number: int, config_path: str, assignees: Sequence[str] = ()
    ) -> PromotionRead:
        """``ports.BatchReader.promotion_read``: one GraphQL request. The configuration's
        blob is kept by its id (checked against its content), so the snapshot's read of
        it is answered here: if the branch moved between the two, the ids differ and the
        snapshot's blob is read as usual."""
        # two slots, each a login (the query's arguments are required): repeated, or
        # GitHub's "ghost" user when there is none
        logins = (list(assignees) * 2 or ["ghost", "ghost"])[:2]
        variables = self._variables(
            base=base,
            qualified=f"refs/heads/{base}",
            config=f"{base}:{config_path}",
            number=number,
            assignee0=logins[0],
            assignee1=logins[1],
        )
        data = self._graphql(f"read what PR #{number}'s promotion needs", PROMOTION_READ, variables)
        try:
            if self._viewer is None:
                self._viewer = str(data["viewer"]["login"])
            repository = data["repository"]
            ref = repository.get("ref")
            if not ref:
                raise GitHubError(f"no branch {base!r} in {self.full_name}", 404)
            head = str(ref["target"]["oid"])
            history = (ref["target"].get("history") or {}).get("nodes") or []
            self._recent[head] = frozenset(str(c["oid"]) for c in history)
            self._keep_blob(repository.get("config"))
            for label in (repository.get("labels") or {}).get("nodes") or []:
                self._ids[("label", str(label["name"]))] = str(label["id"])
            for user in (data.get("assignee0"), data.get("assignee1")):
                if user:
                    self._ids[("user", str(user["login"]))] = str(user["id"])
            files = _files((repository.get("pullRequest") or {}).get("files"))
            pulls = self.all_open_pulls(repository["pullRequests"], base)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GitHubError(f"unexpected answer to the promotion query: {exc!r}") from exc
        return PromotionRead(head, files, pulls, str(repository.get("id") or ""))

    def all_open_pulls(self, first: Mapping[str, Any], base: str) -> list[OpenPull] | None:
        """The open PRs into ``base`` of a first page and of the pages after it (one
        request per 100 more, up to ``MAX_PAGES`` in all: None beyond)."""
        pulls, whole = self._page_open_pulls(first, base, base)
        return pulls if whole else None

    def _page_open_pulls(
        self, first: Mapping[str, Any], branch: str, base: str | None
    ) -> tuple[list[OpenPull], bool]:
        """(the open PRs of ``first`` and of the pages after it, whether that is all of
        them): the pages into ``base`` (every branch when None), up to ``MAX_PAGES``."""
        pulls = [self._open_pull(node, branch) for node in first["nodes"]]
        page = first["pageInfo"]
        for _ in range(MAX_PAGES - 1):
            if not page["hasNextPage"] or not page["endCursor"]:
                return pulls, True
            variables = self._variables(base=base, after=str(page["endCursor"]))
            what = f"read more open PRs into {branch}"
            data = self._graphql(what, OPEN_PULLS_PAGE, variables)
            connection = data["repository"]["pullRequests"]
            pulls += [self._open_pull(node, branch) for node in connection["nodes"]]
            page = connection["pageInfo"]
        return pulls, not page["hasNextPage"]

    def pr_read(self, base: str, number: int, config_path: str) -> PromotionRead:
        """``ports.BatchReader.pr_read``: one GraphQL request. The PR's comments, when
        they are all there (100 or fewer), answer the next ``list_comments`` of it."""
        variables = self._variables(
            qualified=f"refs/heads/{base}", config=f"{base}:{config_path}", number=number
        )
        data = self._graphql(f"read what PR #{number}'s check needs", PR_READ, variables)
        try:
            repository = data["repository"]
            ref = repository.get("ref")
            if not ref:
                raise GitHubError(f"no branch {base!r} in {self.full_name}", 404)
            self._keep_blob(repository.get("config"))
            pull = repository.get("pullRequest") or {}
            comments = pull.get("comments") or {}
            nodes = comments.get("nodes") or []
            if int(comments.get("totalCount") or 0) <= len(nodes):
                self._comments_once[number] = [
                    Comment(
                        int(c["databaseId"]),
                        str(c["id"]),
                        _login(c.get("author")),
                        str(c.get("body") or ""),
                    )
                    for c in nodes
                ]
            return PromotionRead(str(ref["target"]["oid"]), _files(pull.get("files")), None)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise GitHubError(f"unexpected answer to the PR query: {exc!r}") from exc

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """The contents of blobs by id; two or more not read yet come in one GraphQL
        request, each checked against its id. Binary, cut or refused ones are read
        through REST (one request each), as a single one is."""
        wanted = list(dict.fromkeys(oids))
        missing = [oid for oid in wanted if oid not in self._cache.blobs]
        starts = range(0, len(missing), 100) if len(missing) > 1 else range(0)
        for start in starts:
            chunk = missing[start : start + 100]
            named = {f"o{n}": oid for n, oid in enumerate(chunk)}
            try:
                data = self._graphql(
                    f"read {len(chunk)} blobs", blobs_query(len(chunk)), self._variables(**named)
                )
                repository = data.get("repository") or {}
                for n in range(len(chunk)):
                    self._keep_blob(repository.get(f"b{n}"))
            except GitHubError:
                break  # REST below reads what is still missing
        return super().read_blobs(wanted)

    def _keep_blob(self, node: Mapping[str, Any] | None) -> bytes | None:
        """Keep a GraphQL blob's text as its content when it is whole and hashes to its
        id; that content, or None."""
        if not node or node.get("isBinary") or node.get("isTruncated"):
            return None
        text, oid = node.get("text"), str(node.get("oid") or "")
        if not isinstance(text, str):
            return None
        content = text.encode("utf-8")
        if git_blob_id(content) != oid:
            return None
        self._cache.blobs.setdefault(oid, content)
        return content

    def source_moments(self, ref: str, paths: Sequence[str]) -> dict[str, SourceMoment | None]:
        """The newest commit of ``ref`` that changed each path, with its checks: one
        request for up to 100 paths (one per 100 beyond)."""
        found: dict[str, SourceMoment | None] = {}
        wanted = list(dict.fromkeys(path.strip("/") for path in paths))
        for start in range(0, len(wanted), 100):
            chunk = wanted[start : start + 100]
            named = {f"p{n}": path for n, path in enumerate(chunk)}
            variables = self._variables(ref=ref, **named)
            what = f"find the last change of {len(chunk)} folder(s)"
            data = self._graphql(what, source_moments_query(len(chunk)), variables)
            try:
                repository = data["repository"]
                for n, path in enumerate(chunk):
                    found[path] = _moment((repository.get(f"s{n}") or {}).get("history"))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise GitHubError(f"unexpected answer to the source query: {exc!r}") from exc
        return {path: found[path.strip("/")] for path in paths}

    def _variables(self, **given: Any) -> dict[str, Any]:
        return {"owner": self.owner, "name": self.full_name.partition("/")[2], **given}

    def _open_pull(self, node: Mapping[str, Any], base: str) -> OpenPull:
        head = str(node["headRefOid"])
        commits = (node.get("commits") or {}).get("nodes") or []
        commit = (commits[-1] or {}).get("commit") if commits else None
        statuses: dict[str, tuple[str, str, str]] = {}
        if commit and str(commit.get("oid")) == head:
            self._cache.commits.setdefault(head, _commit_state(commit))
            for context in (commit.get("status") or {}).get("contexts") or []:
                statuses[str(context["context"])] = (
                    str(context["state"]).lower(),
                    str(context.get("description") or ""),
                    str(context.get("createdAt") or ""),
                )
        pull = PullRequest(
            number=int(node["number"]),
            title=str(node.get("title") or ""),
            body=str(node.get("body") or ""),
            author=_login(node.get("author")),
            head_ref=str(node["headRefName"]),
            head_sha=head,
            base_ref=str(node.get("baseRefName") or base),
            base_sha=str(node.get("baseRefOid") or ""),
            labels=tuple(str(n["name"]) for n in (node.get("labels") or {}).get("nodes") or []),
            assignees=tuple(
                str(n["login"]) for n in (node.get("assignees") or {}).get("nodes") or []
            ),
            html_url=str(node.get("url") or ""),
            head_repo=str((node.get("headRepository") or {}).get("nameWithOwner") or ""),
            created_at=str(node.get("createdAt") or ""),
            node_id=str(node.get("id") or ""),
        )
        return OpenPull(pull, statuses)


def git_blob_id(content: bytes) -> str:
    """Git's id of a blob holding ``content`` (SHA-1 of its header and bytes)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


# The kinds of change whose old path GraphQL does not give (REST's previous_filename).
_TWO_NAMES = frozenset({"RENAMED", "COPIED"})


def _files(connection: Mapping[str, Any] | None) -> list[str] | None:
    """The PR's files when GraphQL gave all of them with every name, else None."""
    if not connection:
        return None
    nodes = connection.get("nodes") or []
    if int(connection.get("totalCount") or 0) > len(nodes):
        return None
    if any(node.get("changeType") in _TWO_NAMES for node in nodes):
        return None
    return list(dict.fromkeys(str(node["path"]) for node in nodes))


def _comment(node: Mapping[str, Any]) -> Comment:
    author = _login(node.get("author"))
    return Comment(int(node["databaseId"]), str(node["id"]), author, str(node.get("body") or ""))


def _login(actor: Mapping[str, Any] | None) -> str:
    """The login as REST spells it: an App (``Bot``) with its ``[bot]`` suffix."""
    if not actor:
        return ""
    login = str(actor.get("login") or "")
    return f"{login}[bot]" if actor.get("__typename") == "Bot" else login


def _holds(connection: Mapping[str, Any]) -> list[LabelledPr] | None:
    if connection["pageInfo"]["hasNextPage"]:
        return None
    return [
        LabelledPr(
            int(node["number"]),
            _login(node.get("author")),
            str(node.get("body") or ""),
            str(node.get("mergedAt") or ""),
        )
        for node in connection["nodes"]
    ]


def _commit_state(commit: Mapping[str, Any]) -> CommitState:
    author = commit.get("author") or {}
    committer = commit.get("committer") or {}
    parents = (commit.get("parents") or {}).get("nodes") or []
    return CommitState(
        str(commit["tree"]["oid"]),
        tuple(str(p["oid"]) for p in parents),
        str(commit.get("message") or ""),
        str(author.get("name") or ""),
        str(committer.get("date") or ""),
        f"{author.get('name') or ''} <{author.get('email') or ''}>",
        f"{committer.get('name') or ''} <{committer.get('email') or ''}>",
    )


def _moment(history: Mapping[str, Any] | None) -> SourceMoment | None:
    nodes = (history or {}).get("nodes") or []
    if not nodes:
        return None
    commit = nodes[0]
    runs: dict[str, str] = {}
    statuses: dict[str, str] = {}
    rollup = commit.get("statusCheckRollup") or {}
    for context in (rollup.get("contexts") or {}).get("nodes") or []:
        if context.get("__typename") == "CheckRun":
            done = context.get("status") == "COMPLETED"
            state = context.get("conclusion") if done else context.get("status")
            runs.setdefault(str(context["name"]), str(state).lower())
        elif context.get("__typename") == "StatusContext":
            statuses.setdefault(str(context["context"]), str(context["state"]).lower())
    return SourceMoment(str(commit["oid"]), str(commit.get("committedDate") or ""), runs, statuses)
