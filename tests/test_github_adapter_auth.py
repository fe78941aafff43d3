"""GitHub App identity: installation lookup, then installation tokens on the requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from test_github_adapter import REPO

from telefonistka.adapters.github import GitHubRepo
from telefonistka.adapters.github.auth import app_installation_auth
from telefonistka.adapters.github.client import RequestCounter
from telefonistka.errors import GitHubError, UsageError


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock() as mock:
        yield mock


def test_app_installation_token_is_used_for_repository_calls(
    rsps: responses.RequestsMock, private_key: str
) -> None:
    rsps.get(f"{REPO}/installation", json={"id": 42})
    token = {"token": "ghs_installation", "expires_at": "2099-01-01T00:00:00Z"}
    rsps.post("https://api.github.com:443/app/installations/42/access_tokens", json=token)
    rsps.get(REPO, json={"default_branch": "main"})
    counter = RequestCounter()

    auth = app_installation_auth(123, private_key, "octo/gitops", counter=counter)
    repo = GitHubRepo(auth, "octo/gitops", counter=counter)

    assert repo.default_branch == "main"
    assert rsps.calls[0].request.headers["Authorization"].startswith("Bearer ")
    assert rsps.calls[2].request.headers["Authorization"] == "token ghs_installation"
    assert counter.by_kind == {"app": 1, "repo": 1}  # the token mint is PyGithub's own


def test_app_not_installed_on_the_repository(
    rsps: responses.RequestsMock, private_key: str
) -> None:
    rsps.get(f"{REPO}/installation", status=404, json={"message": "Not Found"})
    with pytest.raises(GitHubError, match="GitHub App 123 is not installed on octo/gitops"):
        app_installation_auth(123, private_key, "octo/gitops")


@pytest.mark.parametrize(
    "key",
    [
        "not a key",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n",
    ],
    ids=["text", "cut-pem"],
)
def test_a_malformed_app_key_is_a_usage_error_naming_the_input_before_any_request(
    rsps: responses.RequestsMock, key: str
) -> None:
    with pytest.raises(UsageError, match="input app-private-key of GitHub App 123 is not a PEM"):
        app_installation_auth(123, key, "octo/gitops", key_input="input app-private-key")

    assert len(rsps.calls) == 0
