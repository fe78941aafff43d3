"""One guard on everything the command line writes: no workflow command gets through.

The CLI runs in workflow steps too (``telefonistka plan`` in CI, ``drift --exit-code``),
where the runner obeys commands in any line of stdout and stderr. Calling ``inert`` at
each ``print`` is a rule one new line of code can forget; wrapping the two streams once
for the whole run is not. ``main`` installs ``guarded`` around a command.

The wrapper works line by line: text is held until a line ends (``\\n`` or ``\\r``) or
the stream is flushed, and a line written in parts is guarded as the whole it becomes
(``inert`` only ever inserts after a character, so what went out stays a prefix of the
guarded whole), so a ``::`` split over two writes is still seen. JSON is
written already made inert by ``inert_json`` (its data kept exact), which this guard
then leaves as it is.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

from telefonistka.core.text.log_text import inert, inert_json

_ENDS = ("\n", "\r")


class GuardedStream:
    """A text stream that writes ``inert`` lines to the stream it wraps; every other
    attribute (``isatty``, ``fileno``, ``encoding``) is the wrapped stream's."""

    def __init__(self, wrapped: TextIO) -> None:
        self._wrapped = wrapped
        self._pending = ""  # held: not yet written
        self._line = ""  # the current line's text already written (before ``inert``)

    def write(self, text: str) -> int:
        self._pending += text
        cut = max(self._pending.rfind(end) for end in _ENDS) + 1
        if cut:
            ready, self._pending = self._pending[:cut], self._pending[cut:]
            self._emit(ready)
            self._line = ""
        return len(text)

    def flush(self) -> None:
        if self._pending:
            ready, self._pending = self._pending, ""
            self._emit(ready)
            self._line += ready
        self._wrapped.flush()

    def write_command(self, line: str) -> None:
        """One workflow command the CLI means to give (``validate --format github``), its
        data escaped by the caller: written as it is, on a line of its own."""
        self.flush()
        if self._line:
            self._wrapped.write("\n")
            self._line = ""
        self._wrapped.write(f"{line}\n")

    def _emit(self, ready: str) -> None:
        """Write ``ready``, which continues the current line, guarded as that whole."""
        done = len(inert(self._line))
        self._wrapped.write(inert(self._line + ready)[done:])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)


def write_command(line: str, stream: TextIO) -> None:
    """Give workflow command ``line`` on ``stream``, past the guard when there is one."""
    if isinstance(stream, GuardedStream):
        stream.write_command(line)
    else:
        print(line, file=stream)


def json_text(value: object, *, ensure_ascii: bool = False) -> str:
    """``value`` as indented JSON that passes the guard unchanged, its data exact."""
    return inert_json(json.dumps(value, indent=2, ensure_ascii=ensure_ascii))


@contextmanager
def guarded() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` guarded for the duration; what is still held
    is flushed on the way out (a closed pipe then raises, for ``main`` to handle)."""
    streams = sys.stdout, sys.stderr
    out, err = GuardedStream(sys.stdout), GuardedStream(sys.stderr)
    sys.stdout, sys.stderr = out, err
    try:
        yield
    finally:
        sys.stdout, sys.stderr = streams
        try:
            out.flush()
        finally:
            err.flush()
