"""Hand-written fakes for the seams of the promotion use case.

``FakeBackend`` implements ``promotion.PromotionBackend`` in memory: it records every
tree, commit and branch update it is asked for and answers reads from what it holds.
Tree ids depend only on (base, changes), so writing the same tree twice gives the same
id, as git's content addressing does. ``snapshot`` builds a ``TreeSnapshot`` whose
folder ids depend only on content, like git's tree ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from telefonistka.core.promotion.snapshot import Mode, TreeEntry, TreeSnapshot
from telefonistka.errors import GitError

Spec = Mapping[str, str | tuple[Mode, str]]


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def blob(content: str) -> str:
    """The git blob id of ``content``."""
    data = content.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def snapshot(spec: Spec, commit: str = "b" * 40) -> TreeSnapshot:
    """A snapshot of ``spec`` (path → content, or (mode, content)) at ``commit``."""
    files: dict[str, TreeEntry] = {}
    for path, item in spec.items():
        mode, content = item if isinstance(item, tuple) else (Mode.FILE, item)
        files[path] = TreeEntry(mode, blob(content))
    return build(files, commit)


def build(files: Mapping[str, TreeEntry], commit: str) -> TreeSnapshot:
    """A snapshot of ``files`` with content-derived folder ids."""
    folders = {"/".join(p.split("/")[:i]) for p in files for i in range(p.count("/") + 1)}
    entries = dict(files)
    for folder in sorted(folders, key=lambda f: -f.count("/") - bool(f)):
        prefix = f"{folder}/" if folder else ""
        kids = {
            p[len(prefix) :]: e
            for p, e in entries.items()
            if p.startswith(prefix) and p != folder and "/" not in p[len(prefix) :]
        }
        listing = "".join(f"{e.mode} {name} {e.oid}\n" for name, e in sorted(kids.items()))
        entries[folder] = TreeEntry(Mode.FOLDER, sha1(listing))
    root = entries.pop("").oid
    return TreeSnapshot(commit, root, entries)


@dataclass(frozen=True)
class FakeCommit:
    """A commit the fake holds: what ``commit_state`` returns."""

    tree: str
    parents: tuple[str, ...]
    message: str
    author_id: str = "bot <bot@example.com>"
    committer_id: str = "bot <bot@example.com>"  # a person's amend: someone else

    @property
    def one_identity(self) -> bool:
        return self.author_id == self.committer_id


@dataclass
class FakeBackend:
    """An in-memory repository host that records every write."""

    branches: dict[str, str] = field(default_factory=dict)
    commits: dict[str, FakeCommit] = field(default_factory=dict)
    trees: dict[str, tuple[str, dict[str, TreeEntry | None]]] = field(default_factory=dict)
    branch_updates: list[tuple[str, str, str | None]] = field(default_factory=list)
    fail_writes_under: str | None = None

    def branch_head(self, name: str) -> str | None:
        return self.branches.get(name)

    def write_tree(self, base: str, changes: Mapping[str, TreeEntry | None]) -> str:
        if self.fail_writes_under is not None and any(
            path.startswith(self.fail_writes_under) for path in changes
        ):
            raise GitError(f"cannot write below {self.fail_writes_under}")
        recorded = dict(changes)
        tree = sha1(f"{base} {sorted(recorded.items(), key=lambda item: item[0])!r}")
        self.trees[tree] = (base, recorded)
        return tree

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str:
        commit = sha1(f"{tree} {list(parents)} {message} {len(self.commits)}")
        self.commits[commit] = FakeCommit(tree, tuple(parents), message)
        return commit

    def update_branch(self, name: str, new_sha: str, old_sha: str | None) -> None:
        if self.branches.get(name) != old_sha:
            raise GitError(f"branch {name} is not at {old_sha}")
        self.branch_updates.append((name, new_sha, old_sha))
        self.branches[name] = new_sha

    def commit_state(self, rev: str) -> FakeCommit:
        return self.commits[rev]
