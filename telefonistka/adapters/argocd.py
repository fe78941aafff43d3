"""Argo CD's REST API (``/api/v1/…``): the applications, their live objects, manifests.

Bearer-token authentication over HTTPS (``insecure`` skips certificate checks,
``ca_file`` trusts a private CA). The conventions are the GitHub adapter's: a connection
error or a 5xx is retried with backoff a few times; anything else is an ``ArgoCdError``
that says what to fix, a 401 the token, a 403 the RBAC permission the token's role
lacks. Requests are counted per kind for the log and the benchmark.
"""

from __future__ import annotations

import json
import time
import warnings
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import requests
from urllib3.exceptions import InsecureRequestWarning

from telefonistka.adapters.deadline import DeadlineError, call_with_deadline
from telefonistka.core.argocd.apps import ArgoApp
from telefonistka.core.argocd.appsets import AppSet
from telefonistka.errors import ArgoCdError

Sleep = Callable[[float], None]
_RETRIED = frozenset({500, 502, 503, 504})
# The RBAC line each kind of request needs (Argo CD's policy.csv syntax).
PERMISSIONS = {
    "apps": "p, role:telefonistka, applications, get, */*, allow",
    "app": "p, role:telefonistka, applications, get, */*, allow",
    "resources": "p, role:telefonistka, applications, get, */*, allow",
    "manifests": "p, role:telefonistka, applications, get, */*, allow",
    "appsets": "p, role:telefonistka, applicationsets, get, */*, allow",
    "create": "p, role:telefonistka, applications, create, */*, allow",
    "delete": "p, role:telefonistka, applications, delete, */*, allow",
    "update": "p, role:telefonistka, applications, update, */*, allow",
}


class ArgoCdClient:
    """One Argo CD server, seen with one token."""

    def __init__(
        self,
        url: str,
        token: str,
        *,
        insecure: bool = False,
        ca_file: str | None = None,
        attempts: int = 3,
        timeout: float = 30.0,
        sleep: Sleep = time.sleep,
        budget: float | None = None,
    ) -> None:
        """``timeout``: the socket timeout of one request, and twice it its total
        (connecting, waiting, reading, however slowly the server trickles);
        ``budget``: the total of every request of this client (``argocd-timeout``), past
        which each call fails at once, so the apps not yet read are reported as not
        diffed."""
        if not url.startswith(("https://", "http://")):
            raise ArgoCdError(f"argocd-url {url!r} is not an http(s):// URL")
        self.url = url.rstrip("/")
        self.requests: Counter[str] = Counter()
        self._session = requests.Session()
        self._token = token
        self._session.headers.update({"Authorization": f"Bearer {token}"})
        # passed with every request: a session-wide setting loses to REQUESTS_CA_BUNDLE
        # and friends from the environment, which runners often set
        self._verify: bool | str = ca_file if ca_file else not insecure
        self._attempts, self._timeout, self._sleep = attempts, timeout, sleep
        self._budget = budget
        self._end = None if budget is None else time.monotonic() + budget

    def close(self) -> None:
        self._session.close()

    def _redacted(self, text: str) -> str:
        """``text`` without the token: Argo CD's (or a proxy's) error text can echo the
        ``Authorization`` header, and it goes into PR comments, outputs and the job
        summary, which no runner mask covers. (A token of a few characters, only ever seen
        in tests, would blot out ordinary words instead.)"""
        return text.replace(self._token, "***") if len(self._token) >= 6 else text

    def list_apps(self, selector: str | None = None) -> list[ArgoApp]:
        """Every application the token may see (``selector``: a label selector)."""
        params = {"selector": selector} if selector else None
        data = self._get("apps", "list the applications", "/api/v1/applications", params)
        return [app for item in _items(data, "applications") if (app := _app(item)) is not None]

    def live_objects(self, app: str) -> list[dict[str, Any]]:
        """The app's objects as they run (Argo CD's normalized live state; Secrets redacted)."""
        path = f"/api/v1/applications/{quote(app, safe='')}/managed-resources"
        what = f"read the live objects of {app}"
        data = self._get("resources", what, path)
        states = [
            item.get("normalizedLiveState") or item.get("liveState")
            for item in _items(data, what)
            if isinstance(item, dict)
        ]
        return _objects([s for s in states if s and s != "null"], what)

    def manifests(self, app: str, revision: str) -> list[dict[str, Any]]:
        """The app's objects as ``revision`` of its repository renders them."""
        path = f"/api/v1/applications/{quote(app, safe='')}/manifests"
        what = f"render {app} at {revision[:12]}"
        data = self._get("manifests", what, path, {"revision": revision})
        manifests = data.get("manifests") or []
        if not isinstance(manifests, list):
            raise ArgoCdError(f"Argo CD's answer to {what} has no list of manifests")
        return _objects(manifests, what)

    def list_appsets(self) -> list[AppSet]:
        """Every ApplicationSet the token may see (for temporary apps of new components)."""
        data = self._get("appsets", "list the ApplicationSets", "/api/v1/applicationsets")
        found = []
        for item in _items(data, "ApplicationSets"):
            try:
                found.append(AppSet.from_json(item))
            except (AttributeError, TypeError, ValueError):
                continue  # one malformed ApplicationSet: the others still serve
        return found

    def create_app(self, app: Mapping[str, Any]) -> str:
        """Create ``app`` (never an upsert: an app of that name is an error); its name."""
        name = str(app["metadata"]["name"])
        params = {"upsert": "false", "validate": "false"}
        what = f"create the temporary app {name}"
        self._request("POST", "create", what, "/api/v1/applications", params, body=app)
        return name

    def set_target_revision(self, name: str, revision: str) -> None:
        """Point app ``name``'s source at ``revision``; nothing else of its spec changes."""
        patch = json.dumps({"spec": {"source": {"targetRevision": revision}}})
        body = {"name": name, "patch": patch, "patchType": "merge"}
        path = f"/api/v1/applications/{quote(name, safe='')}"
        what = f"set the target revision of {name} to {revision}"
        self._request("PATCH", "update", what, path, body=body)

    def delete_app(self, name: str) -> None:
        """Delete app ``name`` and nothing it deployed (``cascade=false``).

        An app already gone is success: a DELETE whose answer was lost is retried, and the
        retry's 404 means the first one did the work.
        """
        path = f"/api/v1/applications/{quote(name, safe='')}"
        try:
            self._request(
                "DELETE", "delete", f"delete the temporary app {name}", path, {"cascade": "false"}
            )
        except ArgoCdError as exc:
            if exc.status != 404:
                raise

    def _time_left(self, what: str, wanted: float) -> float:
        """Seconds this request may take: ``wanted``, within the client's budget."""
        if self._end is None:
            return wanted
        left = self._end - time.monotonic()
        if left <= 0:
            raise ArgoCdError(
                f"not asked to {what}: the Argo CD time budget (argocd-timeout, "
                f"{self._budget:g} s) is spent"
            )
        return min(wanted, left)

    def _get(
        self, kind: str, what: str, path: str, params: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        return self._request("GET", kind, what, path, params)

    def _request(
        self,
        method: str,
        kind: str,
        what: str,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        body: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        attempt = 0
        while True:
            attempt += 1
            self.requests[kind] += 1

            def send() -> requests.Response:
                with warnings.catch_warnings():
                    # argocd-insecure was asked for: urllib3's warning would repeat it per call
                    warnings.simplefilter("ignore", InsecureRequestWarning)
                    answer = self._session.request(
                        method,
                        f"{self.url}{path}",
                        params=params,
                        json=body,
                        timeout=self._timeout,
                        verify=self._verify,
                    )
                    answer.content  # noqa: B018 - read it all, inside the deadline
                    return answer

            try:
                # A silent server fails the socket timeout and is retried; one that trickles
                # bytes meets the total deadline, twice that, and is not.
                response = call_with_deadline(send, self._time_left(what, 2 * self._timeout))
            except DeadlineError as exc:
                raise ArgoCdError(
                    f"Argo CD at {self.url} did not {what} in time ({exc}): not diffed"
                ) from None
            except requests.RequestException as exc:
                if attempt < self._attempts:
                    self._sleep(min(2.0 ** (attempt - 1), self._time_left(what, self._timeout)))
                    continue
                raise ArgoCdError(
                    self._redacted(f"could not reach Argo CD at {self.url} to {what}: {exc}")
                ) from None
            if response.status_code in _RETRIED and attempt < self._attempts:
                self._sleep(2.0 ** (attempt - 1))
                continue
            if response.status_code >= 400:
                message = self._redacted(_explain(kind, what, response))
                raise ArgoCdError(message, response.status_code)
            return _json_object(response, what, self._redacted)


def _json_object(
    response: requests.Response, what: str, redacted: Callable[[str], str]
) -> dict[str, Any]:
    """The answer as a JSON object; ``ArgoCdError`` naming the call for anything else
    (an HTML page from a proxy, a bare list, truncated JSON)."""
    if not response.content:
        return {}
    try:
        data = response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type")
        start = redacted(response.text[:80]).replace("\n", " ")
        raise ArgoCdError(
            f"Argo CD's answer to {what} is not JSON ({kind}, {len(response.content)} bytes: "
            f"{start!r}…); is argocd-url the Argo CD API, not a login page or a proxy?"
        ) from None
    if not isinstance(data, dict):
        raise ArgoCdError(f"Argo CD's answer to {what} is JSON but not an object")
    return data


def _items(data: Mapping[str, Any], what: str) -> list[Any]:
    items = data.get("items") or []
    if not isinstance(items, list):
        raise ArgoCdError(f"Argo CD's answer listing the {what} has no list of items")
    return items


def _app(item: Any) -> ArgoApp | None:
    """One listed application; None for an item of the wrong shape (the others count)."""
    try:
        return ArgoApp.from_json(item)
    except (AttributeError, TypeError, ValueError):
        return None


def _objects(texts: list[Any], what: str) -> list[dict[str, Any]]:
    """Kubernetes objects from the JSON texts Argo CD returns, each checked."""
    found = []
    for index, text in enumerate(texts):
        try:
            value = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise ArgoCdError(
                f"Argo CD's answer to {what}: object {index + 1} is not a JSON object"
            )
        found.append(value)
    return found


def _explain(kind: str, what: str, response: requests.Response) -> str:
    """The error in words that say what to fix."""
    try:
        message = str(response.json().get("message") or response.text)
    except ValueError:
        message = response.text[:200]
    status = response.status_code
    if status == 401:
        return (
            f"Argo CD refused the token to {what} (401 {message}): set `argocd-token` to a "
            "valid token of an Argo CD account (`argocd account generate-token`); tokens expire"
        )
    if status == 403:
        return (
            f"Argo CD refused to {what} (403 {message}): the token's role lacks a permission; "
            f"grant it in argocd-rbac-cm, e.g. `{PERMISSIONS.get(kind, 'applications, get')}`"
        )
    if status == 404:
        return f"Argo CD could not {what} (404 {message}): no such application"
    return f"Argo CD could not {what} ({status} {message})"
