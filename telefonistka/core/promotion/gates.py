"""Whether a promotion PR may be merged now: its flow's gates and the freezes (pure).

Why a commit status and no controller: the bot runs only on events, so the verdict is
written where GitHub shows and enforces it, the status ``telefonistka/gates`` on the PR's
head commit, and re-evaluated on every ``schedule`` run until it holds (docs/gates.md).

The facts come from the adapters (the source commit's date and statuses, the source's
Argo CD apps); this module only decides, so every rule is tested on plain data, with
``now`` given: windows in their own time zone (zoneinfo, DST-correct), freezes by their
instants. The description names the first gate that does not hold, in this order:
freeze, soak time, required statuses, health, window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from telefonistka.core.config.gates import DAYS, Freeze, Gates, Window
from telefonistka.core.config.model import RepoConfig

STATUS_CONTEXT = "telefonistka/gates"
DESCRIPTION_LIMIT = 140  # GitHub refuses a longer commit status description
# A check run's conclusions that count as passed; a commit status passes with "success".
PASSED = frozenset({"success", "neutral", "skipped"})


@dataclass(frozen=True)
class AppHealth:
    """One Argo CD app of the source component: its sync and health status."""

    name: str
    sync: str
    health: str
    # Whether the commit Argo CD's status is about is the source moment or a later one
    # (None: Argo CD named no commit). Synced at an older commit only means Argo CD has
    # not looked at the change yet.
    current: bool | None = True
    revision: str = ""


@dataclass(frozen=True)
class SourceFacts:
    """What the gates need of one promoted component's source (its "source moment": the
    default-branch commit that last changed the source component folder)."""

    component: str  # the source component folder, e.g. env/staging/web
    commit: str = ""
    committed_at: datetime | None = None  # that commit's committer date
    checks: Mapping[str, str] = field(default_factory=dict)  # status context / check name → state
    apps: tuple[AppHealth, ...] | None = None  # None: not read (see ``apps_error``)
    apps_error: str = ""


@dataclass(frozen=True)
class GateVerdict:
    """The ``telefonistka/gates`` status to set: ``pending`` with the first unmet gate,
    or ``success``."""

    state: Literal["pending", "success"]
    description: str

    @property
    def holds(self) -> bool:
        return self.state == "success"


def flow_gates(config: RepoConfig, source_pattern: str) -> Gates | None:
    """The gates of the flow a promotion came from (by its ``sourcePath`` pattern): the
    first flow of that pattern that has gates, as several flows may share one pattern."""
    return next(
        (f.gates for f in config.promotion_paths if f.source_path == source_pattern and f.gates),
        None,
    )


def gated(gates: Gates | None, freezes: Sequence[Freeze], targets: Sequence[str]) -> bool:
    """Whether promotion PRs into ``targets`` carry the status: their flow has gates, or a
    freeze (now, past or coming) covers one of the targets."""
    return gates is not None or any(f.covers(t) for f in freezes for t in targets)


def evaluate(
    gates: Gates | None,
    freezes: Sequence[Freeze],
    targets: Sequence[str],
    sources: Sequence[SourceFacts],
    now: datetime,
) -> GateVerdict:
    """The verdict for a promotion PR into ``targets`` from ``sources``, at ``now``."""
    for check in (_frozen, _soaking, _statuses, _health, _window):
        reason = check(gates or Gates(), freezes, targets, sources, now)
        if reason:
            return GateVerdict("pending", _cut(reason))
    return GateVerdict("success", "all gates hold" if gates is not None else "no freeze")


def _frozen(
    gates: Gates, freezes: Sequence[Freeze], targets: Sequence[str], _: object, now: datetime
) -> str:
    del gates
    active = [f for f in freezes if f.start <= now < f.end and any(f.covers(t) for t in targets)]
    if not active:
        return ""
    last = max(active, key=lambda f: f.end)
    return f"frozen: {last.reason} until {_moment(last.end)}"


def _soaking(
    gates: Gates, _: object, __: object, sources: Sequence[SourceFacts], now: datetime
) -> str:
    if gates.soak_time is None:
        return ""
    unknown = [s.component for s in sources if s.committed_at is None]
    if unknown:
        return f"waiting: no commit date of {unknown[0]} to count the soak time from"
    left = max(
        (s.committed_at + gates.soak_time - now for s in sources if s.committed_at is not None),
        default=timedelta(0),
    )
    return f"soaking: {duration_text(left)} left" if left > timedelta(0) else ""


def _statuses(
    gates: Gates, _: object, __: object, sources: Sequence[SourceFacts], ___: datetime
) -> str:
    for name in gates.require_statuses:
        for source in sources:
            state = source.checks.get(name)
            if state is None or state in ("pending", "queued", "in_progress", "expected"):
                return f"waiting: {name}"
            if state not in PASSED:
                return f"waiting: {name} is {state} on {source.commit[:7] or source.component}"
    return ""


def _health(
    gates: Gates, _: object, __: object, sources: Sequence[SourceFacts], ___: datetime
) -> str:
    if not gates.require_healthy:
        return ""
    for source in sources:
        if source.apps is None:
            return f"waiting: Argo CD not read ({source.apps_error or 'not configured'})"
        if not source.apps:
            return f"waiting: no Argo CD app of this repository deploys {source.component}"
        for app in source.apps:
            if unmet := _app_unmet(app, source.commit):
                return unmet
    return ""


def _app_unmet(app: AppHealth, commit: str) -> str:
    """Why one app of the source holds the promotion back, or ""."""
    if app.health != "Healthy":
        return f"waiting: {app.name} not Healthy ({app.health})"
    if app.sync != "Synced":
        return f"waiting: {app.name} not Synced ({app.sync})"
    if not app.current:
        at = f"at {app.revision[:7]}" if app.revision else "no revision shown"
        return f"waiting: {app.name} not yet at {commit[:7]} ({at})"
    return ""


def _window(gates: Gates, _: object, __: object, ___: Sequence[SourceFacts], now: datetime) -> str:
    if not gates.windows or any(is_open(w, now) for w in gates.windows):
        return ""
    opening = min(((w, next_opening(w, now)) for w in gates.windows), key=lambda pair: pair[1])
    window, when = opening
    local = when.astimezone(ZoneInfo(window.timezone))
    return f"outside window: opens {DAYS[local.weekday()].title()} {local:%H:%M} {window.timezone}"


def is_open(window: Window, now: datetime) -> bool:
    """Whether ``now`` falls in ``window``, read in the window's own time zone."""
    local = now.astimezone(ZoneInfo(window.timezone))
    if local.weekday() not in window.days:
        return False
    moment = local.time().replace(tzinfo=None)
    return window.start <= moment and (window.end is None or moment < window.end)


def next_opening(window: Window, now: datetime) -> datetime:
    """The next instant after ``now`` at which ``window`` opens (within a week)."""
    zone = ZoneInfo(window.timezone)
    local = now.astimezone(zone)
    for days in range(8):
        day = (local + timedelta(days=days)).date()
        if day.weekday() not in window.days:
            continue
        opens = datetime.combine(day, window.start, tzinfo=zone)
        if opens > now:
            return opens
    return now + timedelta(days=7)  # unreachable for a window with at least one day


def duration_text(left: timedelta) -> str:
    """``1h12m``, ``2d3h``, ``45m``: what a status description has room for."""
    minutes = max(1, int(left.total_seconds() // 60 + (1 if left.total_seconds() % 60 else 0)))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


def _moment(when: datetime) -> str:
    """``4 Jan`` (``4 Jan 12:00`` when not midnight), in the freeze's own offset."""
    day = f"{when.day} {when:%b}"
    return day if (when.hour, when.minute) == (0, 0) else f"{day} {when:%H:%M}"


def _cut(text: str) -> str:
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"
