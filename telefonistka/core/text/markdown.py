"""Markdown building blocks shared by every comment, PR body and job summary we render.

Why: file and folder names, branch names, titles, labels and commands are user data.
Where they meet markdown they must stay text: a newline must not start a heading or an
HTML block (``</details>`` closing ours), a backtick must not end a code span, a ``|``
must not end a table cell, ``<img>`` or ``[x](url)`` must not become an image or a link,
``@team`` must not ping anyone. Every place that puts user text into markdown goes
through one of these helpers (in Python, and as the ``code``, ``cell``, ``text`` and
``html`` template filters):

- ``code_span``: as inline code (paths, keys, contexts);
- ``table_cell``: as inline code inside a table cell;
- ``text``: as plain text in running prose, a heading or a list item;
- ``html_text``: inside an HTML element (``<code>`` in a ``<summary>``);
- ``fenced``: any text as a code block (``fence_for``: just its fence).

Control characters (newlines, tabs, NUL, the Unicode line separators) are shown as
``\\n``-style escapes by all of them, so one line of user text stays one line.
"""

from __future__ import annotations

import html
import re

_BACKTICKS = re.compile(r"`+")
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Punctuation that can start markup, a link, HTML, an entity, a table cell or a mention
# anywhere in a line. Emphasis markers (``*``, ``_``, ``~``) are left alone: at worst
# they style a name, and names with underscores stay readable in the raw text. Heading
# and list markers only matter at a line start, escaped below.
_MARKUP = re.compile(r"([\\`\[\]<>|&])")
# GitHub turns ``@name`` in rendered text into a mention (a ping), escaped or not; a
# zero-width space after the ``@``, as Renovate writes it, keeps it a plain word.
_NO_MENTION = "@&#8203;"
_LINE_START = re.compile(r"^[#+\-=]")
_ORDERED = re.compile(r"^(\d+)([.)])")


def visible(value: object) -> str:
    """``value`` as one line: control characters become ``\\n``, ``\\x00``-style escapes."""
    return _CONTROLS.sub(lambda m: _NAMED.get(m.group(), _escape(m.group())), str(value))


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def code_span(text: object) -> str:
    """``text`` as a markdown inline code span, even when it contains backticks."""
    value = visible(text)
    ticks = "`" * (_longest_backtick_run(value) + 1)
    if value.startswith("`") or value.endswith("`"):
        value = f" {value} "
    return f"{ticks}{value}{ticks}"


def table_cell(text: object) -> str:
    """An inline code span that does not end a markdown table cell early."""
    return code_span(text).replace("|", "\\|")


def text(value: object) -> str:
    """``value`` as plain markdown text: no markup, link, image, HTML or mention in it."""
    escaped = _MARKUP.sub(r"\\\1", visible(value)).replace("@", _NO_MENTION)
    escaped = _LINE_START.sub(lambda m: f"\\{m.group()}", escaped)
    return _ORDERED.sub(r"\1\\\2", escaped)


def html_text(value: object) -> str:
    """``value`` as text inside an HTML element: ``&``, ``<``, ``>`` and quotes as character
    references, and no ``@`` mention."""
    return html.escape(visible(value), quote=True).replace("@", _NO_MENTION)


def fence_for(text: str) -> str:
    """A backtick fence that no backtick run inside ``text`` can close."""
    return "`" * max(3, _longest_backtick_run(text) + 1)


def fenced(value: object, info: str = "") -> str:
    """``value`` in a fenced code block (``info``: its language) that nothing inside closes."""
    body = str(value).rstrip("\n")
    fence = fence_for(body)
    return f"{fence}{info}\n{body}\n{fence}"
