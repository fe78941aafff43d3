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
from collections.abc import Mapping
from typing import Any, Protocol

import re2


class RegexMatch(Protocol):
    """What the core reads of a match."""

    @property
    def re(self) -> Regex: ...

    def group(self, index: int | str = 0, /) -> str | None: ...

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


class _Re2Match:
    """An RE2 match with ``re``'s ``str`` interface: groups decoded, offsets in characters."""

    __slots__ = ("_found", "_raw", "re")

    def __init__(self, found: Any, regex: _Re2Regex, raw: bytes) -> None:
        self._found, self.re, self._raw = found, regex, raw

    def group(self, index: int | str = 0, /) -> str | None:
        key = index if isinstance(index, int) else _encode(index)
        return _decode(self._found.group(key))

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
