"""``telefonistka fanout``: forward a push event to the endpoints its changes route to.

For use outside GitHub Actions (a webhook relay, a one-off replay): reads the push
payload from ``--event`` and the repo config from ``--config`` (the default branch's
``telefonistka.yaml``), selects the endpoints per ``webhookEndpointRegexs`` and POSTs the
payload's exact bytes to all of them at once. Only pushes to the default branch are
forwarded; anything else is logged and ignored with exit 0.

Best effort, like the Go original: failed endpoints are reported (table on stdout, or
``--json``) and the exit code is 0 unless ``--fail-on-error``. A bad event file, bad
config or bad rule is an error (non-zero exit) before anything is sent. Log lines go to
stderr so stdout stays parseable.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path

from telefonistka import __version__
from telefonistka.adapters.fanout_sender import FanoutSender, SendPolicy
from telefonistka.adapters.localgit import LocalGitRepo
from telefonistka.cli.guard import json_text
from telefonistka.cli.terminal import progress
from telefonistka.core.config.model import REPO_CONFIG_FILE, RepoConfig
from telefonistka.core.config.validation import load_repo_config
from telefonistka.core.events.push import PushEvent, parse_push_event
from telefonistka.core.fanout import (
    Endpoint,
    changed_files,
    format_results_table,
    results_json,
    select_endpoints,
    webhook_headers,
)
from telefonistka.core.text.log_text import display_url, inert
from telefonistka.errors import GitError, MissingConfigError, UsageError
from telefonistka.ports import PushComparer

HELP = "Forward a push event to the webhook endpoints its changed files route to."
USER_AGENT = f"telefonistka/{__version__}"
MAX_RETRIES = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The event and config files, the secret's variable, and the sending policy."""
    parser.add_argument("--event", required=True, metavar="FILE", help="push payload (JSON)")
    parser.add_argument(
        "--config",
        default=REPO_CONFIG_FILE,
        metavar="FILE",
        help=f"the default branch's repo config (default: {REPO_CONFIG_FILE})",
    )
    parser.add_argument(
        "--secret-env",
        metavar="NAME",
        help="environment variable holding the webhook secret; signs X-Hub-Signature-256",
    )
    parser.add_argument(
        "--repo",
        metavar="PATH",
        help="a local clone holding both commits of the push; lists the changed files "
        "when the payload cannot (forced push, truncated commit list)",
    )
    parser.add_argument(
        "--delivery-id", help="X-GitHub-Delivery to send (default: a new random UUID)"
    )
    parser.add_argument("--dry-run", action="store_true", help="print the URLs, send nothing")
    parser.add_argument(
        "--timeout", type=_positive_seconds, default=10.0, metavar="S", help="per request"
    )
    parser.add_argument(
        "--retries",
        type=_retry_count,
        default=2,
        metavar="N",
        help="retries on connection errors and 5xx, with exponential backoff (default: 2)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--fail-on-error", action="store_true", help="exit 1 when any endpoint failed"
    )


def run(args: argparse.Namespace) -> int:
    """Parse, route, then send (or print) — errors propagate to the CLI as messages."""
    body = _read_event(args.event)
    event = parse_push_event(body)
    if reason := _ignore_reason(event):
        return _report_ignored(event, reason, as_json=args.json)
    config = _read_config(args.config)
    comparer = _CloneComparer(LocalGitRepo(args.repo)) if args.repo else None
    endpoints = _endpoints(event, config, comparer)
    if args.dry_run or not endpoints:
        return _report_selection(event, endpoints, as_json=args.json)
    return _send(args, event, body, endpoints, config)


def _send(
    args: argparse.Namespace,
    event: PushEvent,
    body: bytes,
    endpoints: tuple[Endpoint, ...],
    config: RepoConfig,
) -> int:
    """POST to every endpoint at once, print the results; 1 only under ``--fail-on-error``."""
    policy = SendPolicy(
        timeout=args.timeout,
        retries=args.retries,
        verify_tls=not config.wh_proxt_skip_tls_verify_upstream,
    )
    delivery_id = args.delivery_id or str(uuid.uuid4())
    secret = _secret(args.secret_env)
    headers = webhook_headers(body, delivery_id=delivery_id, user_agent=USER_AGENT, secret=secret)
    _log(f"sending push {event.after[:12]} to {len(endpoints)} endpoints (delivery {delivery_id})")
    with progress(f"sending to {len(endpoints)} endpoints"):
        results = FanoutSender(policy).send_all([e.url for e in endpoints], body, headers)
    if args.json:
        print(results_json(results, _event_facts(event) | {"delivery_id": delivery_id}))
    else:
        print(inert(format_results_table(results)), end="")
    failed = any(not r.ok for r in results)
    return 1 if failed and args.fail_on_error else 0


def _ignore_reason(event: PushEvent) -> str | None:
    """Why this push is not forwarded (only updates of the default branch are), or None."""
    if event.to_default_branch:
        return None
    if event.branch == event.default_branch:
        return f"the push deleted the default branch {event.default_branch}"
    return f"{event.ref} is not the default branch {event.default_branch}"


def _endpoints(
    event: PushEvent, config: RepoConfig, comparer: PushComparer | None
) -> tuple[Endpoint, ...]:
    """The endpoints to notify; logs how the changed files were found and any warning."""
    changed = changed_files(event, comparer)
    if changed.warning:
        _log(f"warning: {changed.warning}")
    _log(f"{len(changed.files)} changed files (from the {changed.source})")
    return select_endpoints(changed.files, config.webhook_endpoint_regexs)


class _CloneComparer:
    """``PushComparer`` over a local clone: every path whose entry differs between the trees.

    A tree difference (not ``before...after`` from the merge base) also names the files
    that only the commits a forced push dropped had touched: their folders changed too.
    """

    def __init__(self, clone: LocalGitRepo) -> None:
        self.clone = clone

    def compare_files(self, repo: str, before: str, after: str) -> list[str]:
        try:
            old = self.clone.read_snapshot(before).files_under("")
            new = self.clone.read_snapshot(after).files_under("")
        except GitError as exc:
            raise GitError(f"{self.clone.path} cannot compare {repo} commits: {exc}") from exc
        return sorted(path for path in old.keys() | new.keys() if old.get(path) != new.get(path))


def _report_ignored(event: PushEvent, reason: str, *, as_json: bool) -> int:
    _log(f"push {event.after[:12]} ignored: {reason}")
    if as_json:
        print(
            json_text(_event_facts(event) | {"ignored": reason, "endpoints": []}, ensure_ascii=True)
        )
    return 0


def _report_selection(event: PushEvent, endpoints: tuple[Endpoint, ...], *, as_json: bool) -> int:
    """Dry run (or nothing to send): the URLs, one a line, or as JSON with their reasons."""
    if not endpoints:
        _log("no webhookEndpointRegexs rule matches the changed files; nothing to send")
    if as_json:
        listed = [
            {"url": display_url(e.url), "rules": list(e.rules), "files": list(e.files)}
            for e in endpoints
        ]
        print(
            json_text(
                _event_facts(event) | {"dry_run": True, "endpoints": listed}, ensure_ascii=True
            )
        )
    else:
        print(inert("".join(f"{display_url(e.url)}\n" for e in endpoints)), end="")
    return 0


def _event_facts(event: PushEvent) -> dict[str, object]:
    return {"repository": event.repository, "ref": event.ref, "after": event.after}


def _read_event(path: str) -> bytes:
    """The payload's exact bytes: they are what gets signed and forwarded."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the push event file {path}: {exc.strerror}") from exc


def _read_config(path: str) -> RepoConfig:
    try:
        text = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise MissingConfigError(
            f"{path}: no such file; pass --config with the repo's telefonistka.yaml "
            "as it is on the default branch"
        ) from exc
    except OSError as exc:
        raise UsageError(f"cannot read the config file {path}: {exc.strerror}") from exc
    return load_repo_config(text, path)


def _secret(name: str | None) -> str | None:
    """The webhook secret from the named variable; a named but empty variable is an error."""
    if name is None:
        return None
    secret = os.environ.get(name, "")
    if not secret:
        raise UsageError(
            f"--secret-env {name}: the variable is not set or empty; export the webhook "
            "secret in it, or leave out --secret-env to send unsigned requests"
        )
    return secret


def _log(message: str) -> None:
    """A log line on stderr, so stdout carries only the URLs, the table or the JSON."""
    print(f"telefonistka: fanout: {message}", file=sys.stderr)


def _positive_seconds(text: str) -> float:
    value = float(text)
    if not 0 < value <= 300:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 300 seconds")
    return value


def _retry_count(text: str) -> int:
    value = int(text)
    if not 0 <= value <= MAX_RETRIES:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_RETRIES}")
    return value
