"""The run's metrics, pushed once the run is over (``metrics-pushgateway-*`` inputs).

Imported only when a Pushgateway is configured and a route ran, so an ignored event
never loads ``prometheus_client``. A push that fails is a warning: the promotion, drift
check or report the run did stands (docs/observability.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from telefonistka.action.settings import Settings
from telefonistka.action.workflow import Workflow
from telefonistka.adapters.pushgateway import Gateway, push
from telefonistka.core.github.api import RequestCounter
from telefonistka.core.metrics import RunFacts, Sample, grouping_key, request_samples, run_samples
from telefonistka.errors import MetricsError


def push_run_metrics(  # noqa: PLR0917 - one call site, the edge's
    settings: Settings,
    workflow: Workflow,
    counter: RequestCounter,
    facts: RunFacts,
    extra: Sequence[Sample] = (),
    event_body: bytes = b"",
) -> bool:
    """Push the run's samples to its group; False (and a warning) when that failed."""
    metrics = settings.metrics
    gateway = Gateway(metrics.url, metrics.username, metrics.password, metrics.header)
    repository = _repository(settings, event_body)
    samples = [*run_samples(facts, counter), *request_samples(counter), *extra]
    grouping = grouping_key(repository, facts.route)
    try:
        push(gateway, samples, grouping)
    except MetricsError as exc:
        workflow.warning(f"{exc} (the run itself is not affected)", title="telefonistka metrics")
        return False
    workflow.log(f"metrics: {len(samples)} series pushed to {metrics.url} as {grouping}")
    return True


def _repository(settings: Settings, event_body: bytes) -> str:
    """The repository of the run: the event's ``repository.full_name``, else
    ``GITHUB_REPOSITORY`` (the same on a runner; ``telefonistka event`` may set neither)."""
    try:
        payload = json.loads(event_body)
        name = payload["repository"]["full_name"]
    except (ValueError, TypeError, KeyError):
        name = None
    return name if isinstance(name, str) and name else settings.workflow_run.repository
