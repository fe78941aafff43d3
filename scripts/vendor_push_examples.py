"""Regenerate ``tests/fixtures/pushes/`` from GitHub's recorded webhook examples.

The examples come from ``@octokit/webhooks-examples`` (MIT), shipped as
``../shared/github/webhook-examples.api.github.com.json.gz``: a list of
``{name, actions, examples: [payload, ...]}``. We keep one payload per kind of push
(branch push, tag created, tag deleted) and trim the many ``*_url`` fields of
``repository``, ``sender`` and friends, because fan-out reads only the ref, the SHAs,
the repository name and default branch and the commits, which are kept untouched.
Tests read the vendored files only, never ``../shared``.

Usage: ``python scripts/vendor_push_examples.py [SOURCE.json.gz]``
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared" / "github" / "webhook-examples.api.github.com.json.gz"
TARGET = ROOT / "tests" / "fixtures" / "pushes"

KEEP = {
    "repository": (
        "id",
        "node_id",
        "name",
        "full_name",
        "private",
        "owner",
        "html_url",
        "url",
        "default_branch",
        "master_branch",
    ),
    "owner": ("login", "id", "type"),
    "sender": ("login", "id", "type"),
    "organization": ("login", "id"),
    "installation": ("id", "node_id"),
}


def kind_of(payload: dict[str, Any]) -> str:
    """A file name for the kind of push: what ref type, and what happened to it."""
    ref_type = "tag" if payload["ref"].startswith("refs/tags/") else "branch"
    if payload["deleted"]:
        return f"{ref_type}_deleted"
    if payload["created"]:
        return f"{ref_type}_created"
    return f"{ref_type}_pushed"


def trimmed(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with only the identifying fields of the nested objects listed in KEEP."""
    out = dict(payload)
    for key in ("repository", "sender", "organization", "installation"):
        if isinstance(out.get(key), dict):
            out[key] = _keep(out[key], KEEP[key])
    if isinstance(out.get("repository"), dict) and "owner" in out["repository"]:
        out["repository"]["owner"] = _keep(out["repository"]["owner"], KEEP["owner"])
    return out


def _keep(obj: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: obj[k] for k in keys if k in obj}


def push_examples(source: Path) -> list[dict[str, Any]]:
    """Every recorded ``push`` payload of the examples file."""
    with gzip.open(source, "rt", encoding="utf-8") as fh:
        events = json.load(fh)
    return [ex for event in events if event["name"] == "push" for ex in event["examples"]]


def main(argv: list[str]) -> int:
    """Write one trimmed fixture per kind of push; the first example of a kind wins."""
    source = Path(argv[0]) if argv else DEFAULT_SOURCE
    TARGET.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for payload in push_examples(source):
        name = kind_of(payload)
        if name not in written:
            path = TARGET / f"{name}.json"
            path.write_text(json.dumps(trimmed(payload), indent=2) + "\n", encoding="utf-8")
            written[name] = path
    for path in written.values():
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
