"""Delivery metrics from the repository's own history: DORA's four keys per environment.

Why no deployment tracker is needed: every promotion PR carries its chain in its metadata
(the PR that started it, the stages so far), and every rollback PR names what it reverted.
So the closed promotion and rollback PRs of a window are all the facts:

- **deployments**: promotion PRs merged into an environment (one per PR and environment,
  however many components it carries);
- **lead time for changes**: from the start of the chain (the merge of the PR that
  started it) to the merge of the promotion PR into each later environment. The merge
  time of the first PR is not on the promotion PRs; the chain's first promotion PR, which
  the bot opens in the run that merge triggers, stands for it (seconds to a minute
  later). A chain whose first promotion PR is not in the window is *unknown*, not 0;
- **change failure rate**: of the promotion PRs merged into an environment, those a later
  merged rollback PR reverted, over all;
- **time to restore**: from a reverted promotion's merge to the merge of its rollback;
- **waiting**: from a promotion PR's opening to its merge (gates, reviews, people).

Everything here is pure: records in, figures out. A figure that cannot be computed (no
deployment, no rollback yet) is None and is shown as such.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

from telefonistka.core.metrics import COUNTER, GAUGE, SUMMARY, Sample
from telefonistka.core.promotion.holds import rollback_reverts
from telefonistka.core.promotion.metadata import extract_metadata
from telefonistka.core.text.markdown import code_span, table_cell
from telefonistka.errors import UsageError
from telefonistka.ports import ClosedPr

DAY = timedelta(days=1)
LEAD_TIME = "telefonistka_lead_time_seconds"
DEFAULT_WINDOW = "30d"
_WINDOW = re.compile(r"^\s*(\d+)\s*([dw])\s*$")


def window_days(text: str, where: str = "report-window") -> int:
    """``30d`` or ``4w`` as days; a clear error for anything else."""
    found = _WINDOW.match(text or DEFAULT_WINDOW)
    days = int(found.group(1)) * (7 if found.group(2) == "w" else 1) if found else 0
    if not found or not 1 <= days <= 366:
        raise UsageError(
            f"{where} must be a number of days or weeks from 1d to 366d, like 30d or 4w; "
            f"got {text!r}"
        )
    return days


_REVERTS_TITLE = re.compile(r"\(reverts #(\d+)\)\s*$")


@dataclass(frozen=True)
class Deployment:
    """One merged promotion PR into one environment."""

    pr: int
    environment: str  # the stage's target path, e.g. "env/prod/"
    components: tuple[str, ...]
    opened: datetime
    merged: datetime
    started: datetime | None  # the chain's start; None when unknown


@dataclass(frozen=True)
class Restore:
    """A merged rollback PR reverting a merged promotion PR."""

    rollback: int
    reverted: int
    merged: datetime


@dataclass(frozen=True)
class Figures:
    """One environment's figures over one window; None where not computable."""

    environment: str
    days: int
    deployments: int
    per_day: float
    per_week: float
    lead_time_p50: float | None  # seconds
    lead_time_p90: float | None
    lead_times_unknown: int  # deployments whose chain start is not in the window
    failures: int
    change_failure_rate: float | None
    time_to_restore_p50: float | None  # seconds
    waiting_p50: float | None  # seconds, opened → merged
    components: tuple[str, ...] = ()
    lead_times: tuple[float, ...] = ()  # the known ones, seconds (a summary's sum and count)
    # the same figures per component of the environment (``environment`` is then the
    # component's folder, e.g. "env/prod/app")
    per_component: tuple[Figures, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "days": self.days,
            "deployments": self.deployments,
            "deploymentsPerDay": round(self.per_day, 3),
            "deploymentsPerWeek": round(self.per_week, 3),
            "leadTimeSeconds": {
                "p50": _round(self.lead_time_p50),
                "p90": _round(self.lead_time_p90),
            },
            "leadTimesUnknown": self.lead_times_unknown,
            "failures": self.failures,
            "changeFailureRate": _round(self.change_failure_rate, 4),
            "timeToRestoreSeconds": _round(self.time_to_restore_p50),
            "waitingSeconds": _round(self.waiting_p50),
            "components": [
                {"component": c.environment.removeprefix(self.environment)}
                | {k: v for k, v in c.to_json().items() if k not in ("environment", "components")}
                for c in self.per_component
            ],
        }


@dataclass(frozen=True)
class Delivery:
    """The figures of every environment over each window, newest window data first."""

    now: datetime
    windows: tuple[int, ...]
    figures: tuple[Figures, ...] = ()
    notes: tuple[str, ...] = field(default=())
    deployments: tuple[Deployment, ...] = ()  # every one read (the counters go on from them)

    def to_json(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "windows": list(self.windows),
            "environments": [f.to_json() for f in self.figures],
            "notes": list(self.notes),
        }

    def for_window(self, days: int) -> list[Figures]:
        return [f for f in self.figures if f.days == days]


def deployments_of(
    promotions: Iterable[ClosedPr], is_bot: Any
) -> tuple[list[Deployment], list[str]]:
    """The deployments the bot's merged promotion PRs made, and notes on what was left
    out (a PR without readable metadata). ``is_bot(login)`` tells the bot's PRs."""
    prs = [pr for pr in promotions if is_bot(pr.author)]
    starts: dict[int, datetime] = {}
    stages: dict[int, tuple[int, list[tuple[str, tuple[str, ...]]]]] = {}
    notes = []
    for pr in prs:
        metadata = extract_metadata(pr.body)
        stage = metadata.newest_stage if metadata is not None else None
        if metadata is None or stage is None:
            notes.append(f"#{pr.number}: no readable promotion metadata, left out")
            continue
        origin = metadata.original_pr_number
        # the chain's first promotion PR: opened by the run of the origin's merge
        if len(metadata.previous_promotion_paths) == 1:
            starts[origin] = min(starts.get(origin, pr.created_at), pr.created_at)
        stages[pr.number] = (origin, _environments(stage.target_paths, metadata.promoted_paths))
    found = []
    for pr in prs:
        if pr.merged_at is None or pr.number not in stages:
            continue
        origin, environments = stages[pr.number]
        for environment, components in environments:
            found.append(
                Deployment(
                    pr.number,
                    environment,
                    components,
                    pr.created_at,
                    pr.merged_at,
                    starts.get(origin),
                )
            )
    return found, notes


def _environments(
    targets: Sequence[str], promoted: Sequence[str]
) -> list[tuple[str, tuple[str, ...]]]:
    """(environment, its components) for each target path of the stage."""
    found = []
    for target in targets:
        prefix = target if target.endswith("/") else f"{target}/"
        names = tuple(sorted({p[len(prefix) :] for p in promoted if p.startswith(prefix)}))
        found.append((prefix, names))
    return found


def restores_of(rollbacks: Iterable[ClosedPr], is_bot: Any) -> list[Restore]:
    """The merged rollback PRs of the bot, each with the promotion PR it reverted (from
    its hidden marker, else its title's ``(reverts #N)``)."""
    found = []
    for pr in rollbacks:
        if pr.merged_at is None or not is_bot(pr.author):
            continue
        reverted = rollback_reverts(pr.body)
        if reverted is None:
            match = _REVERTS_TITLE.search(pr.title)
            reverted = int(match.group(1)) if match else None
        if reverted is not None:
            found.append(Restore(pr.number, reverted, pr.merged_at))
    return found


def compute_delivery(
    deployments: Sequence[Deployment],
    restores: Sequence[Restore],
    now: datetime,
    windows: Sequence[int] = (7, 30),
    notes: Sequence[str] = (),
) -> Delivery:
    """The figures per environment for each window of ``windows`` days ending ``now``."""
    reverted = {r.reverted: r for r in sorted(restores, key=lambda r: r.merged)}
    figures = []
    for days in windows:
        since = now - days * DAY
        inside = [d for d in deployments if since <= d.merged <= now]
        for environment in sorted({d.environment for d in inside}):
            mine = [d for d in inside if d.environment == environment]
            parts = tuple(
                _figures(
                    f"{environment}{name}",
                    days,
                    [d for d in mine if name in d.components],
                    reverted,
                )
                for name in sorted({c for d in mine for c in d.components})
            )
            figures.append(
                replace(_figures(environment, days, mine, reverted), per_component=parts)
            )
    return Delivery(now, tuple(windows), tuple(figures), tuple(notes), tuple(deployments))


def _figures(
    environment: str, days: int, deployments: list[Deployment], reverted: dict[int, Restore]
) -> Figures:
    count = len(deployments)
    leads = [(d.merged - d.started).total_seconds() for d in deployments if d.started]
    failed = [d for d in deployments if d.pr in reverted and reverted[d.pr].merged >= d.merged]
    restore = [(reverted[d.pr].merged - d.merged).total_seconds() for d in failed]
    waits = [(d.merged - d.opened).total_seconds() for d in deployments]
    components = sorted({c for d in deployments for c in d.components})
    return Figures(
        environment=environment,
        days=days,
        deployments=count,
        per_day=count / days,
        per_week=count / days * 7,
        lead_time_p50=_quantile(leads, 0.5),
        lead_time_p90=_quantile(leads, 0.9),
        lead_times_unknown=count - len(leads),
        failures=len(failed),
        change_failure_rate=len(failed) / count if count else None,
        time_to_restore_p50=median(restore) if restore else None,
        waiting_p50=median(waits) if waits else None,
        components=tuple(components),
        lead_times=tuple(leads),
    )


def _quantile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank ``q`` quantile (``median`` interpolates; p90 of few values
    should be one of them); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    if q == 0.5:
        return float(median(ordered))
    return float(ordered[max(0, math.ceil(q * len(ordered)) - 1)])


def _round(value: float | None, digits: int = 0) -> float | int | None:
    if value is None:
        return None
    return round(value, digits) if digits else round(value)


def duration(seconds: float | None) -> str:
    """A figure as people read it: "3d 4h", "2h 5m", "45m", "30s"; "—" when unknown."""
    if seconds is None:
        return "—"
    total = round(seconds)
    days, rest = divmod(total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m" if minutes else f"{secs}s"


def delivery_markdown(delivery: Delivery) -> str:
    """The job summary's "Delivery" section: a table per window, an environment a row."""
    lines = ["### Delivery", ""]
    if not delivery.figures:
        lines.append("No promotion PR was merged in the window: nothing to measure yet.")
    for days in delivery.windows:
        rows = delivery.for_window(days)
        if not rows:
            continue
        lines += [
            f"**Last {days} days**",
            "",
            "| Environment | Deployments | per day | Lead time p50 | p90 | Change failure rate "
            "| Time to restore | Waiting p50 |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for f in rows:
            rate = "—" if f.change_failure_rate is None else f"{f.change_failure_rate:.0%}"
            unknown = f" ({f.lead_times_unknown} unknown)" if f.lead_times_unknown else ""
            lines.append(
                f"| {table_cell(f.environment)} | {f.deployments} | {f.per_day:.2f} "
                f"| {duration(f.lead_time_p50)}{unknown} | {duration(f.lead_time_p90)} "
                f"| {rate} ({f.failures}) | {duration(f.time_to_restore_p50)} "
                f"| {duration(f.waiting_p50)} |"
            )
        lines.append("")
    lines.append(
        "— : not computable (no rollback yet, or the chain's start is outside the window); "
        "definitions in docs/delivery-metrics.md."
    )
    return "\n".join(lines) + "\n"


def delivery_line(delivery: Delivery) -> str:
    """The dashboard's compact line per environment (the longest window)."""
    days = max(delivery.windows) if delivery.windows else 0
    parts = [
        f"{code_span(f.environment)} {f.per_week:.1f}/week, lead {duration(f.lead_time_p50)}, "
        f"CFR {'—' if f.change_failure_rate is None else f'{f.change_failure_rate:.0%}'}, "
        f"MTTR {duration(f.time_to_restore_p50)}"
        for f in delivery.for_window(days)
    ]
    return f"Delivery, last {days} days: " + ("; ".join(parts) if parts else "no deployment")


def delivery_samples(delivery: Delivery, repository: str) -> list[Sample]:
    """The figures of the longest window as metrics, one series per environment; a
    figure that cannot be computed has no series (never 0)."""
    days = max(delivery.windows) if delivery.windows else 0
    samples: list[Sample] = []
    for f in delivery.for_window(days):
        where = {"repo_slug": repository, "environment": f.environment}
        leads = f.lead_times
        if leads:
            help_text = f"Lead time for changes over the last {days} days (seconds)"
            for q, value in (("0.5", f.lead_time_p50), ("0.9", f.lead_time_p90)):
                samples.append(
                    Sample.of(LEAD_TIME, SUMMARY, help_text, value or 0, quantile=q, **where)
                )
            samples.append(
                replace(Sample.of(LEAD_TIME, SUMMARY, help_text, sum(leads), **where), part="sum")
            )
            samples.append(
                replace(Sample.of(LEAD_TIME, SUMMARY, help_text, len(leads), **where), part="count")
            )
        if f.change_failure_rate is not None:
            samples.append(
                Sample.of(
                    "telefonistka_change_failure_ratio",
                    GAUGE,
                    f"Deployments rolled back over all, last {days} days",
                    f.change_failure_rate,
                    **where,
                )
            )
        if f.time_to_restore_p50 is not None:
            samples.append(
                Sample.of(
                    "telefonistka_time_to_restore_seconds",
                    GAUGE,
                    f"Median time from a deployment to its rollback's merge, last {days} days",
                    f.time_to_restore_p50,
                    **where,
                )
            )
    return samples


def with_delivery(report_json: str, delivery: Delivery, limit: int = 1_000_000) -> str:
    """The ``report`` output with the figures added (``delivery``); within GitHub's output
    limit (1 MB) the components lists are the first to go, then the figures."""
    base = json.loads(report_json)
    data = delivery.to_json()
    text = json.dumps(base | {"delivery": data}, ensure_ascii=False)
    if len(text.encode()) > limit:
        for environment in data["environments"]:
            environment["components"] = []
        text = json.dumps(base | {"delivery": data}, ensure_ascii=False)
    return text if len(text.encode()) <= limit else report_json


DEPLOYMENTS = "telefonistka_deployments_total"
COUNTED_THROUGH = "telefonistka_deployments_counted_through_seconds"


def deployment_counters(
    delivery: Delivery,
    repository: str,
    previous: Mapping[tuple[str, tuple[tuple[str, str], ...]], float],
) -> list[Sample]:
    """``telefonistka_deployments_total`` per environment: a counter of every merged
    promotion, which never goes down although each report reads only a window.

    Why this way: the Pushgateway keeps what the last push left. So each report goes on
    from the totals there, adding the deployments merged after the moment they were
    counted through (pushed beside them); two reports at once read the same totals and
    push the same sums. The first report (no totals yet) starts from what it read. A
    deployment merged while no report ran for longer than the history read (the window
    and a week) is missed: the counter then counts low, never down."""
    where = {"repo_slug": repository}
    through_key = (COUNTED_THROUGH, tuple(sorted(where.items())))
    through = previous.get(through_key)
    totals: dict[str, float] = {}
    for (name, labels), value in previous.items():
        found = dict(labels)
        if name == DEPLOYMENTS and found.get("repo_slug") == repository:
            totals[found.get("environment", "")] = value
    since = datetime.fromtimestamp(through, UTC) if through is not None else None
    if since is None:
        totals = {}  # no trustworthy totals without their moment: start again
    for deployment in delivery.deployments:
        if deployment.merged <= delivery.now and (since is None or deployment.merged > since):
            totals[deployment.environment] = totals.get(deployment.environment, 0) + 1
    text = "Merged promotion PRs into the environment, counted by the fleet reports"
    samples = [
        Sample.of(DEPLOYMENTS, COUNTER, text, total, environment=env, **where)
        for env, total in sorted(totals.items())
    ]
    moment = "When the deployment counters were counted through (Unix seconds)"
    samples.append(Sample.of(COUNTED_THROUGH, GAUGE, moment, delivery.now.timestamp(), **where))
    return samples
