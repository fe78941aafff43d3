"""What the bot knows about the GitHub API without a client: its default address and the
request counter every client of a run shares (which also keeps what the run's metrics
report: operations by method, API group and path, status and repository; the rate limit
last seen; commit-status updates by state).

Light on purpose (no PyGithub, no ``requests``): the Action edge imports it at start-up,
and an event the bot ignores must not pay for the HTTP stack. ``adapters/github/client.py``
re-exports both names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

DEFAULT_BASE_URL = "https://api.github.com"
PUBLIC_HOSTS = frozenset({"github.com", "api.github.com"})


@dataclass(frozen=True, order=True)
class Operation:
    """One kind of GitHub API request, labelled as the Go original's
    ``telefonistka_github_github_operations_total``: method, API group (``repos``,
    ``graphql``, ...), API path inside the repository (``pulls``, ``git``, ...; empty for
    the repository itself), the answer's status (``none``: no answer arrived) and the
    repository (``owner/name``; empty outside ``/repos/``)."""

    method: str
    api_group: str
    api_path: str
    status: str
    repo_slug: str


_REPO_PATH = re.compile(r"^/repos/([^/]+)/([^/]+)(?:/([^/]+))?")


def classify(method: str, url: str, status: int | None) -> Operation:
    """The ``Operation`` of one request to ``url`` (relative, or absolute on any host).

    GitHub Enterprise Server's ``/api/v3`` prefix is dropped so both hosts label alike.
    """
    path = urlsplit(url).path
    for prefix in ("/api/v3", "/api"):
        if path.startswith(f"{prefix}/"):
            path = path[len(prefix) :]
            break
    answer = str(status) if status is not None else "none"
    found = _REPO_PATH.match(path)
    if found:
        slug = f"{unquote(found.group(1))}/{unquote(found.group(2))}"
        return Operation(method.upper(), "repos", found.group(3) or "", answer, slug)
    group = path.strip("/").split("/", 1)[0]
    return Operation(method.upper(), group, "", answer, "")


@dataclass
class RequestCounter:
    """Requests sent, in total and per kind of call; share one between identities.

    Every HTTP request counts, retries included, so the figure matches what GitHub (or
    the emulator's request log) sees. ``observe`` is called with every answer (the
    GitHub client's one seam): it feeds the run's metrics.
    """

    by_kind: Counter[str] = field(default_factory=Counter)
    operations: Counter[Operation] = field(default_factory=Counter)
    status_updates: Counter[tuple[str, str]] = field(default_factory=Counter)  # (repo, state)
    rate_remaining: int | None = None
    rate_limit: int | None = None
    # GraphQL has its own budget, in points (GitHub charges a query by the connections it
    # asks for): what is left of it, as the last GraphQL answer said
    points_remaining: int | None = None

    def observe(
        self,
        method: str,
        url: str,
        status: int | None,
        headers: Mapping[str, Any],
        body: Any = None,
    ) -> None:
        """Record one answer (``status`` None: the connection failed before one came)."""
        operation = classify(method, url, status)
        self.operations[operation] += 1
        lowered = {str(k).lower(): str(v) for k, v in headers.items()}
        left = lowered.get("x-ratelimit-remaining")
        if lowered.get("x-ratelimit-resource") == "graphql" and left and left.isdecimal():
            self.points_remaining = int(left)
        if lowered.get("x-ratelimit-resource", "core") == "core":
            remaining, limit = (
                lowered.get("x-ratelimit-remaining"),
                lowered.get("x-ratelimit-limit"),
            )
            if remaining is not None and remaining.isdecimal():
                self.rate_remaining = int(remaining)
            if limit is not None and limit.isdecimal():
                self.rate_limit = int(limit)
        is_status = operation.api_path == "statuses" and operation.method == "POST"
        if is_status and status is not None and status < 400 and isinstance(body, dict):
            self.status_updates[(operation.repo_slug, str(body.get("state", "")))] += 1

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def summary(self) -> str:
        """The run's total for the log: REST and GraphQL apart, GraphQL's points left."""
        graphql = self.by_kind.get("graphql", 0)
        if not graphql:
            return str(self.total)
        left = "" if self.points_remaining is None else f", {self.points_remaining} points left"
        return f"{self.total} ({graphql} GraphQL{left})"

    def record(self, kind: str) -> None:
        self.by_kind[kind] += 1

    def breakdown(self) -> str:
        """``"blob 2, ref 1"``: the count per kind, most frequent first, for the log."""
        ranked = sorted(self.by_kind.items(), key=lambda item: (-item[1], item[0]))
        return ", ".join(f"{kind} {count}" for kind, count in ranked)


def host_api_url(host: str | None, fallback: str) -> str:
    """The API root of GitHub host ``host`` (GHES: ``https://HOST/api/v3``), else ``fallback``.

    Shared by the CLI's ``--github-host`` and the Action's ``bump-github-host`` input, so
    both spell hosts alike.
    """
    host = (host or "").strip().strip("/")
    if host in PUBLIC_HOSTS:
        return DEFAULT_BASE_URL
    return f"https://{host}/api/v3" if host else fallback
