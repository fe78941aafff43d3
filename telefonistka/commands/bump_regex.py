"""``telefonistka bump-regex``: regex search and replace in a file of the target repo."""

from __future__ import annotations

import argparse

from telefonistka.bump import Edit
from telefonistka.commands.bump_common import add_common_arguments, run_bump
from telefonistka.core.bump import decode_text, replace_regex

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


def regex_edit(path: str, pattern: str, replacement: str) -> Edit:
    """The edit for the use case: decode, replace, encode (the file must exist)."""

    def edit(current: bytes | None) -> bytes:
        return replace_regex(decode_text(current, path), pattern, replacement, path).encode()

    return edit


def run(args: argparse.Namespace) -> int:
    """Bump with a regex edit; the file path comes from options or ``TARGET_FILE``."""
    return run_bump(args, lambda path: regex_edit(path, args.regex, args.replacement))
