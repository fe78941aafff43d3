"""The HTTP layer of the GitHub adapter: one call = one request, retried and counted.

Why PyGithub's ``Requester`` and not its object API: the requester brings what we want
from PyGithub (token and App authentication, GitHub Enterprise base URLs, the user agent,
JSON encoding, its exception classes), while the object API adds calls we do not want
(``get_repo`` fetches before anything else, lazy objects complete themselves with extra
GETs, paginated lists hide how many pages they read) and cannot say ``"sha": null`` for
a deletion in a tree write. Every request therefore goes through ``GitHubClient.call``,
which is where the request count, the retries and the error translation live.

Writes are retried like reads after a 5xx or a dropped connection when a write that
GitHub carried out before failing does no harm when repeated: trees and commits are
content-addressed (at worst an unreferenced duplicate commit), a branch created twice
answers 422 "Reference already exists" (handled as a lost race), a PR opened twice
answers "already exists" (the open PR is returned), a merge repeated answers "not
mergeable" (the PR is read: merged is success). A comment or a review would be posted
twice: those calls say ``repeatable=False`` and look before writing again.

An App installation (``Auth.AppInstallationAuth``) fetches and renews its token through
the same requester; those token requests are PyGithub's and are not counted here.

PyGithub's own retries (``GithubRetry``, which sleeps inside urllib3) and its throttle
(``seconds_between_requests`` / ``_writes``) are switched off, so the policy here is the
only one: waits go through an injectable ``sleep`` and tests never sleep.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
from github import Auth, Github, GithubException

from telefonistka.adapters.deadline import DeadlineError, call_with_deadline
from telefonistka.adapters.github.answers import observe_answers
from telefonistka.core.github.api import RequestCounter
from telefonistka.errors import GitHubError

USER_AGENT = "telefonistka"
TIMEOUT_SECONDS = 30
DEADLINE_SECONDS = 2 * TIMEOUT_SECONDS  # one call in all, however slowly GitHub answers
API_VERSION = "2022-11-28"
# GitHub's recommended headers: its JSON media type and a pinned REST API version.
REQUEST_HEADERS: Mapping[str, str] = {
    "Accept": "application/vnd.github+json",
    "X-GitHub-Api-Version": API_VERSION,
}
SECONDARY_RATE_LIMIT_WAIT = 60.0  # GitHub: "wait at least one minute before retrying"
_RETRY_STATUSES = frozenset({500, 502, 503, 504})
_RATE_LIMIT_STATUSES = frozenset({403, 429})
_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)

# Which fine-grained permission a kind of call needs, for 403 messages.
PERMISSIONS: Mapping[str, str] = {
    "ref": "contents: write",
    "tree": "contents: write",
    "commit": "contents: write",
    "blob": "contents: read",
    "merge": "contents: write",
    "pull": "pull-requests: write",
    "pull-files": "pull-requests: read",
    "review": "pull-requests: write",
    "labels": "pull-requests: write",
    "assignees": "pull-requests: write",
    "comment": "pull-requests: write",
    "status": "statuses: write",
    "repo": "metadata: read",
    "collaborator": "metadata: read",
    "issue": "issues: write",
}

Sleep = Callable[[float], None]
Clock = Callable[[], float]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a transient failure.

    ``attempts`` bounds every kind of retry (5xx, connection errors, rate limits); the
    backoff doubles from ``backoff`` up to ``max_backoff``. A rate limit that resets
    later than ``max_wait`` fails at once rather than holding a runner for an hour.
    """

    attempts: int = 5
    backoff: float = 1.0
    max_backoff: float = 30.0
    max_wait: float = 900.0
    merge_attempts: int = 5
    deadline: float = DEADLINE_SECONDS  # one request in all (its socket timeout is per read)

    def backoff_for(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (1-based) without server guidance."""
        return float(min(self.backoff * 2 ** (attempt - 1), self.max_backoff))


@dataclass(frozen=True)
class Failure:
    """One failed request, reduced to what the retry and error rules look at."""

    status: int | None
    message: str
    headers: Mapping[str, str]
    network: bool = False  # a connection error or timeout: GitHub never answered


def wait_before_retry(
    failure: Failure, attempt: int, policy: RetryPolicy, now: float
) -> float | None:
    """Seconds to wait before retrying ``failure``, or None when it is not transient.

    ``Retry-After`` wins when given (secondary rate limits, 503s); a primary rate limit
    (``X-RateLimit-Remaining: 0``) waits until ``X-RateLimit-Reset``; a secondary rate
    limit without a header waits the minute GitHub asks for; 5xx and connection errors
    back off exponentially.
    """
    status, headers = failure.status, failure.headers
    if status is None:
        return policy.backoff_for(attempt) if failure.network else None
    if status not in _RETRY_STATUSES | _RATE_LIMIT_STATUSES:
        return None
    retry_after = _retry_after(headers, now)
    if retry_after is not None:
        return retry_after
    if status in _RATE_LIMIT_STATUSES:
        return _rate_limit_wait(failure, attempt, policy, now)
    return policy.backoff_for(attempt)


def _rate_limit_wait(
    failure: Failure, attempt: int, policy: RetryPolicy, now: float
) -> float | None:
    """The wait for a 403/429 without ``Retry-After``; None for a permission 403."""
    headers = failure.headers
    if headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
        return max(float(headers["x-ratelimit-reset"]) - now, 0.0) + 1.0
    if is_secondary_rate_limit(failure.message):
        return max(SECONDARY_RATE_LIMIT_WAIT, policy.backoff_for(attempt))
    return policy.backoff_for(attempt) if failure.status == 429 else None


def _retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """``Retry-After`` as seconds (it may be a number or an HTTP date)."""
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(parsed.timestamp() - now, 0.0) if parsed else None


def is_secondary_rate_limit(message: str) -> bool:
    """GitHub's wordings of a secondary (abuse) rate limit."""
    text = message.lower()
    return (
        "secondary rate limit" in text
        or "abuse" in text
        or text.endswith(
            (
                "please retry your request again later.",
                "please wait a few minutes before you try again.",
            )
        )
    )


def describe_error(failure: Failure, kind: str, what: str) -> str:
    """A message for the workflow user: what was refused, the probable cause and fix."""
    status, message = failure.status, failure.message or "(no message)"
    if status is None:
        return f"cannot reach GitHub to {what}: {message}"
    if status == 401:
        return (
            f"GitHub rejected the token (401 {message}) while trying to {what}: check that "
            "the token is set and not expired, and that the API URL is the right host"
        )
    if status in _RATE_LIMIT_STATUSES and _is_rate_limited(failure):
        return (
            f"GitHub rate limit exceeded while trying to {what} ({status} {message}); retried "
            "as long as the retry policy allows: re-run later, or use a GitHub App token, "
            "whose limits are higher"
        )
    if status == 403:
        permission = PERMISSIONS.get(kind, "the needed")
        return (
            f"GitHub refused to {what} (403 {message}): the token probably lacks the "
            f"`{permission}` permission; grant it in the workflow's `permissions:` block "
            "or to the App / personal access token"
        )
    if status == 404:
        return (
            f"GitHub could not {what} (404 {message}): it does not exist, or the token "
            "cannot see the repository"
        )
    return f"GitHub could not {what} ({status} {message})"


def _is_rate_limited(failure: Failure) -> bool:
    remaining = failure.headers.get("x-ratelimit-remaining")
    return remaining == "0" or "rate limit" in failure.message.lower()


def failure_of(exc: Exception) -> Failure:
    """The status, message and headers of a PyGithub or requests exception."""
    if isinstance(exc, GithubException):
        headers = {k.lower(): str(v) for k, v in (exc.headers or {}).items()}
        return Failure(exc.status, _github_message(exc.data), headers)
    network = isinstance(exc, _NETWORK_ERRORS)
    return Failure(None, f"{type(exc).__name__}: {exc}", {}, network=network)


def _github_message(data: Any) -> str:
    """GitHub's ``message``, plus the detail of any ``errors`` (422s put the reason there)."""
    if not isinstance(data, dict):
        return str(data or "")
    message = str(data.get("message") or data.get("data") or "")
    details = [_error_detail(e) for e in data.get("errors") or []]
    details = [d for d in details if d]
    return f"{message}: {'; '.join(details)}" if details else message


def _error_detail(error: Any) -> str:
    """One item of a 422's ``errors`` list: a dict with ``message`` or ``code``, or a string."""
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or "")
    return str(error or "")


def make_requester(token: str | Auth.Auth, base_url: str) -> Any:
    """A PyGithub ``Requester`` with PyGithub's retries and throttling switched off."""
    auth = Auth.Token(token) if isinstance(token, str) else token
    github = Github(
        auth=auth,
        base_url=base_url.rstrip("/"),
        timeout=TIMEOUT_SECONDS,
        user_agent=USER_AGENT,
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    return github.requester


class GitHubClient:
    """Sends one REST request at a time through PyGithub's requester, with our retries.

    ``call`` returns ``(headers, json)``; a failure that is not transient, or is still
    failing after ``policy.attempts`` tries, raises ``GitHubError``. The caller names the
    kind of call (for the counter and for permission hints) and what it was doing (for
    the message).
    """

    def __init__(
        self,
        requester: Any,
        *,
        policy: RetryPolicy | None = None,
        counter: RequestCounter | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.time,
    ) -> None:
        self._requester = requester
        self.policy = policy or RetryPolicy()
        self.counter = counter if counter is not None else RequestCounter()
        observe_answers(requester, self.counter)
        self.sleep = sleep
        self.clock = clock

    def call(
        self,
        kind: str,
        what: str,
        verb: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        repeatable: bool = True,
    ) -> tuple[dict[str, str], Any]:
        """One REST call, retried while the failure is transient.

        ``repeatable=False`` (a comment, a review: a write that would be done twice) is not
        retried after a failure that may have lost the answer of a write GitHub carried
        out (a 5xx, a dropped connection): ``GitHubError.answer_lost`` tells the caller to
        look before writing again. Rate limits, which GitHub answers before doing
        anything, are still waited out.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send(kind, verb, url, params, body)
            except (GithubException, requests.RequestException) as exc:
                failure = failure_of(exc)
                lost = failure.network or (failure.status or 0) >= 500
                wait = None if lost and not repeatable else self._wait(failure, attempt)
                if wait is None:
                    message = describe_error(failure, kind, what)
                    raise GitHubError(
                        message, failure.status, failure.message, answer_lost=lost
                    ) from exc
            self.sleep(wait)

    @property
    def graphql_url(self) -> str:
        """The GraphQL endpoint of this host (``/graphql``, or ``/api/graphql`` on GHES)."""
        return str(self._requester.graphql_url)

    def close(self) -> None:
        """Close the requester's pooled connections."""
        self._requester.close()

    def _send(
        self, kind: str, verb: str, url: str, params: Mapping[str, Any] | None, body: Any
    ) -> tuple[dict[str, str], Any]:
        self.counter.record(kind)

        def send() -> tuple[dict[str, Any], Any]:
            sent: tuple[dict[str, Any], Any] = self._requester.requestJsonAndCheck(
                verb,
                url,
                parameters=dict(params) if params else None,
                headers=dict(REQUEST_HEADERS),
                input=body,
            )
            return sent

        try:  # the socket timeout is per read: a server trickling bytes passes it for ever
            headers, data = call_with_deadline(send, self.policy.deadline)
        except DeadlineError as exc:
            raise requests.Timeout(f"no complete answer from GitHub: {exc}") from None
        return {k.lower(): str(v) for k, v in headers.items()}, data

    def _wait(self, failure: Failure, attempt: int) -> float | None:
        """The wait before the next try, or None when this failure is final."""
        if attempt >= self.policy.attempts:
            return None
        wait = wait_before_retry(failure, attempt, self.policy, self.clock())
        return wait if wait is not None and wait <= self.policy.max_wait else None
