"""The version-bump use case: edit one file of a target repo and open (or refresh) its PR.

A code repo's pipeline calls this (through ``telefonistka bump-*`` or the Action) after
publishing an artifact. No clone and no full snapshot: only the target file's entry is
looked up on the base branch (``entry_at``, so a repository beyond GitHub's
100,000-entry listing limit costs a few folder reads, not a whole tree walk), the edit
is a pure function of its bytes (``core.bump``), and the change is one blob, one tree,
one commit and one ref write, then a PR titled like the Go original's.

One branch and one open PR per target file (``branch_name``), as Renovate and Dependabot
users expect: a newer bump moves the branch to its commit and updates that PR in place
(new value, title and body naming the newest triggering commit, a comment saying what it
replaced); running the same bump again writes nothing and says ``unchanged``. A file the
edit leaves unchanged opens nothing.
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Protocol

from telefonistka.core.bump import unified_diff
from telefonistka.core.events.pull_request import PullRequest
from telefonistka.core.github.refnames import BUMP_NAMESPACE, check_branch_name
from telefonistka.core.github.repo_paths import full_name_problem, repo_path_problem
from telefonistka.core.promotion.snapshot import Mode, TreeEntry
from telefonistka.core.text.markdown import fenced, text
from telefonistka.errors import RefNameError, UsageError
from telefonistka.ports import BlobReader, CodeHost, CommitState
from telefonistka.usecases.auto_merge import MergeState, merge_respecting_protection
from telefonistka.usecases.bump_edits import Edit

BRANCH_PREFIX = BUMP_NAMESPACE.rstrip("/")
_FILE_MODES = frozenset({Mode.FILE, Mode.EXECUTABLE})
_COMMIT_PREFIX = "Bumping version @ "  # every bump commit's message starts so
_NOT_SLUG = re.compile(r"[^A-Za-z0-9_-]+")
_SLUG_CHARS = 100
_TRIGGER = re.compile(r"^Bumping version triggered by (\S+)", re.MULTILINE)
MAX_BODY_DIFF = 60_000  # GitHub caps a PR body at 65,536 characters

Log = Callable[[str], None]


class BumpStatus(StrEnum):
    """How a bump ended."""

    UNCHANGED = "unchanged"
    DRY_RUN = "dry-run"
    OPENED = "opened"
    UPDATED = "updated"
    MERGED = "merged"
    EDITED = "edited"  # the branch holds a commit the bot did not write: left as it is
    COMMITTED = "committed"  # a local bump: the branch is written, there is no PR


@dataclass(frozen=True)
class BumpRequest:
    """What to bump, and who asked (the triggering repo, commit and actor name the PR)."""

    target_file: str
    edit: Edit
    triggering_repo: str
    triggering_sha: str
    triggering_actor: str = ""
    base_branch: str | None = None
    auto_merge: bool = False
    dry_run: bool = False


@dataclass(frozen=True)
class BumpOutcome:
    """The result: the diff, and the branch and PR when one was written."""

    status: BumpStatus
    diff: str
    branch: str
    pull: PullRequest | None = None
    merge_commit: str | None = None


def branch_name(target_file: str) -> str:
    """The one bump branch of ``target_file``: ``artifact_version_bump/<slug>-<hash>``.

    Why one per file (the Go original had one per triggering commit): two releases
    bumping two files from one commit shared a branch, so the second run took the first
    bump out of its PR; two commits bumping one file opened two PRs, and merging the
    older last downgraded. Now a newer bump of a file updates that file's open PR, and
    bumps of different files never touch each other's branch. The slug keeps the name
    readable; the hash of the exact path keeps it unique and a valid git branch name.
    """
    digest = hashlib.sha1(target_file.encode(), usedforsecurity=False).hexdigest()[:12]
    slug = _NOT_SLUG.sub("-", target_file).strip(".-")[:_SLUG_CHARS]
    return check_branch_name(f"{BRANCH_PREFIX}/{slug}-{digest}", "the bump branch")


def _check_triggering_repo(triggering_repo: str) -> None:
    """The triggering repo names the PR: ``OWNER/NAME`` in GitHub's alphabet."""
    problem = full_name_problem(triggering_repo)
    if problem is not None:
        raise RefNameError(f"the triggering repo {triggering_repo!r} is unusable: {problem}")


def pr_title(triggering_repo: str, target_file: str) -> str:
    """The Go original's title, kept so existing dashboards and filters still match."""
    return f"{triggering_repo}🚠 Bumping version @ {target_file}"


def pr_body(request: BumpRequest, diff: str) -> str:
    """Who triggered the bump and what it changes (the diff, cut to fit GitHub's cap)."""
    trigger = f"{text(request.triggering_repo)}@{text(request.triggering_sha)}"
    lines = [f"Bumping version triggered by {trigger}"]
    if request.triggering_actor:
        lines.append(f"Triggered by @{text(request.triggering_actor)}.")
    shown = diff if len(diff) <= MAX_BODY_DIFF else diff[:MAX_BODY_DIFF] + "\n… (diff cut)\n"
    lines.append(fenced(shown, "diff"))
    return "\n\n".join(lines) + "\n"


def _stderr(line: str) -> None:
    """The default log: stderr, so stdout stays for the PR URL or the dry-run diff."""
    print(line, file=sys.stderr)


def bump(
    repo: CodeHost, request: BumpRequest, log: Log = _stderr, *, show_diff: bool = True
) -> BumpOutcome:
    """Apply the edit on the base branch; open, refresh and maybe merge the bump PR.

    ``show_diff``: log the diff (the Action's job log); a CLI that prints it itself says no.
    """
    _check_request(request)
    base = request.base_branch or repo.default_branch
    prepared = _prepare(repo, request, base, log, show_diff=show_diff)
    if isinstance(prepared, BumpOutcome):
        return prepared
    written = _write_branch(repo, prepared)
    if written is _Write.FOREIGN:
        pull = repo.find_open_pr(prepared.branch)
        if pull is not None:  # somebody's commit on an open bump PR: never dropped
            return _leave_edited(repo, pull, prepared.branch, prepared.diff, log)
        written = _write_branch(repo, prepared, force=True)
    moved = written is _Write.MOVED
    return _open_pr(repo, request, base, prepared.branch, prepared.diff, moved=moved, log=log)


def bump_local(
    repo: BumpTarget, request: BumpRequest, base: str, log: Log = _stderr, *, show_diff: bool = True
) -> BumpOutcome:
    """The bump on a local repository: the same edit, blob, tree, commit and branch as on
    GitHub, and no PR. A branch holding somebody else's commit is left as it is."""
    _check_request(request)
    prepared = _prepare(repo, request, base, log, show_diff=show_diff)
    if isinstance(prepared, BumpOutcome):
        return prepared
    written = _write_branch(repo, prepared)
    branch, diff = prepared.branch, prepared.diff
    if written is _Write.FOREIGN:
        log(f"{branch} holds a commit telefonistka did not write: left as it is")
        return BumpOutcome(BumpStatus.EDITED, diff, branch)
    if written is _Write.KEPT:
        log(f"{branch} already holds this bump")
        return BumpOutcome(BumpStatus.UNCHANGED, diff, branch)
    log(f"wrote branch {branch} (merge it, or push it and open a PR)")
    return BumpOutcome(BumpStatus.COMMITTED, diff, branch)


class BumpTarget(BlobReader, Protocol):
    """What a bump reads and writes: GitHub's repository, or a local one."""

    def resolve_commit(self, rev: str) -> str: ...

    def entry_at(self, rev: str, path: str) -> TreeEntry | None: ...

    def create_blob(self, content: bytes) -> str: ...

    def write_tree(self, base: str, changes: Mapping[str, TreeEntry | None]) -> str: ...

    def branch_head(self, name: str) -> str | None: ...

    def commit_state(self, rev: str) -> CommitState: ...

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str: ...

    def update_branch(self, name: str, new_sha: str, old_sha: str | None) -> None: ...


@dataclass(frozen=True)
class _Prepared:
    """The edit computed on the base commit, ready to be written."""

    request: BumpRequest
    commit: str
    existing: TreeEntry | None
    content: bytes
    diff: str
    branch: str


class _Write(Enum):
    MOVED = "moved"  # the branch was created or moved to the bump's commit
    KEPT = "kept"  # it already held exactly this bump
    FOREIGN = "foreign"  # it holds somebody else's commit: not written


def _prepare(
    repo: BumpTarget, request: BumpRequest, base: str, log: Log, *, show_diff: bool
) -> _Prepared | BumpOutcome:
    """Read the target file on ``commit``, apply the edit; an outcome when nothing is to
    be written (no change, or a dry run)."""
    commit = repo.resolve_commit(base)
    existing = repo.entry_at(commit, request.target_file)
    _check_target(repo, commit, request.target_file, existing)
    current = _content(repo, existing)
    new = request.edit(current)
    branch = branch_name(request.target_file)
    if new == current:
        log(f"{request.target_file} on {base} already has this content: nothing to write")
        return BumpOutcome(BumpStatus.UNCHANGED, "", branch)
    diff = unified_diff(current, new, request.target_file)
    if show_diff:
        log(f"Diff of {request.target_file} against {base}:\n{diff}")
    if request.dry_run:
        return BumpOutcome(BumpStatus.DRY_RUN, diff, branch)
    return _Prepared(request, commit, existing, new, diff, branch)


def _content(repo: BlobReader, entry: TreeEntry | None) -> bytes | None:
    """The file's bytes; None when there is no such file (bump-overwrite creates it)."""
    if entry is None or entry.mode not in _FILE_MODES:
        return None
    return repo.read_blobs([entry.oid])[entry.oid]


def _check_request(request: BumpRequest) -> None:
    """Every input is usable before any request; missing ones say where they come from."""
    if not request.triggering_repo or not request.triggering_sha:
        raise UsageError(
            "the triggering repo and commit are required (they name the bump PR): pass "
            "--triggering-repo and --triggering-repo-sha, or run inside GitHub Actions where "
            "GITHUB_REPOSITORY and GITHUB_SHA are set"
        )
    if not request.target_file:
        raise UsageError("the target file is required: pass --target-file PATH")
    problem = repo_path_problem(request.target_file)
    if problem is not None:
        raise UsageError(f"the target file {request.target_file!r} is not usable: {problem}")
    _check_triggering_repo(request.triggering_repo)
    check_branch_name(request.triggering_sha, "the triggering commit")
    branch_name(request.target_file)


def _check_target(repo: BumpTarget, commit: str, path: str, existing: TreeEntry | None) -> None:
    """The target must be a file or absent, and no folder on its way may be a file."""
    if existing is not None and existing.mode not in _FILE_MODES:
        kind = "a folder" if existing.is_folder else f"not a regular file (mode {existing.mode})"
        raise UsageError(f"the target file {path!r} is {kind} in the target repo")
    if existing is None:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            parent = "/".join(parts[:depth])
            entry = repo.entry_at(commit, parent)
            if entry is None:
                return
            if not entry.is_folder:
                raise UsageError(
                    f"the target file {path!r} would be below {parent!r}, which is a file"
                )


def _write_branch(repo: BumpTarget, prepared: _Prepared, *, force: bool = False) -> _Write:
    """One blob, one tree, one commit on the base; the branch created or moved, kept when
    it holds this bump already, and (unless ``force``) not touched when its head is a
    commit the bot did not write. The mode of the file on the base is kept."""
    path = prepared.request.target_file
    entry = TreeEntry(_mode_for(prepared.existing), repo.create_blob(prepared.content))
    tree = repo.write_tree(prepared.commit, {path: entry})
    old = repo.branch_head(prepared.branch)
    if old is not None and _holds(repo, old, tree, prepared.commit):
        return _Write.KEPT
    if old is not None and not force and not _is_ours(repo, old):
        return _Write.FOREIGN
    commit = repo.commit_tree(tree, [prepared.commit], f"{_COMMIT_PREFIX}{path}")
    repo.update_branch(prepared.branch, commit, old)
    return _Write.MOVED


def _is_ours(repo: BumpTarget, head: str) -> bool:
    return repo.commit_state(head).message.startswith(_COMMIT_PREFIX)


def _leave_edited(
    repo: CodeHost, pull: PullRequest, branch: str, diff: str, log: Log
) -> BumpOutcome:
    """Somebody pushed to the bump branch: keep their commit, say so once on its PR."""
    log(f"{branch} holds a commit telefonistka did not write: left as it is")
    note = (
        "⚠️ This branch has commits telefonistka did not write, so this bump was not "
        "applied to it. Merge or close this PR; the next bump then starts afresh."
    )
    repo.comment_once(pull.number, note, "bump-edited")
    return BumpOutcome(BumpStatus.EDITED, diff, branch, pull)


def _say_what_it_replaced(repo: CodeHost, previous: PullRequest, body: str) -> None:
    """A comment on the updated PR naming the bump it replaced, when the trigger changed."""
    before, after = _TRIGGER.search(previous.body or ""), _TRIGGER.search(body)
    old = before.group(1) if before else "an earlier bump"
    new = after.group(1) if after else "a newer bump"
    if old != new:
        note = f"Updated to the bump triggered by {new}; it replaces {old}."
        repo.comment_once(previous.number, note, f"bump-replaced {new}")


def _mode_for(existing: TreeEntry | None) -> Mode:
    """Keep an executable file executable; anything else becomes a regular file."""
    return (
        Mode.EXECUTABLE if existing is not None and existing.mode is Mode.EXECUTABLE else Mode.FILE
    )


def _holds(repo: BumpTarget, head: str, tree: str, parent: str) -> bool:
    """A rerun whose branch already holds this tree on this base writes nothing."""
    state = repo.commit_state(head)
    return state.tree == tree and state.parents == (parent,)


def _open_pr(
    repo: CodeHost,
    request: BumpRequest,
    base: str,
    branch: str,
    diff: str,
    *,
    moved: bool,
    log: Log,
) -> BumpOutcome:
    """Update the file's open bump PR or open one; merge it when asked.

    The same bump run again (branch unmoved, same title and body) writes nothing and
    says ``unchanged``; a newer bump updates the PR in place and comments what it
    replaced.
    """
    title, body = pr_title(request.triggering_repo, request.target_file), pr_body(request, diff)
    existing = repo.find_open_pr(branch)
    if existing is not None and not moved and (existing.title, existing.body) == (title, body):
        log(f"PR #{existing.number} already carries this bump: {existing.html_url or branch}")
        return BumpOutcome(BumpStatus.UNCHANGED, diff, branch, existing)
    if existing is not None:
        pull, status = repo.update_pr(existing.number, title, body), BumpStatus.UPDATED
        _say_what_it_replaced(repo, existing, body)
    else:
        pull, status = repo.create_pr(title, body, branch, base), BumpStatus.OPENED
        if request.triggering_actor:
            repo.add_assignees(pull.number, [request.triggering_actor])
    log(f"{status.value} PR #{pull.number}: {pull.html_url or branch}")
    if not request.auto_merge:
        return BumpOutcome(status, diff, branch, pull)
    merged = merge_respecting_protection(repo, pull, log)
    if merged.state is not MergeState.MERGED:
        return BumpOutcome(status, diff, branch, pull)
    log(f"merged PR #{pull.number} ({merged.commit[:12]})")
    return BumpOutcome(BumpStatus.MERGED, diff, branch, pull, merged.commit)
