"""Text written to a job log: no line of it may carry a GitHub Actions workflow command.

Why: the runner reads every stdout and stderr line of a step and obeys two forms of
command in it (actions/runner, ``ActionCommand.TryParse``):

- a line starting with ``::`` after blanks: ``::add-mask::``, ``::error file=…::``,
  ``::stop-commands::``. The runner ends lines at ``\\n`` and at ``\\r`` alike, so a
  ``\\r`` inside a path starts a line too;
- the legacy form ``##[command]data`` **anywhere** in a line: ``##[error]``,
  ``##[add-mask]``, ``##[set-output name=x;]``.

Paths, branch names, titles and comments come from people (a folder named
``a\\r::error title=X::y`` or ``legacy ##[error]y`` is a valid git path, and any
commenter on a public repository writes a comment), so every text line the Action logs
and everything the CLI prints (it runs in workflow steps too) goes through ``inert``. The
CLI applies it to all it writes (``cli.guard``); the Action to every line that is not one
of its own commands (``action.workflow``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# Where the runner starts a line: \n and \r, and the other breaks a reader of the raw log
# may honour (vertical tab, form feed, the Unicode separators).
_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_COMMAND_START = re.compile(rf"(\A|[{_BREAKS}])([^\S{_BREAKS}]*):(?=:)")
_LEGACY = "##["
ZWSP = "\u200b"
_JSON_ESCAPES = (
    (_LEGACY, "#\\u0023["),
    ("\x85", "\\u0085"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def inert(text: str) -> str:
    """``text`` with no workflow command in it: a zero-width space goes between the two
    colons of a line-starting ``::`` and inside every ``##[``, which a reader does not
    see and the runner does not obey. Applying it twice changes nothing more."""
    text = _COMMAND_START.sub(lambda m: f"{m.group(1)}{m.group(2)}:{ZWSP}", text)
    return text.replace(_LEGACY, f"##{ZWSP}[")


def inert_json(text: str) -> str:
    """JSON text for a log, its data kept exact: ``#`` of a ``##[`` (only ever inside a
    string, ``#`` being no JSON syntax) written as the escape ``\\u0023``, which every
    JSON reader turns back into ``#``. Its lines never start with ``::`` (they start with
    a blank, a brace, a bracket or a quote) and ``json.dumps`` escapes every ``\\r``; the
    line breaks it leaves raw with ``ensure_ascii=False`` (U+0085, U+2028, U+2029) are
    escaped here the same way."""
    for raw, escaped in _JSON_ESCAPES:
        text = text.replace(raw, escaped)
    return text


def display_url(url: str) -> str:
    """``url`` with any password in it replaced by ``***``, for logs and summaries."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
