"""Promotion on merge, on GitHub: a merged PR opens its promotion PRs.

What users see of it: docs/github-action.md, "Promotion on merge".

The steps, and what each costs in requests:

1. commit status ``telefonistka`` ``pending`` on the merged PR's merge commit (1);
2. one snapshot of the default branch head (2: its ref, one recursive tree), the repo
   configuration from it (1 blob), never from the PR;
3. the changed components: the ``promotedPaths`` of the PR body's metadata when the PR
   was itself a promotion PR the bot opened (1 GraphQL request for its login), else the
   PR's files (1 per 100 files; over 3,000 the two trees are compared, which the event's
   ``changed_files`` tells at once);
4. the component configurations that the snapshot shows exist (1 blob each), the plan;
5. ``dryRunMode``: the plan as a comment on the merged PR (1), and nothing else;
6. otherwise ``PromotionRun`` writes one tree, one commit, one branch per group (4), then
   the PR is opened (1), labelled and assigned to the chain's original author (1) —
   or, when the branch already existed (a re-run), the open PR is found and updated in
   place, never duplicated; the approver approves when ``autoApprovePromotionPrs``;
7. the bot's older open promotion PRs that this run's PRs replace are closed, or told
   which of their targets are now promoted elsewhere (``supersede``; 1 listing of the
   open PRs, unless ``closeSupersededPromotionPrs: false``);
8. groups whose flow says ``autoMerge``: one comment on the merged PR naming them, then
   each is merged;
9. commit status ``success``, or ``error`` naming how many groups failed (1).

One failing group does not stop the others: its error is recorded and the run goes on;
the caller fails the step at the end with every failure named.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from telefonistka.core.config.component_configs import read_component_configs
from telefonistka.core.config.model import REPO_CONFIG_FILE, RepoConfig
from telefonistka.core.events.pull_request import PullRequest, PullRequestEvent
from telefonistka.core.fleet.report import all_components
from telefonistka.core.promotion.changes import (
    ChangedComponent,
    components_from_folders,
    find_changed_components,
)
from telefonistka.core.promotion.gates import GateVerdict, flow_gates, gated
from telefonistka.core.promotion.holds import (
    HOLD_LABEL,
    Hold,
    held_description,
    holding,
)
from telefonistka.core.promotion.metadata import extract_metadata
from telefonistka.core.promotion.planning import Plan, compute_plan
from telefonistka.core.promotion.snapshot import TreeSnapshot
from telefonistka.core.text.markdown import code_span, table_cell, text
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import GitHubError, SyncError, TelefonistkaError
from telefonistka.ports import (
    CodeHost,
    CommitStatusState,
    OpenPullsView,
    PromotionRead,
    PullRequestHost,
)
from telefonistka.usecases.argocd_diff import ArgoCdReader, no_diff_verdict
from telefonistka.usecases.auto_merge import MergeState, merge_respecting_protection
from telefonistka.usecases.bot_identity import PROMOTION_LABEL, bot_matcher, promotion_pr_problems
from telefonistka.usecases.gate_check import GateCheck
from telefonistka.usecases.pr_status import STATUS_CONTEXT
from telefonistka.usecases.promotion import Outcome, PromotionRun, Status, Trigger
from telefonistka.usecases.repo_config import read_repo_config_in
from telefonistka.usecases.rollback_pr import is_rollback_pr, read_holds
from telefonistka.usecases.supersede import NewerPr, SupersedeOlderPrs

GRAPHQL_REFUSED = 200  # GitHub answers a GraphQL error with HTTP 200 and ``errors``
_NEEDS_PR = frozenset({Status.CREATED, Status.UPDATED, Status.UNCHANGED})

Log = Callable[[str], None]


@dataclass(frozen=True)
class GroupResult:
    """One promotion group: what the sync did, the PR it has, whether it was merged."""

    outcome: Outcome
    pr: PullRequest | None = None
    merged: bool = False
    error: str = ""
    superseded: bool = False  # closed by this very run: a newer run's PRs replace it
    held: str = ""  # why its flow's gates, a freeze or the base branch's rules keep it open
    auto_merge: str = ""  # "auto-merge enabled" or "left open" when protection refused

    @property
    def failed(self) -> bool:
        return bool(self.error or self.outcome.error)

    def describe_failure(self) -> str:
        where = f"promotion {self.outcome.promotion.title!r} (branch {self.outcome.branch})"
        return f"{where}: {self.error or self.outcome.error}"

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.pr.number if self.pr else None,
            "url": self.pr.html_url if self.pr else "",
            "branch": self.outcome.branch,
            "title": self.outcome.title or self.outcome.promotion.title,
            "status": str(self.outcome.status),
            "merged": self.merged,
            "superseded": self.superseded,
            "auto_merge": self.auto_merge,
            "error": self.error or self.outcome.error,
        }


@dataclass(frozen=True)
class MergedPrResult:
    """The whole run for one merged PR."""

    pr_number: int
    plan: Plan
    dry_run: bool = False
    groups: tuple[GroupResult, ...] = ()
    failures: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    superseded: tuple[int, ...] = ()  # older promotion PRs closed because this run replaced them

    @property
    def opened(self) -> list[GroupResult]:
        """Groups that have a promotion PR (opened now, or found open from a re-run)."""
        return [group for group in self.groups if group.pr is not None]

    def outputs(self) -> dict[str, str]:
        """Step outputs: the promotion PRs (and the groups that failed, with their error)
        and the plan, as JSON."""
        prs = [group.to_json() for group in self.groups if group.pr is not None or group.failed]
        return {
            "promotion-prs": json.dumps(prs, ensure_ascii=False),
            "plan": json.dumps(self.plan.to_json(), ensure_ascii=False),
            "dry-run": "true" if self.dry_run else "false",
        }

    def summary(self) -> str:
        """The job summary: a row per promotion group, then conflicts, warnings, failures."""
        lines = [f"### Telefonistka: promotion of #{self.pr_number}", ""]
        if self.dry_run:
            lines.append(f"Dry run: the plan was commented on #{self.pr_number}; nothing opened.")
        elif not self.groups:
            lines.append("Nothing to promote.")
        else:
            lines += ["| promotion | status | PR |", "|---|---|---|"]
            lines += [_summary_row(group) for group in self.groups]
        lines.append("")
        if self.superseded:
            closed = ", ".join(f"#{number}" for number in self.superseded)
            lines += [f"Closed as superseded: {closed}.", ""]
        lines += [
            _conflict_line(conflict.target, conflict.sources) for conflict in self.plan.conflicts
        ]
        lines += [f"- ⚠️ {text(warning)}" for warning in (*self.warnings, *self.plan.warnings)]
        lines += [f"- ❌ {failure}" for failure in self.failures]
        return "\n".join(lines).rstrip() + "\n"

    @property
    def status_description(self) -> str:
        if self.failures:
            return f"{len(self.failures)} promotion step(s) failed; see the job log"
        if self.dry_run:
            return "dry run: plan commented"
        return f"{len(self.opened)} promotion PR(s)"


def _conflict_line(target: str, sources: tuple[str, ...]) -> str:
    shown = ", ".join(code_span(source) for source in sources)
    return f"- ⚠️ conflict: {code_span(target)} left out, its sources differ: {shown}"


def _summary_row(group: GroupResult) -> str:
    pr = f"[#{group.pr.number}]({group.pr.html_url})" if group.pr else ""
    status = "failed" if group.failed else str(group.outcome.status)
    status += ", merged" if group.merged else ""
    status += f", {group.auto_merge}" if group.auto_merge else ""
    return f"| {table_cell(group.outcome.promotion.title)} | {status} | {pr} |"


@dataclass
class MergedPrPromotion:
    """Carries out the promotion of one merged PR through a ``ports.CodeHost``.

    ``approver`` is the same repository seen by the approver identity (None when not
    configured); ``dry_run`` overrides the repo's ``dryRunMode`` when not None.
    """

    repo: CodeHost
    event: PullRequestEvent
    renderer: Renderer
    approver: PullRequestHost | None = None
    dry_run: bool | None = None
    log: Log = print
    # Argo CD, for ``argocd.autoMergeNoDiffPRs`` (None: not configured, nothing merged so)
    argocd: ArgoCdReader | None = None
    # (flow index, component name): promote just that component of that flow, as the
    # dashboard asks, instead of the merged PR's changes; no commit status then.
    only: tuple[int, str] | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _warnings: tuple[str, ...] = field(default=(), init=False)
    _open_prs: dict[str, PullRequest | None] = field(default_factory=dict, init=False)
    _bot: Callable[[str], bool] | None = field(default=None, init=False)
    # what the one-query read gave (None: not read, or GraphQL refused it)
    _read: PromotionRead | None = field(default=None, init=False)
    # the open PRs as read once this run's new PRs were open and labelled (None: read
    # them again for superseding)
    _seen: OpenPullsView | None = field(default=None, init=False)
    _wanted_labels: list[str] = field(default_factory=list, init=False)  # of a new PR
    # new PRs whose labels and assignee are set at once (one request), with what to set
    _unlabelled: list[tuple[PullRequest, list[str], list[str]]] = field(
        default_factory=list, init=False
    )

    @property
    def pull(self) -> PullRequest:
        return self.event.pull_request

    def run(self) -> MergedPrResult:
        """The whole flow, bracketed by the commit status; errors set it to ``error``."""
        if self.only is not None:
            return self._promote()
        sha = self.pull.status_sha
        self.repo.set_status(sha, CommitStatusState.PENDING, STATUS_CONTEXT, "promoting")
        try:
            result = self._promote()
        except TelefonistkaError as exc:
            self._final_status(sha, CommitStatusState.ERROR, str(exc))
            raise
        except Exception as exc:  # a bug: the status must still not stay pending
            self._final_status(sha, CommitStatusState.ERROR, f"unexpected error: {exc!r}")
            raise
        state = CommitStatusState.ERROR if result.failures else CommitStatusState.SUCCESS
        self._final_status(sha, state, result.status_description)
        return result

    def _final_status(self, sha: str, state: CommitStatusState, description: str) -> None:
        """Set the final status; failing to do so is logged, never hides the real error."""
        try:
            self.repo.set_status(sha, state, STATUS_CONTEXT, description)
        except TelefonistkaError as exc:
            self.log(f"could not set the final commit status: {exc}")

    def _promote(self) -> MergedPrResult:
        if self.only is None and is_rollback_pr(self.pull, self._is_bot):
            # A rollback sets targets back; carrying that to later stages would roll
            # back environments nobody asked about. Its targets are held from now on.
            self.log(f"PR #{self.pull.number} is a rollback: its content is not promoted")
            if HOLD_LABEL not in self.pull.labels:
                self.repo.add_labels(self.pull.number, [HOLD_LABEL])
                self.log(f"PR #{self.pull.number}: its targets are held ({HOLD_LABEL})")
            return MergedPrResult(self.pull.number, Plan())
        self._read = self._read_first()
        head = self._read.head if self._read is not None else self.event.default_branch
        snapshot = self.repo.read_snapshot(head)
        config = read_repo_config_in(self.repo, snapshot, self.event.default_branch)
        self._wanted_labels = self._labels(config)
        plan = self._plan(config, snapshot)
        dry_run = config.dry_run_mode if self.dry_run is None else self.dry_run
        if dry_run:
            body = self.renderer.plan_comment(plan, dry_run=True)
            self.repo.comment_once(self.pull.number, body, "dry-run-plan")
            return MergedPrResult(self.pull.number, plan, dry_run=True, warnings=self._warnings)
        body = self._trusted_body
        trigger = Trigger(self.pull.number, self.pull.author, self.pull.head_ref, body)
        run = PromotionRun(self.repo, snapshot, trigger, self.renderer)
        run.may_replace = lambda branch: self._open_pr(branch) is None
        if self._read is not None and self._read.open_pulls is not None:
            run.known_heads = {p.pull.head_ref: p.pull.head_sha for p in self._read.open_pulls}
        outcomes = run.carry_out(plan)
        opened = [self._open(outcome, config) for outcome in outcomes]
        groups = self._label_new(opened, config.close_superseded_promotion_prs)
        superseded = (
            self._supersede(groups, snapshot.commit)
            if config.close_superseded_promotion_prs
            else ()
        )
        # A PR this run closed (superseded by a newer run's) is never merged or judged.
        groups = [
            replace(g, superseded=True) if g.pr is not None and g.pr.number in superseded else g
            for g in groups
        ]
        groups = self._hold_gated(groups, config)
        groups, comment_failure = self._auto_merge(groups, self._no_diff(groups, config))
        failures = [g.describe_failure() for g in groups if g.failed] + comment_failure
        return MergedPrResult(
            self.pull.number,
            plan,
            False,
            tuple(groups),
            tuple(failures),
            self._warnings,
            superseded,
        )

    def _label_new(self, groups: list[GroupResult], see: bool) -> list[GroupResult]:
        """Label and assign every PR this run opened, in one request; a failure is the
        failure of their groups (as a failed ``PATCH`` was), each PR still open. With
        ``see`` (superseding on), the same request reads the open PRs once every label is
        set: of two runs at once, the later to label then sees the other's PRs whole."""
        if not self._unlabelled:
            return groups
        try:
            base = self.event.default_branch if see else ""
            self._seen = self.repo.label_and_assign(self._unlabelled, base)
        except TelefonistkaError as exc:
            failed = {pull.number for pull, _, _ in self._unlabelled}
            return [
                replace(g, error=str(exc)) if g.pr is not None and g.pr.number in failed else g
                for g in groups
            ]
        finally:
            self._unlabelled = []
        return groups

    def _read_first(self) -> PromotionRead | None:
        """The default branch's head, the configuration, the PR's files and the open PRs,
        in one GraphQL request (docs/performance.md); None where GraphQL refuses, and the
        run reads them through REST as before."""
        if self.only is not None:
            return None
        try:
            read = self.repo.promotion_read(
                self.event.default_branch, self.pull.number, REPO_CONFIG_FILE, self._candidates
            )
        except TelefonistkaError as exc:
            self.log(f"the one-query read failed ({exc}); reading through REST")
            return None
        if read.open_pulls is not None:
            for found in read.open_pulls:
                self._open_prs.setdefault(found.pull.head_ref, found.pull)
        return read

    def _hold_gated(self, groups: list[GroupResult], config: RepoConfig) -> list[GroupResult]:
        """Each promotion PR whose flow has gates, or whose targets a freeze covers, gets
        the status ``telefonistka/gates`` with the verdict (docs/gates.md); auto-merge never
        passes a verdict that does not hold."""
        check = GateCheck(self.repo, self.event.default_branch, self.clock, self.argocd, self.log)
        holds = self._holds(groups, config)
        held = []
        for group in groups:
            promotion = group.outcome.promotion
            gates = flow_gates(config, promotion.source_pattern)
            reason = ""
            hold = holding(holds, (target for target, _ in promotion.sync))
            if group.pr is not None and hold is not None:
                verdict = GateVerdict("pending", held_description(hold))
                if not self.dry_run_outcome(group):
                    check.publish(group.outcome.commit or group.pr.head_sha, verdict)
                reason = verdict.description
            elif group.pr is not None and gated(gates, config.freezes, promotion.target_paths):
                sources = [source for _, source in promotion.sync]
                verdict = check.verdict(gates, config.freezes, promotion.target_paths, sources)
                if not self.dry_run_outcome(group):
                    check.publish(group.outcome.commit or group.pr.head_sha, verdict)
                reason = "" if verdict.holds else verdict.description
            if reason and promotion.auto_merge and group.pr is not None:
                self._warn(f"PR #{group.pr.number} is not auto-merged: {reason}")
            held.append(replace(group, held=reason) if reason else group)
        return held

    def _holds(self, groups: list[GroupResult], config: RepoConfig) -> list[Hold]:
        """The holds of merged rollbacks in force (docs/rollback.md), read only when some
        promotion PR would be auto-merged or is gated: one request then, none otherwise."""
        wanted = any(
            g.pr is not None
            and (
                g.outcome.promotion.auto_merge
                or gated(
                    flow_gates(config, g.outcome.promotion.source_pattern),
                    config.freezes,
                    g.outcome.promotion.target_paths,
                )
            )
            for g in groups
        )
        return read_holds(self.repo, self.clock(), self._is_bot, self._warn) if wanted else []

    @staticmethod
    def dry_run_outcome(group: GroupResult) -> bool:
        return group.outcome.status in (Status.WOULD_CREATE, Status.WOULD_UPDATE)

    def _supersede(self, groups: list[GroupResult], snapshot: str) -> tuple[int, ...]:
        """Close the bot's older promotion PRs this run's PRs replace (see ``supersede``).

        Trouble there is a warning, never a failed promotion: the new PRs are open.
        """
        newer = [
            NewerPr(g.pr.number, frozenset(t for t, _ in g.outcome.promotion.sync), g.pr)
            for g in groups
            if g.pr is not None and not g.failed and g.outcome.status is not Status.EDITED
        ]
        base = self.event.default_branch
        passing = SupersedeOlderPrs(self.repo, base, self._is_bot, self.log)
        try:
            done = passing.run(newer, snapshot, self._seen)
        except TelefonistkaError as exc:
            self._warn(f"could not look for superseded promotion PRs: {exc}")
            return ()
        for problem in (*done.warnings, *done.failures):
            self._warn(problem)
        return done.closed

    def _warn(self, message: str) -> None:
        self._warnings += (message,)
        self.log(f"warning: {message}")

    def _is_bot(self, login: str) -> bool:
        """Whether ``login`` is the bot: the author of a PR this run opened, else asked once."""
        if self._bot is None:
            self._bot = bot_matcher(self.repo, self.log)
        return self._bot(login)

    def _plan(self, config: RepoConfig, snapshot: TreeSnapshot) -> Plan:
        labels: Collection[str] = self.pull.labels
        if self.only is not None:
            config, components, labels = _only(config, snapshot, *self.only)
        else:
            components = self._changed_components(config)
        component_configs = read_component_configs(self.repo, snapshot, components)
        return compute_plan(components, config, labels, snapshot, component_configs)

    def _changed_components(self, config: RepoConfig) -> list[ChangedComponent]:
        """A promotion PR names its components in its metadata; any other PR by its files."""
        metadata = extract_metadata(self._trusted_body)
        if metadata is not None and metadata.promoted_paths:
            return components_from_folders(metadata.promoted_paths, config)
        read = self._read
        files = read.files if read is not None and read.files is not None else None
        if files is None:
            files = self.repo.pr_files(self.pull.number, self.pull)
        return find_changed_components(files, config)

    @cached_property
    def _trusted_body(self) -> str:
        """The merged PR's body when its metadata block may steer the promotion, else "".

        Why: the hidden block names the components to promote and the chain's author. A
        person can paste it into any PR body, so it is read only from a PR the bot opened
        itself: the bot's identity as author, a head branch under ``promotions/`` and the
        ``promotion`` label. Elsewhere it is ignored with a warning, and the plan comes
        from the PR's real changed files.
        """
        pull = self.pull
        if extract_metadata(pull.body) is None:
            return pull.body
        missing = promotion_pr_problems(pull, self._is_bot)
        if not missing:
            return pull.body
        self._warn(
            f"PR #{pull.number} carries a promotion metadata block but was not opened by "
            f"telefonistka ({'; '.join(missing)}): the block is ignored and the changed "
            "components come from the PR's files"
        )
        return ""

    def _open(self, outcome: Outcome, config: RepoConfig) -> GroupResult:
        """The PR of one group, labelled, assigned and approved; errors stay in the group."""
        result = GroupResult(outcome)
        if outcome.status is Status.EDITED:
            return self._leave_edited(result)
        if outcome.status not in _NEEDS_PR:
            return result
        try:
            pr, created = self._find_or_create_pr(outcome)
            result = replace(result, pr=pr)
            if created and self._bot is None and pr.author:
                login = pr.author  # the bot opened it: its login, without asking
                self._bot = lambda author: author == login
            self._label(pr, created, config)
            if config.auto_approve_promotion_prs:
                self._approve(pr, outcome.commit, created)
        except TelefonistkaError as exc:
            return replace(result, error=str(exc))
        self.log(f"promotion PR #{pr.number} ({outcome.status}): {pr.html_url}")
        return result

    def _leave_edited(self, result: GroupResult) -> GroupResult:
        """A branch somebody pushed to is left as it is; say so in the log, the job
        summary and (once) on its PR, and go on with the other groups."""
        branch = result.outcome.branch
        pr = self._open_pr(branch)  # read already when the branch was found edited
        where = f" (PR #{pr.number})" if pr is not None else ""
        self._warn(
            f"branch {branch}{where} holds a commit telefonistka did not write: it was left "
            "as it is, not updated to the newer promotion"
        )
        if pr is not None:
            note = (
                "⚠️ This branch has commits telefonistka did not write, so it was not updated "
                f"to the promotion of #{self.pull.number}. Close this PR (telefonistka opens a "
                "fresh one on the next promotion) or bring the changes in by hand."
            )
            self.repo.comment_once(pr.number, note, f"edited {self.pull.number}")
        return replace(result, pr=pr)

    def _open_pr(self, branch: str) -> PullRequest | None:
        """The open PR from ``branch``, read once per run: none to read when the first
        query listed every open PR (a PR opened since is found when creating it fails)."""
        if branch not in self._open_prs:
            listed = self._read is not None and self._read.open_pulls is not None
            self._open_prs[branch] = None if listed else self.repo.find_open_pr(branch)
        return self._open_prs[branch]

    def _find_or_create_pr(self, outcome: Outcome) -> tuple[PullRequest, bool]:
        """(the group's open PR, whether it is new): an existing one is updated in place.

        A branch this run created cannot have a PR yet, so only a branch that existed (a
        re-run, or a later merge of the same PR) is looked up.
        """
        existing = None
        if outcome.status is not Status.CREATED:
            existing = self._open_pr(outcome.branch)
        if existing is None:
            return self._create_pr(outcome), True
        if (existing.title, existing.body.strip()) != (outcome.title, outcome.body.strip()):
            existing = self.repo.update_pr(existing.number, outcome.title, outcome.body)
        return existing, False

    def _create_pr(self, outcome: Outcome) -> PullRequest:
        """Open the group's PR; after the one-query read, through GraphQL, which also
        reads the open PRs as they are once it exists, for the superseding pass."""
        base = self.event.default_branch
        read = self._read
        if read is None or not read.repository_id:
            return self.repo.create_pr(outcome.title, outcome.body, outcome.branch, base)
        try:
            return self.repo.create_pr_at_once(
                outcome.title,
                outcome.body,
                outcome.branch,
                base,
                read.repository_id,
                labels=self._wanted_labels,
            )
        except GitHubError as exc:
            if exc.status != GRAPHQL_REFUSED:
                raise
            self.log(f"GraphQL refused to open the PR ({exc}); opening it through REST")
            return self.repo.create_pr(outcome.title, outcome.body, outcome.branch, base)

    def _label(self, pr: PullRequest, created: bool, config: RepoConfig) -> None:
        """Labels and assignee of a new PR in one request; on a found PR, what is missing.

        Adding rather than replacing on a found PR keeps labels people put on it. A found
        PR without any assignee (a run that died after opening it) gets the chain's
        author; one somebody reassigned is left as it is.
        """
        if created and self._read is not None and self._read.repository_id:
            self._unlabelled.append((pr, self._labels(config), self._assignees()))
            return  # all new PRs at once, after the last is open (``_label_new``)
        if created:
            self.repo.set_labels_and_assignees(pr.number, self._labels(config), self._assignees())
            return
        missing = [label for label in self._labels(config) if label not in pr.labels]
        self.repo.add_labels(pr.number, missing)
        if not pr.assignees:
            self.repo.add_assignees(pr.number, self._assignees())

    def _labels(self, config: RepoConfig) -> list[str]:
        return list(dict.fromkeys((PROMOTION_LABEL, *config.promotion_pr_labels)))

    @property
    def _candidates(self) -> list[str]:
        """Who ``_assignees`` may name before the body is known to be trusted: the
        metadata's original author and the PR's author."""
        metadata = extract_metadata(self.pull.body)
        named = metadata.original_pr_author if metadata is not None else ""
        return [login for login in dict.fromkeys((named, self.pull.author)) if login]

    def _assignees(self) -> list[str]:
        """The chain's original author: from the metadata of a promotion PR, else the PR's."""
        metadata = extract_metadata(self._trusted_body)
        author = metadata.original_pr_author if metadata is not None else ""
        return [author or self.pull.author] if (author or self.pull.author) else []

    def _approve(self, pr: PullRequest, commit: str | None, created: bool) -> None:
        """Approve the commit the bot wrote, once: a re-run finds its earlier approval.

        A PR this run opened has no reviews yet, so only a found one is looked up.
        """
        if self.approver is None:
            raise SyncError(
                "autoApprovePromotionPrs is on but no approver identity is configured: set "
                "the `approver-token` input (a second user's token), or `approver-app-id` "
                "and `approver-app-private-key`"
            )
        commit = commit or pr.head_sha
        if created or not self.approver.reviewed(pr.number, commit):
            self.approver.approve(pr.number, commit)
        else:
            self.log(f"PR #{pr.number} is approved at {commit[:12]} already")

    def _no_diff(self, groups: list[GroupResult], config: RepoConfig) -> set[int]:
        """Indexes of the groups whose PR Argo CD says changes no app (``autoMergeNoDiffPRs``).

        Asked only for PRs that would not be merged anyway, under the same safety rules
        (never an edited branch or a failed group); the PR is told why it is merged.
        """
        if self.argocd is None or not config.argocd.auto_merge_no_diff_prs:
            return set()
        found = set()
        for index, group in enumerate(groups):
            candidate = replace(
                group.outcome, promotion=replace(group.outcome.promotion, auto_merge=True)
            )
            if _wants_merge(group) or not _wants_merge(replace(group, outcome=candidate)):
                continue
            assert group.pr is not None  # noqa: S101 - _wants_merge checked it
            try:
                files = self.repo.pr_files(group.pr.number, group.pr)
                revision = group.outcome.commit or group.pr.head_sha
                no_diff, why = no_diff_verdict(self.argocd, files, config, revision)
            except TelefonistkaError as exc:
                self._warn(f"no Argo CD verdict for PR #{group.pr.number}: {exc}")
                continue
            self.log(f"PR #{group.pr.number}: {why}")
            if no_diff:
                note = f"✅ {why}: merging it (autoMergeNoDiffPRs)."
                self.repo.comment_once(group.pr.number, note, f"no-diff {revision}")
                found.add(index)
        return found

    def _auto_merge(
        self,
        groups: list[GroupResult],
        no_diff: Collection[int] = (),
    ) -> tuple[list[GroupResult], list[str]]:
        """Comment on the merged PR, then merge each auto-merge group's PR."""
        due = [i for i, g in enumerate(groups) if _wants_merge(g) or i in no_diff]
        if not due:
            return groups, []
        failures = []
        prs = [(p.number, p.html_url) for i in due if (p := groups[i].pr) is not None]
        try:
            body = self.renderer.auto_merge_comment(prs)
            event = f"auto-merge {' '.join(str(number) for number, _ in prs)}"
            self.repo.comment_once(self.pull.number, body, event)
        except TelefonistkaError as exc:
            failures.append(f"auto-merge comment on #{self.pull.number}: {exc}")
        merged = list(groups)
        for i in due:
            merged[i] = self._merge(groups[i])
        return merged, failures

    def _merge(self, group: GroupResult) -> GroupResult:
        assert group.pr is not None  # noqa: S101 - only groups with a PR are merged
        try:
            result = merge_respecting_protection(self.repo, group.pr, self.log)
        except TelefonistkaError as exc:
            return replace(group, error=f"merging PR #{group.pr.number}: {exc}")
        if result.state is not MergeState.MERGED:
            return replace(group, auto_merge=result.state.value, held=result.why)
        self.log(f"merged promotion PR #{group.pr.number}")
        return replace(group, merged=True)


def _only(
    config: RepoConfig, snapshot: TreeSnapshot, flow_index: int, name: str
) -> tuple[RepoConfig, list[ChangedComponent], tuple[str, ...]]:
    """The configuration, components and labels that plan component ``name`` of flow
    ``flow_index`` alone: the flow's entry as the only one, its labels as the PR's."""
    if not 0 <= flow_index < len(config.promotion_paths):
        raise SyncError(f"there is no promotion flow {flow_index + 1} in the configuration")
    flow = config.promotion_paths[flow_index]
    config = replace(config, promotion_paths=(flow,))
    components = [c for c in all_components(snapshot, config) if c.name == name]
    if not components:
        raise SyncError(f"no component {name!r} below {flow.source_path!r}")
    return config, components, flow.conditions.pr_has_labels[:1]


def _wants_merge(group: GroupResult) -> bool:
    """Auto-merge a group's PR, never one whose branch somebody else edited."""
    edited = group.outcome.status is Status.EDITED
    return (
        group.pr is not None
        and not group.failed
        and not edited
        and not group.superseded
        and not group.held
        and group.outcome.promotion.auto_merge
    )
