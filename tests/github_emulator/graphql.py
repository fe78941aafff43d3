"""GitHub's GraphQL endpoint, held to GitHub's public schema.

Every query is parsed and validated against ``tests/fixtures/graphql/
github-schema-trimmed.graphql`` (the part of GitHub's schema telefonistka's queries use,
vendored by ``scripts/vendor_graphql_schema.py``): a field GitHub does not have, a wrong
argument or a missing variable is refused with GitHub's kind of error (HTTP 200 with
``errors``). Queries are then run by graphql-core over resolvers reading the emulator's
state (``reads``); the two mutations keep their hand-written handlers below, which carry
GitHub's refusals. ``emu.graphql_refused_fields`` names fields to answer as unknown, as
an older GitHub Enterprise Server would, so the REST fallbacks can be tested.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .reads import check, execute, pull_by_node
from .server import Response
from .shapes import comment_node_id
from .state import IssueComment

if TYPE_CHECKING:
    from .emulator import GitHubEmulator

_SUBJECT = re.compile(r'subjectId\s*:\s*"([^"]+)"')
_CLASSIFIER = re.compile(r"classifier\s*:\s*([A-Z_]+)")


def answer(emu: GitHubEmulator, raw: bytes, login: str) -> Response:
    try:
        request = json.loads(raw)
        query = str(request["query"])
    except (ValueError, KeyError, TypeError):
        return Response(200, _error("Problems parsing JSON"))
    variables = request.get("variables") or {}
    if not isinstance(variables, dict):
        return Response(200, _error("Variables are invalid JSON."))
    with emu.server.lock:
        emu.graphql_documents.append(query)
        refused = check(query, emu.graphql_refused_fields)
        if refused:
            return Response(200, {"errors": [{"message": m} for m in refused]})
        if "enablePullRequestAutoMerge" in query:
            return Response(200, _enable_auto_merge(emu, variables, login))
        if "minimizeComment" in query:
            return Response(200, _minimize(emu, query, variables))
        return Response(200, execute(emu, query, variables, login))


def _minimize(emu: GitHubEmulator, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    nested = variables.get("input")
    given: dict[str, Any] = nested if isinstance(nested, dict) else variables
    subject = given.get("subjectId") or given.get("id")
    classifier = given.get("classifier")
    if subject is None and (found := _SUBJECT.search(query)):
        subject = found.group(1)
    if classifier is None and (match := _CLASSIFIER.search(query)):
        classifier = match.group(1)
    comment = _comment(emu, str(subject))
    if comment is None:
        message = f"Could not resolve to a node with the global id of '{subject}'"
        return {
            "data": {"minimizeComment": None},
            "errors": [{"type": "NOT_FOUND", "path": ["minimizeComment"], "message": message}],
        }
    comment.minimized_reason = str(classifier or "OUTDATED").lower()
    minimized = {
        "isMinimized": True,
        "minimizedReason": comment.minimized_reason,
        "viewerCanMinimize": True,
    }
    payload = {"minimizedComment": minimized, "clientMutationId": given.get("clientMutationId")}
    return {"data": {"minimizeComment": payload}}


def _enable_auto_merge(
    emu: GitHubEmulator, variables: dict[str, Any], login: str
) -> dict[str, Any]:
    """GitHub's native auto-merge: refused where the repository does not allow it and where
    nothing is left to wait for ("clean status"); otherwise the PR merges as soon as its
    last requirement is met."""
    given = variables.get("input") if isinstance(variables.get("input"), dict) else {}
    subject = str(given.get("pullRequestId") or "")
    method = str(given.get("mergeMethod") or "MERGE").lower()
    found = pull_by_node(emu, subject)
    if found is None:
        message = f"Could not resolve to a node with the global id of '{subject}'"
        return _failed("enablePullRequestAutoMerge", "NOT_FOUND", message)
    repo, pr = found
    if pr.state != "open":
        return _failed("enablePullRequestAutoMerge", "UNPROCESSABLE", "Pull request is closed")
    if not repo.allow_auto_merge:
        message = "Pull request Auto merge is not allowed for this repository"
        return _failed("enablePullRequestAutoMerge", "UNPROCESSABLE", message)
    emu.head_sha(repo, pr)
    if not emu.unmet_protection(repo, pr) and pr.auto_merge_method is None:
        message = "Pull request Pull request is in clean status"
        return _failed("enablePullRequestAutoMerge", "UNPROCESSABLE", message)
    pr.auto_merge_method, pr.auto_merge_by = method, login
    return {"data": {"enablePullRequestAutoMerge": {"pullRequest": {"number": pr.number}}}}


def _failed(field: str, kind: str, message: str) -> dict[str, Any]:
    return {"data": {field: None}, "errors": [{"type": kind, "path": [field], "message": message}]}


def _comment(emu: GitHubEmulator, node: str) -> IssueComment | None:
    for repo in emu.repos.values():
        for comment in repo.comments.values():
            if comment_node_id(comment.id) == node:
                return comment
    return None


def _error(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message}]}
