"""``telefonistka bump-regex``: regex search and replace in a file of the target repo."""

from __future__ import annotations

import argparse

from telefonistka.cli.bump_options import add_common_arguments, run_bump
from telefonistka.errors import BumpError, UsageError
from telefonistka.usecases.bump_edits import Edit, regex_edit

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
        help=r"RE2 regex (Go's syntax, as the Go original), e.g. 'tag:\s*(\S*)'",
    )
    parser.add_argument(
        "-n",
        "--replacement-string",
        "--replacement",
        dest="replacement",
        required=True,
        help="replacement in Go's syntax: $1, ${1} or ${name} insert groups, $$ a dollar; "
        "e.g. 'tag: v2.7.1'",
    )


def run(args: argparse.Namespace) -> int:
    """Bump with a regex edit; the file path comes from options or ``TARGET_FILE``.

    A pattern or replacement that cannot work (Python's ``\\1``, a group the pattern
    lacks) is a usage error, exit 2, before any request."""

    def make_edit(path: str) -> Edit:
        try:
            return regex_edit(path, args.regex, args.replacement)
        except BumpError as exc:
            raise UsageError(f"--regex-string / --replacement-string: {exc}") from None

    return run_bump(args, make_edit)
