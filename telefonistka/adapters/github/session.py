"""One repository on one GitHub host, seen through one identity: the shared ground of the
adapter's parts.

``RepoSession`` holds what every part needs (the HTTP client, the repository's API path,
its metadata) and the three ways of sending a request: one REST call, a paginated list,
one GraphQL query. The parts (``refs``, ``git_data``, ``changed_files``, ``pulls``,
``statuses``) build on it, and ``repo.GitHubRepo`` puts them together.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from github import Auth

from telefonistka.adapters.github.client import (
    Clock,
    GitHubClient,
    RetryPolicy,
    Sleep,
    make_requester,
)
from telefonistka.adapters.github.queries import VIEWER
from telefonistka.core.github.api import DEFAULT_BASE_URL, RequestCounter
from telefonistka.errors import GitHubError
from telefonistka.ports import Comment

PER_PAGE = 100


class RepoSession:
    """One GitHub repository, seen through one identity (token or PyGithub ``Auth``).

    ``base_url`` is ``https://api.github.com`` or, for GitHub Enterprise Server,
    ``https://HOST/api/v3``. Retries wait through ``sleep`` (tests pass a recorder);
    ``counter`` may be shared with another identity (the approver) to count a whole run.
    ``default_branch``, when the caller already knows it (``repository.default_branch``
    of a webhook event), saves the metadata request.
    """

    def __init__(
        self,
        token: str | Auth.Auth,
        full_name: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        policy: RetryPolicy | None = None,
        counter: RequestCounter | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.time,
        default_branch: str | None = None,
    ) -> None:
        owner, _, name = full_name.partition("/")
        if not owner or not name or "/" in name:
            raise GitHubError(f"repository name {full_name!r} is not of the form OWNER/NAME")
        self.full_name, self.owner, self.base_url = full_name, owner, base_url
        self._http = GitHubClient(
            make_requester(token, base_url),
            policy=policy,
            counter=counter,
            sleep=sleep,
            clock=clock,
        )
        self._path = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        self._metadata: dict[str, Any] | None = (
            {"default_branch": default_branch} if default_branch else None
        )
        self._viewer: str | None = None
        # GraphQL ids learnt in passing: ("label", name) and ("user", login) → node id
        self._ids: dict[tuple[str, str], str] = {}
        # commit → the ids of its newest ancestors (itself first), learnt in passing:
        # ``is_ancestor`` answers from them when it can
        self._recent: dict[str, frozenset[str]] = {}
        # a PR's comments read with another query: they answer the next list_comments of
        # that PR once (comments change: a later list is read again)
        self._comments_once: dict[int, list[Comment]] = {}

    def __repr__(self) -> str:
        return f"GitHubRepo({self.full_name!r}, {self.base_url!r})"

    def close(self) -> None:
        """Release the HTTP connections (the process exits soon after in the Action anyway)."""
        self._http.close()

    @property
    def counter(self) -> RequestCounter:
        return self._http.counter

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far (retries included), by every identity sharing the counter."""
        return self._http.counter.total

    @property
    def default_branch(self) -> str:
        """The repository's default branch, from its metadata (read once)."""
        return str(self._repository()["default_branch"])

    def _repository(self) -> dict[str, Any]:
        """``GET /repos/{owner}/{repo}``, once; a 404 means the token cannot see it."""
        if self._metadata is None:
            try:
                self._metadata = self._call("repo", "read the repository", "GET", "")
            except GitHubError as exc:
                if exc.status != 404:
                    raise
                raise GitHubError(
                    f"repository {self.full_name} not found at {self.base_url} (404): the token "
                    "cannot see it; check the repository name and that the token (or the "
                    "App installation) has access to this repository",
                    404,
                    exc.detail,
                ) from exc
        return self._metadata

    def viewer_login(self) -> str:
        """The login of the identity this repository is seen through (``viewer { login }``).

        One GraphQL request, read once per session; REST has no equivalent that works for
        App installation tokens.
        """
        if self._viewer is None:
            data = self._graphql("read the token's login", VIEWER, {})
            self._viewer = str((data.get("viewer") or {}).get("login") or "")
        return self._viewer

    def _graphql(self, what: str, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """One GraphQL request; GraphQL errors (answered with HTTP 200) become ``GitHubError``."""
        answer = self._graphql_answer(what, query, variables)
        if answer.get("errors"):
            raise _refused(what, answer["errors"])
        return dict(answer.get("data") or {})

    def _graphql_data(
        self, what: str, query: str, variables: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """One GraphQL request whose errors may be partial (aliased mutations, each on
        its own): its data and the errors GitHub gave, each with the ``path`` of its
        field; an answer without data at all raises ``GitHubError``."""
        answer = self._graphql_answer(what, query, variables)
        errors = [e for e in answer.get("errors") or [] if isinstance(e, dict)]
        if errors and not answer.get("data"):
            raise _refused(what, errors)
        return dict(answer.get("data") or {}), errors

    def _graphql_answer(
        self, what: str, query: str, variables: Mapping[str, Any]
    ) -> dict[str, Any]:
        body = {"query": query, "variables": dict(variables)}
        data = self._http.call("graphql", what, "POST", self._http.graphql_url, body=body)[1]
        return dict(data or {})

    def _call(
        self,
        kind: str,
        what: str,
        verb: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        body: Any = None,
        repeatable: bool = True,
    ) -> Any:
        """One request on this repository's API path; returns the JSON body."""
        url = f"{self._path}{path}"
        http = self._http
        return http.call(kind, what, verb, url, params=params, body=body, repeatable=repeatable)[1]

    def _paginate(
        self,
        kind: str,
        what: str,
        path: str,
        limit: int | None = None,
        query: Mapping[str, str] | None = None,
    ) -> list[Any]:
        """Every item of a list endpoint, ``per_page=100``, stopping at ``limit`` items.

        Follows ``Link: rel="next"``; a server that sends no Link header is read until a
        page comes back short. ``limit`` is where GitHub stops listing anyway (3,000 PR
        files), so no request is spent on the empty page after it. ``query`` adds filters.
        """
        items: list[Any] = []
        page = 0
        while True:
            page += 1
            params = {**(query or {}), "per_page": PER_PAGE, "page": page}
            headers, data = self._http.call(kind, what, "GET", f"{self._path}{path}", params=params)
            items.extend(data or [])
            link = headers.get("link")
            more = 'rel="next"' in link if link is not None else len(data or []) == PER_PAGE
            if not more or (limit is not None and len(items) >= limit):
                return items


def _refused(what: str, errors: Any) -> GitHubError:
    """GitHub's GraphQL refusal as an error: its messages, each once, three at most."""
    said = dict.fromkeys(str(e.get("message", e)) for e in errors if isinstance(e, dict))
    detail = "; ".join(list(said)[:3]) + ("; …" if len(said) > 3 else "")
    return GitHubError(f"GraphQL refused to {what}: {detail or errors}", 200, detail)
