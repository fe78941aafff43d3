"""An Argo CD API server stand-in on 127.0.0.1, held to Argo CD's own API description.

What the bot uses of Argo CD's REST API (``/api/v1/…``), answered from plain state:
applications (from fixtures, or added by a test), their live objects and health and sync
status, and manifests rendered for any revision from the same real git repositories the
GitHub emulator serves (``render.py``: plain YAML folders, Kustomize through the real
``kubectl kustomize``). A bearer token is required (401 without one, as Argo CD answers);
``deny`` makes a token lack a permission (403, with Argo CD's wording). Faults and
latency work like the GitHub emulator's. Every exchange is logged, and ``problems()``
holds each response body to the vendored description (``scripts/vendor_argocd_api.py``).
"""

from __future__ import annotations

import gzip
import json
import re
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from jsonschema import Draft4Validator

from .render import RenderError, render, resolve

SPEC = Path(__file__).resolve().parent.parent / "fixtures" / "argocd" / "argocd-api-trimmed.json.gz"
NAME = r"(?P<name>[^/]+)"
ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", "/api/v1/applications", "list_apps"),
    ("GET", rf"/api/v1/applications/{NAME}/managed-resources", "managed_resources"),
    ("GET", rf"/api/v1/applications/{NAME}/manifests", "manifests"),
    ("GET", rf"/api/v1/applications/{NAME}", "get_app"),
    ("GET", "/api/v1/session/userinfo", "userinfo"),
    ("GET", "/api/v1/applicationsets", "list_appsets"),
    ("POST", "/api/v1/applications", "create_app"),
    ("DELETE", rf"/api/v1/applications/{NAME}", "delete_app"),
    ("PATCH", rf"/api/v1/applications/{NAME}", "patch_app"),
)
TEMPLATES = {
    "list_apps": "/api/v1/applications",
    "managed_resources": "/api/v1/applications/{applicationName}/managed-resources",
    "manifests": "/api/v1/applications/{name}/manifests",
    "get_app": "/api/v1/applications/{name}",
    "userinfo": "/api/v1/session/userinfo",
    "list_appsets": "/api/v1/applicationsets",
    "create_app": "/api/v1/applications",
    "delete_app": "/api/v1/applications/{name}",
    "patch_app": "/api/v1/applications/{name}",
}
ACTIONS = {
    "list_apps": "get",
    "managed_resources": "get",
    "manifests": "get",
    "get_app": "get",
    "create_app": "create",
    "delete_app": "delete",
    "patch_app": "update",
}


class ApiError(Exception):
    """An error answer, in Argo CD's ``runtimeError`` shape (gRPC code and message)."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "code": self.code, "message": self.message}


@dataclass
class App:
    """One Argo CD application: its spec, its live objects and their health."""

    name: str
    repo_url: str
    path: str
    target_revision: str = "HEAD"
    project: str = "default"
    namespace: str = "default"
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    live: list[dict[str, Any]] = field(default_factory=list)
    health: str = "Healthy"
    sync: str = "Synced"
    auto_sync: bool = True
    ignore_differences: list[dict[str, Any]] = field(default_factory=list)
    # The commit Argo CD last compared the app at (``status.sync.revision``); None: its
    # target revision resolved at each read (an Argo CD that refreshes at once). A test
    # sets an older commit for an Argo CD that has not caught up yet.
    synced_revision: str | None = None

    def to_json(self, revision: str = "") -> dict[str, Any]:
        policy: dict[str, Any] = (
            {"automated": {"prune": True, "selfHeal": True}} if self.auto_sync else {}
        )
        return {
            "metadata": {
                "name": self.name,
                "namespace": "argocd",
                "labels": dict(self.labels),
                "annotations": dict(self.annotations),
            },
            "spec": {
                "project": self.project,
                "source": {
                    "repoURL": self.repo_url,
                    "path": self.path,
                    "targetRevision": self.target_revision,
                },
                "destination": {
                    "server": "https://kubernetes.default.svc",
                    "namespace": self.namespace,
                },
                "syncPolicy": policy,
                "ignoreDifferences": list(self.ignore_differences),
            },
            "status": {
                "health": {"status": self.health},
                "sync": {"status": self.sync} | ({"revision": revision} if revision else {}),
            },
        }


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    route: str | None
    status: int
    body: Any
    request: Any = None


@dataclass
class Fault:
    path: str
    method: str = "*"
    status: int = 503
    times: int = 1
    echo_headers: bool = False  # a careless proxy: the request's headers in the error text
    raw: bytes | None = None  # answer these bytes instead (an HTML page, broken JSON)
    content_type: str = "application/json"


@dataclass(frozen=True)
class RawBody:
    """An answer that is not Argo CD's JSON: sent byte for byte, never held to the API."""

    data: bytes
    content_type: str


class ArgoCdEmulator:
    """Start with ``with ArgoCdEmulator(repos) as argocd:``; ``argocd.url`` is the server.

    ``repos`` maps an application's ``repoURL`` to the bare git repository it names.
    """

    def __init__(
        self,
        repos: Mapping[str, Path],
        token: str = "argocd-token",  # noqa: S107
        tls: tuple[Path, Path] | None = None,
    ) -> None:
        self.repos = dict(repos)
        self.token = token
        self.apps: dict[str, App] = {}
        self.appsets: list[dict[str, Any]] = []  # ApplicationSet objects, as Argo CD lists them
        self.deleted: list[tuple[str, str]] = []  # (app, cascade) of every deletion
        self.patches: list[tuple[str, str]] = []  # (app, targetRevision) of every patch
        self.denied: set[tuple[str, str]] = set()  # (action, app name)
        self.log: list[Exchange] = []
        self.faults: list[Fault] = []
        self.lost: list[Fault] = []  # requests done whose answer never reaches the client
        self.latency = 0.0
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._scheme = "http"
        if tls is not None:  # (certificate, key) PEM files: HTTPS, as Argo CD serves
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"
        # a client gone before the accept must not leave the loop in a blocking accept
        self._server.socket.settimeout(0.5)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ArgoCdEmulator:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add(self, app: App) -> App:
        self.apps[app.name] = app
        return app

    def deny(self, action: str, app: str) -> None:
        self.denied.add((action, app))

    def add_fault(
        self,
        path: str,
        method: str = "*",
        status: int = 503,
        times: int = 1,
        *,
        echo_headers: bool = False,
        raw: bytes | None = None,
        content_type: str = "application/json",
    ) -> None:
        self.faults.append(Fault(path, method, status, times, echo_headers, raw, content_type))

    def lose_answer(self, path: str, method: str = "*", times: int = 1) -> None:
        """Carry out the next ``times`` matching requests, then drop the connection without
        an answer, as a proxy or a network cut does: the write happened, the client never
        hears of it."""
        self.lost.append(Fault(path, method, 0, times))

    def take_lost(self, method: str, path: str) -> bool:
        with self.lock:
            for rule in self.lost:
                if rule.times > 0 and rule.method in ("*", method) and re.search(rule.path, path):
                    rule.times -= 1
                    return True
        return False

    # --- answering --------------------------------------------------------------------

    def answer(
        self, method: str, target: str, headers: Mapping[str, str], body: Any = None
    ) -> tuple[int, Any, str | None]:
        parts = urlsplit(target)
        path, query = unquote(parts.path), parse_qs(parts.query)
        if self.latency:
            time.sleep(self.latency)
        fault = self._take_fault(method, path)
        if fault is not None and fault.raw is not None:
            return fault.status, RawBody(fault.raw, fault.content_type), None
        if fault is not None:
            message = f"unavailable; request headers: {dict(headers)}" if fault.echo_headers else ""
            return fault.status, ApiError(fault.status, 14, message or "unavailable").body(), None
        for verb, pattern, handler in ROUTES:
            found = re.fullmatch(pattern, path)
            if verb == method and found:
                try:
                    self._authorize(headers, handler, found.groupdict().get("name", "*"))
                    if body is not None:
                        query = {**query, "_body": [body]}
                    return (
                        200,
                        getattr(self, handler)(query, **found.groupdict()),
                        TEMPLATES[handler],
                    )
                except ApiError as exc:
                    return exc.status, exc.body(), TEMPLATES[handler]
        return 404, ApiError(404, 5, f"Not Found: {method} {path}").body(), None

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if (
                    fault.times > 0
                    and fault.method in ("*", method)
                    and re.search(fault.path, path)
                ):
                    fault.times -= 1
                    return fault
        return None

    def _authorize(self, headers: Mapping[str, str], handler: str, app: str) -> None:
        if headers.get("authorization", "") != f"Bearer {self.token}":
            raise ApiError(401, 16, "invalid session: token signature is invalid")
        action = ACTIONS.get(handler)
        if action is not None and ((action, app) in self.denied or (action, "*") in self.denied):
            raise ApiError(
                403,
                7,
                f"permission denied: applications, {action}, default/{app}, sub: telefonistka",
            )

    def _app(self, name: str) -> App:
        app = self.apps.get(name)
        if app is None:
            raise ApiError(404, 5, f'applications.argoproj.io "{name}" not found')
        return app

    def list_apps(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        apps = list(self.apps.values())
        for selector in query.get("selector", []):
            apps = [app for app in apps if _selects(selector, app.labels)]
        return {"items": [self._shown(app) for app in apps], "metadata": {}}

    def get_app(self, query: Mapping[str, list[str]], name: str) -> dict[str, Any]:
        del query
        return self._shown(self._app(name))

    def _shown(self, app: App) -> dict[str, Any]:
        """The app as Argo CD shows it, with the commit its sync status is about."""
        revision = app.synced_revision
        git_dir = self.repos.get(app.repo_url)
        if revision is None and git_dir is not None:
            revision = resolve(git_dir, app.target_revision)
        return app.to_json(revision or "")

    def managed_resources(self, query: Mapping[str, list[str]], name: str) -> dict[str, Any]:
        del query
        app = self._app(name)
        items = []
        for obj in app.live:
            api = str(obj.get("apiVersion", ""))
            metadata = obj.get("metadata") or {}
            state = json.dumps(_redacted(obj))
            items.append(
                {
                    "group": api.rpartition("/")[0] if "/" in api else "",
                    "kind": obj.get("kind", ""),
                    "namespace": metadata.get("namespace", ""),
                    "name": metadata.get("name", ""),
                    "liveState": state,
                    "normalizedLiveState": state,
                }
            )
        return {"items": items}

    def manifests(self, query: Mapping[str, list[str]], name: str) -> dict[str, Any]:
        app = self._app(name)
        revision = (query.get("revision") or [app.target_revision])[0]
        git_dir = self.repos.get(app.repo_url)
        if git_dir is None:
            raise ApiError(500, 2, f"repository not found: {app.repo_url}")
        try:
            objects = render(git_dir, revision, app.path)
        except RenderError as exc:
            raise ApiError(500, 2, f"rpc error: code = Unknown desc = {exc}") from exc
        return {"manifests": [json.dumps(_redacted(o)) for o in objects], "revision": revision}

    def list_appsets(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        del query
        return {"items": list(self.appsets), "metadata": {}}

    def create_app(self, query: Mapping[str, Any]) -> dict[str, Any]:
        """A new app from its JSON; an existing name is refused unless ``upsert=true``."""
        data = (query.get("_body") or [{}])[0] or {}
        name = str((data.get("metadata") or {}).get("name") or "")
        if not name:
            raise ApiError(400, 3, "application name is required")
        if name in self.apps and query.get("upsert") != ["true"]:
            message = "existing application spec is different, use upsert flag to force update"
            raise ApiError(400, 3, message)
        source = (data.get("spec") or {}).get("source") or {}
        policy = (data.get("spec") or {}).get("syncPolicy") or {}
        app = App(
            name,
            str(source.get("repoURL") or ""),
            str(source.get("path") or ""),
            str(source.get("targetRevision") or "HEAD"),
            auto_sync=bool(policy.get("automated")),
            health="Missing",
            sync="OutOfSync",
        )
        return self.add(app).to_json()

    def patch_app(self, query: Mapping[str, Any], name: str) -> dict[str, Any]:
        """A merge patch of the app; only ``spec.source.targetRevision`` is modelled, and a
        patch touching anything else is refused (the bot must change nothing else)."""
        app = self._app(name)
        request = (query.get("_body") or [{}])[0] or {}
        if request.get("patchType") != "merge":
            raise ApiError(400, 3, f"unsupported patch type {request.get('patchType')!r}")
        patch = json.loads(request.get("patch") or "{}")
        revision = ((patch.get("spec") or {}).get("source") or {}).get("targetRevision")
        if patch != {"spec": {"source": {"targetRevision": revision}}} or not revision:
            raise ApiError(400, 3, f"the emulator models targetRevision patches only: {patch}")
        app.target_revision = str(revision)
        self.patches.append((name, app.target_revision))
        return app.to_json()

    def delete_app(self, query: Mapping[str, list[str]], name: str) -> dict[str, Any]:
        self._app(name)
        cascade = (query.get("cascade") or ["true"])[0]
        del self.apps[name]
        self.deleted.append((name, cascade))
        return {}

    def userinfo(self, query: Mapping[str, list[str]]) -> dict[str, Any]:
        del query
        return {"loggedIn": True, "username": "telefonistka", "iss": "argocd"}

    # --- fidelity ---------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Each logged response body that strays from Argo CD's description."""
        found = []
        for exchange in self.log:
            if exchange.route is None:
                continue
            method = exchange.method.lower()
            operation = spec()["paths"][exchange.route][method]
            sent_schema = (operation.get("requestBody") or {}).get("schema")
            if sent_schema is not None and exchange.request is not None:
                full = {**sent_schema, "definitions": spec()["definitions"]}
                for error in Draft4Validator(full).iter_errors(exchange.request):
                    found.append(f"{exchange.method} {exchange.path} sent: {error.message}")
            responses = operation["responses"]
            documented = responses.get(str(exchange.status)) or responses["default"]
            schema = {**documented["schema"], "definitions": spec()["definitions"]}
            for error in Draft4Validator(schema).iter_errors(exchange.body):
                found.append(
                    f"{exchange.method} {exchange.path} -> {exchange.status}: {error.message}"
                )
        return found


_SET_TERM = re.compile(r"\s*([^\s,=!()]+)\s+in\s+\(([^)]*)\)\s*")


def _selects(selector: str, labels: Mapping[str, str]) -> bool:
    """A Kubernetes label selector: ``key=value`` (or ``==``) and ``key in (a,b)`` terms
    joined by commas, as Argo CD passes it to the Kubernetes API."""
    for key, values in _SET_TERM.findall(selector):
        if labels.get(key) not in {v.strip() for v in values.split(",")}:
            return False
    for term in filter(str.strip, _SET_TERM.sub("", selector).split(",")):
        key, _, value = term.replace("==", "=").partition("=")
        if labels.get(key.strip()) != value.strip():
            return False
    return True


def _redacted(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A Secret's values as Argo CD returns them: ``+`` rows, never the data."""
    copy = json.loads(json.dumps(obj))
    if copy.get("kind") == "Secret":
        for section in ("data", "stringData"):
            if isinstance(copy.get(section), dict):
                copy[section] = dict.fromkeys(copy[section], "+" * 8)
    return copy


@cache
def spec() -> dict[str, Any]:
    with gzip.open(SPEC, "rt", encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _handler(emulator: ArgoCdEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            del format, args

        def do_GET(self) -> None:
            self._respond("GET")

        def do_POST(self) -> None:
            self._respond("POST")

        def do_DELETE(self) -> None:
            self._respond("DELETE")

        def do_PATCH(self) -> None:
            self._respond("PATCH")

        def _respond(self, method: str) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            length = int(self.headers.get("Content-Length") or 0)
            sent = json.loads(self.rfile.read(length)) if length else None
            status, body, route = emulator.answer(method, self.path, headers, sent)
            with emulator.lock:
                path = urlsplit(self.path).path
                emulator.log.append(Exchange(method, path, route, status, body, sent))
            if emulator.take_lost(method, path):
                self.close_connection = True  # done, and not a byte of the answer sent
                return
            raw = isinstance(body, RawBody)
            payload = body.data if raw else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", body.content_type if raw else "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def argocd_session(repos: Mapping[str, Path]) -> Iterator[ArgoCdEmulator]:
    """Start an emulator, yield it, then fail the test on any answer that strays from
    Argo CD's description."""
    with ArgoCdEmulator(repos) as emulator:
        yield emulator
        problems = emulator.problems()
    assert problems == [], "the Argo CD emulator strayed from its API description:\n" + "\n".join(
        problems[:20]
    )
