"""Pull requests, issue comments, labels, assignees, reviews and commit statuses."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import webhooks
from .git import Change, Person
from .paging import paginate
from .server import ApiError, Request, Response, Router, validation_failed
from .state import (
    Issue,
    IssueComment,
    Label,
    PullRequest,
    Repository,
    Review,
    Status,
    now_iso,
)

if TYPE_CHECKING:
    from .api_issues import IssuesApi
    from .emulator import GitHubEmulator

REPO = "/repos/{owner}/{repo}"
PULL = f"{REPO}/pulls/{{pull_number}}"
ISSUE = f"{REPO}/issues/{{issue_number}}"
REVIEW_STATES = {
    "APPROVE": "APPROVED",
    "REQUEST_CHANGES": "CHANGES_REQUESTED",
    "COMMENT": "COMMENTED",
}
STATUS_STATES = ("error", "failure", "pending", "success")


class PullsApi:
    def __init__(self, emu: GitHubEmulator, issues: IssuesApi | None = None) -> None:
        self.emu = emu
        self.issues = issues
        self._diff_cache: dict[tuple[str, str, str], list[Change]] = {}
        emu.auto_merger = self.merge_ready_auto_merges  # a check run added by a test too

    def register(self, router: Router) -> None:
        router.add("GET", f"{REPO}/pulls", self.list_pulls)
        router.add("POST", f"{REPO}/pulls", self.create_pull)
        router.add("GET", PULL, self.get_pull)
        router.add("PATCH", PULL, self.update_pull)
        router.add("GET", f"{PULL}/files", self.list_files)
        router.add("PUT", f"{PULL}/merge", self.merge)
        router.add("GET", f"{PULL}/reviews", self.list_reviews)
        router.add("POST", f"{PULL}/reviews", self.create_review)
        router.add("PATCH", ISSUE, self.update_issue)
        router.add("GET", f"{ISSUE}/comments", self.list_comments)
        router.add("POST", f"{ISSUE}/comments", self.create_comment)
        router.add("PATCH", f"{REPO}/issues/comments/{{comment_id}}", self.update_comment)
        router.add("DELETE", f"{REPO}/issues/comments/{{comment_id}}", self.delete_comment)
        router.add("POST", f"{ISSUE}/labels", self.add_labels)
        router.add("POST", f"{ISSUE}/assignees", self.add_assignees)
        router.add("POST", f"{REPO}/statuses/{{sha}}", self.create_status)
        router.add("GET", f"{REPO}/commits/{{ref}}/statuses", self.list_statuses)
        router.add("GET", f"{REPO}/commits/{{ref}}/check-runs", self.list_check_runs)
        # PyGithub's Commit.get_statuses reads this older, undocumented spelling
        statuses = f"{REPO}/commits/{{ref}}/statuses"
        router.add("GET", f"{REPO}/statuses/{{ref}}", self.list_statuses, alias_of=statuses)
        router.add("GET", f"{REPO}/collaborators/{{username}}/permission", self.permission)

    def _repo(self, request: Request) -> Repository:
        return self.emu.find_repo(request.params["owner"], request.params["repo"])

    def _pull(self, repo: Repository, number: str) -> PullRequest:
        pr = repo.pulls.get(int(number)) if number.isdigit() else None
        if pr is None:
            raise ApiError(404, "Not Found")
        self.emu.head_sha(repo, pr)
        return pr

    def _shape(self, repo: Repository, pr: PullRequest, *, full: bool = True) -> dict[str, Any]:
        mergeable = self.emu.mergeable(repo, pr) if full else None
        return self.emu.shapes.pull(repo, pr, full=full, mergeable=mergeable)

    def _event(self, repo: Repository, pr: PullRequest, action: str, sender: str) -> None:
        payload = webhooks.pull_request(
            self.emu.shapes, repo, pr, action, sender=sender, mergeable=None
        )
        self.emu.record("pull_request", payload)

    # --- pulls --------------------------------------------------------------------------

    def create_pull(self, request: Request) -> Response:
        repo = self._repo(request)
        body = request.json_object()
        title, head, base = body.get("title"), body.get("head"), body.get("base")
        if not isinstance(head, str) or not isinstance(base, str):
            raise validation_failed(
                "PullRequest", "head" if head is None else "base", "missing_field"
            )
        head_ref = _branch_of(repo, head)
        head_sha = repo.git.ref(f"refs/heads/{head_ref}")
        base_sha = repo.git.ref(f"refs/heads/{base}")
        if head_sha is None:
            raise validation_failed("PullRequest", "head")
        if base_sha is None:
            raise validation_failed("PullRequest", "base")
        if not isinstance(title, str) or not title:
            raise validation_failed("PullRequest", "title", "missing_field")
        _check_length("PullRequest", "title", title)
        _check_length("PullRequest", "body", body.get("body"))
        for pr in repo.pulls.values():
            if pr.state == "open" and pr.head_ref == head_ref and pr.base_ref == base:
                message = f"A pull request already exists for {repo.owner}:{head_ref}."
                raise ApiError(422, "Validation Failed", [_custom("PullRequest", message)])
        if not repo.git.rev_list(head_sha, base_sha):
            message = f"No commits between {base} and {head_ref}"
            raise ApiError(422, "Validation Failed", [_custom("PullRequest", message)])
        stamp = now_iso()
        pr = PullRequest(
            number=repo.next_number,
            id=self.emu.ids.next(),
            title=title,
            body=body.get("body"),
            head_ref=head_ref,
            base_ref=base,
            user=request.login,
            created_at=stamp,
            updated_at=stamp,
            draft=bool(body.get("draft", False)),
            head_sha=head_sha,
            base_sha=base_sha,
            maintainer_can_modify=bool(body.get("maintainer_can_modify", False)),
        )
        repo.next_number += 1
        pr.unknown_reads_left = self.emu.mergeable_unknown_reads
        repo.pulls[pr.number] = pr
        self._event(repo, pr, "opened", request.login)
        return Response(201, self._shape(repo, pr))

    def list_pulls(self, request: Request) -> Response:
        repo = self._repo(request)
        state = request.arg("state", "open")
        if state not in ("open", "closed", "all"):
            raise validation_failed("PullRequest", "state")
        head, base = request.arg("head"), request.arg("base")
        # GitHub filters by head only in its "owner:branch" form: a bare branch name is
        # silently ignored (every PR comes back), a classic trap the emulator keeps
        head_ref = _branch_of(repo, head) if head and ":" in head else None
        if head and ":" in head and head.split(":", 1)[0].lower() != repo.owner.lower():
            head_ref = "\0"  # another owner's fork: never matches here
        found = [
            pr
            for pr in repo.pulls.values()
            if state in ("all", pr.state)
            and (head_ref is None or pr.head_ref == head_ref)
            and (base is None or pr.base_ref == base)
        ]
        found.sort(key=lambda pr: pr.number, reverse=request.arg("direction", "desc") != "asc")
        for pr in found:
            self.emu.head_sha(repo, pr)
        page, headers = paginate(self.emu.root_url, request, found)
        return Response(200, [self._shape(repo, pr, full=False) for pr in page], headers)

    def get_pull(self, request: Request) -> Response:
        repo = self._repo(request)
        pr = self._pull(repo, request.params["pull_number"])
        if pr.unknown_reads_left > 0 and pr.state == "open":
            pr.unknown_reads_left -= 1
            return Response(200, self.emu.shapes.pull(repo, pr, full=True, mergeable=None))
        return Response(200, self._shape(repo, pr))

    def update_pull(self, request: Request) -> Response:
        repo = self._repo(request)
        pr = self._pull(repo, request.params["pull_number"])
        body = request.json_object()
        for key in ("title", "body"):
            if key in body:
                _check_length("PullRequest", key, body[key])
                setattr(pr, key, body[key])
        if "base" in body:
            if repo.git.ref(f"refs/heads/{body['base']}") is None:
                raise validation_failed("PullRequest", "base")
            pr.base_ref = str(body["base"])
        pr.updated_at = now_iso()
        state = body.get("state")
        if state == "closed" and pr.state == "open":
            pr.state, pr.closed_at = "closed", pr.updated_at
            self._event(repo, pr, "closed", request.login)
        elif state == "open" and pr.state == "closed":
            if pr.merged:
                raise ApiError(
                    422,
                    "Validation Failed",
                    [
                        _custom(
                            "PullRequest",
                            "state cannot be changed. The pull request has been merged.",
                        )
                    ],
                )
            pr.state, pr.closed_at = "open", None
            self._event(repo, pr, "reopened", request.login)
        return Response(200, self._shape(repo, pr))

    def list_files(self, request: Request) -> Response:
        repo = self._repo(request)
        pr = self._pull(repo, request.params["pull_number"])
        changes = self._changes(repo, pr)[: self.emu.pr_files_limit]
        page, headers = paginate(self.emu.root_url, request, changes)
        shapes = self.emu.shapes
        return Response(200, [shapes.diff_entry(repo, c, pr.head_sha) for c in page], headers)

    def _changes(self, repo: Repository, pr: PullRequest) -> list[Change]:
        key = (repo.full_name, pr.base_sha, pr.head_sha)
        if key not in self._diff_cache:
            merge_base = repo.git.merge_base(pr.base_sha, pr.head_sha) or pr.base_sha
            self._diff_cache[key] = repo.git.diff(merge_base, pr.head_sha)
        return self._diff_cache[key]

    def merge(self, request: Request) -> Response:
        repo = self._repo(request)
        pr = self._pull(repo, request.params["pull_number"])
        body = request.body if isinstance(request.body, dict) else {}
        if pr.state != "open" or not self.emu.mergeable(repo, pr):
            raise ApiError(405, "Pull Request is not mergeable")
        if body.get("sha") not in (None, pr.head_sha):
            raise ApiError(409, "Head branch was modified. Review and try the merge again.")
        method = body.get("merge_method", "merge")
        if method not in ("merge", "squash"):
            raise ApiError(405, f"Merge method {method} is not supported by the emulator")
        unmet = self.emu.unmet_protection(repo, pr)
        if unmet:  # GitHub refuses, and never lets an API merge skip a rule
            raise ApiError(405, unmet)
        return Response(200, self.do_merge(repo, pr, method, request.login, body))

    def do_merge(
        self, repo: Repository, pr: PullRequest, method: str, login: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """Merge ``pr`` (checks done by the caller): the merge commit, the base moved."""
        git = repo.git
        tree = git.merge_tree(pr.base_sha, pr.head_sha)
        if tree is None:
            raise ApiError(405, "Pull Request is not mergeable")
        title = body.get("commit_title") or (
            f"Merge pull request #{pr.number} from {repo.owner}/{pr.head_ref}"
            if method == "merge"
            else f"{pr.title} (#{pr.number})"
        )
        detail = body.get("commit_message", pr.title if method == "merge" else "")
        message = f"{title}\n\n{detail}" if detail else str(title)
        who = Person(login, f"{login}@users.noreply.github.com", now_iso())
        github = Person("GitHub", "noreply@github.com", who.date)  # GitHub commits merges
        parents = [pr.base_sha, pr.head_sha] if method == "merge" else [pr.base_sha]
        sha = git.write_commit(tree, parents, message, who, github)
        base_before = pr.base_sha
        pr.state, pr.merged, pr.merged_by = "closed", True, login
        pr.merged_at = pr.closed_at = pr.updated_at = who.date
        pr.merge_commit_sha = sha
        self.emu.move_branch(repo, f"refs/heads/{pr.base_ref}", sha, base_before, login)
        pr.base_sha = base_before
        self._event(repo, pr, "closed", login)
        return {"sha": sha, "merged": True, "message": "Pull Request successfully merged"}

    def merge_ready_auto_merges(self, repo: Repository) -> None:
        """GitHub's native auto-merge: an open PR with it enabled is merged as soon as its
        last requirement (a status, an approval) is met."""
        for pr in list(repo.pulls.values()):
            if pr.state != "open" or pr.auto_merge_method is None:
                continue
            self.emu.head_sha(repo, pr)
            if self.emu.unmet_protection(repo, pr) or not self.emu.mergeable(repo, pr):
                continue
            self.do_merge(repo, pr, pr.auto_merge_method, pr.auto_merge_by or pr.user, {})

    # --- reviews ------------------------------------------------------------------------

    def list_reviews(self, request: Request) -> Response:
        """Reviews of a PR, oldest first (GitHub's order), paged."""
        repo = self._repo(request)
        pr = self._pull(repo, request.params["pull_number"])
        found = [r for r in repo.reviews if r.pull_number == pr.number]
        page, headers = paginate(self.emu.root_url, request, found)
        return Response(200, [self.emu.shapes.review(repo, r) for r in page], headers)

    def create_review(self, request: Request) -> Response:
        repo = self._repo(request)
        pr = self._pull(repo, request.params["pull_number"])
        body = request.body if isinstance(request.body, dict) else {}
        event = body.get("event")
        state = REVIEW_STATES.get(str(event), "PENDING") if event else "PENDING"
        if event is not None and event not in REVIEW_STATES:
            raise ApiError(422, "Unprocessable Entity", [f"Invalid event {event}"])
        if state == "APPROVED" and request.login == pr.user:
            raise ApiError(422, "Unprocessable Entity", ["Can not approve your own pull request"])
        if state in ("CHANGES_REQUESTED", "COMMENTED") and not body.get("body"):
            raise ApiError(422, "Unprocessable Entity", ["Body is required for this event"])
        commit = str(body.get("commit_id") or pr.head_sha)
        if repo.git.object_type(commit) != "commit":
            raise ApiError(422, "Unprocessable Entity", ["Commit not found: commit_id"])
        review = Review(
            id=self.emu.ids.next(),
            pull_number=pr.number,
            user=request.login,
            state=state,
            body=str(body.get("body") or ""),
            commit_id=commit,
            submitted_at=now_iso(),
        )
        repo.reviews.append(review)
        self.merge_ready_auto_merges(repo)
        return Response(200, self.emu.shapes.review(repo, review))

    # --- issue comments, labels, assignees ----------------------------------------------

    def _issue(self, repo: Repository, request: Request) -> PullRequest | Issue:
        """The PR, or the plain issue, of ``{issue_number}`` (comments work on both)."""
        number = request.params["issue_number"]
        if number.isdigit() and int(number) in repo.issues:
            return repo.issues[int(number)]
        return self._pull(repo, number)

    def list_comments(self, request: Request) -> Response:
        repo = self._repo(request)
        pr = self._issue(repo, request)
        found = [c for c in repo.comments.values() if c.issue_number == pr.number]
        page, headers = paginate(self.emu.root_url, request, found)
        shapes = self.emu.shapes
        return Response(200, [shapes.issue_comment(repo, c) for c in page], headers)

    def create_comment(self, request: Request) -> Response:
        repo = self._repo(request)
        pr = self._issue(repo, request)
        text = request.json_object().get("body")
        if not isinstance(text, str) or not text:
            raise validation_failed("IssueComment", "body", "missing_field")
        _check_length("IssueComment", "body", text)
        stamp = now_iso()
        comment = IssueComment(self.emu.ids.next(), pr.number, text, request.login, stamp, stamp)
        repo.comments[comment.id] = comment
        self.emu.record("issue_comment", webhooks.issue_comment(self.emu.shapes, repo, pr, comment))
        return Response(201, self.emu.shapes.issue_comment(repo, comment))

    def update_comment(self, request: Request) -> Response:
        repo = self._repo(request)
        key = request.params["comment_id"]
        comment = repo.comments.get(int(key)) if key.isdigit() else None
        if comment is None:
            raise ApiError(404, "Not Found")
        text = request.json_object().get("body")
        if not isinstance(text, str) or not text:
            raise validation_failed("IssueComment", "body", "missing_field")
        _check_length("IssueComment", "body", text)
        if request.login != comment.user and repo.permission(request.login)[0] not in (
            "admin",
            "write",
        ):
            raise ApiError(403, "Resource not accessible by integration")  # someone else's
        previous = comment.body
        comment.body, comment.updated_at = text, now_iso()
        pr = repo.pulls.get(comment.issue_number)
        if pr is not None:
            payload = webhooks.issue_comment_edited(
                self.emu.shapes, repo, pr, comment, previous=previous, sender=request.login
            )
            self.emu.record("issue_comment", payload)
        return Response(200, self.emu.shapes.issue_comment(repo, comment))

    def delete_comment(self, request: Request) -> Response:
        """As GitHub: 204; 404 for a comment that is not (or no longer) there; only its
        author or someone with write access may delete it."""
        repo = self._repo(request)
        key = request.params["comment_id"]
        comment = repo.comments.get(int(key)) if key.isdigit() else None
        if comment is None:
            raise ApiError(404, "Not Found")
        if request.login != comment.user and repo.permission(request.login)[0] not in (
            "admin",
            "write",
        ):
            raise ApiError(403, "Resource not accessible by integration")
        del repo.comments[comment.id]
        return Response(204)

    def add_labels(self, request: Request) -> Response:
        repo = self._repo(request)
        pr = self._issue(repo, request)
        body = request.body
        given = body.get("labels") if isinstance(body, dict) else body
        if not isinstance(given, list) or not given:
            raise validation_failed("Label", "labels")
        names = [str(item.get("name") if isinstance(item, dict) else item) for item in given]
        for name in names:
            label = repo.labels.get(name)
            if label is None:
                label = repo.labels[name] = Label(self.emu.ids.next(), name)
            if name not in pr.labels:
                pr.labels.append(name)
                if isinstance(pr, Issue):
                    continue  # GitHub sends ``issues`` ``labeled``; nothing here reads it
                payload = webhooks.pull_request_labeled(
                    self.emu.shapes, repo, pr, label, request.login
                )
                self.emu.record("pull_request", payload)
        shapes = self.emu.shapes
        return Response(200, [shapes.label(repo, repo.labels[n]) for n in pr.labels])

    def update_issue(self, request: Request) -> Response:
        """``PATCH /issues/{n}``: title, body and state, and labels/assignees *replaced*.

        Setting labels and assignees in one call is how a client saves a request; as on
        GitHub, the lists given replace the current ones, and each new label is announced
        with a ``labeled`` event.
        """
        repo = self._repo(request)
        found = self._issue(repo, request)
        if isinstance(found, Issue):
            assert self.issues is not None
            return self.issues.update(repo, found, request)
        pr = found
        body = request.json_object()
        for key in ("title", "body"):
            if isinstance(body.get(key), str):
                setattr(pr, key, body[key])
        if "labels" in body:
            self._replace_labels(repo, pr, body["labels"], request.login)
        if "assignees" in body:
            names = body["assignees"]
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise validation_failed("Issue", "assignees")
            pr.assignees = list(dict.fromkeys(names))
        pr.updated_at = now_iso()
        return Response(200, self.emu.shapes.issue(repo, pr))

    def _replace_labels(self, repo: Repository, pr: PullRequest, given: Any, sender: str) -> None:
        if not isinstance(given, list):
            raise validation_failed("Issue", "labels")
        names = [str(item.get("name") if isinstance(item, dict) else item) for item in given]
        pr.labels = [name for name in pr.labels if name in names]
        for name in dict.fromkeys(names):
            if name not in repo.labels:
                repo.labels[name] = Label(self.emu.ids.next(), name)
            if name not in pr.labels:
                pr.labels.append(name)
                if isinstance(pr, Issue):
                    continue  # GitHub sends ``issues`` ``labeled``; nothing here reads it
                payload = webhooks.pull_request_labeled(
                    self.emu.shapes, repo, pr, repo.labels[name], sender
                )
                self.emu.record("pull_request", payload)

    def add_assignees(self, request: Request) -> Response:
        repo = self._repo(request)
        pr = self._issue(repo, request)
        names = request.json_object().get("assignees", [])
        if not isinstance(names, list):
            raise validation_failed("Issue", "assignees")
        for name in names:
            if isinstance(name, str) and name not in pr.assignees:
                pr.assignees.append(name)
        return Response(201, self.emu.shapes.issue(repo, pr))

    # --- statuses -----------------------------------------------------------------------

    def create_status(self, request: Request) -> Response:
        repo = self._repo(request)
        sha = request.params["sha"]
        commit = repo.git.commit_of(sha) if len(sha) >= 4 else None
        if commit is None:
            raise ApiError(422, f"No commit found for SHA: {sha}")
        body = request.json_object()
        state = body.get("state")
        if state not in STATUS_STATES:
            raise validation_failed("Status", "state")
        status = Status(
            id=self.emu.ids.next(),
            sha=commit,
            state=str(state),
            context=str(body.get("context") or "default"),
            description=body.get("description"),
            target_url=body.get("target_url"),
            creator=request.login,
            created_at=now_iso(),
        )
        repo.statuses.append(status)
        self.merge_ready_auto_merges(repo)
        return Response(201, self.emu.shapes.status(repo, status))

    def list_statuses(self, request: Request) -> Response:
        repo = self._repo(request)
        commit = repo.git.commit_of(request.params["ref"])
        if commit is None:
            raise ApiError(404, "Not Found")
        found = [s for s in reversed(repo.statuses) if s.sha == commit]
        page, headers = paginate(self.emu.root_url, request, found)
        return Response(200, [self.emu.shapes.status(repo, s) for s in page], headers)

    def list_check_runs(self, request: Request) -> Response:
        """``GET /commits/{ref}/check-runs``: the check runs of a commit, newest first."""
        repo = self._repo(request)
        commit = repo.git.commit_of(request.params["ref"])
        if commit is None:
            raise ApiError(422, f"No commit found for SHA: {request.params['ref']}")
        found = [c for c in reversed(repo.check_runs) if c.sha == commit]
        page, headers = paginate(self.emu.root_url, request, found)
        runs = [self.emu.shapes.check_run(repo, c) for c in page]
        return Response(200, {"total_count": len(found), "check_runs": runs}, headers)

    def permission(self, request: Request) -> Response:
        """A login's permission on the repository (``none`` for one with no grant)."""
        repo = self._repo(request)
        login = request.params["username"]
        return Response(200, self.emu.shapes.collaborator_permission(repo, login))


def _branch_of(repo: Repository, head: str) -> str:
    owner, sep, branch = head.partition(":")
    return branch if sep and owner.lower() == repo.owner.lower() else head


# What GitHub accepts at most, in characters (its answers name these limits).
LENGTH_LIMITS = {"title": 256, "body": 65536}


def _check_length(resource: str, field_name: str, value: object) -> None:
    """422 for a title or body longer than GitHub takes, as GitHub words it."""
    limit = LENGTH_LIMITS[field_name]
    if isinstance(value, str) and len(value) > limit:
        message = f"{field_name} is too long (maximum is {limit} characters)"
        raise ApiError(422, "Validation Failed", [_custom(resource, message)])


def _custom(resource: str, message: str) -> dict[str, str]:
    return {"resource": resource, "code": "custom", "message": message}
