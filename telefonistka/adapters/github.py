"""The GitHub adapter: a repository on GitHub (or GitHub Enterprise Server) via the REST API.

The remote twin of ``localgit.LocalGitRepo``: it fills the same ``TreeSnapshot``,
implements ``ports.BlobReader`` and the ``promotion.PromotionBackend`` write side, and
adds the pull-request calls the Action needs. It is built to spend few requests:

- a snapshot is one recursive tree read (plus one ref read when given a branch name);
  when GitHub truncates the listing, only the folders whose listing is provably
  incomplete are read again (see ``github_trees``);
- blobs are read only when asked for, and commits, snapshots and blobs are cached by
  object id (they never change);
- a promotion is one tree write (explicit per-file deletions), one commit (no author or
  committer, so GitHub signs it as the token's identity), one ref write;
- PR files are listed 100 per page; over GitHub's 3,000-file cap, the two trees are
  compared instead.

Every request goes through ``GitHubClient`` (retries, counting, error messages).
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from github import Auth

from telefonistka.adapters.github_http import (
    Clock,
    GitHubClient,
    RetryPolicy,
    Sleep,
    make_requester,
)
from telefonistka.adapters.github_trees import (
    changed_files,
    children_by_folder,
    is_complete,
    parse_tree_items,
    tree_write_items,
)
from telefonistka.core.github_api import DEFAULT_BASE_URL, RequestCounter
from telefonistka.core.pr_events import PullRequest
from telefonistka.core.snapshot import Mode, TreeEntry, TreeSnapshot, strip_slashes
from telefonistka.errors import GitHubError
from telefonistka.ports import CommitState

MAX_PR_FILES = 3000  # GitHub lists at most this many files of a pull request
MAX_COMPARE_FILES = 300  # and at most this many files of a compare
PER_PAGE = 100
MAX_STATUS_DESCRIPTION = 140
_OID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_READABLE_MODES = frozenset({Mode.FILE, Mode.EXECUTABLE, Mode.SYMLINK})
_MERGE_AGAIN = "try the merge again"


class CommitStatusState(StrEnum):
    """The states of a commit status, as the statuses API spells them."""

    PENDING = "pending"
    SUCCESS = "success"
    ERROR = "error"
    FAILURE = "failure"


def commit_state_from_json(data: Mapping[str, Any]) -> CommitState:
    """A git-commit API object (``GET``/``POST /git/commits``) as a ``CommitState``."""
    parents = tuple(str(p["sha"]) for p in data.get("parents") or [])
    author = (data.get("author") or {}).get("name") or ""
    date = (data.get("committer") or {}).get("date") or ""
    message = str(data.get("message") or "")
    return CommitState(str(data["tree"]["sha"]), parents, message, author, date)


def pull_request_from_json(data: Mapping[str, Any]) -> PullRequest:
    """A REST pull-request object as the core ``PullRequest`` (list responses omit
    ``changed_files`` and ``merged``: None/False then)."""
    try:
        return PullRequest(
            number=int(data["number"]),
            title=str(data.get("title") or ""),
            body=str(data.get("body") or ""),
            author=str((data.get("user") or {}).get("login") or ""),
            head_ref=str(data["head"]["ref"]),
            head_sha=str(data["head"]["sha"]),
            base_ref=str(data["base"]["ref"]),
            base_sha=str(data["base"]["sha"]),
            merged=bool(data.get("merged")),
            merge_commit_sha=data.get("merge_commit_sha"),
            changed_files=data.get("changed_files"),
            labels=tuple(str(label["name"]) for label in data.get("labels") or []),
            html_url=str(data.get("html_url") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise GitHubError(f"unexpected pull request object from GitHub: {exc!r}") from exc


@dataclass(frozen=True)
class Comment:
    """An issue or PR comment: its ids (``node_id`` for GraphQL minimizing), author, body."""

    id: int
    node_id: str
    author: str
    body: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Comment:
        author = str((data.get("user") or {}).get("login") or "")
        return cls(int(data["id"]), str(data.get("node_id") or ""), author, str(data["body"] or ""))


class GitHubRepo:
    """One GitHub repository, seen through one identity (token or PyGithub ``Auth``).

    ``base_url`` is ``https://api.github.com`` or, for GitHub Enterprise Server,
    ``https://HOST/api/v3``. Retries wait through ``sleep`` (tests pass a recorder);
    ``counter`` may be shared with another identity (the approver) to count a whole run.
    ``default_branch``, when the caller already knows it (``repository.default_branch``
    of a webhook event), saves the metadata request.
    """

    def __init__(
        self,
        token: str | Auth.Auth,
        full_name: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        policy: RetryPolicy | None = None,
        counter: RequestCounter | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.time,
        default_branch: str | None = None,
    ) -> None:
        owner, _, name = full_name.partition("/")
        if not owner or not name or "/" in name:
            raise GitHubError(f"repository name {full_name!r} is not of the form OWNER/NAME")
        self.full_name, self.owner, self.base_url = full_name, owner, base_url
        self._http = GitHubClient(
            make_requester(token, base_url),
            policy=policy,
            counter=counter,
            sleep=sleep,
            clock=clock,
        )
        self._path = f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"
        self._metadata: dict[str, Any] | None = (
            {"default_branch": default_branch} if default_branch else None
        )
        self._snapshots: dict[str, TreeSnapshot] = {}
        self._roots: dict[str, dict[str, TreeEntry]] = {}  # root listings, per commit
        self._root_oids: dict[str, str] = {}  # root tree ids learnt without a snapshot
        self._partial: dict[str, _Listing] = {}  # truncated listings not yet completed
        self._commits: dict[str, CommitState] = {}
        self._blobs: dict[str, bytes] = {}
        # Fills ``target_url`` of the ``telefonistka`` status (the `status-target-url` input).
        self.status_url: Callable[[str], str] | None = None

    def __repr__(self) -> str:
        return f"GitHubRepo({self.full_name!r}, {self.base_url!r})"

    def close(self) -> None:
        """Release the HTTP connections (the process exits soon after in the Action anyway)."""
        self._http.close()

    def with_identity(self, token: str | Auth.Auth) -> GitHubRepo:
        """The same repository and host seen by another identity (the approver).

        Shares the request counter, retry policy and sleep, so a run's figures add up.
        """
        http = self._http
        return GitHubRepo(
            token,
            self.full_name,
            self.base_url,
            policy=http.policy,
            counter=http.counter,
            sleep=http.sleep,
            clock=http.clock,
            default_branch=(self._metadata or {}).get("default_branch"),
        )

    # --- counting -----------------------------------------------------------------------

    @property
    def counter(self) -> RequestCounter:
        return self._http.counter

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far (retries included), by every identity sharing the counter."""
        return self._http.counter.total

    # --- repository ---------------------------------------------------------------------

    @property
    def default_branch(self) -> str:
        """The repository's default branch, from its metadata (read once)."""
        return str(self._repository()["default_branch"])

    def _repository(self) -> dict[str, Any]:
        """``GET /repos/{owner}/{repo}``, once; a 404 means the token cannot see it."""
        if self._metadata is None:
            try:
                self._metadata = self._call("repo", "read the repository", "GET", "")
            except GitHubError as exc:
                if exc.status != 404:
                    raise
                raise GitHubError(
                    f"repository {self.full_name} not found at {self.base_url} (404): the token "
                    "cannot see it; check the repository name and that the token (or the "
                    "App installation) has access to this repository",
                    404,
                    exc.detail,
                ) from exc
        return self._metadata

    # --- refs ---------------------------------------------------------------------------

    def branch_head(self, name: str) -> str | None:
        """The commit at the tip of branch ``name``, or None when there is no such branch.

        ``/git/ref/`` (singular) matches the name exactly; ``/git/refs/`` would also
        return ``name/...`` branches.
        """
        try:
            data = self._call("ref", f"read branch {name!r}", "GET", f"/git/ref/heads/{_ref(name)}")
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise
        if isinstance(data, list):  # some servers answer a prefix match with a list
            wanted = f"refs/heads/{name}"
            data = next((ref for ref in data if ref.get("ref") == wanted), None)
            if data is None:
                return None
        return str(data["object"]["sha"])

    def resolve_commit(self, rev: str) -> str:
        """The commit ``rev`` names: a full object id as is, else the head of that branch."""
        if _OID.fullmatch(rev):
            return rev
        head = self.branch_head(rev)
        if head is None:
            raise GitHubError(f"no branch {rev!r} in {self.full_name}", 404)
        return head

    def update_branch(self, name: str, new_sha: str, old_sha: str | None) -> None:
        """Point branch ``name`` at ``new_sha``: create it when ``old_sha`` is None, else move it.

        GitHub's ref API has no compare-and-swap, so a move is a forced update. That is
        safe for promotion branches: the bot owns them and their content is a function
        of (base, plan), so whichever concurrent run writes last leaves an equivalent
        commit. A create that loses the race (422 "Reference already exists": another
        run, or our own retried POST, created it first) re-reads the head and becomes an
        update unless the branch is already at ``new_sha``.
        """
        if old_sha is None:
            try:
                self._create_ref(name, new_sha)
                return
            except GitHubError as exc:
                if exc.status != 422 or "already exists" not in exc.detail.lower():
                    raise
            if self.branch_head(name) == new_sha:
                return
        self._move_ref(name, new_sha)

    def _create_ref(self, name: str, sha: str) -> None:
        body = {"ref": f"refs/heads/{name}", "sha": sha}
        self._call("ref", f"create branch {name!r}", "POST", "/git/refs", body=body)

    def _move_ref(self, name: str, sha: str) -> None:
        body = {"sha": sha, "force": True}
        path = f"/git/refs/heads/{_ref(name)}"
        self._call("ref", f"update branch {name!r}", "PATCH", path, body=body)

    # --- reading ------------------------------------------------------------------------

    def read_snapshot(self, rev: str) -> TreeSnapshot:
        """Every file and folder of ``rev`` (branch name or commit id).

        One ``GET /git/trees/{commit}?recursive=1`` (the trees API takes any tree-ish and
        answers with the commit's root tree and its id), preceded by one ``GET
        /git/ref/heads/{rev}`` when ``rev`` is a branch name: two small calls instead of
        ``GET /commits/{ref}``, whose answer carries up to 300 file diffs. The events the
        Action handles carry full commit ids, so there the snapshot is one request.
        Tags and abbreviated ids are not accepted. Cached per commit.
        """
        commit = self.resolve_commit(rev)
        listing = self._truncated_listing(commit)
        if listing is not None:
            root = self._root_oids[commit]
            self._complete_listing(root, listing)
            self._snapshots[commit] = TreeSnapshot(commit, root, listing.entries)
            del self._partial[commit]
        return self._snapshots[commit]

    def _truncated_listing(self, commit: str) -> _Listing | None:
        """The recursive listing of ``commit``'s tree, read once; None once a snapshot exists.

        A complete listing becomes the snapshot at once. A truncated one is kept as it
        is: ``entry_at`` looks paths up in it, and ``read_snapshot`` completes it, so
        neither reads the recursive listing a second time.
        """
        if commit in self._snapshots:
            return None
        if commit not in self._partial:
            data = self._tree_json(commit, recursive=True)
            root, entries = str(data["sha"]), parse_tree_items(data["tree"])
            self._root_oids[commit] = root
            if not data.get("truncated"):
                self._snapshots[commit] = TreeSnapshot(commit, root, entries)
                return None
            self._partial[commit] = _Listing(entries)
        return self._partial[commit]

    def _tree_json(self, tree_ish: str, *, recursive: bool) -> dict[str, Any]:
        params = {"recursive": "1"} if recursive else None
        what = f"read tree {tree_ish[:12]}"
        data: dict[str, Any] = self._call("tree", what, "GET", f"/git/trees/{tree_ish}", params)
        return data

    def _complete_listing(self, root: str, listing: _Listing) -> None:
        """Fill in what a truncated recursive listing left out, folder by folder.

        A folder is complete when its listed children hash to its id (see
        ``github_trees.is_complete``). A folder with nothing listed is read recursively
        in one call; one cut part-way (or still cut after that) is listed again on its
        own (non-recursive). A folder whose id was already proven complete at another
        path costs nothing: its subtree is copied, since equal ids mean equal content —
        in a GitOps repo most component folders are copies of each other.
        """
        self._complete_folder("", root, listing, {})

    def _complete_folder(
        self, folder: str, oid: str, listing: _Listing, whole: dict[str, str]
    ) -> None:
        """Make ``folder``'s subtree complete; ``whole`` maps proven ids to a path."""
        if oid in whole:
            listing.copy(whole[oid], folder)
            return
        if not is_complete(listing.children(folder), oid):
            if not listing.children(folder):
                data = self._tree_json(oid, recursive=True)
                listing.merge(parse_tree_items(data["tree"], folder))
            self._list_unless_complete(folder, oid, listing)
        for path, sub in listing.subfolders(folder):
            self._complete_folder(path, sub, listing, whole)
        whole[oid] = folder

    def _list_unless_complete(self, folder: str, oid: str, listing: _Listing) -> None:
        """List ``folder``'s direct children unless those listed already hash to ``oid``."""
        if not is_complete(listing.children(folder), oid):
            listing.merge(self._list_folder(folder, oid))

    def entry_at(self, rev: str, path: str) -> TreeEntry | None:
        """The entry (file or folder) at ``path`` in ``rev``; None when absent.

        For a caller that needs one path and nothing else (a version bump edits one
        file). Below GitHub's 100,000-entry limit this is the snapshot's one recursive
        read, kept as the snapshot. Beyond it the truncated listing is used as far as it
        goes: a listed path costs nothing more, and an unlisted one one small
        non-recursive read per folder on its way that the listing left incomplete (at
        most the path's depth), where completing the whole snapshot takes dozens of
        reads on a large repository.
        """
        commit = self.resolve_commit(rev)
        listing = self._truncated_listing(commit)
        if listing is None:
            return self._snapshots[commit].entry(path)
        return self._find(listing, self._root_oids[commit], strip_slashes(path))

    def _find(self, listing: _Listing, root: str, path: str) -> TreeEntry | None:
        """Walk ``path`` down from the root, listing only folders the walk cannot trust."""
        entry, folder = TreeEntry(Mode.FOLDER, root), ""
        for name in path.split("/") if path else ():
            if not entry.is_folder:
                return None  # a file where the path needs a folder
            here = f"{folder}/{name}" if folder else name
            if here not in listing.entries:
                self._list_unless_complete(folder, entry.oid, listing)
            found = listing.entries.get(here)
            if found is None:
                return None
            entry, folder = found, here
        return entry

    def _list_folder(self, folder: str, oid: str) -> dict[str, TreeEntry]:
        """The direct children of one folder (a non-recursive tree read)."""
        data = self._tree_json(oid, recursive=False)
        if data.get("truncated"):
            raise GitHubError(f"GitHub truncated the listing of folder {folder!r} itself")
        return parse_tree_items(data["tree"], folder)

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """The contents of every blob in ``oids`` (one ``GET /git/blobs/{sha}`` each, cached)."""
        wanted = list(dict.fromkeys(oids))
        for oid in wanted:
            if oid not in self._blobs:
                self._blobs[oid] = self._read_blob(oid)
        return {oid: self._blobs[oid] for oid in wanted}

    def _read_blob(self, oid: str) -> bytes:
        data = self._call("blob", f"read blob {oid[:12]}", "GET", f"/git/blobs/{oid}")
        content = str(data.get("content") or "")
        if data.get("encoding") == "utf-8":
            return content.encode()
        try:
            return base64.b64decode(content)
        except (binascii.Error, ValueError) as exc:
            raise GitHubError(f"blob {oid} from GitHub is not valid base64") from exc

    def create_blob(self, content: bytes) -> str:
        """``POST /git/blobs`` (base64, so any bytes survive); returns the blob id.

        Promotions never need it (they reuse the source's blobs); version bumps write
        new content.
        """
        body = {"content": base64.b64encode(content).decode("ascii"), "encoding": "base64"}
        data = self._call("blob", "write a blob", "POST", "/git/blobs", body=body)
        sha = str(data["sha"])
        self._blobs[sha] = content
        return sha

    def read_file(self, rev: str, path: str) -> bytes | None:
        """The content of file ``path`` at ``rev``; None when absent or not a file.

        Which files exist comes from the (cached) snapshot, so an absent file costs no
        request and no 404.
        """
        return self.file_in(self.read_snapshot(rev), path)

    def read_root_file(self, rev: str, name: str) -> bytes | None:
        """The content of file ``name`` at the root of ``rev``; None when absent.

        For a caller that needs one root file and nothing else (the push fan-out reads
        only ``telefonistka.yaml``): one non-recursive tree read and the blob, two
        requests however large the repository, where a snapshot of a repository beyond
        GitHub's 100,000-entry limit takes several. A snapshot already read is used as is.
        """
        commit = self.resolve_commit(rev)
        if commit in self._snapshots:
            return self.file_in(self._snapshots[commit], name)
        if commit not in self._roots:
            self._roots[commit] = parse_tree_items(self._tree_json(commit, recursive=False)["tree"])
        return self.content_of(self._roots[commit].get(name))

    def file_in(self, snapshot: TreeSnapshot, path: str) -> bytes | None:
        """The content of file ``path`` in ``snapshot``; None when absent or not a file."""
        return self.content_of(snapshot.entry(path))

    def content_of(self, entry: TreeEntry | None) -> bytes | None:
        """The blob of a file entry; None for no entry, a folder or a submodule."""
        if entry is None or entry.mode not in _READABLE_MODES:
            return None
        return self.read_blobs([entry.oid])[entry.oid]

    def commit_state(self, rev: str) -> CommitState:
        """Tree, parents, message and author of commit ``rev`` (cached per commit)."""
        sha = self.resolve_commit(rev)
        if sha not in self._commits:
            data = self._call("commit", f"read commit {sha[:12]}", "GET", f"/git/commits/{sha}")
            self._commits[sha] = commit_state_from_json(data)
        return self._commits[sha]

    # --- pull-request files -------------------------------------------------------------

    def pr_files(self, number: int, pull: PullRequest | None = None) -> list[str]:
        """Files the pull request changes; both names of a rename.

        ``pull`` (from the event payload) saves a request: with more than 3,000 changed
        files, which GitHub does not list, the base and head trees are compared at once.
        Without it, the PR is read only when the listing reaches that cap.
        """
        if pull is not None and (pull.changed_files or 0) > MAX_PR_FILES:
            return self.changed_files_between(pull.base_sha, pull.head_sha)
        what, path = f"list files of PR #{number}", f"/pulls/{number}/files"
        records = self._paginate("pull-files", what, path, limit=MAX_PR_FILES)
        if len(records) >= MAX_PR_FILES:
            pull = pull or self.get_pr(number)
            if (pull.changed_files or 0) > MAX_PR_FILES:
                return self.changed_files_between(pull.base_sha, pull.head_sha)
        return _file_names(records)

    def changed_files_between(self, base: str, head: str) -> list[str]:
        """Files that differ between two commits, from two snapshots (no per-file calls).

        A two-dot comparison: for a PR it is exact when ``base`` is the merge base
        (GitHub keeps a PR's ``base.sha`` there until the base branch moves on).
        """
        return changed_files(self.read_snapshot(base), self.read_snapshot(head))

    def compare_files(self, repo: str, before: str, after: str) -> list[str]:
        """``ports.PushComparer``: files changed by ``before...after``; both names of a rename.

        One ``GET /compare/{before}...{after}``: GitHub lists at most 300 files there (on
        the first page only; later pages carry commits, never files), so a list that
        reaches the cap is replaced by the diff of the two trees (two requests).
        ``repo`` must be this repository: a push is compared where it happened.
        """
        if repo.lower() != self.full_name.lower():
            raise GitHubError(f"cannot compare commits of {repo} through {self.full_name}")
        what = f"compare {before[:12]}...{after[:12]}"
        params = {"per_page": 1}
        data = self._call("compare", what, "GET", f"/compare/{before}...{after}", params)
        records = data.get("files") or []
        if len(records) >= MAX_COMPARE_FILES:
            return self.changed_files_between(before, after)
        return _file_names(records)

    # --- writing ------------------------------------------------------------------------

    def write_tree(self, base: str, changes: Mapping[str, TreeEntry | None]) -> str:
        """The tree of commit ``base`` with per-file ``changes``: one ``POST /git/trees``.

        ``base_tree`` keeps everything not mentioned; each deletion is its own path with
        ``"sha": null``; modes (executable, symlink, submodule) are sent as they are.
        """
        base_tree = self._tree_of(base)
        if not changes:
            return base_tree
        items = tree_write_items(changes, self._snapshots.get(base))
        body = {"base_tree": base_tree, "tree": items}
        data = self._call("tree", f"write a tree on {base[:12]}", "POST", "/git/trees", body=body)
        return str(data["sha"])

    def _tree_of(self, commit: str) -> str:
        """The root tree of ``commit``, from what was read before when possible."""
        snapshot = self._snapshots.get(commit)
        if snapshot is not None:
            return snapshot.root_oid
        return self._root_oids.get(commit) or self.commit_state(commit).tree

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str:
        """A new commit of ``tree``: one ``POST /git/commits``.

        No ``author`` or ``committer``: GitHub then uses the token's identity and signs
        the commit ("Verified"), which a custom author would prevent.
        """
        body = {"message": message, "tree": tree, "parents": list(parents)}
        data = self._call("commit", "create a commit", "POST", "/git/commits", body=body)
        self._commits[str(data["sha"])] = commit_state_from_json(data)
        return str(data["sha"])

    # --- pull requests ------------------------------------------------------------------

    def get_pr(self, number: int) -> PullRequest:
        data = self._call("pull", f"read PR #{number}", "GET", f"/pulls/{number}")
        return pull_request_from_json(data)

    def find_open_pr(self, head_branch: str) -> PullRequest | None:
        """The open PR from branch ``head_branch`` of this repository, if any."""
        params = {"head": f"{self.owner}:{head_branch}", "state": "open"}
        data = self._call(
            "pull", f"look for an open PR from {head_branch!r}", "GET", "/pulls", params
        )
        return pull_request_from_json(data[0]) if data else None

    def create_pr(self, title: str, body: str, head: str, base: str) -> PullRequest:
        """Open a PR; when one is already open from ``head`` (a re-run), return that one."""
        payload = {"title": title, "body": body, "head": head, "base": base}
        try:
            data = self._call("pull", f"open a PR from {head!r}", "POST", "/pulls", body=payload)
        except GitHubError as exc:
            existing = self.find_open_pr(head) if _pr_exists(exc) else None
            if existing is None:
                raise
            return existing
        return pull_request_from_json(data)

    def update_pr(self, number: int, title: str, body: str) -> PullRequest:
        payload = {"title": title, "body": body}
        data = self._call("pull", f"update PR #{number}", "PATCH", f"/pulls/{number}", body=payload)
        return pull_request_from_json(data)

    def add_labels(self, number: int, labels: Sequence[str]) -> None:
        """Add ``labels`` (GitHub creates unknown ones); no request when there are none."""
        if labels:
            body = {"labels": list(labels)}
            self._call(
                "labels", f"label PR #{number}", "POST", f"/issues/{number}/labels", body=body
            )

    def add_assignees(self, number: int, logins: Sequence[str]) -> None:
        """Assign ``logins``; GitHub silently skips users who cannot be assigned."""
        if logins:
            body = {"assignees": list(logins)}
            path = f"/issues/{number}/assignees"
            self._call("assignees", f"assign PR #{number}", "POST", path, body=body)

    def set_labels_and_assignees(
        self, number: int, labels: Sequence[str], logins: Sequence[str]
    ) -> None:
        """Labels and assignees in one ``PATCH /issues/{n}`` (replacing both lists).

        For a PR this run just opened, where there is nothing to replace: one request
        instead of two.
        """
        body = {"labels": list(labels), "assignees": list(logins)}
        self._call(
            "labels", f"label and assign PR #{number}", "PATCH", f"/issues/{number}", body=body
        )

    def approve(self, number: int) -> None:
        """Approve the PR. Call it on ``with_identity(approver)``: nobody approves their own PR."""
        body = {"event": "APPROVE"}
        self._call("review", f"approve PR #{number}", "POST", f"/pulls/{number}/reviews", body=body)

    def merge_pr(self, number: int, method: str = "merge") -> str:
        """Merge the PR and return the merge commit id.

        GitHub answers 405 "Base branch was modified. Review and try the merge again."
        while a concurrent merge settles; that answer is retried with backoff, at most
        ``policy.merge_attempts`` times. Any other refusal is raised at once.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._merge_once(number, method)
            except GitHubError as exc:
                again = exc.status == 405 and _MERGE_AGAIN in exc.detail.lower()
                if not again or attempt >= self._http.policy.merge_attempts:
                    raise
            self._http.sleep(self._http.policy.backoff_for(attempt))

    def _merge_once(self, number: int, method: str) -> str:
        body = {"merge_method": method}
        data = self._call(
            "merge", f"merge PR #{number}", "PUT", f"/pulls/{number}/merge", body=body
        )
        return str(data.get("sha") or "")

    def comment(self, number: int, body: str) -> Comment:
        path = f"/issues/{number}/comments"
        data = self._call("comment", f"comment on #{number}", "POST", path, body={"body": body})
        return Comment.from_json(data)

    def list_comments(self, number: int) -> list[Comment]:
        """Every comment on issue or PR ``number``, 100 per page."""
        records = self._paginate(
            "comment", f"list comments of #{number}", f"/issues/{number}/comments"
        )
        return [Comment.from_json(record) for record in records]

    def status_state(self, sha: str, context: str) -> str | None:
        """The newest state of status ``context`` on ``sha``; None when it was never set.

        One page of ``GET /commits/{sha}/statuses`` (newest first, 100 per page): a commit
        rarely carries more statuses than that, and the newest of a context comes first.
        """
        path = f"/commits/{sha}/statuses"
        what = f"read statuses of {sha[:12]}"
        records = self._call("status", what, "GET", path, {"per_page": PER_PAGE}) or []
        states = [str(r.get("state")) for r in records if r.get("context") == context]
        return states[0] if states else None

    # --- GraphQL ------------------------------------------------------------------------

    def viewer_login(self) -> str:
        """The login of the identity this repository is seen through (``viewer { login }``).

        One GraphQL request; REST has no equivalent that works for App installation tokens.
        """
        data = self._graphql("read the token's login", "query { viewer { login } }", {})
        return str((data.get("viewer") or {}).get("login") or "")

    def minimize_comment(self, node_id: str, classifier: str = "OUTDATED") -> None:
        """Hide comment ``node_id`` as ``classifier`` (GraphQL ``minimizeComment``)."""
        query = (
            "mutation($input: MinimizeCommentInput!) { minimizeComment(input: $input) "
            "{ minimizedComment { isMinimized } } }"
        )
        variables = {"input": {"subjectId": node_id, "classifier": classifier}}
        self._graphql(f"minimize comment {node_id}", query, variables)

    def _graphql(self, what: str, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """One GraphQL request; GraphQL errors (answered with HTTP 200) become ``GitHubError``."""
        body = {"query": query, "variables": dict(variables)}
        data = self._http.call("graphql", what, "POST", self._http.graphql_url, body=body)[1]
        errors = (data or {}).get("errors")
        if errors:
            detail = "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict))
            raise GitHubError(f"GraphQL refused to {what}: {detail or errors}", 200, detail)
        return dict((data or {}).get("data") or {})

    def set_status(
        self,
        sha: str,
        state: CommitStatusState | str,
        context: str = "telefonistka",
        description: str = "",
        target_url: str | None = None,
    ) -> None:
        """Set commit status ``context`` on ``sha`` (descriptions are cut to GitHub's 140)."""
        body: dict[str, Any] = {
            "state": CommitStatusState(state).value,
            "context": context,
            "description": description[:MAX_STATUS_DESCRIPTION],
        }
        if target_url is None and self.status_url is not None and context == "telefonistka":
            target_url = self.status_url(sha)  # our own status only, not toggled ones
        if target_url:
            body["target_url"] = target_url
        self._call(
            "status", f"set status {context!r} on {sha[:12]}", "POST", f"/statuses/{sha}", body=body
        )

    # --- internals ----------------------------------------------------------------------

    def _call(
        self,
        kind: str,
        what: str,
        verb: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        body: Any = None,
    ) -> Any:
        """One request on this repository's API path; returns the JSON body."""
        url = f"{self._path}{path}"
        return self._http.call(kind, what, verb, url, params=params, body=body)[1]

    def _paginate(self, kind: str, what: str, path: str, limit: int | None = None) -> list[Any]:
        """Every item of a list endpoint, ``per_page=100``, stopping at ``limit`` items.

        Follows ``Link: rel="next"``; a server that sends no Link header is read until a
        page comes back short. ``limit`` is where GitHub stops listing anyway (3,000 PR
        files), so no request is spent on the empty page after it.
        """
        items: list[Any] = []
        page = 0
        while True:
            page += 1
            params = {"per_page": PER_PAGE, "page": page}
            headers, data = self._http.call(kind, what, "GET", f"{self._path}{path}", params=params)
            items.extend(data or [])
            link = headers.get("link")
            more = 'rel="next"' in link if link is not None else len(data or []) == PER_PAGE
            if not more or (limit is not None and len(items) >= limit):
                return items


class _Listing:
    """A growing path → entry map with a folder → children index, for ``_complete_listing``."""

    def __init__(self, entries: Mapping[str, TreeEntry]) -> None:
        self.entries = dict(entries)
        self._children = children_by_folder(self.entries)

    def children(self, folder: str) -> dict[str, TreeEntry]:
        return self._children.get(folder, {})

    def subfolders(self, folder: str) -> list[tuple[str, str]]:
        """(path, oid) of the folders directly inside ``folder``."""
        lead = f"{folder}/" if folder else ""
        return [(lead + n, e.oid) for n, e in self.children(folder).items() if e.is_folder]

    def merge(self, entries: Mapping[str, TreeEntry]) -> None:
        self.entries.update(entries)
        for folder, children in children_by_folder(entries).items():
            self._children.setdefault(folder, {}).update(children)

    def copy(self, source: str, target: str) -> None:
        """List ``target`` as ``source`` is listed (two folders with the same id)."""
        copied: dict[str, TreeEntry] = {}
        stack = [(source, target)]
        while stack:
            src, dst = stack.pop()
            for name, entry in self.children(src).items():
                copied[f"{dst}/{name}"] = entry
                if entry.is_folder:
                    stack.append((f"{src}/{name}", f"{dst}/{name}"))
        self.merge(copied)


def _ref(name: str) -> str:
    """A branch name as a URL path (its slashes stay: ``refs/heads/a/b``)."""
    return quote(name, safe="/")


def _pr_exists(exc: GitHubError) -> bool:
    """GitHub's 422 for a second PR from the same head."""
    return exc.status == 422 and "already exists" in exc.detail.lower()


def _file_names(records: Iterable[Mapping[str, Any]]) -> list[str]:
    """PR-file records → paths in order, each once; a rename gives its old name too."""
    names: list[str] = []
    for record in records:
        if record.get("previous_filename"):
            names.append(str(record["previous_filename"]))
        names.append(str(record["filename"]))
    return list(dict.fromkeys(names))
