"""``telefonistka init``: propose a first ``telefonistka.yaml`` from the repository's folders.

The guess is ``core.config.proposal``'s, from the files of the working tree (folders
starting with ``.`` left out). What it guessed and why goes to stderr; the config is
checked by the same validation as ``validate`` before anything is written, and an
existing file is never overwritten. ``--workflows`` also writes the example workflows
that run the bot on merges and on open PRs.
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import resources
from pathlib import Path

from telefonistka.core.config.model import REPO_CONFIG_FILE
from telefonistka.core.config.proposal import propose_config
from telefonistka.core.config.validation import load_repo_config
from telefonistka.core.text.log_text import inert
from telefonistka.errors import ConfigError, TelefonistkaError, UsageError

HELP = "Propose a commented telefonistka.yaml from the repository's folders."
# The packaged example workflows ``--workflows`` writes, by their name in .github/workflows/.
WORKFLOWS = {
    "telefonistka-promotion.yml": "promotion.yml",
    "telefonistka-pr.yml": "pr-lifecycle.yml",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", help="the IaC repository's folder (default: .)")
    parser.add_argument(
        "--workflows",
        action="store_true",
        help="also write the example workflows (promotion on merge, drift and commands on "
        "open PRs) into .github/workflows/",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="print the proposed files on stdout; write nothing",
    )


def run(args: argparse.Namespace) -> int:
    """0 when a config was proposed (and written), 1 when the folders show no pattern."""
    root = Path(args.repo)
    if not root.is_dir():
        raise UsageError(f"--repo {root}: not a folder")
    target = root / REPO_CONFIG_FILE
    if target.exists() and not args.dry_run:
        raise UsageError(
            f"{target} already exists and is never overwritten; check it with "
            f"`telefonistka validate {target}`, or move it away to start again"
        )
    proposal = propose_config(_files(root))
    for problem in proposal.problems:
        print(inert(f"telefonistka init: {problem}"), file=sys.stderr)
    if not proposal.found:
        print(f"telefonistka init: nothing written to {target}", file=sys.stderr)
        return 1
    for reason in proposal.reasons:
        print(inert(f"guessed: {reason}"), file=sys.stderr)
    try:
        load_repo_config(proposal.text, str(target))
    except ConfigError as exc:  # a bug of the guesser, never a half-good file
        raise TelefonistkaError(f"the proposed configuration is invalid (a bug): {exc}") from exc
    files = {target: proposal.text}
    if args.workflows:
        files |= {
            root / ".github" / "workflows" / name: _example(ex) for name, ex in WORKFLOWS.items()
        }
    if args.dry_run:
        for path, text in files.items():
            print(f"# --- {path} ---\n{text}", end="" if text.endswith("\n") else "\n")
        return 0
    for path, text in files.items():
        if path.exists():
            print(f"kept {path}: it exists and is never overwritten", file=sys.stderr)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    print(
        f"next: read {target}, run `telefonistka validate {target}`, then commit it",
        file=sys.stderr,
    )
    if args.workflows:
        print(
            "next: the workflows pin the action to an all-zero commit SHA: replace it with "
            "the commit you adopt (docs/installation.md, step 3)",
            file=sys.stderr,
        )
    return 0


def _files(root: Path) -> list[str]:
    """Every file under ``root`` (as a path from it); folders starting with ``.`` skipped."""
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        relative = Path(folder).relative_to(root)
        found += [(relative / name).as_posix() for name in names]
    return found


def _example(name: str) -> str:
    return (resources.files("telefonistka") / "examples" / name).read_text(encoding="utf-8")
