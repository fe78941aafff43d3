"""The scheduled gate pass: re-evaluate the open promotion PRs whose gates are pending.

Why a pass and no controller: the bot runs only on events. A ``schedule`` run (and a
``workflow_dispatch`` with ``gates: true``) looks at every open promotion PR of the bot
whose ``telefonistka/gates`` status is not ``success``, reads its gates' facts again, writes
the status only when its state or description changed, and merges the PRs of
``autoMerge`` flows once every gate holds (docs/gates.md). A PR whose head is not the
bot's commit (a reviewer pushed or amended) is never merged here, as on promotion.

Cost (docs/performance.md): one GraphQL request reads the configuration, the open PRs
with their heads' statuses and commits, the holds and the bot's login; one more reads the
moments and checks of every pending PR's sources. Then each pending PR costs its writes only: a
status when it changed, a merge (and enabling auto-merge where the base branch's rules
are not met yet). Where GraphQL refuses, the same facts come through REST, as before.

Which flow a PR belongs to, its targets and its sources are read from its metadata block,
written by the bot: the newest stage names the concrete source path and the target paths,
and each promoted path is a target path plus a component name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from telefonistka.core.config.gates import Freeze, Gates
from telefonistka.core.config.model import REPO_CONFIG_FILE, PromotionPath, RepoConfig
from telefonistka.core.events.pull_request import PullRequest
from telefonistka.core.promotion.gates import STATUS_CONTEXT, GateVerdict, gated
from telefonistka.core.promotion.holds import (
    HOLD_LABEL,
    Hold,
    active_holds,
    held_description,
    holding,
)
from telefonistka.core.promotion.metadata import PromotionMetadata, extract_metadata
from telefonistka.core.promotion.planning import flow_matches
from telefonistka.errors import TelefonistkaError
from telefonistka.ports import CodeHost, GatePassRead
from telefonistka.usecases.auto_merge import MergeState, merge_respecting_protection
from telefonistka.usecases.bot_identity import promotion_pr_problems
from telefonistka.usecases.gate_check import AppLister, GateCheck
from telefonistka.usecases.promotion import is_bot_commit
from telefonistka.usecases.repo_config import read_repo_config_on, repo_config_of
from telefonistka.usecases.rollback_pr import read_holds

Log = Callable[[str], None]


@dataclass(frozen=True)
class GatePassResult:
    """What the pass did: statuses written, PRs merged, what failed."""

    updated: tuple[tuple[int, str, str], ...] = ()  # (PR, state, description)
    merged: tuple[int, ...] = ()
    failures: tuple[str, ...] = ()
    # (PR, "auto-merge enabled" | "left open"): its gates hold, its base branch's rules not yet
    protected: tuple[tuple[int, str], ...] = ()

    def summary(self) -> str:
        lines = ["### Telefonistka gates", ""]
        lines += [f"- #{number}: {state}, {text}" for number, state, text in self.updated]
        lines += [f"- #{number}: merged, every gate holds" for number in self.merged]
        lines += [
            f"- #{number}: every gate holds; the base branch's rules are not met yet: {how}"
            for number, how in self.protected
        ]
        if len(lines) == 2:
            lines.append("No pending gate changed.")
        return "\n".join(lines) + "\n"


@dataclass
class GatePass:
    """One pass over the open promotion PRs into ``default_branch``."""

    host: CodeHost
    default_branch: str
    clock: Callable[[], datetime]
    is_bot: Callable[[str], bool]
    argocd: AppLister | None = None
    log: Log = print
    _failures: list[str] = field(default_factory=list, init=False)
    _held: list[Hold] | None = field(default=None, init=False)

    def _holds(self) -> list[Hold]:
        """The holds of merged rollbacks in force, read once per pass (when needed)."""
        if self._held is None:
            self._held = read_holds(self.host, self.clock(), self.is_bot, self.log)
        return self._held

    def run(self, config: RepoConfig | None = None) -> GatePassResult:
        """The pass; ``config``: the default branch's configuration when the caller has
        read it already (the scheduled report), else it is read here."""
        read = self._read_first()
        if config is None and read is not None and read.config is not None:
            name = self.host.full_name
            config = repo_config_of(read.config, name, read.head, self.default_branch)
        if config is None:
            config = read_repo_config_on(self.host, self.default_branch)
        check = GateCheck(self.host, self.default_branch, self.clock, self.argocd, self.log)
        pending: list[_Pending] = []
        for pull, statuses in self._open_pulls(read):
            if promotion_pr_problems(pull, self.is_bot):
                continue
            try:
                found = self._pending(pull, statuses, config)
            except TelefonistkaError as exc:
                self._failures.append(f"gates of PR #{pull.number}: {exc}")
                continue
            if found is not None:
                pending.append(found)
        check.prefetch([s for p in pending if p.reads_sources for s in p.sources])
        updated, merged, protected = [], [], []
        for item in pending:
            try:
                state, text, merge = self._settle(item, check)
            except TelefonistkaError as exc:
                self._failures.append(f"gates of PR #{item.pull.number}: {exc}")
                continue
            if text:
                updated.append((item.pull.number, state, text))
            if merge is MergeState.MERGED:
                merged.append(item.pull.number)
            elif merge is not None:
                protected.append((item.pull.number, merge.value))
        return GatePassResult(
            tuple(updated), tuple(merged), tuple(self._failures), tuple(protected)
        )

    def _read_first(self) -> GatePassRead | None:
        """The configuration, the open PRs with their heads' statuses, the holds and the
        bot's login in one GraphQL request; None where GraphQL refuses."""
        try:
            return self.host.gate_pass_read(self.default_branch, HOLD_LABEL, REPO_CONFIG_FILE)
        except TelefonistkaError as exc:
            self.log(f"gates: the one-query read failed ({exc}); using REST")
            return None

    def _open_pulls(
        self, read: GatePassRead | None
    ) -> list[tuple[PullRequest, Mapping[str, tuple[str, str, str]] | None]]:
        """The open PRs with their heads' statuses (None: read when needed); the REST list
        where GraphQL refused. The holds, when they came along, are kept."""
        if read is None:
            return [(pull, None) for pull in self.host.list_open_prs(self.default_branch)]
        if read.holds is not None:
            self._held = active_holds(read.holds, self.clock(), self.is_bot)
        return [(open_pull.pull, open_pull.statuses) for open_pull in read.pulls]

    def _pending(
        self,
        pull: PullRequest,
        statuses: Mapping[str, tuple[str, str, str]] | None,
        config: RepoConfig,
    ) -> _Pending | None:
        """The PR when its gates are to be evaluated: gated, and not yet ``success``."""
        metadata = extract_metadata(pull.body)
        found = _stage(metadata, config) if metadata is not None else None
        if metadata is None or found is None:
            return None
        flow, gates, targets, sources = found
        if statuses is None:
            statuses = self.host.latest_statuses(pull.head_sha)
        record = statuses.get(STATUS_CONTEXT)
        current = (record[0], record[1]) if record is not None else None
        if current is None and not gated(gates, config.freezes, targets):
            return None  # never gated: nothing to say
        if current is not None and current[0] == "success":
            return None  # only pending gates are re-evaluated
        hold = holding(self._holds(), metadata.promoted_paths or targets)
        return _Pending(pull, flow, gates, targets, sources, current, hold, config.freezes)

    def _settle(self, item: _Pending, check: GateCheck) -> tuple[str, str, MergeState | None]:
        """(state, description written or "", what a merge did or None when none was
        tried) for one pending PR."""
        pull = item.pull
        if item.hold is not None:
            verdict = GateVerdict("pending", held_description(item.hold))
        elif gated(item.gates, item.freezes, item.targets):
            verdict = check.verdict(item.gates, item.freezes, item.targets, item.sources)
        else:  # the gates or the freeze that held it are gone from the configuration
            verdict = GateVerdict("success", "no gate or freeze applies any more")
        state = "success" if verdict.holds else "pending"
        written = ""
        if item.current != (state, verdict.description):
            check.publish(pull.head_sha, verdict)
            written = verdict.description
            self.log(f"PR #{pull.number}: {state}, {verdict.description}")
        merge = verdict.holds and item.flow.conditions.auto_merge
        if merge and not is_bot_commit(self.host.commit_state(pull.head_sha)):
            self.log(f"PR #{pull.number}: its branch holds a commit the bot did not write")
            merge = False
        if not merge:
            return state, written, None
        result = merge_respecting_protection(self.host, pull, self.log)
        if result.state is MergeState.MERGED:
            self.log(f"merged PR #{pull.number}: every gate holds")
        return state, written, result.state


@dataclass(frozen=True)
class _Pending:
    """A promotion PR whose gates are evaluated in this pass, and what decides them."""

    pull: PullRequest
    flow: PromotionPath
    gates: Gates | None
    targets: tuple[str, ...]
    sources: list[str]
    current: tuple[str, str] | None  # its telefonistka/gates status: (state, description)
    hold: Hold | None
    freezes: Sequence[Freeze]

    @property
    def reads_sources(self) -> bool:
        """Its verdict reads its sources' facts (not held, and gated by the flow)."""
        return self.hold is None and self.gates is not None


def _stage(
    metadata: PromotionMetadata, config: RepoConfig
) -> tuple[PromotionPath, Gates | None, tuple[str, ...], list[str]] | None:
    """(flow, its gates, target paths, source component paths) of the PR's newest stage."""
    stage = metadata.newest_stage
    if stage is None:
        return None
    flows = [flow for flow in config.promotion_paths if flow_matches(flow, stage.source_path)]
    if not flows:
        return None
    flow = next((f for f in flows if f.gates is not None), flows[0])
    sources = []
    for promoted in metadata.promoted_paths:
        prefix = next((t for t in stage.target_paths if promoted.startswith(t)), None)
        if prefix is not None:
            sources.append(stage.source_path + promoted[len(prefix) :])
    return flow, flow.gates, tuple(stage.target_paths), sources
