"""Colour and a progress line when a person watches; plain text for pipes and CI logs.

Why a module: every command decides the same way whether its output is for a person. A
stream gets colour only when it is a terminal, ``NO_COLOR`` (https://no-color.org) is not
set and ``TERM`` is not ``dumb``; ``FORCE_COLOR`` turns it on anyway (CI logs that render
ANSI). The progress line goes to stderr, only on a terminal, and is erased when the step
ends, so nothing of it is left in the output or in a pipe.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TextIO

_CODES = {"bold": "1", "red": "31", "green": "32", "yellow": "33", "dim": "2"}


def colour_on(stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``stream`` should get ANSI colour."""
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return _is_terminal(stream) and environ.get("TERM") != "dumb"


def paint(text: str, style: str, stream: TextIO | None = None) -> str:
    """``text`` in ``style`` (bold, red, green, yellow, dim) when ``stream`` takes colour."""
    if not colour_on(stream if stream is not None else sys.stdout):
        return text
    return f"\033[{_CODES[style]}m{text}\033[0m"


@contextmanager
def progress(text: str, stream: TextIO | None = None) -> Iterator[None]:
    """Show ``text…`` on one line of stderr while the block runs, then erase it."""
    out = stream if stream is not None else sys.stderr
    shown = (
        _is_terminal(out) and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    )
    if shown:
        out.write(f"\r\033[2K{text}…")
        out.flush()
    try:
        yield
    finally:
        if shown:
            out.write("\r\033[2K")
            out.flush()


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
