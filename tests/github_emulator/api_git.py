"""Repository, git data, contents and compare endpoints."""

from __future__ import annotations

import base64
import binascii
import time
from typing import TYPE_CHECKING, Any

from .git import ZERO, Entry, Person
from .paging import paginate
from .server import ApiError, Request, Response, Router, validation_failed
from .shapes import Json
from .state import Repository, now_iso
from .trees import MalformedPathError, TreeChangeError, build_tree, check_changes

if TYPE_CHECKING:
    from .emulator import GitHubEmulator

REPO = "/repos/{owner}/{repo}"
MODES = {"100644": "blob", "100755": "blob", "120000": "blob", "040000": "tree", "160000": "commit"}
COMPARE_COMMITS_LIMIT = 250
COMPARE_FILES_LIMIT = 300

CONTENTS_LIMIT = 1024 * 1024  # the contents API gives a file's content up to 1 MB


class GitApi:
    def __init__(self, emu: GitHubEmulator) -> None:
        self.emu = emu

    def register(self, router: Router) -> None:
        router.add("GET", REPO, self.get_repo)
        router.add("GET", f"{REPO}/branches/{{branch}}", self.get_branch)
        router.add("GET", f"{REPO}/git/ref/{{ref}}", self.get_ref)
        router.add("GET", f"{REPO}/git/matching-refs/{{ref}}", self.matching_refs)
        router.add("POST", f"{REPO}/git/refs", self.create_ref)
        router.add("PATCH", f"{REPO}/git/refs/{{ref}}", self.update_ref)
        router.add("DELETE", f"{REPO}/git/refs/{{ref}}", self.delete_ref)
        router.add("GET", f"{REPO}/git/trees/{{tree_sha}}", self.get_tree)
        router.add("POST", f"{REPO}/git/trees", self.create_tree)
        router.add("GET", f"{REPO}/git/blobs/{{file_sha}}", self.get_blob)
        router.add("POST", f"{REPO}/git/blobs", self.create_blob)
        router.add("GET", f"{REPO}/git/commits/{{commit_sha}}", self.get_commit)
        router.add("POST", f"{REPO}/git/commits", self.create_commit)
        router.add("GET", f"{REPO}/commits", self.list_commits)
        router.add("GET", f"{REPO}/commits/{{ref}}", self.get_rest_commit)
        router.add("GET", f"{REPO}/contents/{{path}}", self.get_contents)
        router.add("PUT", f"{REPO}/contents/{{path}}", self.put_contents)
        router.add("GET", f"{REPO}/compare/{{basehead}}", self.compare)
        router.add("GET", "/user", self.get_user)
        router.add("GET", "/rate_limit", self.rate_limit)

    def _repo(self, request: Request) -> Repository:
        return self.emu.find_repo(request.params["owner"], request.params["repo"])

    # --- repository, user, rate limit ---------------------------------------------------

    def get_repo(self, request: Request) -> Response:
        return Response(200, self.emu.shapes.full_repository(self._repo(request)))

    def get_branch(self, request: Request) -> Response:
        repo = self._repo(request)
        name = request.params["branch"]
        sha = repo.git.ref(f"refs/heads/{name}")
        if sha is None:
            raise ApiError(404, "Branch not found")
        shapes = self.emu.shapes
        url = f"{shapes.repo_api(repo)}/branches/{name}"
        body = {
            "name": name,
            "commit": shapes.commit(repo, repo.git.read_commit(sha)),
            "_links": {"self": url, "html": f"{shapes.root}/{repo.full_name}/tree/{name}"},
            "protected": False,
            "protection": {
                "enabled": False,
                "required_status_checks": {
                    "enforcement_level": "off",
                    "contexts": [],
                    "checks": [],
                },
            },
            "protection_url": f"{url}/protection",
        }
        return Response(200, body)

    def get_user(self, request: Request) -> Response:
        return Response(200, self.emu.shapes.authenticated_user(request.login))

    def rate_limit(self, _request: Request) -> Response:
        used = self.emu.server.requests_made
        reset = int(time.time()) // 3600 * 3600 + 3600
        core = {"limit": 5000, "used": used, "remaining": 5000 - used, "reset": reset}
        other = {"limit": 5000, "used": 0, "remaining": 5000, "reset": reset}
        resources = {"core": core, "search": other, "graphql": other}
        return Response(200, {"resources": resources, "rate": core})

    # --- refs ---------------------------------------------------------------------------

    def get_ref(self, request: Request) -> Response:
        repo = self._repo(request)
        name = "refs/" + request.params["ref"]
        sha = repo.git.ref(name)
        if sha is None:
            raise ApiError(404, "Not Found")
        return Response(200, self._ref(repo, name, sha))

    def matching_refs(self, request: Request) -> Response:
        repo = self._repo(request)
        prefix = "refs/" + request.params["ref"]
        refs = repo.git.refs()
        found = [self._ref(repo, n, s) for n, s in sorted(refs.items()) if n.startswith(prefix)]
        return Response(200, found)

    def _ref(self, repo: Repository, name: str, sha: str) -> Json:
        kind = repo.git.object_type(sha) or "commit"
        return self.emu.shapes.ref(repo, name, sha, "tag" if kind == "tag" else kind)

    def create_ref(self, request: Request) -> Response:
        repo = self._repo(request)
        body = request.json_object()
        name, sha = body.get("ref"), body.get("sha")
        if not isinstance(name, str) or not name.startswith("refs/") or name.count("/") < 2:
            raise ApiError(422, "Reference name must start with 'refs/' and have two slashes")
        if not isinstance(sha, str) or repo.git.object_type(sha) is None:
            raise ApiError(422, "Object does not exist")
        if repo.git.ref(name) is not None:
            raise ApiError(422, "Reference already exists")
        self.emu.move_branch(repo, name, sha, None, request.login)
        return Response(201, self._ref(repo, name, sha))

    def update_ref(self, request: Request) -> Response:
        repo = self._repo(request)
        body = request.json_object()
        name, sha = "refs/" + request.params["ref"], body.get("sha")
        old = repo.git.ref(name)
        if old is None:
            raise ApiError(422, "Reference does not exist")
        if not isinstance(sha, str) or repo.git.object_type(sha) is None:
            raise ApiError(422, "Object does not exist")
        forward = repo.git.object_type(sha) == "commit" and repo.git.is_ancestor(old, sha)
        if not body.get("force") and not forward:
            raise ApiError(422, "Update is not a fast forward")
        if sha != old:
            self.emu.move_branch(repo, name, sha, old, request.login)
        return Response(200, self._ref(repo, name, sha))

    def delete_ref(self, request: Request) -> Response:
        repo = self._repo(request)
        name = "refs/" + request.params["ref"]
        old = repo.git.ref(name)
        if old is None:
            raise ApiError(422, "Reference does not exist")
        self.emu.move_branch(repo, name, ZERO, old, request.login)
        return Response(204)

    # --- trees, blobs, commits ----------------------------------------------------------

    def get_tree(self, request: Request) -> Response:
        repo = self._repo(request)
        sha = repo.git.resolve(f"{request.params['tree_sha']}^{{tree}}")
        if sha is None:
            raise ApiError(404, "Not Found")
        recursive = "recursive" in request.query
        entries = repo.git.ls_tree(sha, recursive=recursive)
        limit = self.emu.tree_entry_limit
        truncated = len(entries) > limit
        return Response(200, self.emu.shapes.tree(repo, sha, entries[:limit], truncated))

    def create_tree(self, request: Request) -> Response:
        repo = self._repo(request)
        body = request.json_object()
        items = body.get("tree")
        if not isinstance(items, list):
            raise validation_failed("Tree", "tree", "missing_field")
        base = body.get("base_tree")
        if base is not None and repo.git.resolve(f"{base}^{{tree}}") is None:
            raise ApiError(404, "Not Found")
        given = [item.get("sha") for item in items if isinstance(item, dict)]
        types = repo.git.object_types(sha for sha in given if isinstance(sha, str))
        changes = [self._tree_change(repo, item, types) for item in items]
        base_tree = repo.git.resolve(f"{base}^{{tree}}") if base else None
        try:
            check_changes(repo.git, base_tree, changes)
            sha = build_tree(repo.git, base_tree, changes)
        except MalformedPathError as exc:
            raise ApiError(422, f"tree.path contains a malformed path component: {exc}") from exc
        except TreeChangeError as exc:
            raise ApiError(422, f"GitRPC::BadObjectState: {exc}") from exc
        entries = repo.git.ls_tree(sha)
        return Response(201, self.emu.shapes.tree(repo, sha, entries, False))

    def _tree_change(
        self, repo: Repository, item: Any, types: dict[str, str | None]
    ) -> tuple[str, Entry | None]:
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            raise validation_failed("Tree", "path", "missing_field")
        path, mode = item["path"], str(item.get("mode", ""))
        if mode not in MODES:
            raise ApiError(422, f"tree.mode contains an invalid value: {mode!r}")
        kind = item.get("type", MODES[mode])
        if "content" in item and item["content"] is not None:
            sha = repo.git.write_blob(str(item["content"]).encode())
        elif "sha" in item and item["sha"] is None:
            return path, None
        else:
            given = item.get("sha")
            if not isinstance(given, str) or (kind != "commit" and types.get(given) != kind):
                raise ApiError(422, f"tree.sha {given} is not a valid {kind}")
            sha = given
        return path, Entry(mode, kind, sha, None, path)

    def get_blob(self, request: Request) -> Response:
        repo = self._repo(request)
        sha = request.params["file_sha"]
        if repo.git.object_type(sha) != "blob":
            raise ApiError(404, "Not Found")
        full = repo.git.resolve(sha) or sha
        return Response(200, self.emu.shapes.blob(repo, full, repo.git.read_blob(full)))

    def create_blob(self, request: Request) -> Response:
        repo = self._repo(request)
        body = request.json_object()
        content, encoding = body.get("content"), body.get("encoding", "utf-8")
        if not isinstance(content, str):
            raise validation_failed("Blob", "content", "missing_field")
        if encoding == "base64":
            try:
                data = base64.b64decode(content)
            except binascii.Error as exc:
                raise ApiError(422, "Invalid base64 content") from exc
        elif encoding in ("utf-8", "utf8"):
            data = content.encode()
        else:
            raise ApiError(422, f"encoding {encoding!r} is not supported")
        sha = repo.git.write_blob(data)
        url = f"{self.emu.shapes.repo_api(repo)}/git/blobs/{sha}"
        return Response(201, {"url": url, "sha": sha})

    def get_commit(self, request: Request) -> Response:
        repo = self._repo(request)
        sha = request.params["commit_sha"]
        if repo.git.object_type(sha) != "commit":
            raise ApiError(404, "Not Found")
        commit = repo.git.read_commit(repo.git.resolve(sha) or sha)
        return Response(200, self.emu.shapes.git_commit(repo, commit))

    def create_commit(self, request: Request) -> Response:
        repo = self._repo(request)
        body = request.json_object()
        tree, parents = body.get("tree"), body.get("parents", [])
        if not isinstance(tree, str) or repo.git.object_type(tree) != "tree":
            raise ApiError(422, "Tree SHA does not exist")
        if not isinstance(parents, list) or any(
            not isinstance(p, str) or repo.git.object_type(p) != "commit" for p in parents
        ):
            raise ApiError(422, "Parent SHA does not exist or is not a commit object")
        message = body.get("message")
        if not isinstance(message, str):
            raise validation_failed("Commit", "message", "missing_field")
        author = _person(body.get("author"), request.login)
        committer = _person(body.get("committer"), request.login, author.date)
        sha = repo.git.write_commit(tree, parents, message, author, committer)
        return Response(201, self.emu.shapes.git_commit(repo, repo.git.read_commit(sha)))

    def list_commits(self, request: Request) -> Response:
        """``GET /commits?sha=&path=``: the history of a branch or commit, newest first,
        only the commits that changed ``path`` when given (``git log``'s own rule)."""
        repo = self._repo(request)
        start = request.arg("sha") or repo.default_branch
        sha = repo.git.commit_of(start)
        if sha is None:
            raise ApiError(404, "Not Found")
        path = request.arg("path")
        args = ["log", "--format=%H", sha]
        if path:
            args += ["--", path.strip("/")]
        shas = [line for line in repo.git.run(*args).decode().splitlines() if line]
        page, headers = paginate(self.emu.root_url, request, shas)
        body = [self.emu.shapes.commit(repo, repo.git.read_commit(s)) for s in page]
        return Response(200, body, headers)

    def get_rest_commit(self, request: Request) -> Response:
        repo = self._repo(request)
        sha = repo.git.commit_of(request.params["ref"])
        if sha is None:
            raise ApiError(422, f"No commit found for SHA: {request.params['ref']}")
        commit = repo.git.read_commit(sha)
        parent = commit.parents[0] if commit.parents else repo.git.make_tree([])
        changes = repo.git.diff(parent, sha)
        shapes = self.emu.shapes
        body = shapes.commit(repo, commit)
        additions = sum(c.additions for c in changes)
        deletions = sum(c.deletions for c in changes)
        body["stats"] = {
            "additions": additions,
            "deletions": deletions,
            "total": additions + deletions,
        }
        body["files"] = [shapes.diff_entry(repo, c, sha) for c in changes[:COMPARE_FILES_LIMIT]]
        return Response(200, body)

    # --- contents -----------------------------------------------------------------------

    def _entry_at(self, repo: Repository, commit: str, path: str) -> Entry | None:
        return repo.git.entry_at(repo.git.read_commit(commit).tree, path)

    def get_contents(self, request: Request) -> Response:
        repo = self._repo(request)
        path = request.params["path"].strip("/")
        ref = request.arg("ref") or repo.default_branch
        commit = repo.git.commit_of(ref)
        entry = self._entry_at(repo, commit, path) if commit else None
        if commit is None or entry is None:
            raise ApiError(404, "Not Found")
        shapes = self.emu.shapes
        if entry.type == "tree":
            children = repo.git.ls_tree(entry.sha)
            listing = [
                shapes.content_entry(repo, child, f"{path}/{child.path}", ref) for child in children
            ]
            return Response(200, listing)
        body = shapes.content_entry(repo, entry, path, ref)
        if entry.type == "blob":
            data = repo.git.read_blob(entry.sha)
            body["size"] = len(data)
            if entry.mode == "120000":
                body["target"] = data.decode(errors="replace")
            elif len(data) > CONTENTS_LIMIT:  # GitHub leaves a file over 1 MB out
                body |= {"content": "", "encoding": "none"}
            else:
                body |= {"content": shapes.blob(repo, entry.sha, data)["content"]}
                body["encoding"] = "base64"
        return Response(200, body)

    def put_contents(self, request: Request) -> Response:
        repo = self._repo(request)
        body = request.json_object()
        path = request.params["path"].strip("/")
        message, content = body.get("message"), body.get("content")
        if not isinstance(message, str) or not isinstance(content, str):
            raise validation_failed("Content", "message" if message is None else "content")
        branch = body.get("branch") or repo.default_branch
        ref = f"refs/heads/{branch}"
        parent = repo.git.ref(ref)
        if parent is None:
            raise ApiError(404, f"Branch {branch} not found")
        existing = self._entry_at(repo, parent, path)
        if existing is not None and body.get("sha") is None:
            raise ApiError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        if existing is not None and body.get("sha") != existing.sha:
            raise ApiError(409, f"{path} does not match {body.get('sha')}")
        try:
            data = base64.b64decode(content, validate=False)
        except binascii.Error as exc:
            raise ApiError(422, "content is not valid Base64") from exc
        blob = repo.git.write_blob(data)
        base_tree = repo.git.read_commit(parent).tree
        tree = build_tree(repo.git, base_tree, [(path, Entry("100644", "blob", blob, None, path))])
        author = _person(body.get("author"), request.login)
        committer = _person(body.get("committer"), request.login, author.date)
        sha = repo.git.write_commit(tree, [parent], message, author, committer)
        self.emu.move_branch(repo, ref, sha, parent, request.login)
        shapes = self.emu.shapes
        entry = Entry("100644", "blob", blob, len(data), path)
        result = {
            "content": shapes.content_entry(repo, entry, path, branch),
            "commit": shapes.git_commit(repo, repo.git.read_commit(sha)),
        }
        return Response(200 if existing else 201, result)

    # --- compare ------------------------------------------------------------------------

    def compare(self, request: Request) -> Response:
        repo = self._repo(request)
        base_name, sep, head_name = request.params["basehead"].partition("...")
        git = repo.git
        base = git.commit_of(base_name) if sep else None
        head = git.commit_of(head_name) if sep else None
        if base is None or head is None:
            raise ApiError(404, "Not Found")
        merge_base = git.merge_base(base, head)
        if merge_base is None:
            raise ApiError(404, f"No common ancestor between {base_name} and {head_name}.")
        ahead = git.rev_list(head, base)
        behind = git.rev_list(base, head)
        shapes = self.emu.shapes
        html = f"{shapes.root}/{repo.full_name}/compare/{base_name}...{head_name}"
        changes = git.diff(merge_base, head)[:COMPARE_FILES_LIMIT]
        body = {
            "url": f"{shapes.repo_api(repo)}/compare/{base_name}...{head_name}",
            "html_url": html,
            "permalink_url": f"{shapes.root}/{repo.full_name}/compare/{base}...{head}",
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "base_commit": shapes.commit(repo, git.read_commit(base)),
            "merge_base_commit": shapes.commit(repo, git.read_commit(merge_base)),
            "status": _compare_status(len(ahead), len(behind)),
            "ahead_by": len(ahead),
            "behind_by": len(behind),
            "total_commits": len(ahead),
            "commits": [
                shapes.commit(repo, git.read_commit(c)) for c in ahead[:COMPARE_COMMITS_LIMIT]
            ],
            "files": [shapes.diff_entry(repo, c, head) for c in changes],
        }
        return Response(200, body)


def _compare_status(ahead: int, behind: int) -> str:
    if ahead == 0 and behind == 0:
        return "identical"
    if behind == 0:
        return "ahead"
    return "behind" if ahead == 0 else "diverged"


def _person(data: Any, login: str, date: str | None = None) -> Person:
    data = data if isinstance(data, dict) else {}
    return Person(
        str(data.get("name") or login),
        str(data.get("email") or f"{login}@users.noreply.github.com"),
        str(data.get("date") or date or now_iso()),
    )
