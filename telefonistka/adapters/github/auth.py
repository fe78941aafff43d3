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

from github import Auth

from telefonistka.adapters.github.client import (
    GitHubClient,
    RetryPolicy,
    Sleep,
    make_requester,
)
from telefonistka.core.github_api import DEFAULT_BASE_URL, RequestCounter
from telefonistka.errors import GitHubError


def app_installation_auth(
    app_id: int | str,
    private_key: str,
    full_name: str,
    base_url: str = DEFAULT_BASE_URL,
    *,
    policy: RetryPolicy | None = None,
    counter: RequestCounter | None = None,
    sleep: Sleep = time.sleep,
) -> Auth.AppInstallationAuth:
    """The identity of App ``app_id``'s installation on ``full_name``, for ``GitHubRepo``.

    One ``GET /repos/{owner}/{repo}/installation``; a 404 means the App is not installed
    on that repository (or the installation does not include it).
    """
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
