"""Pushing a run's metrics to a Prometheus Pushgateway, with the official client.

An Action has no server to scrape, so each run pushes its samples (``core/metrics.py``)
to the gateway the ``metrics-pushgateway-*`` inputs name. ``prometheus_client`` writes
the exposition format and speaks the push protocol (grouping keys in the URL, ``/`` in a
value base64-encoded); this module only turns our samples into its metric families and
adds the credentials: HTTP basic auth, or one extra header (``Authorization: Bearer …``
for a gateway behind a proxy).

A push is ``PUT``: it replaces the group (the last run of this route in this
repository), so a series the previous run had and this one has not does not linger.
"""

from __future__ import annotations

import base64
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import (
    basic_auth_handler,
    default_handler,
    generate_latest,
    push_to_gateway,
)
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families

from telefonistka.adapters.deadline import DeadlineError, call_with_deadline
from telefonistka.core.metrics import COUNTER, JOB, SUMMARY, Sample, families
from telefonistka.errors import MetricsError

TIMEOUT_SECONDS = 2.0  # per socket operation
DEADLINE_SECONDS = 3.0  # the whole push, however the gateway answers: metrics never hold a run


@dataclass(frozen=True)
class Gateway:
    """Where to push: the gateway's URL and, optionally, how to authenticate."""

    url: str
    username: str = ""
    password: str = ""
    header: str = ""  # "Name: value", sent with every push


class _Samples:
    """A ``prometheus_client`` collector over fixed samples (a run's, already over)."""

    def __init__(self, samples: Sequence[Sample]) -> None:
        self._samples = samples

    def collect(self) -> Iterable[Metric]:
        for name, group in families(self._samples).items():
            labels = [key for key, _ in group[0].labels]
            family: Metric
            if group[0].kind == SUMMARY:
                family = Metric(name, group[0].help, "summary")
                for sample in group:
                    suffix = f"_{sample.part}" if sample.part else ""
                    family.add_sample(f"{name}{suffix}", dict(sample.labels), sample.value)
                yield family
                continue
            if group[0].kind == COUNTER:
                family = CounterMetricFamily(
                    name.removesuffix("_total"), group[0].help, labels=labels
                )
            else:
                family = GaugeMetricFamily(name, group[0].help, labels=labels)
            for sample in group:
                family.add_metric([value for _, value in sample.labels], sample.value)
            yield family


def registry_of(samples: Sequence[Sample]) -> CollectorRegistry:
    """A registry holding exactly ``samples`` (nothing of the process's own)."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_Samples(samples))
    return registry


def exposition(samples: Sequence[Sample]) -> str:
    """The text format the gateway receives (for ``promtool check metrics`` and tests)."""
    return generate_latest(registry_of(samples)).decode("utf-8")


def push(gateway: Gateway, samples: Sequence[Sample], grouping: dict[str, str]) -> None:
    """Replace the group ``grouping`` of job ``telefonistka`` with ``samples``.

    Any failure (refused, unreachable, a proxy's 401) is a ``MetricsError`` naming the
    gateway: the caller turns it into a warning, never a failed run.
    """
    registry = registry_of(samples)

    def send() -> None:
        push_to_gateway(
            gateway.url,
            job=JOB,
            registry=registry,
            grouping_key=grouping,
            timeout=TIMEOUT_SECONDS,
            handler=_handler(gateway),
        )

    try:
        call_with_deadline(send, DEADLINE_SECONDS)
    except DeadlineError as exc:
        raise MetricsError(
            f"the Pushgateway at {gateway.url} did not take the metrics in time ({exc})"
        ) from None
    except Exception as exc:  # urllib's errors, OSError, ValueError for a bad URL
        close = getattr(exc, "close", None)  # an HTTPError holds the answer's socket open
        if callable(close):
            close()
        raise MetricsError(
            f"could not push metrics to the Pushgateway at {gateway.url}: {exc}"
        ) from None


def _handler(gateway: Gateway) -> Callable[..., Callable[[], None]]:
    """The client's request handler, with basic auth and the extra header when given."""
    name, _, value = gateway.header.partition(":")
    extra = [(name.strip(), value.strip())] if name.strip() else []

    def handler(
        url: str, method: str, timeout: float | None, headers: list[tuple[str, str]], data: bytes
    ) -> Callable[[], None]:
        all_headers = [*headers, *extra]
        if gateway.username or gateway.password:
            return basic_auth_handler(
                url, method, timeout, all_headers, data, gateway.username, gateway.password
            )
        return default_handler(url, method, timeout, all_headers, data)

    return handler


Series = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def read_group(gateway: Gateway, grouping: dict[str, str]) -> Series:
    """The series the gateway holds in group ``grouping`` of job ``telefonistka``, keyed
    by (sample name, its labels without the group's): what the last push left, for a
    counter to go on from. One ``GET /metrics``, within the push's deadline."""
    if not gateway.url.startswith(("http://", "https://")):
        raise MetricsError(f"the Pushgateway URL {gateway.url!r} is not http(s)")
    url = f"{gateway.url.rstrip('/')}/metrics"
    request = urllib.request.Request(url)  # noqa: S310 - http(s) only, checked above
    name, _, value = gateway.header.partition(":")
    if name.strip():
        request.add_header(name.strip(), value.strip())
    if gateway.username or gateway.password:
        pair = f"{gateway.username}:{gateway.password}".encode()
        request.add_header("Authorization", "Basic " + base64.b64encode(pair).decode())

    def fetch() -> str:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310
            return str(answer.read().decode("utf-8"))

    try:
        text = call_with_deadline(fetch, DEADLINE_SECONDS)
        families = list(text_string_to_metric_families(text))
    except Exception as exc:  # urllib's errors, OSError, a deadline, a garbled answer
        close = getattr(exc, "close", None)  # an HTTPError holds the answer's socket open
        if callable(close):
            close()
        raise MetricsError(f"could not read the Pushgateway at {gateway.url}: {exc}") from None
    wanted = {"job": JOB, **grouping}
    found: Series = {}
    for family in families:
        for sample in family.samples:
            labels = dict(sample.labels)
            if any(labels.get(k) != v for k, v in wanted.items()):
                continue
            rest = tuple(sorted((k, v) for k, v in labels.items() if k not in wanted and v))
            found[(sample.name, tuple(k for k in rest if k[0] != "instance"))] = sample.value
    return found
