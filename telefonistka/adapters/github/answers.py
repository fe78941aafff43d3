"""Every answer GitHub gives a client, seen by the run's ``RequestCounter`` for metrics."""

from __future__ import annotations

from typing import Any

from telefonistka.core.github.api import RequestCounter


def observe_answers(requester: Any, counter: RequestCounter) -> None:
    """Let ``counter`` see every answer's status and headers (for the run's metrics).

    Why wrap ``requestJson``: ``requestJsonAndCheck`` returns only headers and data on
    success and raises on failure, so the status of an answer is lost above it; below it
    are PyGithub's connection handling (custom connections for absolute URLs, redirects),
    which we keep. ``requestJsonAndCheck`` calls ``self.requestJson``, so one wrapper on
    the instance sees every request this client sends, successes and failures alike.
    """
    send = requester.requestJson
    if getattr(send, "telefonistka_observed", False):
        return

    def request_json(*args: Any, **kwargs: Any) -> tuple[int, dict[str, Any], str]:
        # PyGithub calls requestJson(verb, url, parameters, headers, input, cnx, ...)
        verb, url = str(args[0]), str(args[1])
        body = args[4] if len(args) > 4 else kwargs.get("input")
        try:
            status, answer_headers, output = send(*args, **kwargs)
        except Exception:
            counter.observe(verb, url, None, {}, body)
            raise
        counter.observe(verb, url, status, answer_headers or {}, body)
        return status, answer_headers, output

    request_json.telefonistka_observed = True  # type: ignore[attr-defined]
    requester.requestJson = request_json
