"""GitHub App identity: from an app id and private key to the repository's installation.

A token (``GITHUB_TOKEN`` or a PAT) needs nothing from here: ``GitHubRepo`` takes it as
is. A GitHub App needs its installation on the repository: one request, authenticated as
the App (a JWT signed with the private key), finds it; PyGithub's
``AppInstallationAuth`` then mints the installation token on first use and renews it
before it expires (``POST /app/installations/{id}/access_tokens``, PyGithub's request,
not counted by ours). PRs opened by an App, unlike those opened with the workflow's
``GITHUB_TOKEN``, trigger further workflow runs, which multi-stage promotion needs.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from github import Auth

from telefonistka.adapters.github.client import (
    GitHubClient,
    RetryPolicy,
    Sleep,
    make_requester,
)
from telefonistka.core.github.api import DEFAULT_BASE_URL, RequestCounter
from telefonistka.errors import GitHubError, UsageError


def check_private_key(pem: str, app_id: int | str, key_input: str) -> None:
    """Refuse a key that is not a PEM private key, with a message a user can act on.

    Why: PyJWT reads the key only when it signs the first token, and its error ("Could
    not parse the provided public key") names neither the input nor the fix.
    """
    try:
        serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise UsageError(
            f"{key_input} of GitHub App {app_id} is not a PEM private key ({exc}): paste the "
            "whole .pem file GitHub generated, from '-----BEGIN' to the last line, into the "
            "secret"
        ) from None


def app_installation_auth(
    app_id: int | str,
    private_key: str,
    full_name: str,
    base_url: str = DEFAULT_BASE_URL,
    *,
    policy: RetryPolicy | None = None,
    counter: RequestCounter | None = None,
    sleep: Sleep = time.sleep,
    key_input: str = "the private key",
) -> Auth.AppInstallationAuth:
    """The identity of App ``app_id``'s installation on ``full_name``, for ``GitHubRepo``.

    One ``GET /repos/{owner}/{repo}/installation``; a 404 means the App is not installed
    on that repository (or the installation does not include it). A key that is not a
    PEM private key is a ``UsageError`` naming ``key_input`` (the caller's name for where
    the key came from), before any request.
    """
    check_private_key(private_key, app_id, key_input)
    app = Auth.AppAuth(app_id, private_key)
    client = GitHubClient(
        make_requester(app, base_url), policy=policy, counter=counter, sleep=sleep
    )
    owner, _, name = full_name.partition("/")
    path = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}/installation"
    try:
        _, data = client.call("app", f"find GitHub App {app_id} on {full_name}", "GET", path)
    except GitHubError as exc:
        if exc.status != 404:
            raise
        raise GitHubError(
            f"GitHub App {app_id} is not installed on {full_name} (404): install it on the "
            "repository, or add the repository to the installation's selected repositories",
            404,
            exc.detail,
        ) from exc
    return app.get_installation_auth(int(data["id"]))
