"""Argo CD as one repository sees it: only the apps and ApplicationSets that deploy from it.

Why: one Argo CD server usually serves many repositories, and two of them can hold the
same folder (``env/prod/web`` in ``acme/infra`` and in ``acme/payments``). Matching apps
by path alone let a PR in one repository diff, sync from its branch, and send back apps
of the other. Every Argo CD read of the bot goes through ``RepositoryScoped``: an app
counts only when its source ``repoURL`` is this repository (``core.argocd.apps.repo_key``
normalises ``https://``, ``.git``, ``git@host:`` and GHES hosts), an ApplicationSet only
for its git generators reading this repository, and the bot's own temporary apps
(``telefonistka-tmp-*``) never count as real apps, whatever a killed run left behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from telefonistka.core.argocd.apps import ArgoApp
from telefonistka.core.argocd.appsets import TEMP_PREFIX, AppSet


class ArgoCdServer(Protocol):
    """Everything the bot asks of Argo CD (``adapters.argocd.ArgoCdClient``)."""

    def list_apps(self, selector: str | None = None) -> list[ArgoApp]: ...

    def live_objects(self, app: str) -> list[dict[str, Any]]: ...

    def manifests(self, app: str, revision: str) -> list[dict[str, Any]]: ...

    def set_target_revision(self, name: str, revision: str) -> None: ...

    def list_appsets(self) -> list[AppSet]: ...

    def create_app(self, app: Mapping[str, Any]) -> str: ...

    def delete_app(self, name: str) -> None: ...

    def close(self) -> None: ...


@dataclass
class RepositoryScoped:
    """``server`` narrowed to the apps of ``repository`` (a ``repo_key``)."""

    server: ArgoCdServer
    repository: str

    def list_apps(self, selector: str | None = None) -> list[ArgoApp]:
        return [
            app
            for app in self.server.list_apps(selector)
            if app.deploys_from(self.repository) and not app.name.startswith(TEMP_PREFIX)
        ]

    def temp_apps(self, pr_number: int) -> list[str]:
        """The names of the temporary apps a run for PR ``pr_number`` created and did not
        delete (killed between create and delete): the next run deletes them."""
        prefix = f"{TEMP_PREFIX}{pr_number}-"
        return sorted(app.name for app in self.server.list_apps() if app.name.startswith(prefix))

    def list_appsets(self) -> list[AppSet]:
        scoped = (appset.of_repository(self.repository) for appset in self.server.list_appsets())
        return [appset for appset in scoped if appset is not None]

    def live_objects(self, app: str) -> list[dict[str, Any]]:
        return self.server.live_objects(app)

    def manifests(self, app: str, revision: str) -> list[dict[str, Any]]:
        return self.server.manifests(app, revision)

    def set_target_revision(self, name: str, revision: str) -> None:
        self.server.set_target_revision(name, revision)

    def create_app(self, app: Mapping[str, Any]) -> str:
        return self.server.create_app(app)

    def delete_app(self, name: str) -> None:
        self.server.delete_app(name)

    def close(self) -> None:
        self.server.close()
