"""The run's metrics as plain samples: what a run reports, named as Prometheus series.

Why plain data here and ``prometheus_client`` only in ``adapters/pushgateway.py``: the
names, labels and values are decisions of ours and tested on their own; the exposition
format and the push protocol are the library's job. Names follow the Go original's
(``docs/observability.md`` maps them), so dashboards built for it keep working:

- ``telefonistka_github_github_operations_total`` (counter): the run's GitHub requests by
  ``method``, ``api_group``, ``api_path``, ``status`` and ``repo_slug``;
- ``telefonistka_github_github_rest_api_client_rate_remaining`` / ``_rate_limit``
  (gauges): the REST rate limit as the last answer told it;
- ``telefonistka_github_commit_status_updates_total`` (counter): statuses set, by
  ``repo_slug`` and ``status`` (the state);
- ``telefonistka_run_info`` (gauge, 1): the run's ``event``, ``route``, ``result`` and
  ``version``; ``telefonistka_run_duration_seconds`` and
  ``telefonistka_run_github_requests`` (gauges);
- the fleet report adds its gauges (``core/fleet/report.py``).

Every value describes one run: the Pushgateway keeps the last push of each group (see
``grouping_key``), so a series is "the last run of this route in this repository".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from telefonistka.core.github.api import RequestCounter

JOB = "telefonistka"
COUNTER, GAUGE, SUMMARY = "counter", "gauge", "summary"


@dataclass(frozen=True)
class Sample:
    """One value of one series: ``name`` (counters end in ``_total``), its type and help."""

    name: str
    kind: str
    help: str
    labels: tuple[tuple[str, str], ...]
    value: float
    # a summary's parts: "" for a quantile (its ``quantile`` label), "sum", "count"
    part: str = ""

    @staticmethod
    def of(name: str, kind: str, help: str, value: float, **labels: str) -> Sample:
        return Sample(name, kind, help, tuple(sorted(labels.items())), float(value))


@dataclass(frozen=True)
class RunFacts:
    """What the edge knows about a run once it is over."""

    event: str
    route: str  # the route that ran ("" for none)
    result: str  # success, failure, invalid-input, config-error, error
    duration_seconds: float
    version: str


def result_of(exit_code: int, config_error: bool = False) -> str:
    """The ``result`` label of a run ended with ``exit_code``."""
    if config_error:
        return "config-error"
    return {0: "success", 1: "failure", 2: "invalid-input"}.get(exit_code, "error")


def route_slug(route: str) -> str:
    """A route's name as a label value fit for a grouping key (``promotion-on-merge``)."""
    return re.sub(r"[^a-z0-9]+", "-", route.lower()).strip("-") or "none"


def grouping_key(repository: str, route: str) -> dict[str, str]:
    """The Pushgateway group of a run: one per repository and route.

    Why not per run: the Pushgateway never forgets a group, so a key per run would grow
    without end. Why not per repository: a push replaces its whole group, so a drift check
    would erase the last promotion's series, and the nightly report's gauges would vanish
    at the next event. Per (repository, route), a push replaces only the previous run of
    the same job, which is what its series stand for.
    """
    return {"repository": repository or "unknown", "route": route_slug(route)}


def request_samples(counter: RequestCounter) -> list[Sample]:
    """The GitHub side of a run: operations, rate limit, commit-status updates."""
    samples = [
        Sample.of(
            "telefonistka_github_github_operations_total",
            COUNTER,
            "The total number of GitHub API operations",
            count,
            method=op.method,
            api_group=op.api_group,
            api_path=op.api_path,
            status=op.status,
            repo_slug=op.repo_slug,
        )
        for op, count in sorted(counter.operations.items())
    ]
    if counter.rate_remaining is not None:
        samples.append(
            Sample.of(
                "telefonistka_github_github_rest_api_client_rate_remaining",
                GAUGE,
                "The number of remaining requests the client can make this hour",
                counter.rate_remaining,
            )
        )
    if counter.rate_limit is not None:
        samples.append(
            Sample.of(
                "telefonistka_github_github_rest_api_client_rate_limit",
                GAUGE,
                "The number of requests per hour the client is currently limited to",
                counter.rate_limit,
            )
        )
    samples += [
        Sample.of(
            "telefonistka_github_commit_status_updates_total",
            COUNTER,
            "The total number of commit status updates, and their status",
            count,
            repo_slug=repo,
            status=state,
        )
        for (repo, state), count in sorted(counter.status_updates.items())
    ]
    return samples


def run_samples(run: RunFacts, counter: RequestCounter) -> list[Sample]:
    """The run itself: what ran, how it ended, how long it took, what it cost."""
    return [
        Sample.of(
            "telefonistka_run_info",
            GAUGE,
            "The last run of this route: its event, route, result and version (always 1)",
            1,
            event=run.event,
            route=route_slug(run.route),
            result=run.result,
            version=run.version,
        ),
        Sample.of(
            "telefonistka_run_duration_seconds",
            GAUGE,
            "How long the last run of this route took",
            round(run.duration_seconds, 3),
        ),
        Sample.of(
            "telefonistka_run_github_requests",
            GAUGE,
            "GitHub API requests the last run of this route sent, retries included",
            counter.total,
        ),
    ]


def families(samples: Iterable[Sample]) -> dict[str, list[Sample]]:
    """Samples by series name, in first-seen order; one name must keep one type and help."""
    found: dict[str, list[Sample]] = {}
    for sample in samples:
        group = found.setdefault(sample.name, [])
        if group and (group[0].kind, group[0].help) != (sample.kind, sample.help):
            raise ValueError(f"metric {sample.name} given two types or helps")
        group.append(sample)
    return found


def label_names(samples: Iterable[Sample]) -> Mapping[str, tuple[str, ...]]:
    """Each family's label names (every sample of a family carries the same ones)."""
    return {name: tuple(k for k, _ in group[0].labels) for name, group in families(samples).items()}
