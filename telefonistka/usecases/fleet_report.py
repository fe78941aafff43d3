"""The fleet report use case: one snapshot of the default branch, the open PRs, the report.

What it costs on GitHub (docs/performance.md): the branch's ref and its recursive tree
(2), the repo configuration (1 blob) and every component configuration that exists (1
blob each), the open PRs (1 per 100), the bot's login once when a PR looks like a
promotion PR (1 GraphQL), and one status read per open promotion PR. Locally (``telefonistka
report``) the same, from git, without PRs.

A broken configuration does not stop the report: the repo configuration's error leaves
no flow to report and is shown; a component configuration's error is shown and that
component is reported as if it had none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from telefonistka.core.config.component_configs import component_config_files
from telefonistka.core.config.model import (
    REPO_CONFIG_FILE,
    ComponentConfig,
    RepoConfig,
)
from telefonistka.core.config.validation import load_component_config, load_repo_config
from telefonistka.core.events.pull_request import PullRequest
from telefonistka.core.fleet.report import (
    FleetReport,
    OpenPromotion,
    all_components,
    compute_report,
    settle_kept_fields,
)
from telefonistka.core.promotion.changes import ChangedComponent
from telefonistka.core.promotion.gates import STATUS_CONTEXT as GATES_CONTEXT
from telefonistka.core.promotion.holds import HOLD_LABEL, active_holds
from telefonistka.core.promotion.metadata import extract_metadata
from telefonistka.core.promotion.snapshot import Mode, TreeSnapshot
from telefonistka.errors import ConfigError, TelefonistkaError
from telefonistka.ports import BatchReader, GatePassRead, PullRequestHost, StatusHost
from telefonistka.usecases.bot_identity import bot_matcher, promotion_pr_problems
from telefonistka.usecases.pr_status import STATUS_CONTEXT
from telefonistka.usecases.rollback_pr import read_holds

Log = Callable[[str], None]
_FILE_MODES = frozenset({Mode.FILE, Mode.EXECUTABLE})


class SnapshotSource(Protocol):
    """What the report reads of a repository: one snapshot and some blobs."""

    def read_snapshot(self, rev: str) -> TreeSnapshot: ...

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]: ...


class PrSource(PullRequestHost, StatusHost, BatchReader, Protocol):
    """What the report reads of the open PRs (GitHub only)."""


@dataclass
class FleetReportRun:
    """Compute the report of ``branch`` of ``repository`` at ``now``.

    ``prs`` is None for a local repository (no PRs to read).
    """

    source: SnapshotSource
    repository: str
    branch: str
    now: datetime
    prs: PrSource | None = None
    stale_after_hours: float = 1.0
    log: Log = print
    is_bot: Callable[[str], bool] | None = None  # default: asked once, when needed

    def run(self) -> tuple[FleetReport, RepoConfig, TreeSnapshot]:
        """The report, with the configuration and snapshot it was computed on."""
        read = self._read_first()
        snapshot = self.source.read_snapshot(read.head if read is not None else self.branch)
        errors: list[str] = []
        config = self._repo_config(snapshot, errors)
        components = all_components(snapshot, config)
        configs = self._component_configs(snapshot, components, errors)
        open_prs, promotions = self._promotions(read) if self.prs is not None else ([], [])
        report = compute_report(
            snapshot,
            config,
            configs,
            promotions,
            repository=self.repository,
            now=self.now,
            open_prs=len(open_prs),
            stale_after_hours=self.stale_after_hours,
            config_errors=errors,
            components=components,
        )
        report = settle_kept_fields(report, snapshot, config, configs, self.source)
        if self.prs is not None:
            report = replace(report, held=self._held(read))
        return report, config, snapshot

    def _read_first(self) -> GatePassRead | None:
        """On GitHub, one GraphQL request for the branch's head, the open PRs (every base)
        with their heads' statuses, the holds and the bot's login; the configuration's
        blob comes along into the snapshot's reads. None without PRs to read, or where
        GraphQL refuses (then each is read through REST, as before)."""
        if self.prs is None:
            return None
        try:
            return self.prs.gate_pass_read(
                self.branch, HOLD_LABEL, REPO_CONFIG_FILE, all_bases=True
            )
        except TelefonistkaError as exc:
            self.log(f"the one-query read failed ({exc}); reading through REST")
            return None

    def _held(self, read: GatePassRead | None) -> tuple[tuple[str, int], ...]:
        """The target folders merged rollbacks hold (read with the rest, or one request);
        none when unreadable."""
        assert self.prs is not None  # noqa: S101 - the caller checked
        is_bot = self.is_bot or bot_matcher(self.prs, self.log)
        if read is not None and read.holds is not None:
            holds = active_holds(read.holds, self.now, is_bot)
        else:
            holds = read_holds(self.prs, self.now, is_bot, self.log)  # unknown: no folder
        return tuple(sorted({(folder, h.pr) for h in holds for folder in h.folders}))

    def _repo_config(self, snapshot: TreeSnapshot, errors: list[str]) -> RepoConfig:
        entry = snapshot.entry(REPO_CONFIG_FILE)
        if entry is None or entry.mode not in _FILE_MODES:
            errors.append(
                f"no {REPO_CONFIG_FILE} at the root of {self.branch!r}: nothing to report"
            )
            return RepoConfig()
        try:
            return load_repo_config(
                self.source.read_blobs([entry.oid])[entry.oid], REPO_CONFIG_FILE
            )
        except ConfigError as exc:
            errors.append(str(exc))
            return RepoConfig()

    def _component_configs(
        self, snapshot: TreeSnapshot, components: Iterable[ChangedComponent], errors: list[str]
    ) -> dict[str, ComponentConfig]:
        """Every component configuration that exists, read in one batch; errors kept."""
        files = component_config_files(snapshot, components)
        contents = self.source.read_blobs(oid for _, oid in files.values())
        found = {}
        for path, (name, oid) in files.items():
            try:
                found[path] = load_component_config(contents[oid], name)
            except ConfigError as exc:
                errors.append(str(exc))
        return found

    def _promotions(
        self, read: GatePassRead | None
    ) -> tuple[list[PullRequest], list[OpenPromotion]]:
        """Every open PR, and the bot's promotion PRs among them with their status."""
        assert self.prs is not None  # noqa: S101 - the caller checked
        host = self.prs
        given = {p.pull.number: p.statuses for p in read.pulls} if read is not None else {}
        pulls = [p.pull for p in read.pulls] if read is not None else host.list_open_prs("")
        looks_like = [p for p in pulls if not promotion_pr_problems(p, lambda _login: True)]
        if not looks_like:
            return pulls, []
        is_bot = self.is_bot or bot_matcher(host, self.log)
        promotions = []
        for pull in looks_like:
            if promotion_pr_problems(pull, is_bot):
                continue
            metadata = extract_metadata(pull.body)
            targets = frozenset(metadata.promoted_paths) if metadata is not None else frozenset()
            records = given.get(pull.number)
            if records is None:
                records = host.latest_statuses(pull.head_sha)  # one read: both contexts
            record, gates = records.get(STATUS_CONTEXT), records.get(GATES_CONTEXT)
            promotions.append(
                OpenPromotion(
                    pull.number,
                    pull.title,
                    pull.html_url,
                    pull.created_at,
                    targets,
                    record[0] if record is not None else None,
                    record[2] if record is not None else "",
                    f"{gates[0]}: {gates[1]}" if gates is not None else "",
                )
            )
        return pulls, promotions
