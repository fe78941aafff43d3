"""Regular expressions from configuration, compiled with RE2.

Why RE2 (the ``google-re2`` wheel) and not ``re``: every pattern here comes from a
repository's configuration (``sourcePath``, allow and block lists, fan-out expressions)
and runs against paths the repository's contributors name. ``re`` backtracks, so a
pattern like ``([a-z]+)+/`` against a 34-character path runs for minutes and leaves the
run's commit status ``pending``; RE2 matches in time linear in the input, whatever the
pattern. RE2 is also the Go original's engine, so the dialect is exactly the Go
original's: POSIX classes (``[[:digit:]]``) mean what they mean there, and what Go
refuses (backreferences, lookarounds) is refused here too.

The core types patterns by the small ``Regex``/``RegexMatch`` protocols below (the
binding ships no type information), which ``re``'s objects satisfy as well.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

import re2


class RegexMatch(Protocol):
    """What the core reads of a match."""

    @property
    def re(self) -> Regex: ...

    def group(self, index: int | str = 0, /) -> str | None: ...

    def start(self, index: int | str = 0, /) -> int: ...

    def end(self, index: int | str = 0, /) -> int: ...

    def groupdict(self) -> dict[str, str | None]: ...


class Regex(Protocol):
    """What the core uses of a compiled pattern."""

    @property
    def pattern(self) -> str: ...

    @property
    def groups(self) -> int: ...

    @property
    def groupindex(self) -> Mapping[str, int]: ...

    def match(self, text: str) -> RegexMatch | None: ...

    def search(self, text: str) -> RegexMatch | None: ...

    def finditer(self, text: str) -> Iterator[RegexMatch]: ...


class RegexError(ValueError):
    """A pattern RE2 does not accept; the message is RE2's reason."""


# Paths are ``str`` decoded with ``surrogateescape`` (bytes that are not UTF-8 survive as
# lone surrogates), which RE2's ``str`` interface cannot encode. Patterns and subjects go
# to RE2 as the very bytes git knows, and what comes back is decoded the same way.
_ENCODING, _ERRORS = "utf-8", "surrogateescape"


def _encode(text: str) -> bytes:
    return text.encode(_ENCODING, _ERRORS)


def _decode(data: bytes | None) -> str | None:
    return None if data is None else data.decode(_ENCODING, _ERRORS)


class _Re2Regex:
    """A compiled RE2 pattern with ``re``'s ``str`` interface (see ``Regex``)."""

    __slots__ = ("_compiled", "groupindex", "groups", "pattern")

    def __init__(self, pattern: str, compiled: Any) -> None:
        self.pattern = pattern
        self._compiled = compiled
        self.groups: int = compiled.groups
        self.groupindex: dict[str, int] = {
            str(_decode(name)): index for name, index in compiled.groupindex.items()
        }

    def match(self, text: str) -> RegexMatch | None:
        raw = _encode(text)
        found = self._compiled.match(raw)
        return None if found is None else _Re2Match(found, self, raw)

    def search(self, text: str) -> RegexMatch | None:
        raw = _encode(text)
        found = self._compiled.search(raw)
        return None if found is None else _Re2Match(found, self, raw)

    def finditer(self, text: str) -> Iterator[RegexMatch]:
        raw = _encode(text)
        for found in self._compiled.finditer(raw):
            yield _Re2Match(found, self, raw)


class _Re2Match:
    """An RE2 match with ``re``'s ``str`` interface: groups decoded, offsets in characters."""

    __slots__ = ("_found", "_raw", "re")

    def __init__(self, found: Any, regex: _Re2Regex, raw: bytes) -> None:
        self._found, self.re, self._raw = found, regex, raw

    def group(self, index: int | str = 0, /) -> str | None:
        key = index if isinstance(index, int) else _encode(index)
        return _decode(self._found.group(key))

    def start(self, index: int | str = 0, /) -> int:
        key = index if isinstance(index, int) else _encode(index)
        return len(self._raw[: self._found.start(key)].decode(_ENCODING, _ERRORS))

    def end(self, index: int | str = 0, /) -> int:
        key = index if isinstance(index, int) else _encode(index)
        return len(self._raw[: self._found.end(key)].decode(_ENCODING, _ERRORS))

    def groupdict(self) -> dict[str, str | None]:
        return {str(_decode(k)): _decode(v) for k, v in self._found.groupdict().items()}


def _options() -> object:
    options = re2.Options()
    options.log_errors = False  # the reason goes into our error, not to stderr
    return options


@functools.lru_cache(maxsize=1024)
def compile_regex(pattern: str) -> Regex:
    """``pattern`` compiled by RE2 (cached: plans compile the same patterns often)."""
    try:
        return _Re2Regex(pattern, re2.compile(_encode(pattern), options=_options()))
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise RegexError(text) from None


def regex_error(pattern: str) -> str | None:
    """Why RE2 refuses ``pattern``, or None when it compiles."""
    try:
        compile_regex(pattern)
    except RegexError as exc:
        return str(exc)
    return None


# --- Go's replacement templates ------------------------------------------------------------
#
# The Go original bumps with ``regexp.ReplaceAllString``, so every pipeline that calls it
# writes Go's template syntax: ``$1``, ``${1}``, ``$name``, ``${name}`` and ``$$`` for a
# dollar. The same replacement must write the same file here. Two refusals are ours:
# Python's ``\1`` / ``\g<1>`` (which Go writes literally, so a pipeline that uses them is
# broken either way) and a reference to a group the pattern does not have (which Go
# silently replaces with nothing, ``$1x`` meaning the group ``1x``).

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_PYTHON_GROUP = re2.compile(rb"\\(?:g<[^>]*>|[0-9])")

Piece = str | int  # literal text, or the number of the group whose text goes there


def parse_replacement(template: str, regex: Regex) -> tuple[Piece, ...]:
    """``template`` as literal text and group numbers, exactly as Go's ``Expand`` reads it.

    ``RegexError`` for Python's group syntax and for a group the pattern lacks, each naming
    the Go spelling to write instead.
    """
    python = _PYTHON_GROUP.search(_encode(template))
    if python is not None:
        spelt = str(_decode(python.group(0)))
        inner = spelt[3:-1] if spelt.startswith("\\g<") else spelt[1:]
        raise RegexError(
            f"replacement {template!r} uses Python's group syntax {spelt!r}; replacements "
            f"are Go's, as in the Go original: write ${{{inner}}}"
        )
    pieces: list[Piece] = []
    literal: list[str] = []
    i = 0
    while i < len(template):
        char = template[i]
        if char != "$":
            literal.append(char)
            i += 1
            continue
        name, after = _reference(template, i + 1)
        if name is None:  # "$$", or a "$" that starts no reference: Go writes a "$"
            literal.append("$")
            i = after
            continue
        pieces.append("".join(literal))
        literal = []
        pieces.append(_group_number(name, template, regex))
        i = after
    pieces.append("".join(literal))
    return tuple(piece for piece in pieces if piece != "")


def _reference(template: str, i: int) -> tuple[str | None, int]:
    """The group name of the reference whose ``$`` is just before ``template[i]``, and
    where the text after it starts; ``None`` when there is no reference there."""
    if template.startswith("$", i):
        return None, i + 1
    if template.startswith("{", i):
        close = template.find("}", i + 1)
        name = template[i + 1 : close] if close > 0 else ""
        if name and all(c in _NAME_CHARS for c in name):
            return name, close + 1
        return None, i
    end = i
    while end < len(template) and template[end] in _NAME_CHARS:
        end += 1
    return (template[i:end], end) if end > i else (None, i)


def _group_number(name: str, template: str, regex: Regex) -> int:
    if name.isdigit() and name.isascii():
        number = int(name)
        if number <= regex.groups:
            return number
        raise RegexError(
            f"replacement {template!r} refers to group {number}, but the pattern "
            f"{regex.pattern!r} has {regex.groups} group(s)"
        )
    if name in regex.groupindex:
        return regex.groupindex[name]
    hint = ""
    digits = len(name) - len(name.lstrip("0123456789"))
    if digits:  # "$1x" is the group "1x" in Go, as in Perl: braces end the number
        group, rest = name[:digits], name[digits:]
        hint = f"; for group {group} followed by {rest!r} write ${{{group}}}{rest}"
    raise RegexError(
        f"replacement {template!r} refers to group {name!r}, which the pattern "
        f"{regex.pattern!r} does not name{hint}"
    )


def replace_all(regex: Regex, text: str, pieces: tuple[Piece, ...]) -> tuple[str, int]:
    """Go's ``ReplaceAllString``: every non-overlapping match replaced, an empty match
    right after the previous match skipped (as Go does, unlike Python); the result and the
    number of replacements. A group that did not take part in a match inserts nothing."""
    out: list[str] = []
    done = count = 0
    previous_end = -1
    for found in regex.finditer(text):
        start, end = found.start(), found.end()
        if start == end and start == previous_end:
            continue
        out.append(text[done:start])
        out.extend(
            piece if isinstance(piece, str) else found.group(piece) or "" for piece in pieces
        )
        done, previous_end = end, end
        count += 1
    out.append(text[done:])
    return "".join(out), count
