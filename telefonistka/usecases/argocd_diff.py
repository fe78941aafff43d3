"""The Argo CD diff of an open PR: what merging it would change in the clusters.

Run on ``pull_request`` opened / reopened / synchronize when the repo configuration says
``argocd.commentDiffonPR: true`` and an Argo CD server is configured. The steps, and
what each costs:

1. the PR's files (GitHub, 1 per 100), the configuration and the component
   configurations of the changed components (for ``disableArgoCDDiff``);
2. one listing of the applications (Argo CD, 1), and the apps the change touches
   (``core.argocd_apps``: the manifest-generate-paths annotation, else the source path;
   with ``useSHALabelForAppDiscovery`` the listing itself selects them by label);
3. per app, three Argo CD requests: the live objects, the manifests at the PR head, the
   manifests at the app's own target revision (to tell a field the PR removes from a
   server default); apps are read concurrently, 16 at a time;
4. the diff per app (``core.argocd_diff``), the bot's earlier Argo CD comments minimized
   and the new ones posted (``core.argocd_comment``: split per app below GitHub's limit),
   and the commit status ``telefonistka/argocd-diff``.

An app that cannot be read is reported in the comment with the reason; the others go on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from telefonistka.core.argocd.apps import ArgoApp, sha_selector, touched_apps
from telefonistka.core.argocd.appsets import AppSet, appset_for, temp_app
from telefonistka.core.argocd.comment import AppSection, argocd_comments
from telefonistka.core.argocd.diff import diff_objects
from telefonistka.core.config.component_configs import read_component_configs
from telefonistka.core.config.model import RepoConfig
from telefonistka.core.config.regex import compile_regex
from telefonistka.core.events.pr_requests import ARGOCD_MARKER
from telefonistka.core.events.pull_request import PullRequest
from telefonistka.core.promotion.changes import ChangedComponent, find_changed_components
from telefonistka.core.promotion.snapshot import TreeSnapshot
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import TelefonistkaError
from telefonistka.ports import BlobReader, CodeHost, CommitStatusState
from telefonistka.usecases.bot_identity import bot_matcher
from telefonistka.usecases.repo_config import read_repo_config_in

STATUS_CONTEXT = "telefonistka/argocd-diff"
STATUS_LIMIT = 140  # GitHub refuses a longer commit status description
CONCURRENT_APPS = 16  # a PR touching 50 apps waits for about 4 rounds, not 50
Log = Callable[[str], None]


class ArgoCdReader(Protocol):
    """What the diff reads of Argo CD (``adapters.argocd.ArgoCdClient``)."""

    def list_apps(self, selector: str | None = None) -> list[ArgoApp]: ...

    def live_objects(self, app: str) -> list[dict[str, Any]]: ...

    def manifests(self, app: str, revision: str) -> list[dict[str, Any]]: ...


@runtime_checkable
class TempAppHost(ArgoCdReader, Protocol):
    """What temporary apps need besides reading (``createTempAppObjectFromNewApps``)."""

    def list_appsets(self) -> list[AppSet]: ...

    def temp_apps(self, pr_number: int) -> list[str]: ...

    def create_app(self, app: Mapping[str, Any]) -> str: ...

    def delete_app(self, name: str) -> None: ...


class ArgoCdWriter(ArgoCdReader, Protocol):
    """What syncing from a PR's branch needs (``allowSyncfromBranchPathRegex``)."""

    def set_target_revision(self, name: str, revision: str) -> None: ...


@dataclass
class ListedOnce:
    """Argo CD with the applications listed once per selector: a run that asks for several
    PRs (the promotion's groups, then the apps to send back) still lists them once."""

    argocd: ArgoCdWriter
    _listed: dict[str | None, list[ArgoApp]] = field(default_factory=dict)

    def list_apps(self, selector: str | None = None) -> list[ArgoApp]:
        if selector not in self._listed:
            self._listed[selector] = self.argocd.list_apps(selector)
        return self._listed[selector]

    def live_objects(self, app: str) -> list[dict[str, Any]]:
        return self.argocd.live_objects(app)

    def manifests(self, app: str, revision: str) -> list[dict[str, Any]]:
        return self.argocd.manifests(app, revision)

    def set_target_revision(self, name: str, revision: str) -> None:
        self.argocd.set_target_revision(name, revision)


@dataclass(frozen=True)
class ArgoCdDiffResult:
    """The diff of one PR: a section per touched app, and how many comments it took."""

    pr_number: int
    enabled: bool
    sections: tuple[AppSection, ...] = ()
    posted: int = 0

    @property
    def changing(self) -> list[AppSection]:
        return [s for s in self.sections if s.objects]

    @property
    def failed(self) -> list[AppSection]:
        return [s for s in self.sections if s.error]

    def outputs(self) -> dict[str, str]:
        apps = [
            {
                "app": s.name,
                "error": s.error,
                "warnings": list(s.warnings),
                "objects": [{"object": str(o.key), "change": str(o.change)} for o in s.objects],
            }
            for s in self.sections
        ]
        return {"argocd-diff": json.dumps(apps, ensure_ascii=False)} if self.enabled else {}

    def summary(self) -> str:
        if not self.enabled:
            return ""
        lines = [f"### Telefonistka: Argo CD diff of #{self.pr_number}", ""]
        if not self.sections:
            lines.append("No Argo CD application is touched by this PR.")
        for section in self.sections:
            what = section.error or f"{len(section.objects)} object(s) change"
            lines.append(f"- `{section.name}`: {what}")
        return "\n".join(lines) + "\n"


def app_sections(
    argocd: ArgoCdReader, apps: Iterable[ArgoApp], revision: str, hidden: Iterable[str] = ()
) -> list[AppSection]:
    """Each app's diff at ``revision``, a few apps at a time (see the module docstring)."""
    hidden = set(hidden)
    with ThreadPoolExecutor(max_workers=CONCURRENT_APPS) as pool:
        return list(pool.map(lambda app: _section(argocd, app, revision, hidden), apps))


def _section(argocd: ArgoCdReader, app: ArgoApp, revision: str, hidden: set[str]) -> AppSection:
    """One app's diff; an app that cannot be read says why."""
    show = not any(
        folder == path or path.startswith(folder + "/")
        for folder in app.watched_paths()
        for path in hidden
    )
    try:
        live = argocd.live_objects(app.name)
        target = argocd.manifests(app.name, revision)
        current = argocd.manifests(app.name, app.target_revision)
    except TelefonistkaError as exc:
        return AppSection(app.name, app.warnings(), error=str(exc))
    diff = diff_objects(live, target, current, app.ignore, show_content=show)
    notes = diff.notes if show else (*diff.notes, "disableArgoCDDiff: contents not shown")
    return AppSection(app.name, app.warnings(), diff.objects, notes, hidden=not show)


def deploys(app: ArgoApp, folder: str) -> bool:
    """Whether ``app`` deploys component ``folder`` (its watched paths and the folder nest)."""
    return any(
        w == folder or folder.startswith(w + "/") or w.startswith(folder + "/")
        for w in app.watched_paths()
    )


def new_app_sections(
    argocd: TempAppHost, folders: Sequence[str], revision: str, pr_number: int, log: Log
) -> list[AppSection]:
    """A section per component folder no app deploys yet, rendered by a temporary app.

    The temporary app is what the covering ApplicationSet would generate, never synced,
    and deleted right after rendering, also when rendering fails (a deletion that fails
    is reported in the section, with the app's name to delete by hand).
    """
    for leftover in argocd.temp_apps(pr_number):  # a killed run's, never a real app
        try:
            argocd.delete_app(leftover)
            log(f"deleted {leftover}, a temporary app an earlier run of PR #{pr_number} left")
        except TelefonistkaError as exc:
            log(f"could not delete {leftover}, left by an earlier run: {exc}")
    if not folders:
        return []
    appsets = argocd.list_appsets()
    sections = []
    for folder in folders:
        appset = appset_for(appsets, folder)
        if appset is None:
            log(f"{folder}: no Argo CD app and no ApplicationSet covers it; no diff")
            continue
        app = temp_app(appset, folder, pr_number)
        label = f"{folder} (new: a temporary app of ApplicationSet {appset.name})"
        try:
            name = argocd.create_app(app)
        except TelefonistkaError as exc:
            sections.append(AppSection(label, error=str(exc)))
            continue
        try:
            target = argocd.manifests(name, revision)
            objects = diff_objects([], target).objects
            sections.append(AppSection(label, objects=objects))
        except TelefonistkaError as exc:
            sections.append(AppSection(label, error=str(exc)))
        finally:
            try:
                argocd.delete_app(name)
            except TelefonistkaError as exc:
                sections.append(AppSection(label, error=f"delete {name} by hand: {exc}"))
    return sections


def discover(argocd: ArgoCdReader, files: Sequence[str], config: RepoConfig) -> list[ArgoApp]:
    """The apps ``files`` touch: by the SHA label on the server, else by their paths."""
    if config.argocd.use_sha_label_for_app_discovery:
        folders = component_folders(files, config)
        return argocd.list_apps(sha_selector(folders)) if folders else []
    return touched_apps(argocd.list_apps(), files)


def no_diff_verdict(
    argocd: ArgoCdReader, files: Sequence[str], config: RepoConfig, revision: str
) -> tuple[bool, str]:
    """(whether no app ``files`` touch would change at ``revision``, why).

    Only a clear "no change" counts: no app touched (nothing was checked) or an app that
    cannot be read is a "no".
    """
    apps = discover(argocd, files, config)
    if not apps:
        return False, "no Argo CD app is touched, so nothing was checked"
    sections = app_sections(argocd, apps, revision)
    broken = [s.name for s in sections if s.error]
    changing = [s.name for s in sections if s.objects]
    if broken:
        return False, f"Argo CD could not diff {', '.join(broken)}"
    if changing:
        return False, f"{', '.join(changing)} would change"
    names = ", ".join(f"`{s.name}`" for s in sections)
    return True, f"no Argo CD app targeted by this PR would change ({names} checked)"


def hidden_folders(reader: BlobReader, snapshot: TreeSnapshot, folders: Sequence[str]) -> list[str]:
    """The component folders whose own ``telefonistka.yaml`` says ``disableArgoCDDiff``."""
    components = [
        ChangedComponent(f"{f.rpartition('/')[0]}/", f.rpartition("/")[2]) for f in folders
    ]
    configs = read_component_configs(reader, snapshot, components)
    return [path for path, config in configs.items() if config.disable_argocd_diff]


def may_sync_from_branch(files: Sequence[str], config: RepoConfig) -> bool:
    """Whether every changed path matches ``allowSyncfromBranchPathRegex`` (RE2, matched
    from the start of the path, as ``sourcePath`` is)."""
    pattern = config.argocd.allow_sync_from_branch_path_regex
    if not pattern or not files:
        return False
    regex = compile_regex(pattern)
    return all(regex.match(path) is not None for path in files)


def component_folders(files: Iterable[str], config: RepoConfig) -> list[str]:
    """The component folders ``files`` lie in, below a flow's source or any of its targets.

    A promotion PR changes target folders, which need not be any flow's source: its
    components are the folders right below the target path (deeper by the flow's
    ``componentPathExtraDepth``), as they are below a source.
    """
    found = {component.path for component in find_changed_components(files, config)}
    for flow in config.promotion_paths:
        depth = 1 + flow.component_path_extra_depth
        prefixes = {t.rstrip("/") + "/" for pr in flow.promotion_prs for t in pr.target_paths}
        for file in files:
            for prefix in prefixes:
                rest = file[len(prefix) :].split("/") if file.startswith(prefix) else []
                if len(rest) > depth:
                    found.add(prefix + "/".join(rest[:depth]))
    return sorted(found)


@dataclass
class PrArgoCdDiff:
    """Computes and comments the Argo CD diff of one open PR."""

    repo: CodeHost
    argocd: ArgoCdReader
    pull: PullRequest
    default_branch: str
    renderer: Renderer
    log: Log = print

    def run(self) -> ArgoCdDiffResult:
        snapshot = self.repo.read_snapshot(self.default_branch)
        config = read_repo_config_in(self.repo, snapshot, self.default_branch)
        if not config.argocd.comment_diff_on_pr:
            return ArgoCdDiffResult(self.pull.number, enabled=False)
        files = self.repo.pr_files(self.pull.number, self.pull)
        folders = component_folders(files, config)
        hidden = hidden_folders(self.repo, snapshot, folders)
        try:
            apps = discover(self.argocd, files, config)
        except TelefonistkaError as exc:  # Argo CD down, refusing, or answering garbage
            return self._unavailable(exc)
        self.log(f"{len(apps)} Argo CD app(s) touched by the PR's {len(files)} file(s)")
        sections = app_sections(self.argocd, apps, self.pull.head_sha, hidden)
        if config.argocd.create_temp_app_object_from_new_apps and isinstance(
            self.argocd, TempAppHost
        ):
            uncovered = [f for f in folders if not any(deploys(a, f) for a in apps)]
            sections += new_app_sections(
                self.argocd, uncovered, self.pull.head_sha, self.pull.number, self.log
            )
        posted = self._comment(sections, may_sync_from_branch(files, config))
        self._status(sections)
        return ArgoCdDiffResult(self.pull.number, True, tuple(sections), posted)

    def _comment(self, sections: list[AppSection], sync_box: bool) -> int:
        """Minimize the bot's earlier Argo CD comments, post the new ones."""
        comments = argocd_comments(
            self.renderer, self.pull.head_sha, sections, sync_box=sync_box and bool(sections)
        )
        marked = [
            c for c in self.repo.list_comments(self.pull.number) if c.body.startswith(ARGOCD_MARKER)
        ]
        if marked:
            is_bot = bot_matcher(self.repo, self.log)
            for comment in marked:
                if is_bot(comment.author):
                    self.repo.minimize_comment(comment.node_id)
        for body in comments:
            self.repo.comment(self.pull.number, body)
        return len(comments)

    def _unavailable(self, exc: TelefonistkaError) -> ArgoCdDiffResult:
        """No app could be listed: the status says ``error`` with the reason, so a
        required ``telefonistka/argocd-diff`` check never waits for ever."""
        self.log(f"no Argo CD diff: {exc}")
        reason = f"Argo CD unavailable: {exc}"
        short = reason if len(reason) <= STATUS_LIMIT else reason[: STATUS_LIMIT - 1] + "…"
        self._set_status(CommitStatusState.ERROR, short)
        section = AppSection("Argo CD", error=str(exc))
        return ArgoCdDiffResult(self.pull.number, True, (section,))

    def _set_status(self, state: CommitStatusState, text: str) -> None:
        try:
            self.repo.set_status(self.pull.head_sha, state, STATUS_CONTEXT, text)
        except TelefonistkaError as exc:
            self.log(f"could not set the {STATUS_CONTEXT} status: {exc}")

    def _status(self, sections: list[AppSection]) -> None:
        failed = [s for s in sections if s.error]
        changing = [s for s in sections if s.objects]
        if failed:
            state, text = CommitStatusState.ERROR, f"{len(failed)} app(s) could not be diffed"
        else:
            state = CommitStatusState.SUCCESS
            text = f"{len(changing)} of {len(sections)} app(s) change" if sections else "no app"
        self._set_status(state, text)
