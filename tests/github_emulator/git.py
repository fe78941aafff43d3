"""The emulator's git object store: one bare repository, driven through the git CLI.

Every blob, tree, commit and ref the emulator serves is a real git object written by
git itself, so object ids are the ids GitHub would compute and ``git log`` on the bare
repository shows what the API did. Commits are written with ``git hash-object -t
commit`` from text the emulator composes, so author, committer, dates and message are
exactly what the API request said.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ZERO = "0" * 40
TREE_MODE = "040000"


class GitError(Exception):
    """A git command failed; the message quotes the command and its stderr."""


@dataclass(frozen=True)
class Entry:
    """One ``git ls-tree -l`` line: mode, type, id, size (None for trees) and path."""

    mode: str
    type: str
    sha: str
    size: int | None
    path: str


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    date: str  # ISO 8601, "2024-01-01T00:00:00Z"


@dataclass(frozen=True)
class Commit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    author: Person
    committer: Person
    message: str


@dataclass(frozen=True)
class Change:
    """One file of a diff: GitHub's status vocabulary, line counts, old path for renames."""

    status: str
    path: str
    sha: str
    additions: int
    deletions: int
    previous_path: str | None = None


@dataclass
class BareRepo:
    """A bare repository at ``path`` (created when missing, default branch ``main``)."""

    path: Path
    default_branch: str = "main"
    _env: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        home = self.path.parent
        self._env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
            "GIT_LITERAL_PATHSPECS": "1",
        }
        if (self.path / ".git").exists():
            raise ValueError(f"{self.path} is a work tree; serve a bare repository")
        if not (self.path / "HEAD").exists():
            self.path.mkdir(parents=True, exist_ok=True)
            self.run("init", "-q", "--bare", "-b", self.default_branch)

    def run(self, *args: str, stdin: bytes | None = None, check: bool = True) -> bytes:
        result = self.call(*args, stdin=stdin)
        if check and result.returncode != 0:
            stderr = result.stderr.decode(errors="replace").strip()
            raise GitError(f"git {' '.join(args[:3])} failed: {stderr}")
        return result.stdout

    def call(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        """Run git and return the finished process, whatever its exit status."""
        return subprocess.run(
            ["git", *args],
            cwd=self.path,
            env=self._env,
            input=stdin,
            capture_output=True,
            check=False,
        )

    # --- objects ------------------------------------------------------------------------

    def object_type(self, sha: str) -> str | None:
        out = self.run("cat-file", "-t", sha, check=False).decode().strip()
        return out or None

    def object_types(self, shas: Iterable[str]) -> dict[str, str | None]:
        """The type of each object (None when missing), with one ``cat-file --batch-check``."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        stdin = "".join(f"{sha}\n" for sha in wanted).encode()
        out = self.run("cat-file", "--batch-check=%(objectname) %(objecttype)", stdin=stdin)
        types: dict[str, str | None] = dict.fromkeys(wanted)
        for sha, line in zip(wanted, out.decode().splitlines(), strict=True):
            name, _, kind = line.partition(" ")
            types[sha] = kind if kind and kind != "missing" and name == sha else None
        return types

    def write_blob(self, data: bytes) -> str:
        return self.run("hash-object", "-w", "--stdin", stdin=data).decode().strip()

    def write_blobs(self, contents: list[bytes]) -> list[str]:
        """Write many blobs with one ``git hash-object --stdin-paths``."""
        if not contents:
            return []
        with tempfile.TemporaryDirectory() as tmp:
            names = []
            for index, data in enumerate(contents):
                target = Path(tmp) / str(index)
                target.write_bytes(data)
                names.append(str(target))
            out = self.run("hash-object", "-w", "--stdin-paths", stdin="\n".join(names).encode())
        return out.decode().split()

    def read_blob(self, sha: str) -> bytes:
        return self.run("cat-file", "blob", sha)

    def read_blobs(self, shas: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        out = self.run("cat-file", "--batch", stdin="".join(f"{s}\n" for s in wanted).encode())
        blobs: dict[str, bytes] = {}
        pos = 0
        for sha in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            size = int(header[2])
            blobs[sha] = out[end + 1 : end + 1 + size]
            pos = end + 2 + size
        return blobs

    def ls_tree(self, tree: str, *, recursive: bool = False) -> list[Entry]:
        args = ["ls-tree", "-z", "-l", "--full-tree"]
        if recursive:
            args += ["-r", "-t"]
        return _parse_ls_tree(self.run(*args, tree))

    def entry_at(self, tree: str, path: str) -> Entry | None:
        """The entry at ``path`` (a file or folder) inside ``tree``, or None."""
        out = self.run("ls-tree", "-z", "-l", "--full-tree", tree, "--", path)
        for entry in _parse_ls_tree(out):
            if entry.path == path:
                return entry
        return None

    def make_tree(self, entries: Iterable[Entry]) -> str:
        lines = b"".join(f"{e.mode} {e.type} {e.sha}\t{e.path}".encode() + b"\0" for e in entries)
        return self.run("mktree", "-z", "--missing", stdin=lines).decode().strip()

    def write_commit(
        self,
        tree: str,
        parents: Iterable[str],
        message: str,
        author: Person,
        committer: Person,
    ) -> str:
        lines = [f"tree {tree}", *(f"parent {p}" for p in parents)]
        lines.append(f"author {_signature(author)}")
        lines.append(f"committer {_signature(committer)}")
        text = "\n".join(lines) + "\n\n" + message
        out = self.run("hash-object", "-t", "commit", "-w", "--stdin", stdin=text.encode())
        return out.decode().strip()

    def read_commit(self, sha: str) -> Commit:
        raw = self.run("cat-file", "commit", sha).decode("utf-8", "replace")
        header, _, message = raw.partition("\n\n")
        tree, parents = "", []
        people: dict[str, Person] = {}
        for line in header.splitlines():
            key, _, value = line.partition(" ")
            if key == "tree":
                tree = value
            elif key == "parent":
                parents.append(value)
            elif key in ("author", "committer"):
                people[key] = _parse_signature(value)
        return Commit(sha, tree, tuple(parents), people["author"], people["committer"], message)

    def resolve(self, rev: str) -> str | None:
        """The object id ``rev`` names (a full id is checked to exist), or None."""
        out = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", rev, check=False)
        return out.decode().strip() or None

    def commit_of(self, rev: str) -> str | None:
        return self.resolve(f"{rev}^{{commit}}")

    # --- refs ---------------------------------------------------------------------------

    def refs(self, prefix: str = "refs/") -> dict[str, str]:
        out = self.run("for-each-ref", "--format=%(objectname) %(refname)", prefix).decode()
        pairs = (line.split(" ", 1) for line in out.splitlines() if line)
        return {ref: oid for oid, ref in pairs}

    def ref(self, name: str) -> str | None:
        return self.refs(name).get(name)

    def set_ref(self, name: str, new: str, old: str | None = None) -> None:
        args = ["update-ref", "-m", "github-emulator", name, new]
        self.run(*args, *([old] if old is not None else []))

    def delete_ref(self, name: str) -> None:
        self.run("update-ref", "-d", name)

    # --- history ------------------------------------------------------------------------

    def merge_base(self, a: str, b: str) -> str | None:
        return self.run("merge-base", a, b, check=False).decode().strip() or None

    def is_ancestor(self, ancestor: str, rev: str) -> bool:
        return self.call("merge-base", "--is-ancestor", ancestor, rev).returncode == 0

    def rev_list(self, include: str, exclude: str | None = None) -> list[str]:
        """Commits reachable from ``include`` but not ``exclude``, oldest first."""
        args = ["rev-list", "--reverse", include, *([f"^{exclude}"] if exclude else [])]
        return self.run(*args).decode().split()

    def merge_tree(self, base: str, head: str) -> str | None:
        """The tree of merging ``head`` into ``base``; None when they conflict."""
        result = self.call("merge-tree", "--write-tree", "--no-messages", base, head)
        out = result.stdout.decode().split()
        return out[0] if result.returncode == 0 and out else None

    def diff(self, old: str, new: str) -> list[Change]:
        """Files changed between two commits or trees, renames detected as GitHub does."""
        raw = self.run("diff-tree", "-r", "-z", "-M", "--no-commit-id", old, new).split(b"\0")
        nums = self.run("diff-tree", "-r", "-z", "-M", "--numstat", "--no-commit-id", old, new)
        counts = _parse_numstat(nums)
        changes: list[Change] = []
        i = 0
        while i < len(raw) and raw[i]:
            meta = raw[i].decode().lstrip(":").split()
            letter = meta[4][0]
            if letter in "RC":
                before, path = raw[i + 1].decode(), raw[i + 2].decode()
                i += 3
            else:
                before, path = None, raw[i + 1].decode()
                i += 2
            adds, dels = counts.get(path, (0, 0))
            sha = meta[3] if letter != "D" else meta[2]
            changes.append(Change(_STATUS[letter], path, sha, adds, dels, before))
        return changes


def _parse_ls_tree(out: bytes) -> list[Entry]:
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha, size = meta.decode().split(maxsplit=3)
        size_value = None if size.strip() == "-" else int(size)
        entries.append(Entry(mode, kind, sha, size_value, path.decode("utf-8", "replace")))
    return entries


_STATUS = {
    "A": "added",
    "D": "removed",
    "M": "modified",
    "T": "changed",
    "R": "renamed",
    "C": "copied",
}


def _parse_numstat(out: bytes) -> dict[str, tuple[int, int]]:
    counts: dict[str, tuple[int, int]] = {}
    parts = out.split(b"\0")
    i = 0
    while i < len(parts) and parts[i]:
        adds, dels, path = parts[i].decode().split("\t", 2)
        if not path:  # rename: old and new paths follow
            path = parts[i + 2].decode()
            i += 3
        else:
            i += 1
        counts[path] = (_count(adds), _count(dels))
    return counts


def _count(text: str) -> int:
    return int(text) if text.isdigit() else 0  # "-" for binary files


def _signature(person: Person) -> str:
    stamp = int(datetime.fromisoformat(person.date.replace("Z", "+00:00")).timestamp())
    return f"{person.name} <{person.email}> {stamp} +0000"


def _parse_signature(value: str) -> Person:
    who, _, rest = value.rpartition("> ")
    name, _, email = who.partition(" <")
    stamp = int(rest.split()[0])
    date = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Person(name, email, date)
