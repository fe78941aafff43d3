"""The drift check on open pull requests (``ports.CodeHost``: GitHub in the Action).

Run for ``pull_request`` opened / reopened / synchronize and for a ``/retrigger``
comment. The steps, and what each costs in requests:

1. commit status ``telefonistka`` ``pending`` on the PR head (1);
2. one snapshot of the default branch (2: its ref, one recursive tree) and the repo
   configuration from it (1 blob), never from the PR;
3. the PR's files (1 per 100 files), the component configurations the snapshot holds
   (1 blob each), the plan, then ``compute_drift`` on the same snapshot: blobs are read
   only for files that differ between a source and its target (1 each);
4. the PR's comments (1 per 100); only when some start with ``DRIFT_MARKER`` is the
   bot's login asked for (1 GraphQL ``viewer``), so that only the bot's own earlier drift
   comments are minimized as outdated (1 GraphQL mutation each);
5. the drift warning (1 comment per part, each under GitHub's size limit); with no
   drift, a "no drift any more" note only when the last drift comment was a warning,
   and nothing at all when there never was drift;
6. commit status ``success`` (or ``error``, after a comment naming the file and line
   when the configuration is invalid) (1).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from telefonistka.core.config.component_configs import read_component_configs
from telefonistka.core.config.model import REPO_CONFIG_FILE
from telefonistka.core.drift.compare import DriftReport, PairDrift, compute_drift
from telefonistka.core.events.pull_request import PullRequest
from telefonistka.core.promotion.changes import find_changed_components
from telefonistka.core.promotion.planning import Plan, compute_plan
from telefonistka.core.text.markdown import table_cell
from telefonistka.core.text.rendering import DRIFT_MARKER, Renderer
from telefonistka.errors import TelefonistkaError
from telefonistka.ports import CodeHost, Comment, PromotionRead
from telefonistka.usecases.bot_identity import bot_matcher
from telefonistka.usecases.pr_status import FORK_NOTE, PrStatus
from telefonistka.usecases.repo_config import read_repo_config_in

Log = Callable[[str], None]
# More comments than this for one warning is a wall nobody reads: the PR then gets the
# concise form (pairs, counts, first files) and the job summary the whole warning.
MAX_DRIFT_COMMENTS = 3
SUMMARY_LIMIT = 900_000  # characters; GitHub refuses a job summary over 1 MiB


@dataclass(frozen=True)
class DriftCheckResult:
    """One drift check: the plan, the drift found, and what was commented."""

    pr_number: int
    plan: Plan
    report: DriftReport
    posted: int = 0
    minimized: int = 0
    read_only: bool = False  # a fork PR: nothing written (see ``PrDriftCheck.read_only``)
    full_warning: str = ""  # the whole warning, when the PR got the concise one instead

    def outputs(self) -> dict[str, str]:
        """Step outputs: the plan as JSON (as the promotion sets it) and whether it drifted.

        ``drift-detected`` lets a later step gate on drift (``if: steps.x.outputs...``);
        ``drift`` is the whole report as data (``DriftReport.to_json``, without the diffs).
        """
        return {
            "plan": json.dumps(self.plan.to_json(), ensure_ascii=False),
            "drift-detected": "true" if self.report.has_drift else "false",
            "drift": json.dumps(self.report.to_json(diffs=False), ensure_ascii=False),
        }

    def summary(self) -> str:
        """The job summary: one row per drifted pair, or a line saying there is none."""
        lines = [f"### Telefonistka: drift check of #{self.pr_number}", ""]
        if self.read_only:
            lines += [FORK_NOTE, ""]
        if not self.report.has_drift:
            lines.append(f"No drift in the {len(self.report.pairs)} sync pair(s) of this PR.")
        else:
            lines += ["| target | source | drift |", "|---|---|---|"]
            lines += [_summary_row(pair) for pair in self.report.drifted]
        if self.full_warning:
            lines += ["", "The whole drift warning (the PR got a concise one):", ""]
            lines.append(_fit_summary(self.full_warning))
        return "\n".join(lines) + "\n"

    @property
    def status_description(self) -> str:
        drifted = len(self.report.drifted)
        return f"drift in {drifted} sync pair(s); see the comment" if drifted else "no drift"


def _fit_summary(text: str) -> str:
    """``text`` within GitHub's 1 MiB job-summary limit, with room for the rest."""
    if len(text) <= SUMMARY_LIMIT:
        return text
    return text[:SUMMARY_LIMIT] + "\n\n*… cut: GitHub limits a job summary to 1 MiB.*"


def _summary_row(pair: PairDrift) -> str:
    drift = (
        f"{len(pair.differing)} differing, {len(pair.only_in_source)} only in source, "
        f"{len(pair.only_in_target)} only in target"
    )
    target, source = table_cell(pair.target), table_cell(pair.source)
    return f"| {target} | {source} | {drift} |"


@dataclass
class PrDriftCheck:
    """Checks one open PR for drift and keeps its drift comments current.

    ``pull`` is the adapter's PR (from the event, or read for a ``/retrigger`` comment);
    ``server_url`` (``GITHUB_SERVER_URL``) builds the blame links.
    """

    repo: CodeHost
    pull: PullRequest
    default_branch: str
    renderer: Renderer
    server_url: str
    log: Log = print
    # A PR from a fork, run on ``pull_request``: GitHub gives such runs a read-only token
    # and no secrets. The check then reads only, and its result goes to the job summary
    # and the outputs instead of a status and a comment that would be refused.
    read_only: bool = False
    details_url: str = ""  # this workflow run, whose job summary holds a long warning

    def run(self) -> DriftCheckResult:
        """The whole check, bracketed by the commit status (see ``PrStatus``)."""
        if self.read_only:
            self.log(f"notice: {FORK_NOTE}")
            return self._check()
        status = PrStatus(self.repo, self.pull, self.default_branch, self.renderer, self.log)
        return status.run("checking drift", self._check, lambda r: r.status_description)

    def _check(self) -> DriftCheckResult:
        read = self._read_first()
        snapshot = self.repo.read_snapshot(read.head if read else self.default_branch)
        config = read_repo_config_in(self.repo, snapshot, self.default_branch)
        files = read.files if read is not None else None
        if files is None:
            files = self.repo.pr_files(self.pull.number, self.pull)
        components = find_changed_components(files, config)
        component_configs = read_component_configs(self.repo, snapshot, components)
        plan = compute_plan(components, config, self.pull.labels, snapshot, component_configs)
        pairs = [pair for promotion in plan.promotions for pair in promotion.sync]
        keep = {source: rules for p in plan.promotions for source, rules in p.keep}
        report = compute_drift(snapshot, pairs, self.repo, keep)
        self.log(f"{len(report.drifted)} of {len(report.pairs)} sync pair(s) drifted")
        if self.read_only:
            return DriftCheckResult(self.pull.number, plan, report, read_only=True)
        comments = self.renderer.drift_comments(
            report, server_url=self.server_url, repo=self.repo.full_name
        )
        full = ""
        if len(comments) > MAX_DRIFT_COMMENTS:
            full = "\n\n---\n\n".join(comments)
            comments = [
                self.renderer.concise_drift_comment(report, len(comments), self.details_url)
            ]
        posted, minimized = self._update_comments(comments)
        return DriftCheckResult(
            self.pull.number, plan, report, posted, minimized, full_warning=full
        )

    def _read_first(self) -> PromotionRead | None:
        """The default branch's head, the configuration, the PR's files and comments in
        one GraphQL request; None where GraphQL refuses (then REST, as before)."""
        try:
            return self.repo.pr_read(self.default_branch, self.pull.number, REPO_CONFIG_FILE)
        except TelefonistkaError as exc:
            self.log(f"the one-query read failed ({exc}); reading through REST")
            return None

    def _update_comments(self, comments: list[str]) -> tuple[int, int]:
        """(comments posted, comments minimized): the new warning replaces the old ones."""
        earlier = self._earlier_drift_comments()
        if not comments:
            if not earlier or self._is_no_drift_note(earlier[-1]):
                return 0, 0
            comments = [self.renderer.no_drift_comment()]
        for comment in earlier:
            self.repo.minimize_comment(comment.node_id)
        for body in comments:
            self.repo.comment(self.pull.number, body)
        self.log(f"posted {len(comments)} drift comment(s), minimized {len(earlier)}")
        return len(comments), len(earlier)

    def _earlier_drift_comments(self) -> list[Comment]:
        """The bot's own drift comments on the PR; the login is asked only when needed."""
        marked = [
            c for c in self.repo.list_comments(self.pull.number) if c.body.startswith(DRIFT_MARKER)
        ]
        if not marked:
            return []
        is_bot = bot_matcher(self.repo, self.log)
        return [comment for comment in marked if is_bot(comment.author)]

    def _is_no_drift_note(self, comment: Comment) -> bool:
        return comment.body.strip() == self.renderer.no_drift_comment().strip()
