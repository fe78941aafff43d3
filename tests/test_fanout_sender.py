"""The fan-out sender against real HTTP receivers on 127.0.0.1, several at once."""

from __future__ import annotations

import http.server
import shutil
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fanout_helpers import HANG_UP, SECRET, Receiver, closed_port_url, receivers, signature_ok

from telefonistka.adapters.fanout_sender import FanoutSender, SendPolicy
from telefonistka.core.fanout import webhook_headers

BODY = b'{"ref":"refs/heads/main","after":"b","commits":[]}  \n'  # odd bytes on purpose
TIMEOUT = 0.4
FAST = SendPolicy(timeout=TIMEOUT, retries=2, backoff=0.05)


def headers(secret: str | None = SECRET) -> dict[str, str]:
    return webhook_headers(
        BODY, delivery_id="delivery-1", user_agent="telefonistka/t", secret=secret
    )


def test_every_receiver_gets_the_exact_bytes_and_a_valid_signature() -> None:
    with receivers(Receiver(), Receiver(), Receiver()) as rs:
        results = FanoutSender(FAST).send_all([r.url for r in rs], BODY, headers())

    assert [(r.url, r.status, r.error, r.attempts) for r in results] == [
        (r.url, 200, None, 1) for r in rs
    ]
    for receiver in rs:
        (request,) = receiver.requests
        assert request.method == "POST"
        assert request.path == "/api/webhook"
        assert request.body == BODY
        assert signature_ok(SECRET, request.body, request.header("X-Hub-Signature-256"))
        assert not signature_ok("wrong secret", request.body, request.header("X-Hub-Signature-256"))
        assert request.header("Content-Type") == "application/json"
        assert request.header("X-GitHub-Event") == "push"
        assert request.header("X-GitHub-Delivery") == "delivery-1"
        assert request.header("User-Agent") == "telefonistka/t"
        assert request.header("Content-Length") == str(len(BODY))


def test_without_a_secret_nothing_is_signed() -> None:
    with receivers(Receiver()) as (receiver,):
        FanoutSender(FAST).send_all([receiver.url], BODY, headers(secret=None))

    assert receiver.requests[0].header("X-Hub-Signature-256") is None
    assert receiver.requests[0].header("X-Hub-Signature") is None


def test_a_5xx_is_retried_until_it_passes() -> None:
    with receivers(Receiver(statuses=(500, 200))) as (receiver,):
        (result,) = FanoutSender(FAST).send_all([receiver.url], BODY, headers())

    assert (result.status, result.error, result.attempts, result.ok) == (200, None, 2, True)
    assert [r.body for r in receiver.requests] == [BODY, BODY]


def test_a_persistent_5xx_uses_every_attempt_and_fails() -> None:
    with receivers(Receiver(statuses=(503,))) as (receiver,):
        (result,) = FanoutSender(FAST).send_all([receiver.url], BODY, headers())

    assert (result.status, result.attempts, result.ok) == (503, 3, False)
    assert result.error == "HTTP 503 Service Unavailable"
    assert len(receiver.requests) == 3


def test_a_connection_closed_without_an_answer_is_retried() -> None:
    with receivers(Receiver(statuses=(HANG_UP, 200))) as (receiver,):
        (result,) = FanoutSender(FAST).send_all([receiver.url], BODY, headers())

    assert (result.status, result.attempts, result.ok) == (200, 2, True)
    assert len(receiver.requests) == 2


def test_an_unexpected_error_is_that_endpoints_failure_only() -> None:
    bad = headers() | {"X-Broken": "line\nbreak"}  # http.client refuses this header value
    with receivers(Receiver()) as (receiver,):
        (result,) = FanoutSender(FAST).send_all([receiver.url], BODY, bad)

    assert not result.ok
    assert result.error is not None
    assert result.error.startswith("internal error: ValueError")
    assert receiver.requests == []


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_a_4xx_is_not_retried(status: int) -> None:
    with receivers(Receiver(statuses=(status, 200))) as (receiver,):
        (result,) = FanoutSender(FAST).send_all([receiver.url], BODY, headers())

    assert (result.status, result.attempts, result.ok) == (status, 1, False)
    assert len(receiver.requests) == 1


def test_a_redirect_is_reported_not_followed() -> None:
    with receivers(Receiver(statuses=(302,))) as (receiver,):
        (result,) = FanoutSender(FAST).send_all([receiver.url], BODY, headers())

    assert (result.status, result.attempts, result.ok) == (302, 1, False)
    assert result.error is not None
    assert "redirect to http://127.0.0.1:1/elsewhere not followed" in result.error


def test_a_refused_connection_is_retried_with_backoff_then_reported() -> None:
    url = closed_port_url()

    (result,) = FanoutSender(FAST).send_all([url], BODY, headers())

    assert (result.status, result.attempts, result.ok) == (None, 3, False)
    assert result.error is not None
    assert result.error.startswith("connection failed")
    assert result.seconds >= 0.05 + 0.1  # the two backoff pauses


def test_a_receiver_slower_than_the_timeout_fails_once_without_holding_the_others() -> None:
    with receivers(Receiver(delay=10 * TIMEOUT), Receiver(), Receiver(statuses=(500, 200))) as rs:
        slow, fast, flaky = FanoutSender(FAST).send_all([r.url for r in rs], BODY, headers())

    assert (slow.ok, slow.attempts, slow.status) == (False, 1, None)
    assert slow.error == f"no answer within {TIMEOUT:.2f}s (timed out)"
    assert len(rs[0].requests) == 1  # the slow one has the payload: no pile-up of retries
    assert (fast.ok, fast.attempts) == (True, 1)
    assert fast.seconds < TIMEOUT
    assert (flaky.ok, flaky.attempts) == (True, 2)


def test_ten_receivers_one_hangs_nine_get_the_signed_payload() -> None:
    """The acceptance case of issue 7, at the adapter level."""
    scripts = [Receiver() for _ in range(9)]
    scripts.insert(4, Receiver(delay=30.0))  # hangs far beyond every timeout
    with receivers(*scripts) as rs:
        started = time.monotonic()
        results = FanoutSender(FAST).send_all([r.url for r in rs], BODY, headers())
        elapsed = time.monotonic() - started

    hung, healthy = results[4], results[:4] + results[5:]
    assert not hung.ok
    assert hung.error is not None
    assert "timed out" in hung.error
    assert all(r.ok and r.attempts == 1 for r in healthy)
    for receiver in rs[:4] + rs[5:]:
        (request,) = receiver.requests
        assert request.body == BODY
        assert signature_ok(SECRET, request.body, request.header("X-Hub-Signature-256"))
    assert elapsed < 5 * TIMEOUT


def test_a_worker_still_running_at_the_deadline_is_reported_failed() -> None:
    """A receiver that trickles its answer defeats socket timeouts; the deadline does not."""
    release = threading.Event()

    class Trickle(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            while not release.wait(0.1):  # a header byte every 0.1 s, never the end
                self.wfile.write(b"X")
                self.wfile.flush()

        def log_message(self, *_args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        policy = SendPolicy(timeout=0.3, retries=0)
        started = time.monotonic()
        (result,) = FanoutSender(policy).send_all([url], BODY, headers())
        elapsed = time.monotonic() - started
    finally:
        release.set()
        server.shutdown()
        server.server_close()

    assert (result.ok, result.error) == (False, "gave up at the fan-out deadline")
    assert elapsed < 5 * 0.3


def test_the_deadline_covers_every_attempt_and_backoff() -> None:
    policy = SendPolicy(timeout=2.0, retries=3, backoff=0.5)

    assert policy.attempts == 4
    assert [policy.backoff_before(n) for n in (2, 3, 4)] == [0.5, 1.0, 2.0]
    assert policy.deadline == 4 * 2.0 + 3.5


def test_no_retry_starts_once_the_deadline_has_passed() -> None:
    ticks = iter([0.0, 0.0, 0.0, 100.0])  # start, worker start, first attempt, after it
    sender = FanoutSender(FAST, clock=lambda: next(ticks, 100.0))

    (result,) = sender.send_all([closed_port_url()], BODY, headers())

    assert result.attempts == 1
    assert result.error is not None
    assert result.error.startswith("connection failed")


def test_a_url_that_is_not_http_is_refused_without_a_request() -> None:
    (result,) = FanoutSender(FAST).send_all(["file:///etc/passwd"], BODY, headers())

    assert (result.ok, result.error, result.attempts) == (
        False,
        "not an http or https URL; refused",
        1,
    )


# --- TLS ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1 (needs the openssl CLI)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def https_receiver(self_signed: tuple[Path, Path]) -> Iterator[Receiver]:
    receiver = Receiver().start()
    assert receiver._server is not None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*self_signed)
    receiver._server.socket = context.wrap_socket(receiver._server.socket, server_side=True)
    yield receiver
    receiver.stop()


def test_tls_certificates_are_verified_by_default(https_receiver: Receiver) -> None:
    url = https_receiver.url.replace("http://", "https://")

    (result,) = FanoutSender(FAST).send_all([url], BODY, headers())

    assert (result.ok, result.attempts) == (False, 1)  # a bad certificate is not retried
    assert result.error is not None
    assert result.error.startswith("TLS certificate rejected")
    assert "whProxtSkipTLSVerifyUpstream" in result.error
    assert https_receiver.requests == []


def test_skip_tls_verify_reaches_a_self_signed_endpoint(https_receiver: Receiver) -> None:
    url = https_receiver.url.replace("http://", "https://")
    policy = SendPolicy(timeout=TIMEOUT, retries=0, verify_tls=False)

    (result,) = FanoutSender(policy).send_all([url], BODY, headers())

    assert (result.ok, result.status) == (True, 200)
    assert https_receiver.requests[0].body == BODY
