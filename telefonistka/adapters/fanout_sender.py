"""POST one push payload to many endpoints at once, each on its own thread.

Fan-out is best effort, as in the Go original: every endpoint gets its own daemon thread
so a slow or dead one never delays the others, and the caller waits at most
``SendPolicy.deadline`` (about ``timeout * attempts``) before reporting whatever is
still running as failed. We use plain threads rather than a ``ThreadPoolExecutor``:
the pool's workers are joined at interpreter exit, so an endpoint trickling its answer
byte by byte could hold the job open past the deadline; daemon threads cannot.

Per endpoint: the original body bytes, a per-attempt timeout, and retries with
exponential backoff when nothing was delivered (connection refused or reset, connect
timeout) or the endpoint answered 5xx. A 4xx, a redirect (not followed: a POST must not
turn into a GET) and a timeout waiting for the answer (the endpoint has the payload and
is just slow; sending again would only pile up) are final. Proxies from the usual
``https_proxy``/``no_proxy`` variables are honoured, through ``urllib``.
"""

from __future__ import annotations

import http.client
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from functools import partial
from urllib.parse import urlsplit

from telefonistka.core.fanout import ALLOWED_SCHEMES, EndpointResult

_RESPONSE_READ_LIMIT = 64 * 1024  # answers are read (to free the connection), never used
_GRACE_SECONDS = 0.25  # lets a worker that just finished at the deadline report in


@dataclass(frozen=True)
class SendPolicy:
    """How hard to try each endpoint; ``verify_tls=False`` is ``whProxtSkipTLSVerifyUpstream``."""

    timeout: float = 10.0
    retries: int = 2
    backoff: float = 0.5
    verify_tls: bool = True

    @property
    def attempts(self) -> int:
        """Requests at most per endpoint: the first one plus the retries."""
        return self.retries + 1

    @property
    def deadline(self) -> float:
        """Seconds the whole fan-out may take: every attempt timing out, plus the backoffs."""
        backoffs = sum(self.backoff_before(n) for n in range(2, self.attempts + 1))
        return self.timeout * self.attempts + backoffs

    def backoff_before(self, attempt: int) -> float:
        """The pause before attempt ``attempt`` (2, 3, …): ``backoff``, doubling each time."""
        return float(self.backoff * 2 ** (attempt - 2))


@dataclass(frozen=True)
class _Outcome:
    """One attempt: the status or error, and whether trying again could help."""

    status: int | None
    error: str | None = None
    retryable: bool = False


@dataclass
class FanoutSender:
    """Delivers one body with fixed headers to many URLs concurrently."""

    policy: SendPolicy = field(default_factory=SendPolicy)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def send_all(
        self, urls: Sequence[str], body: bytes, headers: Mapping[str, str]
    ) -> list[EndpointResult]:
        """One result per URL, in the order given, within about ``policy.deadline``."""
        deadline_at = self.clock() + self.policy.deadline
        opener = build_opener(verify_tls=self.policy.verify_tls)
        futures = [
            _in_thread(url, partial(self.deliver, url, opener, body, headers, deadline_at))
            for url in urls
        ]
        wait(futures, timeout=self.policy.deadline + _GRACE_SECONDS)
        return [_result_of(url, fut, self.policy) for url, fut in zip(urls, futures, strict=True)]

    def deliver(
        self,
        url: str,
        opener: urllib.request.OpenerDirector,
        body: bytes,
        headers: Mapping[str, str],
        deadline_at: float,
    ) -> EndpointResult:
        """POST to one URL, retrying per the policy while the deadline allows."""
        started = self.clock()
        attempt = 1
        while True:
            timeout = min(self.policy.timeout, max(deadline_at - self.clock(), 0.01))
            outcome = post_once(opener, url, body, headers, timeout)
            pause = self.policy.backoff_before(attempt + 1)
            if not self._retry(outcome, attempt, pause, deadline_at):
                elapsed = self.clock() - started
                return EndpointResult(url, outcome.status, outcome.error, attempt, elapsed)
            self.sleep(pause)
            attempt += 1

    def _retry(self, outcome: _Outcome, attempt: int, pause: float, deadline_at: float) -> bool:
        """Try again when it may help, attempts remain, and the pause fits the deadline."""
        return (
            outcome.retryable
            and attempt < self.policy.attempts
            and self.clock() + pause < deadline_at
        )


def _in_thread(url: str, work: Callable[[], EndpointResult]) -> Future[EndpointResult]:
    """Run ``work`` on a daemon thread of its own; the future carries its result."""
    future: Future[EndpointResult] = Future()

    def run() -> None:
        try:
            future.set_result(work())
        except Exception as exc:  # reported as this endpoint's failure, never lost
            future.set_exception(exc)

    threading.Thread(target=run, name=f"fanout {url}", daemon=True).start()
    return future


def post_once(
    opener: urllib.request.OpenerDirector,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    timeout: float,
) -> _Outcome:
    """One POST; every failure becomes an ``_Outcome`` saying whether a retry may help."""
    if urlsplit(url).scheme not in ALLOWED_SCHEMES:
        return _Outcome(None, "not an http or https URL; refused")
    # S310: the scheme was just checked, so urllib cannot be pointed at file: or ftp:.
    request = urllib.request.Request(url, body, dict(headers), method="POST")  # noqa: S310
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read(_RESPONSE_READ_LIMIT)
            return _Outcome(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return _http_error(exc)
    except urllib.error.URLError as exc:  # before the request was sent: nothing delivered
        return _connection_error(exc.reason)
    except TimeoutError:
        return _Outcome(None, f"no answer within {timeout:.2f}s (timed out)")
    except (OSError, http.client.HTTPException) as exc:
        return _Outcome(None, f"connection lost before an answer: {_text(exc)}", retryable=True)


def _http_error(exc: urllib.error.HTTPError) -> _Outcome:
    """Non-2xx answers: 5xx may pass, 4xx will not, and redirects are never followed."""
    status = exc.code
    if 300 <= status < 400:
        target = exc.headers.get("Location", "?")
        return _Outcome(status, f"HTTP {status} redirect to {target} not followed; use that URL")
    return _Outcome(status, f"HTTP {status} {exc.reason}".rstrip(), retryable=status >= 500)


def _connection_error(reason: object) -> _Outcome:
    """Failures before the request went out; a rejected certificate will not get better."""
    if isinstance(reason, ssl.SSLCertVerificationError):
        hint = "set whProxtSkipTLSVerifyUpstream only for endpoints you trust"
        return _Outcome(None, f"TLS certificate rejected: {reason.verify_message}; {hint}")
    if isinstance(reason, TimeoutError):
        return _Outcome(None, "connection timed out", retryable=True)
    return _Outcome(None, f"connection failed: {_text(reason)}", retryable=True)


def _text(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def _result_of(url: str, future: Future[EndpointResult], policy: SendPolicy) -> EndpointResult:
    """The worker's result; a worker still running at the deadline counts as failed."""
    if not future.done():
        return EndpointResult(url, None, "gave up at the fan-out deadline", 0, policy.deadline)
    if (exc := future.exception()) is not None:
        return EndpointResult(url, None, f"internal error: {exc!r}", 1, 0.0)
    return future.result()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects surface as ``HTTPError``: following one would re-send a POST as a GET."""

    def redirect_request(self, *_args: object, **_kwargs: object) -> None:
        return None


def build_opener(*, verify_tls: bool) -> urllib.request.OpenerDirector:
    """A urllib opener with our TLS choice, no redirects, and environment proxies."""
    context = ssl.create_default_context()
    if not verify_tls:
        # whProxtSkipTLSVerifyUpstream: the repo owner opted out (in-cluster endpoints
        # with private certificates); the Go original does the same.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirects())
