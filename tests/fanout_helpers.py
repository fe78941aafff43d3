"""Real HTTP receivers on 127.0.0.1 and push payloads built from recorded ones.

A ``Receiver`` is a ``ThreadingHTTPServer`` on port 0 that records every request (path,
headers, exact body bytes) and answers from a script: a list of statuses (the last one
repeats) and an optional delay before answering. It checks signatures the way GitHub
receivers do: HMAC-SHA256 of the raw body with the shared secret, compared with
``hmac.compare_digest`` against ``X-Hub-Signature-256``.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "pushes"
SECRET = "It's a Secret to Everybody"
SHA_BEFORE = "a" * 40
SHA_AFTER = "b" * 40
HANG_UP = 0  # a "status" that closes the connection without answering


def recorded_push(name: str) -> dict[str, Any]:
    """A vendored GitHub push payload (``branch_created``, ``tag_created``, ``tag_deleted``)."""
    loaded: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def push_payload(files_per_commit: Sequence[Sequence[str]], **fields: Any) -> dict[str, Any]:
    """The recorded default-branch push, updated to carry one commit per list of files.

    Each commit lists its files as ``modified``; ``fields`` override top-level keys.
    """
    payload = recorded_push("branch_created")
    template = payload["commits"][0]
    payload["commits"] = [
        copy.deepcopy(template)
        | {"id": f"{i:040x}", "added": [], "removed": [], "modified": list(f)}
        for i, f in enumerate(files_per_commit)
    ]
    return payload | {"created": False, "before": SHA_BEFORE, "after": SHA_AFTER} | fields


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """What a GitHub receiver does (e.g. Argo CD through go-playground/webhooks)."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return header is not None and hmac.compare_digest(expected, header)


@dataclass
class Request:
    """One request a receiver saw."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """Header lookup, case-insensitive as HTTP says."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class _QuietServer(ThreadingHTTPServer):
    """Writing to a client that already gave up (the hanging receiver) is expected."""

    def handle_error(self, *_args: object) -> None:
        return


@dataclass
class Receiver:
    """A scripted webhook receiver on a real socket (``HANG_UP`` closes without answering)."""

    statuses: Sequence[int] = (200,)
    delay: float = 0.0
    requests: list[Request] = field(default_factory=list)
    _release: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/webhook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                index = len(receiver.requests)
                receiver.requests.append(
                    Request("POST", self.path, dict(self.headers.items()), body)
                )
                if receiver.delay:
                    receiver._release.wait(receiver.delay)
                status = receiver.statuses[min(index, len(receiver.statuses) - 1)]
                if status == HANG_UP:
                    self.close_connection = True
                    return
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: object) -> None:
                return

        server = _QuietServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@contextmanager
def receivers(*scripts: Receiver) -> Iterator[list[Receiver]]:
    """Start every receiver, yield them, stop them all (even a hanging one) afterwards."""
    with ExitStack() as stack:
        for receiver in scripts:
            receiver.start()
            stack.callback(receiver.stop)
        yield list(scripts)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api/webhook"
