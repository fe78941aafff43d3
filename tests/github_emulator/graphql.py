"""The two GraphQL operations telefonistka sends: ``minimizeComment`` and ``viewer { login }``.

Not a GraphQL engine: the query text is recognised by the field it names, and the answer
carries the fields those operations select. Anything else gets a GraphQL error (HTTP 200,
as GitHub answers GraphQL errors).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

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
    if "minimizeComment" in query:
        return Response(200, _minimize(emu, query, variables))
    if re.search(r"\bviewer\b", query):
        return Response(200, {"data": {"viewer": {"login": login}}})
    return Response(200, _error("The emulator answers only minimizeComment and viewer"))


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


def _comment(emu: GitHubEmulator, node: str) -> IssueComment | None:
    for repo in emu.repos.values():
        for comment in repo.comments.values():
            if comment_node_id(comment.id) == node:
                return comment
    return None


def _error(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message}]}
