"""``keepLocal``: the files and YAML fields a promotion leaves as each target has them.

Whole-folder promotion overwrites a target's region name or replica count with the
source environment's; teams then split every per-environment value into its own file or
give up on automatic promotion. ``keepLocal`` names what belongs to the environment:

- ``files``: globs relative to the component folder; such a file is never overwritten,
  deleted or created in a target;
- ``fields``: per file glob, selectors (the version bumps' syntax and parser) whose values
  are set back to the target's after the source file is promoted.

A component's ``telefonistka.yaml`` and the repository-wide default (the same key in the
repo configuration) are merged: both lists count. Parsed and checked here, once, for
``validate`` (a located problem per bad glob or selector) and the model.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from telefonistka.core.yaml.selector import parse_selector
from telefonistka.errors import BumpError


@dataclass(frozen=True)
class KeepLocal:
    """What promotion keeps in each target (empty: the byte-exact folder copy)."""

    files: tuple[str, ...] = ()
    fields: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (file glob, selectors), in order

    def __bool__(self) -> bool:
        return bool(self.files or self.fields)

    def merged(self, other: KeepLocal) -> KeepLocal:
        """Both lists: ``self`` (the repository default) first, then ``other``'s."""
        files = tuple(dict.fromkeys(self.files + other.files))
        fields: dict[str, tuple[str, ...]] = dict(self.fields)
        for glob, selectors in other.fields:
            fields[glob] = tuple(dict.fromkeys(fields.get(glob, ()) + selectors))
        return KeepLocal(files, tuple(fields.items()))

    def keeps_file(self, relative: str) -> bool:
        """Whether the file at ``relative`` (to the component folder) stays as it is."""
        return any(glob_matches(glob, relative) for glob in self.files)

    def selectors_for(self, relative: str) -> tuple[str, ...]:
        """The kept fields of the file at ``relative``, from every glob that matches it."""
        found: list[str] = []
        for glob, selectors in self.fields:
            if glob_matches(glob, relative):
                found.extend(selectors)
        return tuple(dict.fromkeys(found))


def glob_problem(glob: str) -> str:
    """Why ``glob`` cannot name files of a component folder, or ""."""
    rules = (
        (not glob.strip(), "must not be empty"),
        (
            glob.startswith("/"),
            f"glob {glob!r} must be relative to the component folder (no leading '/')",
        ),
        (
            any(part in ("..", ".") for part in glob.split("/")),
            f"glob {glob!r} must not use '.' or '..' segments",
        ),
        (
            glob.endswith("/"),
            f"glob {glob!r} names a folder: write {glob}** for the files below it",
        ),
        (any(ord(c) < 0x20 for c in glob), f"glob {glob!r} holds a control character"),
    )
    for broken, problem in rules:
        if broken:
            return problem
    try:
        _glob_regex(glob)
    except re.error as exc:
        return f"glob {glob!r} does not parse: {exc}"
    return ""


def selector_problem(selector: str) -> str:
    """Why ``selector`` is not a selector of the bump syntax, or ""."""
    try:
        parse_selector(selector)
    except BumpError as exc:
        return str(exc)
    return ""


def glob_matches(glob: str, relative: str) -> bool:
    """Whether ``relative`` matches ``glob`` as a whole: ``*`` and ``?`` stay inside one
    folder, ``**`` crosses folders, ``[...]`` is a character class."""
    return _glob_regex(glob).fullmatch(relative) is not None


@cache
def _glob_regex(glob: str) -> re.Pattern[str]:
    """The regex of a glob. Only ``[^/]*``, ``.*`` and classes come out of it: linear."""
    out: list[str] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = glob.find("]", i + 2 if glob[i + 1 : i + 2] in ("!", "]") else i + 1)
            if end == -1:
                raise re.error("'[' without a closing ']'")
            body = glob[i + 1 : end]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out))


def parse_keep_local(data: object) -> KeepLocal:
    """The model of a schema-checked ``keepLocal`` value (None or absent: keep nothing)."""
    if not isinstance(data, Mapping):
        return KeepLocal()
    files = tuple(str(g) for g in data.get("files") or ())
    raw = data.get("fields") or {}
    fields = tuple(
        (str(glob), tuple(str(s) for s in selectors or ()))
        for glob, selectors in (raw.items() if isinstance(raw, Mapping) else ())
    )
    return KeepLocal(files, fields)
