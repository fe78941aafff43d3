"""The promotion dashboard: one issue kept up to date by the report, and the promotion PRs
people ask for by ticking its boxes (docs/dashboard.md).

Only the bot's own issue counts: found by its label and ``MARKER``, with the bot as
author (a person can copy the marker into any issue). A tick is acted on only when the
person who edited the issue has write access, and only for a component the current
default branch still has out of sync in that flow; the promotion itself is the one a
merge would open (``MergedPrPromotion`` restricted to that component and flow).

Every write is safe to repeat: creating the issue is not retried after a lost answer but
looked up first; body edits and promotion PRs are idempotent (a re-run finds the branch
and the PR).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from telefonistka.core.events.pull_request import PullRequest, PullRequestEvent
from telefonistka.core.fleet.dashboard import LABEL, MARKER, TITLE, BoxKey, link_boxes, newly_ticked
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import GitHubError, TelefonistkaError
from telefonistka.ports import CodeHost, IssueHost, IssueInfo, PullRequestHost
from telefonistka.usecases.comment_commands import WRITE_PERMISSIONS
from telefonistka.usecases.promote_merged_pr import MergedPrPromotion

Log = Callable[[str], None]
_LINK_ATTEMPTS = 5


class DashboardHost(CodeHost, IssueHost, Protocol):
    """GitHub, as the dashboard uses it."""


@dataclass
class DashboardIssue:
    """Find, create and update the one dashboard issue of a repository."""

    host: IssueHost
    is_bot: Callable[[str], bool]
    log: Log = print

    def find(self) -> IssueInfo | None:
        """The bot's open dashboard issue (the oldest, should there be two)."""
        found = [
            issue
            for issue in self.host.issues_labelled(LABEL)
            if MARKER in issue.body and self.is_bot(issue.author)
        ]
        return min(found, key=lambda issue: issue.number) if found else None

    def publish(self, body: str) -> tuple[IssueInfo, str]:
        """Put ``body`` in the dashboard issue: (the issue, created/updated/unchanged)."""
        issue = self.find()
        if issue is None:
            try:
                return self._converged(self.host.create_issue(TITLE, body, [LABEL]), body)
            except GitHubError as exc:
                if not exc.answer_lost:
                    raise
                self.log(f"the answer to opening the dashboard issue was lost ({exc}); looking")
                issue = self.find()
                if issue is None:
                    return self._converged(self.host.create_issue(TITLE, body, [LABEL]), body)
        if issue.body.strip() == body.strip():
            return issue, "unchanged"
        self.host.edit_issue_body(issue.number, body)
        return issue, "updated"

    def _converged(self, created: IssueInfo, body: str) -> tuple[IssueInfo, str]:
        """Two report runs at once may both find no issue and both open one: each then
        looks again, and the one whose issue is not the oldest closes its own and
        updates the oldest, so the repository keeps one dashboard."""
        earlier = [  # the bot opened ``created``: its author is the bot, no need to ask
            issue
            for issue in self.host.issues_labelled(LABEL)
            if MARKER in issue.body
            and issue.author == created.author
            and issue.number < created.number
        ]
        if not earlier:
            return created, "created"
        oldest = min(earlier, key=lambda issue: issue.number)
        self.log(
            f"another run opened dashboard #{oldest.number} meanwhile: closing #{created.number}"
        )
        self.host.close_issue(created.number)
        if oldest.body.strip() != body.strip():
            self.host.edit_issue_body(oldest.number, body)
        return oldest, "updated"


@dataclass(frozen=True)
class TickResult:
    """What ticking boxes did: PR links per box, refusals, failures."""

    opened: dict[BoxKey, str] = field(default_factory=dict)
    refused: str = ""
    failures: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass
class DashboardTicks:
    """The ``issues`` ``edited`` event of the dashboard: open the PRs of newly ticked boxes."""

    repo: DashboardHost
    renderer: Renderer
    default_branch: str
    is_bot: Callable[[str], bool]
    log: Log = print
    approver: PullRequestHost | None = None  # for autoApprovePromotionPrs
    sleep: Callable[[float], None] = time.sleep

    def run(self, issue: IssueInfo, previous_body: str, sender: str) -> TickResult:
        keys = newly_ticked(previous_body, issue.body)
        if not keys:
            return TickResult()
        if MARKER not in issue.body or not self.is_bot(issue.author):
            return TickResult(refused=f"issue #{issue.number} is not telefonistka's dashboard")
        permission = self.repo.user_permission(sender)
        if permission not in WRITE_PERMISSIONS:
            return TickResult(
                refused=f"@{sender} has {permission} permission; ticking a dashboard box "
                "needs write access, so nothing was opened"
            )
        opened: dict[BoxKey, str] = {}
        failures: list[str] = []
        warnings: list[str] = []
        for key in keys:
            links, problems, notes = self._promote(issue, key, sender)
            if links:
                opened[key] = links
            failures += problems
            warnings += notes
        if opened:
            self._link(issue.number, opened)
        return TickResult(opened, "", tuple(failures), tuple(warnings))

    def _link(self, number: int, opened: dict[BoxKey, str]) -> None:
        """Turn the ticked boxes into their PR links, without losing anybody else's edit.

        GitHub has no conditional edit of an issue body: two ticks handled at once both
        read the body, and the later write drops the earlier one's links. So the body is
        read again after writing; while a link of this run is missing there (a
        concurrent write took it away) it is put back on the body as it now is.
        """
        for attempt in range(_LINK_ATTEMPTS):
            current = self.repo.get_issue(number)  # people and other ticks edit meanwhile
            wanted = link_boxes(current.body, opened)
            if wanted == current.body:
                return
            self.repo.edit_issue_body(number, wanted)
            self.sleep(0.5 * (attempt + 1))  # a concurrent writer's edit lands meanwhile
        final = self.repo.get_issue(number).body
        if link_boxes(final, opened) == final:
            return
        self.log(
            f"the links of {len(opened)} box(es) could not be kept in #{number}; the next "
            "report run shows them again"
        )

    def _promote(
        self, issue: IssueInfo, key: BoxKey, sender: str
    ) -> tuple[str, list[str], list[str]]:
        """(the PR links, failures, warnings) of one ticked box."""
        where = f"flow {key.flow + 1}, component {key.component!r}"
        # Each box its own branch (and PR): two ticks of one flow share its targets, and
        # one branch per flow made the second tick force-move the first one's away.
        box = hashlib.sha1(f"{key.flow}:{key.component}".encode(), usedforsecurity=False)
        pull = PullRequest(
            number=issue.number,
            title=issue.title,
            body="",
            author=sender,
            head_ref=f"dashboard-{box.hexdigest()[:8]}",
            head_sha="",
            base_ref=self.default_branch,
            base_sha="",
            merged=True,
        )
        event = PullRequestEvent("closed", self.repo.full_name, self.default_branch, pull, sender)
        promotion = MergedPrPromotion(
            self.repo,
            event,
            self.renderer,
            approver=self.approver,
            dry_run=None,  # the repo's dryRunMode decides
            log=self.log,
            only=(key.flow, key.component),
        )
        try:
            result = promotion.run()
        except TelefonistkaError as exc:
            return "", [f"{where}: {exc}"], []
        prs = [g.pr for g in result.groups if g.pr is not None]
        links = ", ".join(f"#{pr.number}" for pr in prs)
        notes = list(result.warnings)
        if result.dry_run:
            return "dry run (dryRunMode): the plan is commented below", [], notes
        if not prs and not result.failures:
            notes.append(f"{where}: already in sync, no promotion PR needed")
            links = "in sync"
        self.log(f"{where}: {links or 'no PR'}")
        return links, [f"{where}: {f}" for f in result.failures], notes
