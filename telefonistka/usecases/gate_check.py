"""The facts a promotion PR's gates need, read, and the ``telefonistka/gates`` verdict.

For each promoted component the "source moment" is the default-branch commit that last
changed its source folder, with its checks: ``prefetch`` reads those of every source of a
pass in one GraphQL request. Without it (or where GraphQL refuses), each source costs one
REST request, and its checks are read only when the flow requires some: the check runs
first (one request; GitHub Actions reports as check runs), the commit statuses only when
a required name has no check run (one more). Its Argo CD apps
are read only for ``requireHealthy`` (the run's one listing, shared), and each app's
synced commit compared with the source moment (one compare; none when it is that very
commit): Synced at an older commit only means Argo CD has not looked yet. Each is read once
per run, however many PRs share a source: a fan-out to ten prod clusters costs what one
PR costs. What cannot be read leaves the gate closed with the reason: nothing is merged
on a guess. ``core.promotion.gates`` decides; this module only gathers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from telefonistka.core.argocd.apps import ArgoApp
from telefonistka.core.config.gates import Freeze, Gates
from telefonistka.core.promotion.gates import (
    STATUS_CONTEXT,
    AppHealth,
    GateVerdict,
    SourceFacts,
    evaluate,
)
from telefonistka.errors import TelefonistkaError
from telefonistka.ports import CodeHost

Log = Callable[[str], None]


class AppLister(Protocol):
    """The Argo CD apps of this repository (``usecases.argocd_scope``)."""

    def list_apps(self, selector: str | None = None) -> list[ArgoApp]: ...


@dataclass
class GateCheck:
    """Reads the facts of a promotion PR's sources and sets its gates status."""

    host: CodeHost
    default_branch: str
    clock: Callable[[], datetime]
    argocd: AppLister | None = None
    log: Log = print
    _moments: dict[str, tuple[str, str] | None] = field(default_factory=dict, init=False)
    _checks: dict[tuple[str, bool], dict[str, str]] = field(default_factory=dict, init=False)
    _later: dict[tuple[str, str], bool] = field(default_factory=dict, init=False)

    def verdict(
        self,
        gates: Gates | None,
        freezes: Sequence[Freeze],
        targets: Sequence[str],
        sources: Sequence[str],
    ) -> GateVerdict:
        facts = [self._facts(source, gates) for source in sorted(set(sources))]
        return evaluate(gates, freezes, targets, facts, self.clock())

    def prefetch(self, sources: Sequence[str]) -> None:
        """Read the moments and checks of ``sources`` in one request (GraphQL), so a pass
        over many PRs pays one read for all its sources. Where GraphQL refuses, nothing
        is kept and each source is read through REST when asked."""
        wanted = sorted({s for s in sources if s not in self._moments})
        if not wanted:
            return
        try:
            found = self.host.source_moments(self.default_branch, wanted)
        except TelefonistkaError as exc:
            self.log(f"gates: reading the sources in one query failed ({exc}); using REST")
            return
        for source, moment in found.items():
            if moment is None:
                self._moments[source] = None
                continue
            self._moments[source] = (moment.sha, moment.date)
            self._checks.setdefault((moment.sha, True), dict(moment.runs))
            self._checks.setdefault((moment.sha, False), dict(moment.statuses))

    def publish(self, head_sha: str, verdict: GateVerdict) -> None:
        """Set ``telefonistka/gates`` on the PR's head; a failure is logged (the status
        missing keeps a required check waiting, never lets a merge through)."""
        state = "success" if verdict.holds else "pending"
        try:
            self.host.set_status(head_sha, state, STATUS_CONTEXT, verdict.description)
        except TelefonistkaError as exc:
            self.log(f"could not set the {STATUS_CONTEXT} status: {exc}")

    def _facts(self, source: str, gates: Gates | None) -> SourceFacts:
        if gates is None:
            return SourceFacts(source)
        commit, when = "", None
        if gates.soak_time is not None or gates.require_statuses or gates.require_healthy:
            found = self._moment(source)
            if found is not None:
                commit, date = found
                when = _instant(date)
        checks: dict[str, str] = {}
        if gates.require_statuses and commit:
            try:
                checks = self._read_checks(commit, gates.require_statuses)
            except TelefonistkaError as exc:
                self.log(f"gates: could not read the checks of {commit[:12]}: {exc}")
        apps: tuple[AppHealth, ...] | None = None
        error = ""
        if gates.require_healthy:
            apps, error = self._apps(source, commit)
        return SourceFacts(source, commit, when, checks, apps, error)

    def _moment(self, source: str) -> tuple[str, str] | None:
        """(sha, committer date) of the source moment, read once per run."""
        if source not in self._moments:
            try:
                self._moments[source] = self.host.last_change(self.default_branch, source)
            except TelefonistkaError as exc:
                self.log(f"gates: could not find the last change of {source}: {exc}")
                self._moments[source] = None
        return self._moments[source]

    def _read_checks(self, commit: str, required: Sequence[str]) -> dict[str, str]:
        """Name → state of ``commit``'s checks: a check run of a name counts over a
        commit status of the same context, so the statuses are read only for a required
        name that has no check run."""
        runs = self._checks.get((commit, True))
        if runs is None:
            runs = self._checks[(commit, True)] = self.host.check_runs(commit)
        if all(name in runs for name in required):
            return runs
        statuses = self._checks.get((commit, False))
        if statuses is None:
            latest = self.host.latest_statuses(commit)
            statuses = self._checks[(commit, False)] = {k: v[0] for k, v in latest.items()}
        return statuses | runs

    def _apps(self, source: str, commit: str) -> tuple[tuple[AppHealth, ...] | None, str]:
        if self.argocd is None:
            return None, "no Argo CD server is configured (argocd-url)"
        if not commit:
            return None, f"the last change of {source} was not found"
        try:
            listed = self.argocd.list_apps()
        except TelefonistkaError as exc:
            return None, str(exc)
        folder = source.strip("/")
        return tuple(
            AppHealth(a.name, a.sync, a.health, self._current(commit, a.revision), a.revision)
            for a in listed
            if a.path == folder
        ), ""

    def _current(self, commit: str, revision: str) -> bool | None:
        """Whether Argo CD's ``revision`` is the source moment ``commit`` or later (one
        compare per distinct pair, none when they are the same commit)."""
        if not revision:
            return None
        if revision == commit:
            return True
        if (commit, revision) not in self._later:
            try:
                self._later[(commit, revision)] = self.host.is_ancestor(commit, revision)
            except TelefonistkaError as exc:
                self.log(f"gates: could not compare {commit[:12]} with {revision[:12]}: {exc}")
                self._later[(commit, revision)] = False
        return self._later[(commit, revision)]


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
