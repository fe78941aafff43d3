"""The HTTP side of the emulator: routing, GitHub-style errors, headers, faults, latency, log.

A ``ThreadingHTTPServer`` on 127.0.0.1 answers the REST API under ``/api/v3``, GraphQL at
``/api/graphql`` and the control endpoints under ``/_emulator/``. Handlers run one at a
time under a lock (the state they share is small and git writes must not interleave);
injected latency is slept outside the lock, so slow requests overlap as they would on
GitHub.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .state import LogEntry

API_PREFIX = "/api/v3"
GRAPHQL_PATH = "/api/graphql"
CONTROL_PREFIX = "/_emulator"
DOCS = "https://docs.github.com/rest"
RATE_LIMIT = 5000
SECONDARY_RATE_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)


class ApiError(Exception):
    """An error answer in GitHub's shape: ``{"message", "documentation_url", "status"}``."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "documentation_url": DOCS}
        if self.errors is not None:
            body["errors"] = self.errors
        body["status"] = str(self.status)
        return body


def validation_failed(resource: str, field_name: str, code: str = "invalid") -> ApiError:
    error = {"resource": resource, "field": field_name, "code": code}
    return ApiError(422, "Validation Failed", [error])


@dataclass
class Request:
    method: str
    path: str  # below the API prefix, e.g. "/repos/o/r"
    query: dict[str, list[str]]
    body: Any
    params: dict[str, str]
    headers: dict[str, str]
    login: str

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def json_object(self) -> dict[str, Any]:
        if not isinstance(self.body, dict):
            raise ApiError(400, "Problems parsing JSON")
        return self.body


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    method: str
    template: str  # the OpenAPI path template
    pattern: re.Pattern[str]
    handler: Handler


_GREEDY = {"ref", "path", "basehead"}


def compile_template(template: str) -> re.Pattern[str]:
    def param(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"(?P<{name}>.+)" if name in _GREEDY else f"(?P<{name}>[^/]+)"

    return re.compile("^" + re.sub(r"\{(\w+)\}", param, template) + "$")


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self, method: str, template: str, handler: Handler, alias_of: str | None = None
    ) -> None:
        """Serve ``template``; an undocumented ``alias_of`` route is logged (and held to the
        schema) as the documented one."""
        pattern = compile_template(template)
        self.routes.append(Route(method, alias_of or template, pattern, handler))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The matching route with the most literal text (``/commits/{ref}/statuses``
        wins over ``/commits/{ref}``), and its path parameters."""
        found = [
            (route, match)
            for route in self.routes
            if route.method == method and (match := route.pattern.match(path))
        ]
        if not found:
            return None
        route, match = max(found, key=lambda pair: _literal_length(pair[0].pattern.pattern))
        return route, match.groupdict()


def _literal_length(pattern: str) -> int:
    return len(re.sub(r"\(\?P<\w+>[^)]*\)", "", pattern))


@dataclass
class Fault:
    """The next ``times`` requests matching ``method`` and ``path`` (a regex) misbehave.

    ``after``: the request is carried out first, then its answer is lost (the fault's
    status, or a dropped connection): a write that happened although the client never
    heard so, as when a proxy in front of GitHub answers 502.
    """

    path: str = ".*"
    method: str = "*"
    times: int = 1
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    drop: bool = False
    after: bool = False
    query: str = ""  # a regex the request body must match too: one GraphQL operation

    def matches(self, method: str, path: str, raw: bytes = b"") -> bool:
        method_ok = self.method in ("*", method)
        body_ok = not self.query or re.search(self.query, raw.decode("utf-8", "replace"))
        path_ok = re.search(self.path, path) is not None
        return self.times > 0 and method_ok and bool(body_ok) and path_ok

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        kind = data.get("kind")
        fault = cls(
            path=str(data.get("path", ".*")),
            method=str(data.get("method", "*")).upper(),
            times=int(data.get("times", 1)),
            status=int(data.get("status", 500)),
            headers={str(k): str(v) for k, v in dict(data.get("headers") or {}).items()},
            body=data.get("body"),
            drop=bool(data.get("drop", False)),
            after=bool(data.get("after", False)),
            query=str(data.get("query", "")),
        )
        if kind == "secondary_rate_limit":
            fault.status = 403
            fault.headers.setdefault("Retry-After", str(data.get("retry_after", 60)))
            fault.body = fault.body or {
                "message": SECONDARY_RATE_LIMIT_MESSAGE,
                "documentation_url": DOCS,
            }
        elif kind == "rate_limit":
            fault.status = 403
            fault.headers |= {"X-RateLimit-Remaining": "0", "X-RateLimit-Used": str(RATE_LIMIT)}
            fault.body = fault.body or {
                "message": "API rate limit exceeded for user.",
                "documentation_url": DOCS,
            }
        elif kind is not None and kind != "status":
            raise ApiError(422, f"unknown fault kind {kind!r}")
        return fault

    def summary(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "method": self.method,
            "times": self.times,
            "status": self.status,
            "headers": self.headers,
            "drop": self.drop,
            "after": self.after,
        }


@dataclass
class Latency:
    seconds: float = 0.0
    path: str = ".*"
    method: str = "*"

    def delay(self, method: str, path: str) -> float:
        if self.method not in ("*", method) or re.search(self.path, path) is None:
            return 0.0
        return self.seconds


class Dropped(Exception):  # noqa: N818 - a signal, not an error
    """The fault says: close the connection without answering."""


class Server:
    """HTTP plumbing around an application object that owns routes and state."""

    def __init__(self, app: Any, port: int = 0) -> None:
        self.app = app
        self.lock = threading.RLock()
        self.log: list[LogEntry] = []
        self.faults: list[Fault] = []
        self.latency = Latency()
        self.requests_made = 0
        self.points_used = 0  # GraphQL's own budget, in points
        # what a GraphQL request body costs (set by the emulator: GitHub's formula)
        self.graphql_points: Callable[[bytes], int] = lambda _raw: 1
        self.connections: set[socket.socket] = set()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), _make_handler(self))
        # not daemons: ``server_close`` joins every handler thread once ``stop`` has cut
        # their keep-alive connections
        self.httpd.daemon_threads = False
        self.httpd.block_on_close = True
        # A client that connects and hangs up before the accept leaves the listening
        # socket "readable" with nothing to accept: a blocking accept would then wait for
        # the next client forever, and ``stop`` with it. With a timeout it gives up.
        self.httpd.socket.settimeout(0.5)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="github-emulator"
        )
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting, cut open connections, and join every server thread."""
        if self._thread is not None:  # shutdown() waits for a loop that never ran
            self.httpd.shutdown()
        with self.lock:
            open_connections = list(self.connections)
        for connection in open_connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def take_fault(self, method: str, path: str, raw: bytes = b"") -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path, raw):
                    fault.times -= 1
                    return fault
        return None

    def rate_headers(self, *, count: bool = True, points: int | None = None) -> dict[str, str]:
        """GitHub's rate-limit headers: the REST count, or for a GraphQL request (with
        its ``points``) the separate GraphQL budget, as GitHub keeps the two apart."""
        with self.lock:
            if points is None:
                self.requests_made += int(count)
                used = min(self.requests_made, RATE_LIMIT)
            else:
                self.points_used += points
                used = min(self.points_used, RATE_LIMIT)
        reset = int(time.time()) // 3600 * 3600 + 3600
        return {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(RATE_LIMIT - used),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Reset": str(reset),
            "X-RateLimit-Resource": "core" if points is None else "graphql",
        }


def _make_handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class EmulatorHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "GitHub.com"

        def setup(self) -> None:
            super().setup()
            with server.lock:
                server.connections.add(self.connection)
            # one write per answer is not enough: without this, Nagle's algorithm and the
            # client's delayed ACK add 40 ms to every keep-alive request
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def finish(self) -> None:
            with server.lock:
                server.connections.discard(self.connection)
            with contextlib.suppress(OSError):
                super().finish()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the request log is the record."""

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def do_PATCH(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def _serve(self) -> None:
            started = time.time()
            raw = self._read_body()
            split = urlsplit(self.path)
            try:
                if split.path.startswith(CONTROL_PREFIX):
                    response = server.app.control(self.command, split.path, raw)
                    self._send(response, server.rate_headers(count=False))
                    return
                response, route, body, fault = self._answer(split.path, split.query, raw)
            except Dropped:
                # Log before hanging up: once the socket closes the client may
                # retry at once, and its retry must not be logged ahead of the drop.
                entry = LogEntry(self.command, self.path, None, 0, started, time.time() - started)
                with server.lock:
                    server.log.append(entry)
                self._drop()
                return
            entry = LogEntry(
                self.command,
                self.path,
                route,
                response.status,
                started,
                time.time() - started,
                body,
                response.body,
                fault,
            )
            with server.lock:
                server.log.append(entry)
            graphql = split.path.endswith("/graphql")
            spent = server.graphql_points(raw) if graphql else None
            self._send(response, server.rate_headers(points=spent))

        def _answer(
            self, path: str, query: str, raw: bytes
        ) -> tuple[Response, str | None, Any, bool]:
            delay = server.latency.delay(self.command, path)
            if delay > 0:
                time.sleep(delay)
            fault = server.take_fault(self.command, path, raw)
            body = _parse_json(raw)
            if fault is not None and not fault.after:
                if fault.drop:
                    raise Dropped
                return Response(fault.status, fault.body, dict(fault.headers)), None, body, True
            headers = {k.lower(): v for k, v in self.headers.items()}
            with server.lock:
                response, route = server.app.dispatch(self.command, path, query, raw, headers)
            if fault is not None:  # done, and now its answer is lost
                if fault.drop:
                    raise Dropped
                return Response(fault.status, fault.body, dict(fault.headers)), route, body, True
            return response, route, body, False

        def _read_body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, response: Response, rate: dict[str, str]) -> None:
            payload = b"" if response.body is None else json.dumps(response.body).encode()
            self.send_response(response.status)
            headers = rate | {
                "Content-Type": "application/json; charset=utf-8",
                "X-GitHub-Request-Id": uuid.uuid4().hex[:20].upper(),
                "X-GitHub-Media-Type": "github.v3; format=json",
            }
            headers |= response.headers
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload and self.command != "HEAD":
                self.wfile.write(payload)

        def _drop(self) -> None:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                return

    return EmulatorHandler


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def parse_query(query: str) -> dict[str, list[str]]:
    return parse_qs(query, keep_blank_values=True)
