"""The Argo CD diff as PR comments, each below GitHub's size limit (pure).

One comment holds every app when it fits; otherwise each app gets its own comment, and an
app too large for one comment on its own lists its changed objects without their diffs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from telefonistka.core.argocd.diff import ObjectDiff
from telefonistka.core.events.pr_requests import ARGOCD_MARKER, SYNC_UNTICKED
from telefonistka.core.text.rendering import COMMENT_LIMIT, Renderer

__all__ = ["ARGOCD_MARKER", "AppSection", "argocd_comments"]


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
    renderer: Renderer,
    revision: str,
    apps: Sequence[AppSection],
    limit: int = COMMENT_LIMIT,
    *,
    sync_box: bool = False,
) -> list[str]:
    """The comments for ``apps`` (see the module docstring); none for no app.

    ``sync_box``: the first comment ends with the unticked checkbox that syncs the apps
    from the PR's branch (``allowSyncfromBranchPathRegex``).
    """
    if not apps:
        return []
    whole = _render(renderer, revision, list(apps), 1, 1)
    if len(whole) + len(SYNC_UNTICKED) + 2 <= limit:
        return [_with_box(whole, sync_box)]
    fitting = [_fit(renderer, revision, app, limit - len(SYNC_UNTICKED) - 2) for app in apps]
    comments = [
        _render(renderer, revision, [app], i, len(fitting)) for i, app in enumerate(fitting, 1)
    ]
    return [_with_box(comments[0], sync_box), *comments[1:]]


def _with_box(comment: str, sync_box: bool) -> str:
    return f"{comment.rstrip()}\n\n{SYNC_UNTICKED}\n" if sync_box else comment


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
