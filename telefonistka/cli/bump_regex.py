"""``telefonistka bump-regex``: regex search and replace in a file of the target repo."""

from __future__ import annotations

import argparse

from telefonistka.cli.bump_options import add_common_arguments, run_bump
from telefonistka.usecases.bump_edits import regex_edit

HELP = "Open a PR in a target repo that replaces every match of a regex in a file."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The common bump options, the pattern and its replacement (Go's flag names kept)."""
    add_common_arguments(parser)
    parser.add_argument(
        "-r",
        "--regex-string",
        "--regex",
        dest="regex",
        required=True,
        help=r"Python regex, e.g. 'tag:\s*(\S*)'",
    )
    parser.add_argument(
        "-n",
        "--replacement-string",
        "--replacement",
        dest="replacement",
        required=True,
        help=r"replacement; \1 or \g<name> insert groups, e.g. 'tag: v2.7.1'",
    )


def run(args: argparse.Namespace) -> int:
    """Bump with a regex edit; the file path comes from options or ``TARGET_FILE``."""
    return run_bump(args, lambda path: regex_edit(path, args.regex, args.replacement))
