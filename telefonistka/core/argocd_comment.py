"""The Argo CD diff as PR comments, each below GitHub's size limit (pure).

One comment holds every app when it fits; otherwise each app gets its own comment, and an
app too large for one comment on its own lists its changed objects without their diffs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from telefonistka.core.argocd_diff import ObjectDiff
from telefonistka.core.rendering import COMMENT_LIMIT, Renderer

ARGOCD_MARKER = "<!-- telefonistka:argocd-diff -->"


@dataclass(frozen=True)
class AppSection:
    """One app as the comment shows it."""

    name: str
    warnings: tuple[str, ...] = ()
    objects: tuple[ObjectDiff, ...] = ()
    notes: tuple[str, ...] = ()
    error: str = ""
    hidden: bool = False  # content not shown: disableArgoCDDiff, or too large
    shortened: bool = field(default=False, compare=False)


def argocd_comments(
    renderer: Renderer, revision: str, apps: Sequence[AppSection], limit: int = COMMENT_LIMIT
) -> list[str]:
    """The comments for ``apps`` (see the module docstring); none for no app."""
    if not apps:
        return []
    whole = _render(renderer, revision, list(apps), 1, 1)
    if len(whole) <= limit:
        return [whole]
    fitting = [_fit(renderer, revision, app, limit) for app in apps]
    return [_render(renderer, revision, [app], i, len(fitting)) for i, app in enumerate(fitting, 1)]


def _fit(renderer: Renderer, revision: str, app: AppSection, limit: int) -> AppSection:
    """``app`` as it fits one comment: whole, else its objects without their diffs."""
    if len(_render(renderer, revision, [app], 99, 99)) <= limit:
        return app
    note = "too large for a comment: the changed objects without their diffs"
    return replace(app, hidden=True, notes=(*app.notes, note), shortened=True)


def _render(
    renderer: Renderer, revision: str, apps: list[AppSection], part: int, parts: int
) -> str:
    return renderer.render(
        "argocd_diff_comment.j2",
        marker=ARGOCD_MARKER,
        revision=revision,
        apps=[_view(app) for app in apps],
        part=part,
        parts=parts,
    )


@dataclass(frozen=True)
class _ObjectView:
    key: str
    change: str
    diff: str


@dataclass(frozen=True)
class _AppView:
    name: str
    warnings: list[str]
    objects: list[_ObjectView]
    notes: list[str]
    error: str
    hidden: bool


def _view(app: AppSection) -> _AppView:
    objects = [
        _ObjectView(str(o.key), str(o.change), "" if app.hidden else o.diff) for o in app.objects
    ]
    return _AppView(app.name, list(app.warnings), objects, list(app.notes), app.error, app.hidden)
