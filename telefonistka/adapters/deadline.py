"""A total deadline for one outbound call, whatever the server does.

Why: ``requests`` and ``urllib`` time out per socket operation, not per call. A server
that trickles a byte every two seconds answers every read in time and keeps the step
alive without end; a silent one costs the read timeout on each retry. The call runs in a
daemon thread and is waited for at most ``seconds``: past that the caller gets
``DeadlineError`` and goes on, and the thread, still blocked in its socket, ends with
its own timeout or with the process (daemon threads do not hold the interpreter's exit).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class DeadlineError(TimeoutError):
    """The call did not finish within its deadline."""


def call_with_deadline(call: Callable[[], T], seconds: float) -> T:
    """``call()``'s result or exception, or ``DeadlineError`` after ``seconds``."""
    if seconds <= 0:
        raise DeadlineError("no time left")
    outcome: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as exc:
            failure.append(exc)

    worker = threading.Thread(target=run, name="deadline-call", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise DeadlineError(f"no answer within {seconds:g} s")
    if failure:
        raise failure[0]
    return outcome[0]
