"""The emulator application: repositories, routing, events and the ``/_emulator`` controls."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote

from graphql import GraphQLError

from . import webhooks
from .git import ZERO, BareRepo, Entry, GitError, Person
from .server import (
    API_PREFIX,
    CONTROL_PREFIX,
    GRAPHQL_PATH,
    ApiError,
    Fault,
    Latency,
    Request,
    Response,
    Router,
    Server,
    parse_query,
)
from .shapes import Shapes
from .state import (
    CheckRun,
    Counter,
    Event,
    Label,
    LogEntry,
    Protection,
    PullRequest,
    Repository,
    now_iso,
)
from .trees import build_tree

DEFAULT_LOGIN = "telefonistka-bot"
TREE_ENTRY_LIMIT = 100_000
PR_FILES_LIMIT = 3000


class GitHubEmulator:
    """A GitHub stand-in on ``127.0.0.1``; use as a context manager or ``start``/``stop``.

    ``base_url`` is the REST root PyGithub wants (``Github(base_url=emu.base_url)``).
    ``tokens`` maps a token to the login it authenticates as; any other token (or none)
    is ``login``.
    """

    def __init__(
        self,
        workdir: Path,
        *,
        login: str = DEFAULT_LOGIN,
        tokens: Mapping[str, str] | None = None,
        read_only_tokens: frozenset[str] = frozenset(),
        port: int = 0,
    ) -> None:
        self.workdir = Path(workdir)
        self.login = login
        self.tokens = dict(tokens or {})
        # Tokens that may only read, as the GITHUB_TOKEN of a fork PR's workflow run: every
        # write (and every GraphQL mutation) is refused 403, as GitHub refuses it.
        self.read_only_tokens = read_only_tokens
        self.repos: dict[str, Repository] = {}
        self.events: list[Event] = []
        self.ids = Counter(1000)
        self.tree_entry_limit = TREE_ENTRY_LIMIT
        self.pr_files_limit = PR_FILES_LIMIT
        # GitHub computes mergeability in the background: after a PR opens or its head
        # moves, this many reads of it answer ``mergeable: null`` first
        self.mergeable_unknown_reads = 0
        # merges the open PRs with native auto-merge whose requirements are met (set by
        # the pulls API, called wherever a requirement can become met)
        self.auto_merger: Callable[[Repository], None] | None = None
        # GraphQL: the documents received (tests read what was asked), and fields to
        # answer as unknown, as a GitHub Enterprise Server without them would
        self.graphql_documents: list[str] = []
        self.graphql_refused_fields: set[str] = set()
        self.graphql_users: dict[str, str] = {}  # the user ids GraphQL gave out → login
        self.server = Server(self, port)
        self.server.graphql_points = _graphql_points
        self.shapes = Shapes(self.server.root)
        self.router = Router()
        from . import api  # noqa: PLC0415 - api imports this module

        api.register(self.router, self)

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> GitHubEmulator:
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    def __enter__(self) -> GitHubEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        return self.server.root

    @property
    def base_url(self) -> str:
        return self.server.root + API_PREFIX

    @property
    def graphql_url(self) -> str:
        return self.server.root + GRAPHQL_PATH

    @property
    def control_url(self) -> str:
        return self.server.root + CONTROL_PREFIX

    @property
    def requests(self) -> list[LogEntry]:
        with self.server.lock:
            return list(self.server.log)

    # --- repositories -------------------------------------------------------------------

    def add_repo(self, full_name: str, path: Path | None = None) -> Repository:
        """Serve the bare repository at ``path`` (created when missing) as ``full_name``."""
        owner, _, name = full_name.partition("/")
        if not owner or not name:
            raise ValueError(f"repository name {full_name!r} is not OWNER/NAME")
        target = path or self.workdir / "repos" / f"{owner}__{name}.git"
        git = BareRepo(Path(target))
        head = git.run("symbolic-ref", "-q", "HEAD", check=False).decode().strip()
        git.default_branch = head.removeprefix("refs/heads/") or "main"
        repo = Repository(owner, name, self.ids.next(), git)
        with self.server.lock:
            self.repos[full_name.lower()] = repo
        return repo

    def repo(
        self,
        full_name: str,
        files: Mapping[str, str | bytes] | None = None,
        *,
        branch: str | None = None,
        message: str = "Initial commit",
    ) -> Repository:
        """A repository seeded with one commit of ``files`` on ``branch`` (default branch)."""
        repo = self.repos.get(full_name.lower()) or self.add_repo(full_name)
        if files is not None:
            self.commit_files(full_name, files, branch=branch, message=message)
        return repo

    def commit_files(
        self,
        full_name: str,
        files: Mapping[str, str | bytes | None],
        *,
        branch: str | None = None,
        message: str = "change",
        date: str | None = None,
    ) -> str:
        """Commit ``files`` (None deletes) on ``branch``, as a ``git push`` would (no event);
        ``date`` (ISO 8601) back-dates the commit, for soak times."""
        repo = self.get_repo(full_name)
        git = repo.git
        branch = branch or repo.default_branch
        with self.server.lock:
            parent = git.ref(f"refs/heads/{branch}")
            base = git.read_commit(parent).tree if parent else None
            present = {p: c for p, c in files.items() if c is not None}
            datas = [c.encode() if isinstance(c, str) else c for c in present.values()]
            shas = dict(zip(present, git.write_blobs(datas), strict=True))
            changes = [
                (p, Entry("100644", "blob", shas[p], None, p) if p in shas else None) for p in files
            ]
            tree = build_tree(git, base, changes)
            who = Person("Test Author", "author@example.com", date or now_iso())
            sha = git.write_commit(tree, [parent] if parent else [], message, who, who)
            git.set_ref(f"refs/heads/{branch}", sha, parent or ZERO)
        return sha

    def get_repo(self, full_name: str) -> Repository:
        repo = self.repos.get(full_name.lower())
        if repo is None:
            raise KeyError(full_name)
        return repo

    def find_repo(self, owner: str, name: str) -> Repository:
        repo = self.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            raise ApiError(404, "Not Found")
        return repo

    # --- behaviour shared by handlers ---------------------------------------------------

    def _read_only(self, headers: Mapping[str, str]) -> bool:
        auth = headers.get("authorization", "")
        return " " in auth and auth.split(" ", 1)[1].strip() in self.read_only_tokens

    def user_for(self, headers: Mapping[str, str]) -> str:
        auth = headers.get("authorization", "")
        token = auth.split(" ", 1)[1].strip() if " " in auth else ""
        return self.tokens.get(token, self.login)

    def record(self, name: str, payload: dict[str, Any]) -> None:
        self.events.append(Event(name, payload, str(uuid.uuid4())))

    def events_named(self, name: str, action: str | None = None) -> list[Event]:
        with self.server.lock:
            return [
                e for e in self.events if e.name == name and (action is None or e.action == action)
            ]

    def head_sha(self, repo: Repository, pr: PullRequest) -> str:
        if pr.state == "open":
            pr.head_sha = repo.git.ref(f"refs/heads/{pr.head_ref}") or pr.head_sha
            pr.base_sha = repo.git.ref(f"refs/heads/{pr.base_ref}") or pr.base_sha
        return pr.head_sha

    def mergeable(self, repo: Repository, pr: PullRequest) -> bool | None:
        if pr.state != "open":
            return None
        if pr.mergeable_override is not None:
            return pr.mergeable_override
        self.head_sha(repo, pr)
        return repo.git.merge_tree(pr.base_sha, pr.head_sha) is not None

    def move_branch(
        self,
        repo: Repository,
        ref: str,
        new: str,
        old: str | None,
        pusher: str,
    ) -> None:
        """Point ``ref`` at ``new`` (ZERO deletes), then record the push and PR events."""
        git = repo.git
        before = old or ZERO
        try:
            if new == ZERO:
                git.delete_ref(ref)
            else:
                git.set_ref(ref, new, before)
        except GitError as exc:
            raise ApiError(422, "Reference update failed") from exc
        payload = webhooks.push(self.shapes, repo, ref, before=before, after=new, pusher=pusher)
        self.record("push", payload)
        if not ref.startswith("refs/heads/"):
            return
        branch = ref.removeprefix("refs/heads/")
        if new == ZERO:  # GitHub closes the open PRs whose head branch is deleted
            for pr in repo.pulls.values():
                if pr.state == "open" and pr.head_ref == branch and not pr.head_repo:
                    pr.state, pr.updated_at = "closed", now_iso()
                    pr.closed_at = pr.updated_at
                    closed = webhooks.pull_request(
                        self.shapes, repo, pr, "closed", sender=pusher, mergeable=None
                    )
                    self.record("pull_request", closed)
            return
        for pr in repo.pulls.values():
            if pr.state == "open" and pr.head_ref == branch:
                previous = pr.head_sha
                self.head_sha(repo, pr)
                pr.unknown_reads_left = self.mergeable_unknown_reads
                pr.updated_at = now_iso()
                payload = webhooks.pull_request_synchronize(self.shapes, repo, pr, previous, pusher)
                self.record("pull_request", payload)

    # --- HTTP entry points --------------------------------------------------------------

    def dispatch(
        self, method: str, path: str, query: str, raw: bytes, headers: dict[str, str]
    ) -> tuple[Response, str | None]:
        """Answer one API request; returns the response and the matched route template."""
        if self._read_only(headers) and _is_write(method, path, raw):
            refused = ApiError(403, "Resource not accessible by integration")
            return Response(403, refused.body()), None
        return self._answer(method, path, query, raw, headers)

    def _answer(
        self, method: str, path: str, query: str, raw: bytes, headers: dict[str, str]
    ) -> tuple[Response, str | None]:
        login = self.user_for(headers)
        if path == GRAPHQL_PATH and method == "POST":
            from . import graphql  # noqa: PLC0415 - cycle with api

            return graphql.answer(self, raw, login), "/graphql"
        sub = path.removeprefix(API_PREFIX) or "/"
        found = self.router.match(method, sub) if path.startswith(API_PREFIX) else None
        if found is None:
            return Response(404, ApiError(404, "Not Found").body()), None
        route, raw_params = found
        params = {name: unquote(value) for name, value in raw_params.items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return Response(400, ApiError(400, "Problems parsing JSON").body()), route.template
        request = Request(method, sub, parse_query(query), body, params, headers, login)
        try:
            return route.handler(request), route.template
        except ApiError as exc:
            return Response(exc.status, exc.body(), exc.headers), route.template
        except (GitError, ValueError, KeyError) as exc:  # an emulator bug: say so, keep serving
            return Response(500, ApiError(500, f"emulator error: {exc!r}").body()), None

    def control(self, method: str, path: str, raw: bytes) -> Response:
        """``/_emulator/...``: requests, events, reset, faults, latency."""
        name = path.removeprefix(CONTROL_PREFIX).strip("/")
        action = self._controls().get((method, name))
        if action is None:
            return Response(404, ApiError(404, "Not Found").body())
        body = json.loads(raw) if raw else {}
        with self.server.lock:
            return action(body if isinstance(body, dict) else {})

    def _controls(self) -> dict[tuple[str, str], Callable[[dict[str, Any]], Response]]:
        server = self.server
        return {
            ("GET", "requests"): lambda _: Response(200, [e.summary() for e in server.log]),
            ("DELETE", "requests"): lambda _: _done(server.log.clear),
            ("GET", "events"): lambda _: Response(200, [asdict(e) for e in self.events]),
            ("POST", "reset"): lambda _: _done(self.reset),
            ("POST", "faults"): self._add_fault,
            ("GET", "faults"): lambda _: Response(
                200, [f.summary() for f in server.faults if f.times > 0]
            ),
            ("DELETE", "faults"): lambda _: _done(server.faults.clear),
            ("PUT", "latency"): self._set_latency,
            ("POST", "latency"): self._set_latency,
            ("GET", "latency"): lambda _: Response(200, asdict(server.latency)),
        }

    def _add_fault(self, body: dict[str, Any]) -> Response:
        try:
            fault = Fault.from_json(body)
        except ApiError as exc:
            return Response(exc.status, exc.body())
        except (TypeError, ValueError) as exc:
            return Response(422, ApiError(422, f"bad fault: {exc}").body())
        self.server.faults.append(fault)
        return Response(201, fault.summary())

    def _set_latency(self, body: dict[str, Any]) -> Response:
        self.server.latency = Latency(
            float(body.get("seconds", 0)),
            str(body.get("path", ".*")),
            str(body.get("method", "*")).upper(),
        )
        return Response(200, asdict(self.server.latency))

    # --- test helpers -------------------------------------------------------------------

    def reset(self) -> None:
        """Forget the request log, events, faults, latency and the rate-limit count."""
        with self.server.lock:
            self.server.log.clear()
            self.events.clear()
            self.server.faults.clear()
            self.server.latency = Latency()
            self.server.requests_made = 0
            self.server.points_used = 0
            self.graphql_documents.clear()

    def past_pr(
        self,
        full_name: str,
        *,
        title: str,
        body: str,
        head: str,
        labels: Sequence[str],
        created_at: str,
        merged_at: str | None,
        user: str | None = None,
    ) -> int:
        """A PR of the past, closed (merged when ``merged_at``) at set times: generated
        histories for reports. Its branches need not exist; its head is the base's."""
        repo = self.get_repo(full_name)
        with self.server.lock:
            number = repo.next_number
            repo.next_number += 1
            base = repo.git.ref(f"refs/heads/{repo.default_branch}") or ""
            closed = merged_at or created_at
            repo.pulls[number] = PullRequest(
                number=number,
                id=self.ids.next(),
                title=title,
                body=body,
                head_ref=head,
                base_ref=repo.default_branch,
                user=user or self.login,
                created_at=created_at,
                state="closed",
                merged=merged_at is not None,
                merged_at=merged_at,
                merge_commit_sha=base if merged_at else None,
                closed_at=closed,
                updated_at=closed,
                head_sha=base,
                base_sha=base,
                labels=list(labels),
            )
            for name in labels:
                if name not in repo.labels:
                    repo.labels[name] = Label(self.ids.next(), name)
        return number

    def protect(
        self,
        full_name: str,
        branch: str,
        contexts: tuple[str, ...] = (),
        approvals: int = 0,
        *,
        allow_auto_merge: bool = True,
    ) -> None:
        """A branch protection rule on ``branch`` (required status checks and approvals),
        and the repository setting "Allow auto-merge"."""
        repo = self.get_repo(full_name)
        repo.protection[branch] = Protection(contexts, approvals)
        repo.allow_auto_merge = allow_auto_merge

    def unmet_protection(self, repo: Repository, pr: PullRequest) -> str:
        """GitHub's refusal of a merge that a protection rule of its base forbids, or ""."""
        rule = repo.protection.get(pr.base_ref)
        if rule is None:
            return ""
        head = pr.head_sha
        for context in rule.contexts:
            statuses = [
                s for s in reversed(repo.statuses) if s.sha == head and s.context == context
            ]
            checks = [c for c in reversed(repo.check_runs) if c.sha == head and c.name == context]
            passed = (statuses and statuses[0].state == "success") or (
                checks and checks[0].conclusion in ("success", "neutral", "skipped")
            )
            if not passed:
                return f'Required status check "{context}" is expected.'
        if rule.approvals:
            latest: dict[str, str] = {}
            for review in repo.reviews:
                if review.pull_number == pr.number and review.user != pr.user:
                    latest[review.user] = review.state
            approved = sum(1 for state in latest.values() if state == "APPROVED")
            if approved < rule.approvals:
                return (
                    f"At least {rule.approvals} approving review is required by reviewers "
                    "with write access."
                )
        return ""

    def add_check_run(
        self, full_name: str, sha: str, name: str, conclusion: str | None = "success"
    ) -> None:
        """A CI app's check run on ``sha``: completed with ``conclusion``, or still running
        (``None``)."""
        repo = self.get_repo(full_name)
        with self.server.lock:
            status = "completed" if conclusion is not None else "in_progress"
            run = CheckRun(len(repo.check_runs) + 1, sha, name, status, conclusion, now_iso())
            repo.check_runs.append(run)
            if self.auto_merger is not None:
                self.auto_merger(repo)

    def add_fault(self, **fault: Any) -> Fault:
        """``add_fault(path="/pulls$", method="POST", status=502, times=2)`` and so on."""
        made = Fault.from_json(fault)
        with self.server.lock:
            self.server.faults.append(made)
        return made

    def set_latency(self, seconds: float, path: str = ".*", method: str = "*") -> None:
        with self.server.lock:
            self.server.latency = Latency(seconds, path, method.upper())


def _done(action: Callable[[], None]) -> Response:
    action()
    return Response(204)


def _graphql_points(raw: bytes) -> int:
    """What GitHub would charge this GraphQL request (1 when it is not a valid one)."""
    from .reads import points  # noqa: PLC0415 - graphql-core, loaded on first use

    try:
        request = json.loads(raw)
        return points(str(request["query"]), request.get("variables") or {})
    except (ValueError, KeyError, TypeError, AttributeError, GraphQLError):
        return 1


def _is_write(method: str, path: str, raw: bytes) -> bool:
    """A request that changes something: any REST write, a GraphQL mutation."""
    if path == GRAPHQL_PATH and method == "POST":
        return b"mutation" in raw
    return method in ("POST", "PATCH", "PUT", "DELETE")
