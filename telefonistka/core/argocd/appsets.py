"""Temporary apps for components no Argo CD app deploys yet (pure).

Why: a promotion to a new cluster, or a brand-new component, has no app to diff against
until its ApplicationSet generates one after the merge. With
``createTempAppObjectFromNewApps`` the bot finds the ApplicationSet whose git directory
generator covers the component folder, builds the app its template would generate for
that folder (``temp_app``), lets Argo CD render it, and deletes it again; every object is
then "added".

Templates use the ApplicationSet git generator's parameters: fasttemplate
(``{{path}}``, ``{{path.basename}}``, ``{{path.basenameNormalized}}``, ``{{path[N]}}``)
or, with ``goTemplate: true``, ``{{.path.path}}``, ``{{.path.basename}}``,
``{{.path.basenameNormalized}}`` and ``{{index .path.segments N}}``.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from telefonistka.core.argocd.apps import repo_key

TEMP_PREFIX = "telefonistka-tmp-"
_FAST = re.compile(r"\{\{\s*path(?:\.(basename|basenameNormalized)|\[(\d+)\])?\s*\}\}")
_GO = re.compile(
    r"\{\{-?\s*(?:\.path\.(path|basename|basenameNormalized)|index \.path\.segments (\d+))"
    r"\s*-?\}\}"
)


@dataclass(frozen=True)
class AppSet:
    """What a temp app needs of one ApplicationSet: its directory patterns and template."""

    name: str
    directories: tuple[tuple[str, bool], ...]  # (glob, exclude)
    template: Mapping[str, Any]
    go_template: bool = False
    # (repoURL, glob, exclude) of each git directory generator entry, for ``of_repository``
    sources: tuple[tuple[str, str, bool], ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AppSet:
        spec = data.get("spec") or {}
        sources = []
        for generator in spec.get("generators") or []:
            git = (generator or {}).get("git") or {}
            for item in git.get("directories") or []:
                path, exclude = str(item.get("path") or ""), bool(item.get("exclude"))
                sources.append((str(git.get("repoURL") or ""), path, exclude))
        return cls(
            name=str((data.get("metadata") or {}).get("name") or ""),
            directories=tuple((path, exclude) for _, path, exclude in sources),
            template=spec.get("template") or {},
            go_template=bool(spec.get("goTemplate")),
            sources=tuple(sources),
        )

    def of_repository(self, repository: str) -> AppSet | None:
        """This ApplicationSet as far as it generates apps of ``repository`` (a
        ``repo_key``): only its git generators reading that repository, and only when the
        apps it templates deploy from it too; None when nothing of it is that repository's.
        """
        source = ((self.template.get("spec") or {}).get("source") or {}).get("repoURL")
        if isinstance(source, str) and "{{" not in source and repo_key(source) != repository:
            return None
        mine = tuple((p, e) for url, p, e in self.sources if repo_key(url) == repository)
        return replace(self, directories=mine) if mine else None

    def covers(self, folder: str) -> bool:
        """Whether the git directory generator lists ``folder`` (and no exclude drops it)."""
        included = any(
            fnmatch.fnmatchcase(folder, p) for p, exclude in self.directories if not exclude
        )
        excluded = any(fnmatch.fnmatchcase(folder, p) for p, exclude in self.directories if exclude)
        return included and not excluded


def appset_for(appsets: Iterable[AppSet], folder: str) -> AppSet | None:
    """The first ApplicationSet (by name) whose generator covers ``folder``."""
    return next((s for s in sorted(appsets, key=lambda s: s.name) if s.covers(folder)), None)


def temp_app(appset: AppSet, folder: str, pr_number: int) -> dict[str, Any]:
    """The app ``appset`` would generate for ``folder``, as a temporary app: its own name
    (``telefonistka-tmp-…``, unique per PR and folder), no sync policy (it never syncs)."""
    segments = folder.split("/")
    basename = segments[-1]
    params = {
        "path": folder,
        "basename": basename,
        "basenameNormalized": re.sub(r"[^a-z0-9-]", "-", basename.lower()),
    }

    def fast(match: re.Match[str]) -> str:
        field, index = match.group(1), match.group(2)
        return segments[int(index)] if index is not None else params[field or "path"]

    def go(match: re.Match[str]) -> str:
        field, index = match.group(1), match.group(2)
        return segments[int(index)] if index is not None else params[field]

    text = json.dumps(appset.template)
    text = (_GO if appset.go_template else _FAST).sub(
        lambda m: json.dumps(go(m) if appset.go_template else fast(m))[1:-1], text
    )
    app: dict[str, Any] = json.loads(text)
    digest = hashlib.sha1(folder.encode(), usedforsecurity=False).hexdigest()[:10]
    app.setdefault("metadata", {})["name"] = f"{TEMP_PREFIX}{pr_number}-{digest}"
    app["metadata"].pop("finalizers", None)  # deleting it must never delete resources
    app.setdefault("spec", {}).pop("syncPolicy", None)
    return app
