"""The local-git adapter: reads and writes a repository through the ``git`` command line.

Why the git CLI (and not dulwich or pygit2): it is always there where a GitOps repo is
checked out, it honours the repository's own configuration (alternates, replace refs,
identity, signing) and ``git ls-tree -r -t`` reads a 40k-file tree faster than either
library (see docs/performance.md, "Reading a tree snapshot").

Every call runs git with a list of arguments (never a shell) and machine-readable,
NUL-separated output. Paths are decoded as UTF-8 with ``surrogateescape``, so a path
that is not valid UTF-8 comes back as a ``str`` that encodes to the very same bytes. The
child environment never prompts for credentials and drops the repository-selecting
variables a git hook or an outer git command may have set (``GIT_DIR``,
``GIT_INDEX_FILE`` ...), so the adapter always works on the repository it was given.
Every failure becomes a ``GitError`` that names the git command and quotes its stderr.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from telefonistka.adapters.git_output import (
    decode_path,
    encode_path,
    failure_message,
    git_environment,
    index_info,
    parse_cat_file_batch,
    parse_commit,
    parse_ls_tree,
    parse_name_status,
    printable,
    printable_json,
)
from telefonistka.core.promotion.snapshot import Mode, TreeEntry, TreeSnapshot
from telefonistka.errors import GitError
from telefonistka.ports import CommitState

FALLBACK_BRANCH = "main"
FALLBACK_NAME = "telefonistka"
FALLBACK_EMAIL = "telefonistka@localhost"
REFLOG_MESSAGE = "telefonistka"

_OID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_READABLE_MODES = frozenset({Mode.FILE, Mode.EXECUTABLE, Mode.SYMLINK})
_IDENTITY_KEYS = re.compile(r"^(user|author|committer)\.(name|email)$")


class LocalGitRepo:
    """One repository on disk (work tree or bare), driven through the git CLI.

    Implements ``ports.BlobReader`` and the write side used by the promotion use case.
    ``environ`` defaults to the process environment; tests pass their own.
    """

    def __init__(self, path: str | os.PathLike[str], environ: Mapping[str, str] | None = None):
        self.path = Path(path)
        self._environ = dict(os.environ if environ is None else environ)
        self._env = git_environment(self._environ)
        self._check_repository()

    def __repr__(self) -> str:
        return f"LocalGitRepo({str(self.path)!r})"

    # --- refs ---------------------------------------------------------------------------

    def rev_parse(self, rev: str) -> str:
        """The full object id ``rev`` names; ``GitError`` naming ``rev`` when it does not."""
        args = ["rev-parse", "--verify", "--quiet", "--end-of-options", rev]
        result = self._run(args, check=False)
        if result.returncode != 0:
            raise GitError(f"unknown revision {rev!r} in {self.path}: no branch, tag or commit")
        return result.stdout.decode().strip()

    def resolve_commit(self, rev: str) -> str:
        """The commit ``rev`` names (a tag is peeled); ``GitError`` when it is not a commit."""
        self.rev_parse(rev)
        try:
            return self.rev_parse(f"{rev}^{{commit}}")
        except GitError:
            raise GitError(f"revision {rev!r} in {self.path} does not name a commit") from None

    def default_branch(self) -> str:
        """``origin/HEAD``'s branch when set, else the checked-out branch, else ``main``."""
        remote = self._symbolic_ref("refs/remotes/origin/HEAD")
        if remote is not None:
            return remote.removeprefix("refs/remotes/origin/")
        current = self._symbolic_ref("HEAD")
        if current is not None and current.startswith("refs/heads/"):
            return current.removeprefix("refs/heads/")
        return FALLBACK_BRANCH

    def remote_default_branch(self) -> str | None:
        """``origin/main`` when ``origin/HEAD`` points there (as ``git clone`` sets it)."""
        remote = self._symbolic_ref("refs/remotes/origin/HEAD")
        return remote.removeprefix("refs/remotes/") if remote is not None else None

    def branch_head(self, name: str) -> str | None:
        """The commit at the tip of branch ``name``, or None when there is no such branch."""
        ref = f"refs/heads/{name}"
        result = self._run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def list_branches(self, prefix: str = "") -> dict[str, str]:
        """Branch name → commit for every branch whose name starts with ``prefix``.

        Filtered here rather than by ``for-each-ref`` patterns, which match whole path
        components only (``promo`` would not find ``promotions/1``).
        """
        out = self._run(["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/"])
        branches: dict[str, str] = {}
        for line in decode_path(out.stdout).splitlines():
            oid, _, ref = line.partition(" ")
            name = ref.removeprefix("refs/heads/")
            if name.startswith(prefix):
                branches[name] = oid
        return dict(sorted(branches.items()))

    def update_branch(self, name: str, new_sha: str, old_sha: str | None) -> None:
        """Move branch ``name`` to ``new_sha`` only if it is still at ``old_sha``.

        ``old_sha`` None means "create": the update fails when the branch already
        exists. A lost race surfaces as ``GitError``, never as a silent overwrite.
        """
        for oid in (new_sha, old_sha or new_sha):
            _check_oid(oid)
        old = old_sha if old_sha is not None else "0" * len(new_sha)
        ref = f"refs/heads/{name}"
        self._run(["update-ref", "-m", REFLOG_MESSAGE, ref, new_sha, old])

    def create_branch(self, name: str, sha: str) -> str | None:
        """Create branch ``name`` at ``sha``; when it exists, its head (None if at ``sha``)."""
        _check_oid(sha)
        ref, zero = f"refs/heads/{name}", "0" * len(sha)
        done = self._run(["update-ref", "-m", REFLOG_MESSAGE, ref, sha, zero], check=False)
        head = self.branch_head(name)
        if head is None:
            raise GitError(f"cannot create {ref}: {done.stderr.decode(errors='replace')}")
        return None if head == sha else head

    # --- reading ------------------------------------------------------------------------

    def read_snapshot(self, rev: str) -> TreeSnapshot:
        """Every file and folder of commit ``rev``, from one ``git ls-tree -r -t``."""
        commit = self.resolve_commit(rev)
        root = self.rev_parse(f"{commit}^{{tree}}")
        out = self._run(["ls-tree", "-r", "-t", "-z", "--full-tree", commit]).stdout
        return TreeSnapshot(commit, root, parse_ls_tree(out))

    def merged_branches(self, rev: str, since: str) -> list[tuple[str, str, str, str]]:
        """Per merge commit on ``rev``'s first-parent line since ``since`` (ISO 8601): its
        message and committer date, the merged head's message and committer date. Squash
        and rebase merges have no merged head: they are not listed."""
        fmt = "--format=%H%x00%cI%x00%P%x00%B%x1e"
        merges = self._records(["log", "--first-parent", "--merges", f"--since={since}", fmt, rev])
        heads = {m[2].split()[1]: m for m in merges if len(m[2].split()) > 1}
        if not heads:
            return []
        found = self._records(["log", "--no-walk=unsorted", fmt, *heads])
        return [(heads[h[0]][3], heads[h[0]][1], h[3], h[1]) for h in found if h[0] in heads]

    def _records(self, args: list[str]) -> list[list[str]]:
        text = self._run(args).stdout.decode("utf-8", "replace")
        return [r.lstrip("\n").split("\0") for r in text.split("\x1e") if r.strip()]

    def changed_files(self, base: str, head: str) -> list[str]:
        """Files changed on ``head`` since it forked from ``base`` (``git diff BASE...HEAD``).

        Renames and copies contribute both names, as the GitHub PR-files list does.
        """
        base_id, head_id = self.resolve_commit(base), self.resolve_commit(head)
        args = ["diff", "--no-ext-diff", "--no-relative", "--name-status", "-z", "-M"]
        out = self._run([*args, f"{base_id}...{head_id}", "--"]).stdout
        return parse_name_status(out)

    def changed_files_of_commit(self, rev: str) -> list[str]:
        """Files ``rev`` changed against its first parent (all files for a root commit)."""
        commit = self.resolve_commit(rev)
        parents = self.commit_state(commit).parents
        args = ["diff-tree", "-r", "-z", "-M", "--name-status", "--no-commit-id"]
        against = [parents[0]] if parents else ["--root"]
        return parse_name_status(self._run([*args, *against, commit]).stdout)

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        """The contents of every blob in ``oids``, through one ``git cat-file --batch``."""
        wanted = list(dict.fromkeys(oids))
        if not wanted:
            return {}
        for oid in wanted:
            _check_oid(oid)
        out = self._run(["cat-file", "--batch"], stdin="".join(f"{o}\n" for o in wanted).encode())
        return parse_cat_file_batch(out.stdout, wanted)

    def read_file(self, rev: str, path: str) -> bytes | None:
        """The content of file ``path`` at ``rev``; None when absent or not a file."""
        found = self.entry_at(rev, path)
        if found is None or found.mode not in _READABLE_MODES:
            return None
        return self.read_blobs([found.oid])[found.oid]

    def entry_at(self, rev: str, path: str) -> TreeEntry | None:
        """The tree entry at ``path`` in commit ``rev`` (a file or a folder), if any."""
        env = {"GIT_LITERAL_PATHSPECS": "1"}
        args: list[str | bytes] = ["ls-tree", "-z", "--full-tree", self.resolve_commit(rev), "--"]
        entries = parse_ls_tree(self._run([*args, encode_path(path.strip("/"))], env=env).stdout)
        return entries.get(path.strip("/"))

    def create_blob(self, content: bytes) -> str:
        """Store ``content`` as a blob; its object id."""
        return self._run(["hash-object", "-w", "--stdin"], stdin=content).stdout.decode().strip()

    def commit_state(self, rev: str) -> CommitState:
        """Tree, parents and message of commit ``rev``, from the raw commit object."""
        raw = self._run(["cat-file", "commit", self.resolve_commit(rev)]).stdout
        return parse_commit(raw)

    def commit_message(self, rev: str) -> str:
        """The full message of commit ``rev`` (subject and body)."""
        return self.commit_state(rev).message

    # --- writing ------------------------------------------------------------------------

    def write_tree(self, base: str, changes: Mapping[str, TreeEntry | None]) -> str:
        """The tree ``base`` (a tree or commit) with file-level ``changes`` applied.

        ``changes`` maps a path to its new entry (blob, executable, symlink or
        submodule) or to None to delete it. Works in a throwaway index file, so the
        repository's own index and work tree are never touched. Deletions are fed first,
        so a file can become a folder (or the reverse) in one call.
        """
        with tempfile.TemporaryDirectory(prefix="telefonistka-index-") as scratch:
            env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            index = ["-c", "core.splitIndex=false"]
            base_id = self.rev_parse(base)
            self._run([*index, "read-tree", base_id], env=env)
            info = index_info(changes, null_oid="0" * len(base_id))
            self._run([*index, "update-index", "-z", "--index-info"], stdin=info, env=env)
            return self._run([*index, "write-tree"], env=env).stdout.decode().strip()

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str:
        """A new commit of ``tree`` with ``parents``; the message is passed on stdin.

        Identity: git's own order (``GIT_AUTHOR_NAME`` ... then the repository's
        configuration); when neither names someone, ``telefonistka <telefonistka@localhost>``
        instead of git's guess from the host name or a "please tell me who you are" error.
        """
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        out = self._run(args, stdin=message.encode(), env=self._identity_env())
        return out.stdout.decode().strip()

    # --- internals ----------------------------------------------------------------------

    def _check_repository(self) -> None:
        """Fail early, and clearly, when ``path`` is not a git repository."""
        if not self.path.is_dir():
            raise GitError(f"repository folder {self.path} does not exist")
        result = self._run(["rev-parse", "--git-dir"], check=False)
        if result.returncode != 0:
            reason = result.stderr.decode(errors="replace").strip()
            raise GitError(f"{self.path} is not a git repository: {reason}")

    def remote_url(self, name: str = "origin") -> str | None:
        """The URL of remote ``name`` (which repository Argo CD apps must deploy from)."""
        return self._stdout_or_none(["remote", "get-url", name])

    def _symbolic_ref(self, ref: str) -> str | None:
        """The ref that symbolic ref ``ref`` points to, or None."""
        return self._stdout_or_none(["symbolic-ref", "--quiet", ref])

    def _stdout_or_none(self, args: list[str]) -> str | None:
        result = self._run(args, check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def _identity_env(self) -> dict[str, str]:
        """Environment additions that give commit-tree an identity when none is set."""
        configured = self._configured_identity()
        env: dict[str, str] = {}
        for role in ("AUTHOR", "COMMITTER"):
            for field, fallback in (("NAME", FALLBACK_NAME), ("EMAIL", FALLBACK_EMAIL)):
                variable = f"GIT_{role}_{field}"
                keys = {f"{role.lower()}.{field.lower()}", f"user.{field.lower()}"}
                if not self._environ.get(variable) and not keys & configured:
                    env[variable] = fallback
        return env

    def _configured_identity(self) -> set[str]:
        """The identity keys (``user.name``, ``author.email`` ...) set to non-empty values."""
        args = ["config", "-z", "--get-regexp", _IDENTITY_KEYS.pattern]
        result = self._run(args, check=False)
        keys: set[str] = set()
        for item in result.stdout.split(b"\0"):
            key, _, value = item.partition(b"\n")
            if value.strip():
                keys.add(key.decode().lower())
        return keys

    def _run(
        self,
        args: Sequence[str | bytes],
        *,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``git <args>`` in the repository; ``GitError`` on failure when ``check``."""
        argv = [b"git", *(a if isinstance(a, bytes) else encode_path(a) for a in args)]
        try:
            result = subprocess.run(
                argv,
                cwd=self.path,
                input=stdin,
                capture_output=True,
                env={**self._env, **(env or {})},
                check=False,
            )
        except OSError as exc:
            raise GitError(f"cannot run git: {exc}") from exc
        if check and result.returncode != 0:
            raise GitError(failure_message(argv, result.returncode, result.stderr))
        return result


def _check_oid(oid: str) -> None:
    """Object ids go to git as arguments or batch lines: only full hex ids are passed."""
    if not _OID.fullmatch(oid):
        raise GitError(f"not a full object id: {oid!r}")


__all__ = [  # the parsers are re-exported: callers know them by this module
    "CommitState",
    "LocalGitRepo",
    "decode_path",
    "encode_path",
    "git_environment",
    "parse_cat_file_batch",
    "parse_commit",
    "parse_ls_tree",
    "parse_name_status",
    "printable",
    "printable_json",
]
