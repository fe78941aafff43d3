"""Push fan-out from the Action (docs/webhook-fanout.md): a push to the default branch, forwarded.

The steps, and what each costs in requests:

1. the fan-out inputs are checked first, so a bad one fails before any request;
2. the repo configuration from the pushed commit itself (``after``, the default branch's
   new head): one tree and one blob — never from an older commit, so a push that edits
   ``webhookEndpointRegexs`` is routed by the rules it brings;
3. the changed files: the payload's own, or (forced push, truncated payload) the compare
   API through ``compare_files`` (1, or 3 past GitHub's 300-file cap);
4. the endpoints from ``webhookEndpointRegexs`` (pure), then the payload's **original
   bytes** POSTed to every one at once, signed when the ``webhook-secret`` input is set.

Fan-out is best effort, as in the Go original: failed endpoints are reported (log table,
job summary, ``fanout-results`` output, ``::warning::``) and the step still succeeds,
unless ``fanout-fail-on-error`` is true. Each run sends a fresh ``X-GitHub-Delivery``
UUID, logged and put in the output, so receivers never drop a re-run as a duplicate.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from telefonistka import __version__
from telefonistka.core.config.model import RepoConfig
from telefonistka.core.events.push import PushEvent
from telefonistka.core.fanout import (
    EndpointResult,
    WebhookSender,
    changed_files,
    format_results_table,
    results_json,
    results_markdown,
    select_endpoints,
    webhook_headers,
)
from telefonistka.core.text.log_text import display_url
from telefonistka.errors import UsageError
from telefonistka.ports import CodeHost
from telefonistka.usecases.repo_config import read_repo_config_at

USER_AGENT = f"telefonistka/{__version__}"
MAX_TIMEOUT, MAX_RETRIES = 300.0, 10
FAILURE_TITLE = "telefonistka: push fan-out failed"

Log = Callable[[str], None]


@dataclass(frozen=True)
class FanoutOptions:
    """The inputs ``webhook-secret``, ``fanout-timeout``, ``-retries`` and ``-fail-on-error``."""

    secret: str | None = None
    timeout: float = 10.0
    retries: int = 2
    fail_on_error: bool = False


def read_fanout_options(inputs: Mapping[str, str]) -> FanoutOptions:
    """The options from the action inputs; ``UsageError`` names the input at fault."""
    return FanoutOptions(
        secret=inputs.get("webhook-secret") or None,
        timeout=_seconds(inputs.get("fanout-timeout", ""), "fanout-timeout", 10.0),
        retries=_count(inputs.get("fanout-retries", ""), "fanout-retries", 2),
        fail_on_error=_flag(inputs.get("fanout-fail-on-error", ""), "fanout-fail-on-error"),
    )


def _seconds(text: str, name: str, default: float) -> float:
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= MAX_TIMEOUT:
        raise UsageError(f"input {name} must be seconds, more than 0 and at most 300; got {text!r}")
    return value


def _count(text: str, name: str, default: int) -> int:
    if not text:
        return default
    if not text.isdigit() or int(text) > MAX_RETRIES:
        raise UsageError(
            f"input {name} must be a whole number from 0 to {MAX_RETRIES}; got {text!r}"
        )
    return int(text)


def _flag(text: str, name: str) -> bool:
    value = text.lower()
    if value in {"", "false"}:
        return False
    if value == "true":
        return True
    raise UsageError(f"input {name} must be true or false, got {text!r}")


@dataclass(frozen=True)
class FanoutResult:
    """One push's fan-out: the results per endpoint and what to tell the workflow."""

    event: PushEvent
    delivery_id: str
    results: tuple[EndpointResult, ...] = ()
    warnings: tuple[str, ...] = ()
    fail_on_error: bool = False

    @property
    def failed(self) -> list[EndpointResult]:
        return [r for r in self.results if not r.ok]

    def outputs(self) -> dict[str, str]:
        """``fanout-results``: the event facts, the delivery id and one entry per endpoint."""
        facts = {
            "repository": self.event.repository,
            "ref": self.event.ref,
            "after": self.event.after,
        }
        return {
            "fanout-results": results_json(self.results, facts | {"delivery_id": self.delivery_id})
        }

    def summary(self) -> str:
        """The job summary table; without endpoints, one line saying why nothing was sent."""
        if not self.results:
            return (
                "### Push fan-out\n\nNo `webhookEndpointRegexs` rule matches the changed files.\n"
            )
        return results_markdown(self.results)

    def problems(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(failures, warnings): failed endpoints fail the step only under fail-on-error."""
        lines = tuple(f"{display_url(r.url)}: {r.outcome}" for r in self.failed)
        if self.fail_on_error:
            return lines, self.warnings
        return (), self.warnings + tuple(f"fan-out endpoint failed: {line}" for line in lines)


@dataclass
class PushFanout:
    """Forwards one default-branch push (its exact ``body``) to its endpoints.

    ``connect(verify_tls)`` gives the sender (``adapters.fanout_sender`` in the Action),
    told whether to verify TLS, which the repo configuration decides.
    """

    repo: CodeHost
    event: PushEvent
    body: bytes
    options: FanoutOptions
    connect: Callable[[bool], WebhookSender]
    log: Log = print

    def run(self) -> FanoutResult:
        """Config, changed files, endpoints, then one concurrent send; bad rules raise first."""
        delivery_id = str(uuid.uuid4())
        config = self._config()
        changed = changed_files(self.event, comparer=self.repo)
        warnings = (changed.warning,) if changed.warning else ()
        self.log(f"{len(changed.files)} changed files (from the {changed.source})")
        endpoints = select_endpoints(changed.files, config.webhook_endpoint_regexs)
        result = FanoutResult(self.event, delivery_id, (), warnings, self.options.fail_on_error)
        if not endpoints:
            self.log("no webhookEndpointRegexs rule matches the changed files; nothing to send")
            return result
        results = self._send([e.url for e in endpoints], config, delivery_id)
        self.log(format_results_table(results).rstrip("\n"))
        return replace(result, results=tuple(results))

    def _config(self) -> RepoConfig:
        """The configuration the push brings: its own commit's, so new rules apply at once."""
        return read_repo_config_at(self.repo, self.event.after, self.event.default_branch)

    def _send(self, urls: list[str], config: RepoConfig, delivery_id: str) -> list[EndpointResult]:
        """The original bytes, signed when there is a secret, to every URL at once."""
        headers = webhook_headers(
            self.body, delivery_id=delivery_id, user_agent=USER_AGENT, secret=self.options.secret
        )
        push = self.event.after[:12]
        self.log(f"sending push {push} to {len(urls)} endpoints (delivery {delivery_id})")
        sender = self.connect(not config.wh_proxt_skip_tls_verify_upstream)
        return sender.send_all(urls, self.body, headers)
