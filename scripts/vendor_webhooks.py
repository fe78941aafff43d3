"""Vendor the webhook example payloads the GitHub emulator shapes its events after.

Reads ``../shared/github/webhook-examples.api.github.com.json.gz`` (octokit
webhooks-examples, MIT; a list of ``{name, actions, examples}``) and writes one real
example per event and action into ``tests/fixtures/webhooks/``:
``pull_request.opened.json``, ``pull_request.synchronize.json``,
``pull_request.labeled.json``, ``pull_request.closed.json``,
``issue_comment.created.json``, ``push.json`` (a branch push with a commit) and
``issues.edited.json`` (an edited issue; the examples' ``changes`` are empty, the
webhook OpenAPI description gives ``changes.body.from``).
The examples are kept whole: they are the reference the emulator's payloads are
compared with, key for key.

Usage: python scripts/vendor_webhooks.py [SOURCE] [DEST_DIR]
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "github" / "webhook-examples.api.github.com.json.gz"
DEST = ROOT / "tests" / "fixtures" / "webhooks"

Payload = dict[str, Any]


def _action(name: str) -> Callable[[Payload], bool]:
    return lambda payload: payload.get("action") == name


def _branch_push(payload: Payload) -> bool:
    return str(payload.get("ref", "")).startswith("refs/heads/") and bool(payload.get("commits"))


# (event, file name, which example to take)
WANTED: tuple[tuple[str, str, Callable[[Payload], bool]], ...] = (
    ("pull_request", "pull_request.opened.json", _action("opened")),
    ("pull_request", "pull_request.synchronize.json", _action("synchronize")),
    ("pull_request", "pull_request.labeled.json", _action("labeled")),
    ("pull_request", "pull_request.closed.json", _action("closed")),
    ("issue_comment", "issue_comment.created.json", _action("created")),
    ("push", "push.json", _branch_push),
    ("issues", "issues.edited.json", _action("edited")),
)


def load(source: Path) -> list[dict[str, Any]]:
    with gzip.open(source, "rt", encoding="utf-8") as handle:
        data: list[dict[str, Any]] = json.load(handle)
    return data


def pick(events: list[dict[str, Any]], name: str, accept: Callable[[Payload], bool]) -> Payload:
    for event in events:
        if event["name"] != name:
            continue
        for example in event["examples"]:
            if accept(example):
                return dict(example)
    raise LookupError(f"no {name} example matches")


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else SOURCE
    dest = Path(argv[1]) if len(argv) > 1 else DEST
    events = load(source)
    dest.mkdir(parents=True, exist_ok=True)
    for name, filename, accept in WANTED:
        text = json.dumps(pick(events, name, accept), indent=2, sort_keys=True)
        (dest / filename).write_text(text + "\n", encoding="utf-8")
        sys.stdout.write(f"wrote {dest / filename}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
