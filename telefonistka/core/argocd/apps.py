"""Argo CD applications as plain data, and which of them a change touches (pure).

Discovery follows Argo CD's own ``argocd.argoproj.io/manifest-generate-paths``
annotation: a ``;``-separated list of paths, each absolute (from the repository root,
``/clusters/prod/app``) or relative to the app's source path (``.``, ``../base``). An app
is touched when a changed file lies in one of them. An app without the annotation is
touched when a changed file lies in its source path.

With ``useSHALabelForAppDiscovery`` the apps carry the label
``telefonistka.io/component-path-sha1``, the SHA-1 of the component folder they deploy
(as the Go original's fork labels them); the changed components' hashes then select the
apps on the Argo CD server itself, in one listing (``sha_selector``).
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from telefonistka.core.argocd.diff import IgnoreRule

GENERATE_PATHS = "argocd.argoproj.io/manifest-generate-paths"
# ``git@host:owner/name.git``, git's scp-like form (no scheme).
_SCP_LIKE = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[^:/\s]+):(?P<path>[^/\s].*)$")
SHA_LABEL = "telefonistka.io/component-path-sha1"


@dataclass(frozen=True)
class ArgoApp:
    """What the bot needs of one application (``v1alpha1Application``)."""

    name: str
    project: str
    repo_url: str
    path: str
    target_revision: str
    annotations: Mapping[str, str]
    health: str
    sync: str
    auto_sync: bool
    ignore: tuple[IgnoreRule, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    revision: str = ""  # the commit its sync status is about (``status.sync.revision``)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ArgoApp:
        metadata = data.get("metadata") or {}
        spec = data.get("spec") or {}
        source = spec.get("source") or {}
        status = data.get("status") or {}
        return cls(
            name=str(metadata.get("name") or ""),
            project=str(spec.get("project") or "default"),
            repo_url=str(source.get("repoURL") or ""),
            path=str(source.get("path") or "").strip("/"),
            target_revision=str(source.get("targetRevision") or "HEAD"),
            annotations={str(k): str(v) for k, v in (metadata.get("annotations") or {}).items()},
            health=str((status.get("health") or {}).get("status") or "Unknown"),
            sync=str((status.get("sync") or {}).get("status") or "Unknown"),
            auto_sync=bool((spec.get("syncPolicy") or {}).get("automated")),
            ignore=tuple(IgnoreRule.from_json(r) for r in spec.get("ignoreDifferences") or ()),
            labels={str(k): str(v) for k, v in (metadata.get("labels") or {}).items()},
            revision=str((status.get("sync") or {}).get("revision") or ""),
        )

    def deploys_from(self, repository: str) -> bool:
        """Whether this app's source is the repository whose key is ``repository``."""
        return repo_key(self.repo_url) == repository

    def watched_paths(self) -> tuple[str, ...]:
        """The repository folders whose changes this app's manifests depend on."""
        value = self.annotations.get(GENERATE_PATHS)
        if value is None:
            return (self.path,) if self.path else ()
        paths = []
        for raw in value.split(";"):
            item = raw.strip()
            if not item:
                continue
            joined = item if item.startswith("/") else posixpath.join(self.path, item)
            paths.append(posixpath.normpath(joined).strip("/"))
        return tuple(p for p in paths if p and p != ".")

    def warnings(self) -> tuple[str, ...]:
        """What a reviewer should know before trusting the diff."""
        found = []
        if self.health != "Healthy":
            found.append(f"the app is {self.health}, not Healthy")
        if self.sync != "Synced":
            found.append(f"the app is {self.sync}: the live state is not what the branch says")
        if not self.auto_sync:
            found.append("auto-sync is off: merging changes nothing until someone syncs")
        return tuple(found)


def repo_key(url: str) -> str | None:
    """``host/owner/name`` of a git URL, lowercased, so every spelling of one repository
    compares equal: ``https://github.com/Acme/infra.git``, ``git@github.com:acme/infra``,
    ``ssh://git@github.com:22/acme/infra/``, ``https://token@ghe.example.com/acme/infra``.
    None for what names no repository (an empty URL, a Helm chart repository's bare host).
    """
    text = url.strip()
    if "://" in text:
        parts = urlsplit(text)
        host, path = parts.hostname or "", parts.path
    else:
        found = _SCP_LIKE.match(text)
        if found is None:
            return None
        host, path = found.group("host"), found.group("path")
    path = path.strip("/").removesuffix(".git").strip("/")
    if not host or path.count("/") < 1:
        return None
    host = host.lower().removeprefix("www.")
    return f"{host}/{path.lower()}"


def this_repository(server_url: str, full_name: str) -> str:
    """The key of the repository the bot acts on: its server's host (github.com, a GHES
    host) and ``owner/name``."""
    key = repo_key(f"{server_url.rstrip('/')}/{full_name}")
    if key is None:
        raise ValueError(f"{server_url!r} and {full_name!r} name no repository")
    return key


def touched_apps(apps: Iterable[ArgoApp], files: Iterable[str]) -> list[ArgoApp]:
    """The apps a change of ``files`` touches, in name order."""
    changed = [f.strip("/") for f in files]
    return sorted(
        (
            app
            for app in apps
            if any(_under(file, folder) for file in changed for folder in app.watched_paths())
        ),
        key=lambda app: app.name,
    )


def _under(file: str, folder: str) -> bool:
    return file == folder or file.startswith(folder + "/")


def component_sha1(path: str) -> str:
    """The label value of a component folder: SHA-1 of its path, no slash at either end."""
    return hashlib.sha1(path.strip("/").encode(), usedforsecurity=False).hexdigest()


def sha_selector(component_paths: Iterable[str]) -> str:
    """The label selector of the apps deploying any of ``component_paths`` (set-based)."""
    hashes = sorted({component_sha1(path) for path in component_paths})
    return f"{SHA_LABEL} in ({','.join(hashes)})"
