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

from .server import ApiError, Request
from .shapes import comment_node_id, node_id, user_id
from .state import Label, PullRequest, Repository

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
    top = _Root(emu, login)
    root = {
        "viewer": {"login": login},
        "repository": top.repository,
        "createPullRequest": top.createPullRequest,
        "user": top.user,
        "addLabelsToLabelable": top.addLabelsToLabelable,
        "addAssigneesToAssignable": top.addAssigneesToAssignable,
        "addComment": top.addComment,
        "deleteRef": top.deleteRef,
        "closePullRequest": top.closePullRequest,
        "createLabel": top.createLabel,
    }
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
    def __init__(self, emu: GitHubEmulator, login: str) -> None:
        self.emu, self.login = emu, login

    def createPullRequest(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        """GitHub's ``createPullRequest``: the REST route's own checks and refusals (an
        open PR from the head already, no commits between, a missing branch), as GraphQL
        errors carrying the message GitHub gives."""
        repo = self._by_id(str(input.get("repositoryId") or ""))
        body = {
            "title": input.get("title"),
            "head": input.get("headRefName"),
            "base": input.get("baseRefName"),
            "body": input.get("body"),
            "draft": bool(input.get("draft")),
            "maintainer_can_modify": bool(input.get("maintainerCanModify", True)),
        }
        answer = self._rest(repo, "POST", "/pulls", body)
        pr = repo.pulls[int(answer.body["number"])]
        return {"pullRequest": PullNode(self.emu, repo, pr)}

    def user(self, _info: Any, login: str) -> dict[str, str] | None:
        """A user by login; an App's ``…[bot]`` account is no user (null)."""
        if login.endswith("[bot]"):
            return None
        found = {"id": node_id("U", user_id(login)), "login": login}
        self.emu.graphql_users[found["id"]] = login
        return found

    def addLabelsToLabelable(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        """As ``POST /issues/{n}/labels`` with the labels the ids name (they must exist)."""
        repo, pr = self._pull(str(input.get("labelableId") or ""))
        names = []
        for label_id in input.get("labelIds") or []:
            label = next((x for x in repo.labels.values() if node_id("LA", x.id) == label_id), None)
            if label is None:
                raise GraphQLError(
                    f"Could not resolve to a node with the global id of '{label_id}'"
                )
            names.append(label.name)
        self._rest(repo, "POST", f"/issues/{pr.number}/labels", {"labels": names})
        return {
            "clientMutationId": input.get("clientMutationId"),
            "labelable": PullNode(self.emu, repo, pr),
        }

    def createLabel(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        """A new label; GitHub refuses a name the repository has already."""
        repo = self._by_id(str(input.get("repositoryId") or ""))
        name = str(input.get("name") or "")
        if not name or name in repo.labels:
            raise GraphQLError("Name has already been taken" if name else "Name can't be blank")
        label = repo.labels[name] = Label(
            self.emu.ids.next(), name, str(input.get("color") or "ededed")
        )
        return {"label": {"id": node_id("LA", label.id), "name": label.name}}

    def addAssigneesToAssignable(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        repo, pr = self._pull(str(input.get("assignableId") or ""))
        logins = []
        for user in input.get("assigneeIds") or []:
            if user not in self.emu.graphql_users:
                raise GraphQLError(f"Could not resolve to a node with the global id of '{user}'")
            logins.append(self.emu.graphql_users[user])
        self._rest(repo, "POST", f"/issues/{pr.number}/assignees", {"assignees": logins})
        return {"clientMutationId": input.get("clientMutationId")}

    def addComment(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        repo, pr = self._pull(str(input.get("subjectId") or ""))
        body = {"body": input.get("body")}
        answer = self._rest(repo, "POST", f"/issues/{pr.number}/comments", body)
        return {"commentEdge": {"node": {"databaseId": int(answer.body["id"])}}}

    def deleteRef(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        """As ``DELETE /git/refs/heads/{name}``; the ref's id names it."""
        wanted = str(input.get("refId") or "")
        for repo in self.emu.repos.values():
            for name in repo.git.refs("refs/heads/"):
                if node_id("REF", user_id(name)) == wanted:
                    self._rest(repo, "DELETE", f"/git/{name}", {})
                    return {"clientMutationId": input.get("clientMutationId")}
        raise GraphQLError(f"Could not resolve to a node with the global id of '{wanted}'.")

    def closePullRequest(self, _info: Any, input: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        repo, pr = self._pull(str(input.get("pullRequestId") or ""))
        self._rest(repo, "PATCH", f"/pulls/{pr.number}", {"state": "closed"})
        return {"clientMutationId": input.get("clientMutationId")}

    def _pull(self, node: str) -> tuple[Repository, PullRequest]:
        found = pull_by_node(self.emu, node)
        if found is None:
            raise GraphQLError(f"Could not resolve to a node with the global id of '{node}'")
        return found

    def _rest(self, repo: Repository, method: str, path: str, body: dict[str, Any]) -> Any:
        """Carry a mutation out through the REST route that does the same (its checks,
        its webhooks); its refusal becomes a GraphQL error."""
        full = f"/repos/{repo.full_name}{path}"
        found = self.emu.router.match(method, full)
        if found is None:
            raise GraphQLError(f"the emulator has no route for {method} {path}")
        try:
            return found[0].handler(Request(method, full, {}, body, found[1], {}, self.login))
        except ApiError as exc:
            said = [e.get("message") for e in exc.errors or [] if isinstance(e, dict)]
            raise GraphQLError(str(next((m for m in said if m), None) or exc.message)) from None

    def _by_id(self, node: str) -> Repository:
        for repo in self.emu.repos.values():
            if node_id("R", repo.id) == node:
                return repo
        raise GraphQLError(f"Could not resolve to a node with the global id of '{node}'")

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
        self.id = node_id("R", repo.id)

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

    def labels(self, _info: Any, **args: Any) -> dict[str, Any]:
        found = [{"id": node_id("LA", x.id), "name": x.name} for x in self.repo.labels.values()]
        return _nodes(found, "labels", args)

    def object(
        self, _info: Any, expression: str | None = None, oid: str | None = None, **_: Any
    ) -> CommitNode | BlobNode | None:
        """A commit or blob by id or by expression (``main``, ``main:path``); GitHub
        answers null for a name that resolves to nothing."""
        git = self.repo.git
        found = git.resolve(oid) if oid else git.resolve(expression or "")
        kind = git.object_type(found) if found else None
        if kind == "commit" and found:
            return CommitNode(self.repo, found)
        if kind == "blob" and found:
            return BlobNode(found, git.read_blob(found))
        return None

    def ref(self, _info: Any, qualifiedName: str, **_: Any) -> dict[str, Any] | None:  # noqa: N803
        sha = self.repo.git.ref(qualifiedName)
        if not sha:
            return None
        ref_id = node_id("REF", user_id(qualifiedName))  # as REST's ``node_id`` of a ref
        return {"id": ref_id, "target": CommitNode(self.repo, sha)}

    def pullRequest(self, _info: Any, number: int) -> PullNode | None:  # noqa: N802
        pr = self.repo.pulls.get(number)
        if pr is None:
            raise GraphQLError(f"Could not resolve to a PullRequest with the number of {number}.")
        return PullNode(self.emu, self.repo, pr)


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
        self.repository = _Repo(emu, repo)

    def labels(self, _info: Any, **args: Any) -> dict[str, Any]:
        return _nodes([{"name": name} for name in self.pr.labels], "labels", args)

    def assignees(self, _info: Any, **args: Any) -> dict[str, Any]:
        return _nodes([{"login": login} for login in self.pr.assignees], "assignees", args)

    def files(self, _info: Any, **args: Any) -> dict[str, Any]:
        """The changed files: ``path`` and ``changeType`` only (GraphQL has no old name of
        a rename; REST's ``previous_filename`` has)."""
        git = self.repo.git
        base = git.merge_base(self.pr.base_sha, self.headRefOid) or self.pr.base_sha
        changes = git.diff(base, self.headRefOid)
        nodes = [{"path": c.path, "changeType": _CHANGE_TYPES[c.status]} for c in changes]
        return _nodes(nodes, "files", args) | {"totalCount": len(nodes)}

    def comments(self, _info: Any, **args: Any) -> dict[str, Any]:
        found = [
            {
                "id": comment_node_id(c.id),
                "databaseId": c.id,
                "body": c.body,
                "author": _actor(c.user),
            }
            for c in sorted(self.repo.comments.values(), key=lambda c: c.id)
            if c.issue_number == self.pr.number
        ]
        return _nodes(found, "comments", args) | {"totalCount": len(found)}

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


_CHANGE_TYPES = {
    "added": "ADDED",
    "removed": "DELETED",
    "modified": "MODIFIED",
    "renamed": "RENAMED",
    "copied": "COPIED",
    "changed": "CHANGED",
}
TRUNCATED_TEXT = 512 * 1024  # where the emulator cuts Blob.text (isTruncated: true)


class BlobNode:
    """A blob: its text when it is UTF-8 without NUL bytes, else ``isBinary`` and null."""

    __typename = "Blob"

    def __init__(self, oid: str, data: bytes) -> None:
        self.oid = oid
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        self.isBinary = text is None or "\0" in text
        self.isTruncated = not self.isBinary and len(data) > TRUNCATED_TEXT
        self.text = None if self.isBinary else (text or "")[:TRUNCATED_TEXT]


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


def points(query: str, variables: dict[str, Any] | None = None) -> int:
    """What GitHub charges a document against the GraphQL rate limit, by its published
    formula: every connection asked for counts the requests it would take (its parents'
    ``first``/``last`` multiplied through), the sum divided by 100, rounded, at least 1."""
    from graphql import (  # noqa: PLC0415
        FragmentDefinitionNode,
        FragmentSpreadNode,
        GraphQLInterfaceType,
        GraphQLObjectType,
        InlineFragmentNode,
        OperationDefinitionNode,
        get_named_type,
    )

    given = variables or {}
    document = parse(query)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    gql = schema()

    def size(node: Any) -> int:
        for arg in node.arguments or ():
            if arg.name.value in ("first", "last"):
                value = arg.value
                raw = given.get(value.name.value) if value.kind == "variable" else value.value
                return int(raw or 0)
        return 1

    def walk(selections: Any, parent: Any, multiplier: int) -> int:
        total = 0
        for node in selections.selections if selections else ():
            if isinstance(node, FragmentSpreadNode):
                fragment = fragments[node.name.value]
                kind = gql.get_type(fragment.type_condition.name.value)
                total += walk(fragment.selection_set, kind, multiplier)
            elif isinstance(node, InlineFragmentNode):
                kind = (
                    gql.get_type(node.type_condition.name.value) if node.type_condition else parent
                )
                total += walk(node.selection_set, kind, multiplier)
            elif isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
                field = parent.fields.get(node.name.value)
                if field is None:
                    continue
                named = get_named_type(field.type)
                inner = multiplier
                if named.name.endswith("Connection"):
                    total += multiplier
                    inner = multiplier * size(node)
                total += walk(node.selection_set, named, inner)
        return total

    requests = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = gql.mutation_type if definition.operation.value == "mutation" else gql.query_type
            requests += walk(definition.selection_set, root, 1)
    return max(1, round(requests / 100))


def pull_by_node(emu: GitHubEmulator, node: str) -> tuple[Repository, PullRequest] | None:
    """The PR whose GraphQL id is ``node``, with its repository."""
    for repo in emu.repos.values():
        for pr in repo.pulls.values():
            if node_id("PR", pr.id) == node:
                return repo, pr
    return None
