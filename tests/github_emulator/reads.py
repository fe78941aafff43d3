"""GraphQL queries, run by graphql-core over GitHub's (trimmed) public schema.

The resolvers read the emulator's state as the REST routes do (the same git objects, PRs,
statuses and check runs), and give what GitHub's GraphQL API gives where it differs from
REST: enum values in capitals, a bot's login without ``[bot]`` (``author { __typename
login }`` says ``Bot``), ``status: null`` for a commit without statuses, and the
connection limits (``first``/``last`` required, at most 100).
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    build_schema,
    parse,
    validate,
)
from graphql import execute as run_query

from .shapes import node_id
from .state import PullRequest, Repository

if TYPE_CHECKING:
    from .emulator import GitHubEmulator

SCHEMA_FILE = Path(__file__).parents[1] / "fixtures" / "graphql" / "github-schema-trimmed.graphql"
MAX_NODES = 100


@functools.cache
def schema() -> GraphQLSchema:
    return build_schema(SCHEMA_FILE.read_text(encoding="utf-8"))


def check(query: str, refused: Iterable[str] = ()) -> list[str]:
    """GitHub's refusals of a document: a syntax error, anything the schema does not
    validate, and a field this server is told not to have."""
    try:
        document = parse(query)
    except GraphQLError as exc:
        return [f"Parse error: {exc.message}"]
    messages = [error.message for error in validate(schema(), document)]
    for name in sorted(refused):
        if re.search(rf"\b{re.escape(name)}\b", query):
            messages.append(f"Field '{name}' doesn't exist on this server's schema")
    return messages


def execute(
    emu: GitHubEmulator, query: str, variables: dict[str, Any], login: str
) -> dict[str, Any]:
    root = {"viewer": {"login": login}, "repository": _Root(emu).repository}
    result = run_query(schema(), parse(query), root_value=root, variable_values=variables)
    if hasattr(result, "__await__"):  # no resolver here is async
        raise TypeError("an async GraphQL result")
    answer: dict[str, Any] = {"data": result.data}
    if result.errors:
        answer["errors"] = [
            {"type": _kind(e.message), "path": e.path, "message": e.message} for e in result.errors
        ]
    return answer


def _kind(message: str) -> str:
    return "NOT_FOUND" if message.startswith("Could not resolve") else "INVALID"


class _Root:
    def __init__(self, emu: GitHubEmulator) -> None:
        self.emu = emu

    def repository(self, _info: Any, owner: str, name: str, **_: Any) -> _Repo:
        repo = self.emu.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            raise GraphQLError(f"Could not resolve to a Repository with the name '{owner}/{name}'.")
        return _Repo(self.emu, repo)


def _window(items: list[Any], kind: str, args: dict[str, Any]) -> tuple[list[Any], bool, str]:
    """GitHub's connection rules: ``first`` or ``last`` given and at most 100; ``after`` a
    cursor this connection gave. Returns (page, has next page, end cursor)."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError(
            f"You must provide a `first` or `last` value to properly paginate the `{kind}` "
            "connection."
        )
    for name, value in (("first", first), ("last", last)):
        if value is not None and value > MAX_NODES:
            raise GraphQLError(
                f"Requesting {value} records on the `{kind}` connection exceeds the `{name}` "
                f"limit of {MAX_NODES} records."
            )
    start = _offset(args.get("after"))
    page = items[start:]
    if first is not None:
        page = page[:first]
    if last is not None:
        page = page[-last:] if last else []
    end = start + len(page) if first is not None else len(items)
    return page, end < len(items), _cursor(end)


def _cursor(offset: int) -> str:
    return base64.b64encode(f"cursor:v2:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(cursor).decode().rpartition(":")[2])
    except ValueError:
        raise GraphQLError(f"`{cursor}` does not appear to be a valid cursor.") from None


def _nodes(items: list[Any], kind: str, args: dict[str, Any]) -> dict[str, Any]:
    page, more, end = _window(items, kind, args)
    return {"nodes": page, "pageInfo": {"hasNextPage": more, "endCursor": end}}


class _Repo:
    def __init__(self, emu: GitHubEmulator, repo: Repository) -> None:
        self.emu, self.repo = emu, repo

    def pullRequests(self, _info: Any, **args: Any) -> dict[str, Any]:  # noqa: N802
        states = {s.lower() for s in args.get("states") or ("OPEN", "CLOSED", "MERGED")}
        base, labels = args.get("baseRefName"), args.get("labels")
        found = [
            pr
            for pr in self.repo.pulls.values()
            if _state(pr) in states
            and (base is None or pr.base_ref == base)
            and (not labels or any(label in pr.labels for label in labels))
        ]
        order = args.get("orderBy") or {"field": "CREATED_AT", "direction": "ASC"}
        key = "updated_at" if order.get("field") == "UPDATED_AT" else "created_at"
        found.sort(key=lambda pr: (getattr(pr, key), pr.number))
        if order.get("direction") == "DESC":
            found.reverse()
        return _nodes([PullNode(self.emu, self.repo, pr) for pr in found], "pullRequests", args)

    def object(self, _info: Any, expression: str | None = None, **_: Any) -> CommitNode | None:
        sha = self.repo.git.commit_of(expression or "")
        return CommitNode(self.repo, sha) if sha else None


def _state(pr: PullRequest) -> str:
    if pr.merged:
        return "merged"
    return "open" if pr.state == "open" else "closed"


class PullNode:
    # graphql-core tells an interface's or union's object type by this (mangled) name
    __typename = "PullRequest"

    def __init__(self, emu: GitHubEmulator, repo: Repository, pr: PullRequest) -> None:
        self.emu, self.repo, self.pr = emu, repo, pr
        head = emu.head_sha(repo, pr)
        self.id = node_id("PR", pr.id)
        self.number, self.title, self.body = pr.number, pr.title, pr.body or ""
        self.url = f"{emu.root_url}/{repo.full_name}/pull/{pr.number}"
        self.createdAt, self.mergedAt = pr.created_at, pr.merged_at
        self.headRefName, self.headRefOid = pr.head_ref, head
        self.baseRefName, self.baseRefOid = pr.base_ref, pr.base_sha
        self.author = _actor(pr.user)
        self.headRepository = {"nameWithOwner": pr.head_repo or repo.full_name}

    def labels(self, _info: Any, **args: Any) -> dict[str, Any]:
        return _nodes([{"name": name} for name in self.pr.labels], "labels", args)

    def assignees(self, _info: Any, **args: Any) -> dict[str, Any]:
        return _nodes([{"login": login} for login in self.pr.assignees], "assignees", args)

    def commits(self, _info: Any, **args: Any) -> dict[str, Any]:
        base = self.repo.git.merge_base(self.pr.base_sha, self.headRefOid) or ""
        shas = list(reversed(self.repo.git.rev_list(self.headRefOid, base or None)))
        nodes = [{"commit": CommitNode(self.repo, sha)} for sha in shas]
        return _nodes(nodes, "commits", args)


def _actor(login: str) -> dict[str, str]:
    """GraphQL names an App by its slug: ``github-actions``, REST ``github-actions[bot]``."""
    if login.endswith("[bot]"):
        return {"__typename": "Bot", "login": login.removesuffix("[bot]")}
    return {"__typename": "User", "login": login}


class CommitNode:
    __typename = "Commit"

    def __init__(self, repo: Repository, sha: str) -> None:
        self.repo, self.oid = repo, sha

    @functools.cached_property
    def _commit(self) -> Any:
        return self.repo.git.read_commit(self.oid)

    def message(self, _info: Any) -> str:
        return str(self._commit.message)

    def tree(self, _info: Any) -> dict[str, str]:
        return {"oid": self._commit.tree}

    def committedDate(self, _info: Any) -> str:  # noqa: N802
        return str(self._commit.committer.date)

    def author(self, _info: Any) -> dict[str, str]:
        who = self._commit.author
        return {"name": who.name, "email": who.email, "date": who.date}

    def committer(self, _info: Any) -> dict[str, str]:
        who = self._commit.committer
        return {"name": who.name, "email": who.email, "date": who.date}

    def parents(self, _info: Any, **args: Any) -> dict[str, Any]:
        found = [CommitNode(self.repo, sha) for sha in self._commit.parents]
        return _nodes(found, "parents", args)

    def history(self, _info: Any, path: str | None = None, **args: Any) -> dict[str, Any]:
        command = ["log", "--format=%H", self.oid]
        if path:
            command += ["--", path.strip("/")]
        shas = [line for line in self.repo.git.run(*command).decode().splitlines() if line]
        return _nodes([CommitNode(self.repo, sha) for sha in shas], "history", args)

    def _statuses(self) -> list[dict[str, Any]]:
        newest: dict[str, dict[str, Any]] = {}
        for status in reversed(self.repo.statuses):
            if status.sha == self.oid and status.context not in newest:
                newest[status.context] = {
                    "__typename": "StatusContext",
                    "context": status.context,
                    "state": status.state.upper(),
                    "description": status.description,
                    "createdAt": status.created_at,
                }
        return list(newest.values())

    def status(self, _info: Any) -> dict[str, Any] | None:
        found = self._statuses()
        return {"contexts": found} if found else None

    def statusCheckRollup(self, _info: Any) -> dict[str, Any] | None:  # noqa: N802
        newest: dict[str, dict[str, Any]] = {}
        for run in reversed(self.repo.check_runs):
            if run.sha == self.oid and run.name not in newest:
                conclusion = run.conclusion.upper() if run.conclusion else None
                newest[run.name] = {
                    "__typename": "CheckRun",
                    "name": run.name,
                    "status": run.status.upper(),
                    "conclusion": conclusion,
                }
        contexts = list(newest.values()) + self._statuses()
        if not contexts:
            return None
        return {"contexts": lambda _info, **args: _nodes(contexts, "contexts", args)}
