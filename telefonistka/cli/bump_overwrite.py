"""``telefonistka bump-overwrite``: replace (or create) a file of the target repo."""

from __future__ import annotations

import argparse

from telefonistka.cli.bump_options import add_common_arguments, read_content, run_bump
from telefonistka.usecases.bump_edits import overwrite_edit

HELP = "Open a PR in a target repo that replaces (or creates) a file with the given content."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The common bump options and ``--file`` (the new content; ``-`` reads stdin)."""
    add_common_arguments(parser)
    parser.add_argument(
        "-c",
        "--file",
        required=True,
        metavar="PATH",
        help="file holding the new content (- = stdin)",
    )


def run(args: argparse.Namespace) -> int:
    """Read the content first, so a bad path fails before any request."""
    edit = overwrite_edit(read_content(args.file))
    return run_bump(args, lambda _path: edit)
