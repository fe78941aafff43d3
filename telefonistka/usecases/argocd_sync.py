"""Sync Argo CD apps from a PR's branch, and back (``allowSyncfromBranchPathRegex``).

When every path a PR changes matches the regex, its Argo CD diff comment ends with a
checkbox. A person with write access ticking it (an ``issue_comment`` ``edited`` event)
sets the touched apps' ``spec.source.targetRevision`` to the PR's branch, so the change
can be tried in the cluster before merging; unticking it, merging or closing the PR sets
it back to the default branch. Nothing else of an app's spec changes.

Trust: the checkbox counts only in a comment the bot wrote (a person could paste the
marker and the box into their own comment), only from someone with write access (the
editor, not the comment's author), and only while every changed path still matches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from telefonistka.core.events.pr_requests import sync_box_state
from telefonistka.core.events.pull_request import PullRequest
from telefonistka.errors import TelefonistkaError
from telefonistka.ports import CodeHost
from telefonistka.usecases.argocd_diff import ArgoCdWriter, discover, may_sync_from_branch
from telefonistka.usecases.bot_identity import bot_matcher
from telefonistka.usecases.repo_config import read_repo_config_in

Log = Callable[[str], None]
WRITERS = frozenset({"admin", "write"})


@dataclass(frozen=True)
class SyncOutcome:
    """What was done: the apps moved and the revision they now follow, or why not."""

    apps: tuple[str, ...] = ()
    revision: str = ""
    refused: str = ""

    def summary(self, number: int) -> str:
        title = f"### Telefonistka: Argo CD sync of #{number}\n\n"
        if self.refused:
            return f"{title}Nothing changed: {self.refused}\n"
        names = ", ".join(f"`{name}`" for name in self.apps) or "no app"
        return f"{title}{names} now sync from `{self.revision}`.\n"


@dataclass
class SyncFromBranch:
    """The checkbox was ticked or unticked on the bot's Argo CD diff comment of ``pull``."""

    repo: CodeHost
    argocd: ArgoCdWriter
    pull: PullRequest
    default_branch: str
    log: Log = print

    def run(self, comment_author: str, editor: str, body: str, edit: str = "") -> SyncOutcome:
        """``edit`` names this edit of the comment (its id and time): the note is written
        once per edit, however often the run is repeated."""
        ticked = bool(sync_box_state(body))
        refused = self._refusal(comment_author, editor, ticked)
        if refused:
            self.log(f"refused: {refused}")
            return SyncOutcome(refused=refused)
        snapshot = self.repo.read_snapshot(self.default_branch)
        config = read_repo_config_in(self.repo, snapshot, self.default_branch)
        files = self.repo.pr_files(self.pull.number, self.pull)
        if ticked and not may_sync_from_branch(files, config):
            return SyncOutcome(
                refused="not every changed path matches allowSyncfromBranchPathRegex"
            )
        revision = self.pull.head_ref if ticked else self.default_branch
        apps = discover(self.argocd, files, config)
        for app in apps:
            self.argocd.set_target_revision(app.name, revision)
        names = tuple(app.name for app in apps)
        who = f"@{editor}"
        note = (
            f"🔄 {', '.join(f'`{n}`' for n in names) or 'No app'} now sync from `{revision}` "
            f"(asked by {who})."
        )
        self.repo.comment_once(self.pull.number, note, f"argocd-sync {edit} {revision}")
        return SyncOutcome(names, revision)

    def _refusal(self, comment_author: str, editor: str, ticked: bool) -> str:
        if not bot_matcher(self.repo, self.log)(comment_author):
            return f"the checkbox is in a comment of @{comment_author}, not of the bot"
        if self.repo.user_permission(editor) not in WRITERS:
            return f"@{editor} has no write access to the repository"
        if ticked and self.pull.merged:
            return "the PR is merged"
        if ticked and self.pull.from_fork_of(self.repo.full_name):
            # Its branch name names a branch of *this* repository, which is not the PR's.
            fork = self.pull.head_repo or "a deleted fork"
            return f"the PR's branch lives in {fork}: Argo CD syncs from this repository only"
        return ""


def sync_back(
    argocd: ArgoCdWriter, branch: str, default_branch: str, log: Log = print
) -> list[str]:
    """The apps following ``branch`` (a PR's, now merged or closed) follow the default
    branch again; their names."""
    moved = []
    for app in argocd.list_apps():
        if app.target_revision == branch:
            try:
                argocd.set_target_revision(app.name, default_branch)
            except TelefonistkaError as exc:
                log(f"could not point {app.name} back at {default_branch}: {exc}")
                continue
            moved.append(app.name)
    if moved:
        log(f"{', '.join(moved)} follow {default_branch} again (branch {branch} is done)")
    return moved
