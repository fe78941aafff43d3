"""Markdown building blocks shared by every comment and PR body we render.

Paths and YAML values are user data: a backtick or a ``|`` inside them must not break
the code span, table cell or fenced block it is shown in.
"""

from __future__ import annotations

import re

_BACKTICKS = re.compile(r"`+")


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def code_span(text: object) -> str:
    """``text`` as a markdown inline code span, even when it contains backticks."""
    value = str(text)
    ticks = "`" * (_longest_backtick_run(value) + 1)
    if value.startswith("`") or value.endswith("`"):
        value = f" {value} "
    return f"{ticks}{value}{ticks}"


def table_cell(text: object) -> str:
    """An inline code span that does not end a markdown table cell early."""
    return code_span(text).replace("|", "\\|")


def fence_for(text: str) -> str:
    """A backtick fence that no backtick run inside ``text`` can close."""
    return "`" * max(3, _longest_backtick_run(text) + 1)
