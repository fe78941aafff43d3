"""What a route's handler gets besides its event (``Context``) and what it returns (``Report``).

The GitHub clients are built here, from the settings, only when a handler asks, so a
missing token is an error only for events that need one, and an ignored event never
loads PyGithub (the imports below sit inside the methods for that reason).
"""

# The imports inside functions are the point (see above), hence:
# ruff: noqa: PLC0415

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from telefonistka.core.github.api import RequestCounter
from telefonistka.core.metrics import Sample
from telefonistka.errors import UsageError

if TYPE_CHECKING:
    from github import Auth

    from telefonistka.action.settings import Identity, Settings
    from telefonistka.action.workflow import Workflow
    from telefonistka.adapters.github import GitHubRepo
    from telefonistka.core.text.rendering import Renderer
    from telefonistka.usecases.argocd_scope import RepositoryScoped

R = TypeVar("R")


@dataclass(frozen=True)
class Report:
    """What a handler did, for the edge: step outputs, job summary, failures to annotate."""

    outputs: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""
    failures: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    failure_title: str = "telefonistka: promotion failed"
    # Series the route adds to the run's metrics (the fleet report's gauges).
    samples: tuple[Sample, ...] = ()


@dataclass
class Context:
    """What handlers get besides the event: settings, the log, GitHub identities.

    The GitHub clients are built here, from the settings, only when a handler asks, so
    a missing token is an error only for events that need one. Every client shares one
    request counter, so a run's request total covers both identities.
    """

    settings: Settings
    workflow: Workflow
    counter: RequestCounter = field(default_factory=RequestCounter)
    event_body: bytes = b""  # the delivery's exact bytes: fan-out forwards and signs them
    route: str = ""  # the route that took the event (set by ``routes.dispatch``)

    def log(self, message: str) -> None:
        self.workflow.log(message)

    def debug(self, message: str) -> None:
        """A detail for ``log-level: debug`` (or the runner's step debug logging)."""
        self.workflow.debug(message)

    def repo(
        self, full_name: str, default_branch: str | None = None, api_url: str | None = None
    ) -> GitHubRepo:
        """The repository as the bot's identity sees it (``api_url``: another GitHub host)."""
        identity = self.settings.identity
        if not identity.configured:
            raise UsageError(
                "no GitHub credentials: set the `github-token` input (for example "
                "`${{ secrets.GITHUB_TOKEN }}`), or `app-id` and `app-private-key`"
            )
        return self._connect(identity, full_name, default_branch, api_url)

    def approver(self, repo: GitHubRepo) -> GitHubRepo | None:
        """The same repository seen by the approver identity; None when none is set."""
        identity = self.settings.approver
        if not identity.configured:
            return None
        return repo.with_identity(self._auth(identity, repo.full_name, repo.base_url))

    def run_grouped(self, title: str, run: Callable[[], R]) -> R:
        """Run a use case inside a log group, then log the run's GitHub request total.

        Every handler that calls GitHub ends this way, so a user can read the API cost
        of each event from the step log.
        """
        with self.workflow.group(title):
            result = run()
        self.log(f"GitHub API requests: {self.counter.summary()}")
        return result

    def argocd(self, repository: str) -> RepositoryScoped | None:
        """The Argo CD server of the ``argocd-*`` inputs, narrowed to the apps that deploy
        from ``repository`` (``OWNER/NAME`` on this run's server); None when no server is
        configured."""
        settings = self.settings.argocd
        if not settings.configured:
            return None
        from telefonistka.adapters.argocd import ArgoCdClient
        from telefonistka.core.argocd.apps import this_repository
        from telefonistka.usecases.argocd_scope import RepositoryScoped

        client = ArgoCdClient(
            settings.url,
            settings.token,
            insecure=settings.insecure,
            ca_file=settings.ca_file or None,
            budget=settings.budget,
        )
        return RepositoryScoped(client, this_repository(self.settings.server_url, repository))

    def renderer(self, repo: GitHubRepo, branch: str) -> Renderer:
        """Templates from the packaged set, overridden by ``templates-path`` when given.

        Overrides are read from ``branch`` (the default branch) of ``repo`` through the
        API, never from the workspace, which may be a PR's checkout.
        """
        from telefonistka.core.text.rendering import Renderer
        from telefonistka.usecases.repo_config import read_template_overrides

        folder = self.settings.templates_path
        if folder is None:
            return Renderer()
        overrides = read_template_overrides(repo, branch, folder)
        self.log(f"templates from {folder} on {branch}: {', '.join(overrides) or 'none'}")
        return Renderer(overrides=overrides, override_folder=folder)

    def _connect(
        self,
        identity: Identity,
        full_name: str,
        default_branch: str | None,
        api_url: str | None = None,
    ) -> GitHubRepo:
        from telefonistka.adapters.github import GitHubRepo

        base_url = api_url or self.settings.api_url
        self._check_status_url(full_name)
        auth = self._auth(identity, full_name, base_url)
        repo = GitHubRepo(
            auth,
            full_name,
            base_url,
            counter=self.counter,
            default_branch=default_branch,
        )
        repo.status_url = self._status_url(repo)
        return repo

    def _check_status_url(self, full_name: str) -> None:
        """A bad `status-target-url` template is the input's fault: say so before any request."""
        template = self.settings.input("status-target-url")
        if not template:
            return
        from telefonistka.core.text.rendering import status_target_url
        from telefonistka.errors import RenderError

        try:
            status_target_url(
                template,
                commit_sha="0" * 40,
                commit_time="1970-01-01T00:00:00Z",
                repository=full_name,
                server_url=self.settings.server_url,
            )
        except RenderError as exc:
            raise UsageError(f"input {exc}") from None

    def _status_url(self, repo: GitHubRepo) -> Callable[[str], str] | None:
        """The `status-target-url` template bound to ``repo``; None when the input is unset.

        The commit is read (one request, cached) only when the template uses its time.
        """
        template = self.settings.input("status-target-url")
        if not template:
            return None
        from telefonistka.core.text.rendering import status_target_url

        def url(sha: str) -> str:
            when = repo.commit_state(sha).date if "commit_time" in template else ""
            return status_target_url(
                template,
                commit_sha=sha,
                commit_time=when,
                repository=repo.full_name,
                server_url=self.settings.server_url,
            )

        return url

    def _auth(
        self, identity: Identity, full_name: str, api_url: str | None = None
    ) -> str | Auth.Auth:
        """A token as is; an App becomes its installation on ``full_name`` (one request)."""
        if not identity.app_id:
            return identity.token
        if not identity.app_private_key:
            raise UsageError(f"GitHub App {identity.app_id} is set without its private key")
        from telefonistka.adapters.github.auth import app_installation_auth

        return app_installation_auth(
            identity.app_id,
            identity.app_private_key,
            full_name,
            api_url or self.settings.api_url,
            counter=self.counter,
            key_input=f"input {identity.key_input}",
        )
