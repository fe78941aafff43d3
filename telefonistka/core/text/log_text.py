"""Text written to a job log: no line of it may start a GitHub Actions workflow command.

Why: the runner reads every stdout and stderr line of a step, and a line starting with
``::`` (after blanks) is a command: ``::add-mask::``, ``::error file=…::``,
``::stop-commands::``. Paths, branch names and messages come from people (a folder named
with a newline and ``::error::…`` is a valid git path), so anything the Action logs, and
anything the CLI prints as text (it runs in workflow steps too), goes through ``inert``.
JSON output needs nothing: each of its lines starts with a blank, a brace or a quote.
"""

from __future__ import annotations

import re

_COMMAND_START = re.compile(r"^(\s*):(?=:)", re.MULTILINE)


def inert(text: str) -> str:
    """``text`` with no line starting a workflow command: a zero-width space is put
    between the two colons, which a reader does not see and the runner does not obey."""
    return _COMMAND_START.sub("\\1:\u200b", text)
