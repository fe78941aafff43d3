"""``telefonistka validate``: check config files before they reach the default branch.

Meant for people and for pre-commit (``.pre-commit-hooks.yaml``): every problem of every
file is printed as ``file:line:col: key: message`` (the format editors and CI log
viewers link), or as GitHub ``::error`` annotations with ``--format github``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from telefonistka.cli.guard import write_command
from telefonistka.cli.terminal import paint
from telefonistka.core.config.model import REPO_CONFIG_FILE
from telefonistka.core.config.validation import (
    ConfigKind,
    load_component_config,
    load_repo_config,
)
from telefonistka.core.text.log_text import ZWSP, inert
from telefonistka.errors import ConfigError, ConfigProblem, UsageError

HELP = "Check telefonistka.yaml files (repo or component) and report every problem."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``PATH ...`` (default ``telefonistka.yaml``) or ``--repo``, ``--kind``, ``--format``."""
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=f"config files to check (default: {REPO_CONFIG_FILE})",
    )
    parser.add_argument(
        "--repo",
        metavar="DIR",
        help=f"check every {REPO_CONFIG_FILE} under DIR, each by its place: the one at DIR "
        "is the repo config, all others component configs (folders starting with '.' "
        "are skipped)",
    )
    parser.add_argument(
        "--kind",
        choices=("auto", "repo", "component"),
        default="auto",
        help="file kind; auto: by its place, the repository root's file is the repo config, "
        "any other one a component config",
    )
    parser.add_argument(
        "--format",
        choices=("text", "github"),
        default="text",
        help="text: file:line:col: key: message; github: ::error workflow annotations",
    )


def run(args: argparse.Namespace) -> int:
    """Check each file; 0 when all are valid, 1 when any is invalid or unreadable."""
    if args.repo is not None:
        if args.paths:
            raise UsageError("give either PATH ... or --repo, not both")
        files = _repo_files(Path(args.repo))
        results = [
            _check_file(path, _kind_in(path, Path(args.repo), args.kind), args.format)
            for path in files
        ]
        return 0 if all(results) else 1
    paths = [Path(path) for path in args.paths or [REPO_CONFIG_FILE]]
    results = [
        _check_file(
            path, kind_by_place(path) if args.kind == "auto" else _kind(args.kind), args.format
        )
        for path in paths
    ]
    return 0 if all(results) else 1


def _repo_files(root: Path) -> list[Path]:
    """Every ``telefonistka.yaml`` under ``root``, the root's own first, then sorted.

    ``.git``, ``.github`` and any other folder starting with ``.`` are not entered. A
    repository without the root file is an error: nothing would be promoted from it.
    """
    if not root.is_dir():
        raise UsageError(f"--repo {root}: not a folder")
    found = []
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        if REPO_CONFIG_FILE in names:
            found.append(Path(folder) / REPO_CONFIG_FILE)
    found.sort()
    top = root / REPO_CONFIG_FILE
    if top not in found:
        raise UsageError(
            f"no {REPO_CONFIG_FILE} at the root of {root}: it is the repo config; "
            f"`telefonistka init --repo {root}` proposes one from the repository's folders"
        )
    return [top, *(path for path in found if path != top)]


def _kind_in(path: Path, root: Path, option: str) -> ConfigKind:
    if option != "auto":
        return _kind(option)
    return "repo" if path.parent == root else "component"


def _check_file(path: Path, kind: ConfigKind, output: str) -> bool:
    """Validate one file as ``kind``, print the outcome, and say whether it is valid."""
    name = str(path)
    try:
        text = path.read_bytes()
    except OSError as exc:
        reason = "file not found" if isinstance(exc, FileNotFoundError) else exc.strerror
        print(f"{name}: error: cannot read the file: {reason}", file=sys.stderr)
        return False
    try:
        _load(text, name, kind)
    except ConfigError as exc:
        for problem in exc.problems:
            if output == "github":
                write_command(_format_problem(problem, output), sys.stderr)
            else:
                print(_format_problem(problem, output), file=sys.stderr)
        return False
    print(f"{name}: {paint('ok', 'green')} ({kind} config)")
    return True


def kind_by_place(path: Path) -> ConfigKind:
    """``repo`` for the file at the repository's root, ``component`` for any other.

    Why by place and not by keys: a repo config with only component-like keys, or a
    component config with a misspelt key, would otherwise be checked against the wrong
    rules. The root is the nearest folder holding ``.git`` (a checkout: how the
    pre-commit hook and CI run it). Outside any repository there is no place to go by:
    a file named ``telefonistka.yaml`` is then the repo config (the one people write
    first), unless ``--kind`` says otherwise.
    """
    folder = path.resolve().parent
    root = next((d for d in (folder, *folder.parents) if (d / ".git").exists()), None)
    return "repo" if root is None or folder == root else "component"


def _kind(option: str) -> ConfigKind:
    return "component" if option == "component" else "repo"


def _load(text: bytes, name: str, kind: ConfigKind) -> None:
    if kind == "component":
        load_component_config(text, name)
    else:
        load_repo_config(text, name)


def _format_problem(problem: ConfigProblem, output: str) -> str:
    """One problem as a compiler-style line, or as a GitHub Actions annotation."""
    if output != "github":
        return inert(str(problem))
    message = f"{problem.key}: {problem.message}" if problem.key else problem.message
    file = _escape(problem.file).replace(":", "%3A").replace(",", "%2C")
    where = f"file={file},line={problem.line},col={problem.column}"
    return f"::error {where},title=telefonistka config::{_escape(message)}"


def _escape(text: str) -> str:
    """Workflow-command escaping, so a message cannot end or forge the annotation."""
    escaped = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return escaped.replace("##[", f"##{ZWSP}[")
