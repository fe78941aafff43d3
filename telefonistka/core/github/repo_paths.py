"""Paths inside a repository that the bot may write, and repository names it may act on.

Why: a path from configuration or from a dispatch input ends up in a tree write. ``..``
or an absolute path could name something outside the folder meant, a ``.git`` component
is refused by GitHub (and by git itself on checkout, since it would write into the
repository's own metadata), and control characters (NUL, newlines) corrupt logs, PR text
and git's own line-based output. Such a path is refused here, before any request, with
the reason.
"""

from __future__ import annotations

import re

_DOT_COMPONENTS = frozenset({".", ".."})
# GitHub's alphabet for owners and repository names; "." and ".." are not names.
_FULL_NAME = re.compile(r"(?!\.\.?/)[A-Za-z0-9_.-]+/(?!\.\.?$)[A-Za-z0-9_.-]+")


def full_name_problem(name: str) -> str | None:
    """Why ``name`` is not a repository's ``OWNER/NAME``, or None.

    Why: the name goes into every API path; ``a/../b`` or ``a/b?x`` must not reach one.
    """
    if _FULL_NAME.fullmatch(name):
        return None
    return "it is not OWNER/NAME (letters, digits, '-', '_' and '.'; neither part '.' or '..')"


def control_character(text: str) -> str | None:
    """The first C0 control character or DEL in ``text`` (sorted), or None."""
    return min((char for char in text if ord(char) < 0x20 or ord(char) == 0x7F), default=None)


def repo_path_problem(path: str, *, folder: bool = False) -> str | None:
    """Why ``path`` is not a plain relative path in a repository; None when it is.

    ``folder``: a folder prefix from configuration, where one trailing ``/`` is usual.
    """
    text = path[:-1] if folder and path.endswith("/") else path
    bad = control_character(text)
    rules = (
        (not text, "it is empty"),
        (bad is not None, f"it contains the control character {bad!r}"),
        (
            text.startswith("/"),
            "it is absolute (starts with '/'); paths are relative to the repository root",
        ),
        ("\\" in text, "it contains '\\' (paths use '/')"),
    )
    problem = next((why for broken, why in rules if broken), None)
    for component in text.split("/") if problem is None else ():
        if not component:
            return "it has an empty component ('//' or a trailing '/')"
        if component in _DOT_COMPONENTS:
            return f"it has a {component!r} component"
        if component.lower() == ".git":
            return "it has a '.git' component"
    return problem
