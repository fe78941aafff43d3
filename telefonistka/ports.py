"""The seams between the pure core, the use cases and the adapters, as small Protocols.

The core and the use cases ask for data and writes through these; the local-git adapter,
the GitHub adapter and the tests' fakes each implement them. A use case names the
narrowest seam it needs, so a reader sees at its signature what it may do to a
repository (a drift check cannot write a branch, a comment command cannot merge).

The plain values that cross a seam (``CommitState``, ``Comment``, ``CommitStatusState``)
live here too, so neither side has to import the other to speak of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from telefonistka.core.events.pull_request import PullRequest
    from telefonistka.core.promotion.holds import LabelledPr
    from telefonistka.core.promotion.snapshot import TreeEntry, TreeSnapshot


@dataclass(frozen=True)
class CommitState:
    """What a commit says: its tree, parents, message and author's name.

    Both backends return it, so the promotion use case can tell whether a branch an
    earlier run wrote already holds exactly the commit it would write now.
    """

    tree: str
    parents: tuple[str, ...]
    message: str
    author: str = ""
    date: str = ""  # committer date, ISO 8601, where the backend reports it
    author_id: str = ""  # "Name <email>" of the author
    committer_id: str = ""  # "Name <email>" of the committer

    @property
    def one_identity(self) -> bool:
        """Written and committed by the same identity, as every commit the bot creates is
        (it never sets an author). A person's ``git commit --amend`` of a bot commit keeps
        the author and makes the person the committer; a rebase in GitHub's UI makes
        GitHub the committer."""
        return bool(self.author_id) and self.author_id == self.committer_id


class BlobReader(Protocol):
    """Reads blob contents by object id, in one batch so adapters can pipeline."""

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """Return the bytes of every requested blob, keyed by object id."""
        ...


class FolderComparer(Protocol):
    """Tells whether two folders hold the same content (a ``TreeSnapshot`` is one)."""

    def same_content(self, folder_a: str, folder_b: str) -> bool: ...


class PushComparer(Protocol):
    """Lists the files that differ between two commits of a repository.

    Used for push fan-out when the payload cannot be trusted to list every changed file
    (a truncated commit list, or a forced push whose dropped commits are not listed).
    Best is the tree difference of the two commits (what ``fanout --repo`` computes from
    a clone); the compare API's ``before...after`` (changes since the merge base) is a
    fair stand-in. Fan-out adds the payload's own files to the answer either way, and
    falls back to them alone when this raises a ``TelefonistkaError``.
    """

    def compare_files(self, repo: str, before: str, after: str) -> list[str]:
        """Every path added, modified or removed between ``before`` and ``after``."""
        ...


class CommitStatusState(StrEnum):
    """The states of a commit status, as GitHub's statuses API spells them."""

    PENDING = "pending"
    SUCCESS = "success"
    ERROR = "error"
    FAILURE = "failure"


@dataclass(frozen=True)
class Comment:
    """An issue or PR comment: its ids (``node_id`` for GraphQL minimizing), author, body."""

    id: int
    node_id: str
    author: str
    body: str


class RepoReader(BlobReader, Protocol):
    """Reads a repository's branches, trees, files and commits; writes nothing."""

    @property
    def full_name(self) -> str: ...

    def branch_head(self, name: str) -> str | None: ...

    def resolve_commit(self, rev: str) -> str: ...

    def read_snapshot(self, rev: str) -> TreeSnapshot: ...

    def entry_at(self, rev: str, path: str) -> TreeEntry | None: ...

    def read_file(self, rev: str, path: str) -> bytes | None: ...

    def read_root_file(self, rev: str, name: str) -> bytes | None: ...

    def read_branch_file(self, branch: str, path: str) -> bytes | None: ...

    def file_in(self, snapshot: TreeSnapshot, path: str) -> bytes | None: ...

    def content_of(self, entry: TreeEntry | None) -> bytes | None: ...

    def commit_state(self, rev: str) -> CommitState: ...


class GitWriter(Protocol):
    """Writes git objects and moves the bot's branches."""

    def create_blob(self, content: bytes) -> str: ...

    def write_tree(self, base: str, changes: Mapping[str, TreeEntry | None]) -> str: ...

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str: ...

    def update_branch(self, name: str, new_sha: str, old_sha: str | None) -> None: ...

    def create_branch(self, name: str, sha: str) -> str | None: ...

    def delete_branch(self, name: str) -> None: ...


class PullRequestHost(Protocol):
    """Pull requests and their conversation: files, PRs, labels, reviews, merges, comments."""

    @property
    def default_branch(self) -> str: ...

    def viewer_login(self) -> str: ...

    def user_permission(self, login: str) -> str: ...

    def pr_files(self, number: int, pull: PullRequest | None = None) -> list[str]: ...

    def get_pr(self, number: int) -> PullRequest: ...

    def find_open_pr(self, head_branch: str) -> PullRequest | None: ...

    def list_open_prs(self, base: str) -> list[PullRequest]: ...

    def list_merged_prs(self, base: str) -> list[PullRequest]: ...

    def create_pr(self, title: str, body: str, head: str, base: str) -> PullRequest: ...

    def close_pr(self, number: int) -> None: ...

    def update_pr(self, number: int, title: str, body: str) -> PullRequest: ...

    def add_labels(self, number: int, labels: Sequence[str]) -> None: ...

    def add_assignees(self, number: int, logins: Sequence[str]) -> None: ...

    def set_labels_and_assignees(
        self, number: int, labels: Sequence[str], logins: Sequence[str]
    ) -> None: ...

    def approve(self, number: int, commit: str) -> None: ...

    def reviewed(self, number: int, commit: str) -> bool: ...

    def merge_pr(self, number: int, method: str = "merge") -> str: ...

    def merged_prs_labelled(self, label: str) -> list[LabelledPr]: ...

    def enable_auto_merge(self, pull: PullRequest, method: str = "merge") -> None: ...

    def comment(self, number: int, body: str) -> Comment: ...

    def comment_once(self, number: int, body: str, event: str) -> Comment: ...

    def delete_comment(self, comment_id: int) -> None: ...

    def list_comments(self, number: int) -> list[Comment]: ...

    def minimize_comment(self, node_id: str, classifier: str = "OUTDATED") -> None: ...


@dataclass(frozen=True)
class IssueInfo:
    """A plain issue, as the dashboard reads it."""

    number: int
    title: str
    body: str
    author: str
    html_url: str = ""


@dataclass(frozen=True)
class ClosedPr:
    """A closed promotion or rollback PR, as the issue list gives it."""

    number: int
    title: str
    body: str
    author: str
    created_at: datetime
    merged_at: datetime | None  # None: closed without merging (superseded, abandoned)


class IssueHost(Protocol):
    """Plain issues: the dashboard issue."""

    def issues_labelled(self, label: str) -> list[IssueInfo]: ...

    def closed_prs_labelled(self, label: str, since: datetime) -> list[ClosedPr]: ...

    def get_issue(self, number: int) -> IssueInfo: ...

    def create_issue(self, title: str, body: str, labels: Sequence[str]) -> IssueInfo: ...

    def edit_issue_body(self, number: int, body: str) -> None: ...

    def close_issue(self, number: int) -> None: ...


@dataclass(frozen=True)
class StatusRecord:
    """One commit status as last set: its state and when (ISO 8601)."""

    state: str
    updated_at: str


class StatusHost(Protocol):
    """Commit statuses: read the newest state of a context, set one."""

    def status_state(self, sha: str, context: str) -> str | None: ...

    def status_record(self, sha: str, context: str) -> StatusRecord | None: ...

    def latest_statuses(self, sha: str) -> dict[str, tuple[str, str, str]]: ...

    def check_runs(self, sha: str) -> dict[str, str]: ...

    def last_change(self, ref: str, path: str) -> tuple[str, str] | None: ...

    def set_status(
        self,
        sha: str,
        state: CommitStatusState | str,
        context: str = "telefonistka",
        description: str = "",
        target_url: str | None = None,
    ) -> None: ...


class HistoryReader(Protocol):
    """Which of two commits of the repository came first."""

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether commit ``ancestor`` is ``descendant`` or one of its ancestors."""


@dataclass(frozen=True)
class OpenPull:
    """An open PR and the newest status of each context on its head commit."""

    pull: PullRequest
    statuses: Mapping[str, tuple[str, str, str]]  # context → (state, description, when)


@dataclass(frozen=True)
class GatePassRead:
    """What the gate pass needs before it decides anything, read at once.

    ``holds`` is None when it could not all be read here (over one page): the caller reads
    them the usual way (``merged_prs_labelled``).
    """

    pulls: list[OpenPull]
    holds: list[LabelledPr] | None
    head: str = ""  # the branch's head commit
    config: bytes | None = None  # its configuration file; None: absent or not given whole


@dataclass(frozen=True)
class PromotionRead:
    """What a promotion reads before it plans, at once.

    ``files`` is None when the merged PR's changed files must be listed the usual way
    (over 100, or a rename, whose old name only REST gives); ``open_pulls`` is None when
    the open PRs are over one page.
    """

    head: str  # the base branch's head commit
    files: list[str] | None
    open_pulls: list[OpenPull] | None
    repository_id: str = ""  # the GraphQL id (creating a PR through GraphQL needs it)


@dataclass(frozen=True)
class OpenPullsView:
    """The open PRs into a base branch and its head, as read at one moment (after a PR
    was created, in the same request)."""

    head: str
    open_pulls: list[OpenPull]


@dataclass(frozen=True)
class SourceMoment:
    """The newest commit that changed a source folder, and its checks.

    ``checks`` names each check run (its conclusion, or its status while it runs) and each
    commit status (its state); ``runs`` names only the check runs, which count over a
    status of the same name.
    """

    sha: str
    date: str  # committer date, ISO 8601
    runs: Mapping[str, str]
    statuses: Mapping[str, str]


class BatchReader(Protocol):
    """Reads that the GitHub adapter answers in one GraphQL request each.

    Each raises ``GitHubError`` when GraphQL refuses (an older GitHub Enterprise Server
    without a field): the caller then reads the same facts through the REST calls.
    """

    def gate_pass_read(
        self, branch: str, hold_label: str, config_path: str, *, all_bases: bool = False
    ) -> GatePassRead:
        """``branch``'s head and configuration, the open PRs into it (every open PR with
        ``all_bases``) with their heads' statuses, the merged PRs labelled
        ``hold_label``, and the token's login."""

    def promotion_read(
        self, base: str, number: int, config_path: str, assignees: Sequence[str] = ()
    ) -> PromotionRead:
        """The base branch's head, the configuration's blob (kept where the snapshot's
        reads find it), PR ``number``'s files, the open PRs into ``base``, and the ids
        of the labels and of ``assignees`` (at most two) for ``label_and_assign``."""

    def pr_read(self, base: str, number: int, config_path: str) -> PromotionRead:
        """The base branch's head, the configuration's blob and PR ``number``'s files (and
        comments, for its next ``list_comments``), for a check of an open PR."""

    def label_and_assign(
        self, items: Sequence[tuple[PullRequest, list[str], list[str]]], base: str = ""
    ) -> OpenPullsView | None:
        """Set labels and assignees of new PRs, (PR, labels, logins) each, at once; with
        ``base``, read the open PRs into it and its head once they are set."""

    def close_superseded(self, items: Sequence[tuple[PullRequest, str]]) -> dict[int, str]:
        """Close superseded PRs, (PR, note) each, at once: the note once, the branch
        deleted, the PR closed. Returns PR number → error for those not closed."""

    def create_pr_at_once(
        self,
        title: str,
        body: str,
        head: str,
        base: str,
        repository_id: str,
        *,
        labels: Sequence[str] = (),
    ) -> PullRequest:
        """Open a PR (as ``create_pr``), creating in the same request those of ``labels``
        the repository lacks (so ``label_and_assign`` can set them at once)."""

    def source_moments(self, ref: str, paths: Sequence[str]) -> dict[str, SourceMoment | None]:
        """The source moment of each of ``paths`` on ``ref``; None where none changed it."""


class CodeHost(
    RepoReader,
    GitWriter,
    PullRequestHost,
    StatusHost,
    PushComparer,
    HistoryReader,
    BatchReader,
    Protocol,
):
    """A repository on a code host with pull requests: everything the GitHub use cases use."""
