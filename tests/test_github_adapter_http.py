"""Retry and error rules of the GitHub adapter's HTTP layer, as pure functions."""

from __future__ import annotations

import pytest
import requests
from github import GithubException
from trickle import trickling_server

from telefonistka.adapters.github.client import (
    Failure,
    RetryPolicy,
    describe_error,
    failure_of,
    is_secondary_rate_limit,
    wait_before_retry,
)
from telefonistka.errors import GitHubError

NOW = 1_000_000.0
POLICY = RetryPolicy()


@pytest.mark.parametrize(
    ("failure", "attempt", "wait"),
    [
        (Failure(502, "Bad Gateway", {}), 1, 1.0),
        (Failure(503, "", {}), 3, 4.0),
        (Failure(500, "", {}), 10, 30.0),  # capped
        (Failure(503, "", {"retry-after": "12"}), 1, 12.0),
        (Failure(None, "ConnectionError", {}, network=True), 2, 2.0),
        (Failure(None, "InvalidURL", {}), 1, None),
        (
            Failure(
                403,
                "API rate limit exceeded",
                {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 42)},
            ),
            1,
            43.0,
        ),
        (Failure(403, "You have exceeded a secondary rate limit", {"retry-after": "7"}), 1, 7.0),
        (Failure(403, "You have exceeded a secondary rate limit", {}), 1, 60.0),
        (Failure(429, "Too Many Requests", {}), 2, 2.0),
        (Failure(403, "Resource not accessible by integration", {}), 1, None),
        (Failure(404, "Not Found", {}), 1, None),
        (Failure(422, "Validation Failed", {}), 1, None),
    ],
)
def test_wait_before_retry(failure: Failure, attempt: int, wait: float | None) -> None:
    assert wait_before_retry(failure, attempt, POLICY, NOW) == wait


def test_retry_after_as_http_date() -> None:
    failure = Failure(503, "", {"retry-after": "Thu, 01 Jan 1970 00:00:10 GMT"})
    assert wait_before_retry(failure, 1, POLICY, 4.0) == 6.0


@pytest.mark.parametrize(
    "message",
    [
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        "You have triggered an abuse detection mechanism.",
        "Something. Please retry your request again later.",
    ],
)
def test_secondary_rate_limit_wordings(message: str) -> None:
    assert is_secondary_rate_limit(message)


@pytest.mark.parametrize(
    ("kind", "permission"),
    [
        ("tree", "contents: write"),
        ("ref", "contents: write"),
        ("commit", "contents: write"),
        ("pull", "pull-requests: write"),
        ("labels", "pull-requests: write"),
        ("status", "statuses: write"),
    ],
)
def test_403_names_the_missing_permission(kind: str, permission: str) -> None:
    failure = Failure(403, "Resource not accessible by integration", {})
    message = describe_error(failure, kind, "do it")
    assert f"`{permission}` permission" in message
    assert "Resource not accessible by integration" in message


def test_401_says_the_token_is_bad() -> None:
    message = describe_error(Failure(401, "Bad credentials", {}), "repo", "read the repository")
    assert message.startswith("GitHub rejected the token (401 Bad credentials)")


def test_exhausted_rate_limit_is_not_called_a_permission_problem() -> None:
    failure = Failure(
        403, "API rate limit exceeded for installation", {"x-ratelimit-remaining": "0"}
    )
    assert "rate limit exceeded while trying to write a tree" in describe_error(
        failure, "tree", "write a tree"
    )


def test_404_says_missing_or_invisible() -> None:
    message = describe_error(Failure(404, "Not Found", {}), "blob", "read blob 123")
    assert message.endswith("it does not exist, or the token cannot see the repository")


def test_unreachable_and_other_statuses() -> None:
    assert describe_error(Failure(None, "ConnectionError: boom", {}), "tree", "read tree") == (
        "cannot reach GitHub to read tree: ConnectionError: boom"
    )
    failure = Failure(422, "Validation Failed: base_tree is invalid", {})
    assert describe_error(failure, "tree", "write a tree") == (
        "GitHub could not write a tree (422 Validation Failed: base_tree is invalid)"
    )


def test_failure_of_a_github_exception_keeps_422_details_and_lowercases_headers() -> None:
    data = {
        "message": "Validation Failed",
        "errors": [{"code": "custom", "message": "A PR exists"}, "x"],
    }
    exc = GithubException(422, data, {"X-RateLimit-Remaining": "9"})
    assert failure_of(exc) == Failure(
        422, "Validation Failed: A PR exists; x", {"x-ratelimit-remaining": "9"}
    )


def test_failure_of_network_errors() -> None:
    assert failure_of(requests.ConnectionError("down")).network
    assert failure_of(requests.Timeout("slow")).network
    assert not failure_of(requests.exceptions.InvalidURL("bad")).network


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_github_trickling_its_answer_meets_the_total_deadline() -> None:
    """Every read of a server sending a byte every 0.2 s is in time; the call is not: it
    ends as a network failure (retried, then reported as an answer that never came)."""
    from telefonistka.adapters.github import GitHubRepo  # noqa: PLC0415

    waits: list[float] = []
    with trickling_server() as url:
        policy = RetryPolicy(attempts=2, deadline=0.5)
        repo = GitHubRepo("t", "octo/gitops", url, sleep=waits.append, policy=policy)
        with pytest.raises(GitHubError) as caught:
            repo.read_file("main", "telefonistka.yaml")

    assert caught.value.answer_lost
    assert "no complete answer from GitHub" in str(caught.value)
    assert len(waits) == 1  # tried twice
