"""Git objects of a repository: snapshots, blobs, commits, and the tree and commit writes.

Built to spend few requests:

- a snapshot is one recursive tree read (plus one ref read when given a branch name);
  when GitHub truncates the listing, only the folders whose listing is provably
  incomplete are read again (see ``trees``);
- blobs are read only when asked for, and commits, snapshots and blobs are cached by
  object id (they never change);
- a promotion is one tree write (explicit per-file deletions), one commit (no author or
  committer, so GitHub signs it as the token's identity), one ref write.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote

from telefonistka.adapters.github.refs import Refs
from telefonistka.adapters.github.trees import (
    Listing,
    is_complete,
    parse_tree_items,
    tree_write_items,
)
from telefonistka.core.promotion.snapshot import Mode, TreeEntry, TreeSnapshot, strip_slashes
from telefonistka.errors import GitHubError
from telefonistka.ports import CommitState

_READABLE_MODES = frozenset({Mode.FILE, Mode.EXECUTABLE, Mode.SYMLINK})


def commit_state_from_json(data: Mapping[str, Any]) -> CommitState:
    """A git-commit API object (``GET``/``POST /git/commits``) as a ``CommitState``."""
    parents = tuple(str(p["sha"]) for p in data.get("parents") or [])
    author = data.get("author") or {}
    committer = data.get("committer") or {}
    message = str(data.get("message") or "")
    return CommitState(
        str(data["tree"]["sha"]),
        parents,
        message,
        str(author.get("name") or ""),
        str(committer.get("date") or ""),
        _identity(author),
        _identity(committer),
    )


def _identity(person: Mapping[str, Any]) -> str:
    return f"{person.get('name') or ''} <{person.get('email') or ''}>"


@dataclass
class _ObjectCache:
    """What was read, by commit or object id: none of it can change."""

    snapshots: dict[str, TreeSnapshot] = field(default_factory=dict)
    roots: dict[str, dict[str, TreeEntry]] = field(default_factory=dict)  # root listings
    root_oids: dict[str, str] = field(default_factory=dict)  # learnt without a snapshot
    partial: dict[str, Listing] = field(default_factory=dict)  # truncated, not completed
    commits: dict[str, CommitState] = field(default_factory=dict)
    blobs: dict[str, bytes] = field(default_factory=dict)


class GitData(Refs):
    """Trees, blobs and commits (``/git/trees``, ``/git/blobs``, ``/git/commits``)."""

    @cached_property
    def _cache(self) -> _ObjectCache:
        return _ObjectCache()

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
            root = self._cache.root_oids[commit]
            self._complete_listing(root, listing)
            self._cache.snapshots[commit] = TreeSnapshot(commit, root, listing.entries)
            del self._cache.partial[commit]
        return self._cache.snapshots[commit]

    def _truncated_listing(self, commit: str) -> Listing | None:
        """The recursive listing of ``commit``'s tree, read once; None once a snapshot exists.

        A complete listing becomes the snapshot at once. A truncated one is kept as it
        is: ``entry_at`` looks paths up in it, and ``read_snapshot`` completes it, so
        neither reads the recursive listing a second time.
        """
        if commit in self._cache.snapshots:
            return None
        if commit not in self._cache.partial:
            data = self._tree_json(commit, recursive=True)
            root, entries = str(data["sha"]), parse_tree_items(data["tree"])
            self._cache.root_oids[commit] = root
            if not data.get("truncated"):
                self._cache.snapshots[commit] = TreeSnapshot(commit, root, entries)
                return None
            self._cache.partial[commit] = Listing(entries)
        return self._cache.partial[commit]

    def _tree_json(self, tree_ish: str, *, recursive: bool) -> dict[str, Any]:
        params = {"recursive": "1"} if recursive else None
        what = f"read tree {tree_ish[:12]}"
        data: dict[str, Any] = self._call("tree", what, "GET", f"/git/trees/{tree_ish}", params)
        return data

    def _complete_listing(self, root: str, listing: Listing) -> None:
        """Fill in what a truncated recursive listing left out, folder by folder.

        A folder is complete when its listed children hash to its id (see
        ``trees.is_complete``). A folder with nothing listed is read recursively
        in one call; one cut part-way (or still cut after that) is listed again on its
        own (non-recursive). A folder whose id was already proven complete at another
        path costs nothing: its subtree is copied, since equal ids mean equal content —
        in a GitOps repo most component folders are copies of each other.
        """
        self._complete_folder("", root, listing, {})

    def _complete_folder(
        self, folder: str, oid: str, listing: Listing, whole: dict[str, str]
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

    def _list_unless_complete(self, folder: str, oid: str, listing: Listing) -> None:
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
            return self._cache.snapshots[commit].entry(path)
        return self._find(listing, self._cache.root_oids[commit], strip_slashes(path))

    def _find(self, listing: Listing, root: str, path: str) -> TreeEntry | None:
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
            if oid not in self._cache.blobs:
                self._cache.blobs[oid] = self._read_blob(oid)
        return {oid: self._cache.blobs[oid] for oid in wanted}

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
        self._cache.blobs[sha] = content
        return sha

    def read_file(self, rev: str, path: str) -> bytes | None:
        """The content of file ``path`` at ``rev``; None when absent or not a file.

        Which files exist comes from the (cached) snapshot, so an absent file costs no
        request and no 404.
        """
        return self.file_in(self.read_snapshot(rev), path)

    def read_branch_file(self, branch: str, path: str) -> bytes | None:
        """The content of file ``path`` at the head of ``branch``; None when absent.

        One request (the contents API), where resolving the branch, listing a tree and
        reading the blob take three: for the scheduled gate pass, which needs the
        configuration and nothing else of the tree. A file over the contents API's 1 MB
        comes without its content and is read as a blob (one more).
        """
        where = f"/contents/{quote(strip_slashes(path))}"
        try:
            data = self._call("blob", f"read {path} on {branch}", "GET", where, {"ref": branch})
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise
        if not isinstance(data, dict):
            return None  # a folder: its listing
        kind, sha = data.get("type"), str(data.get("sha") or "")
        if kind == "symlink":
            return str(data.get("target") or "").encode()
        if kind != "file":
            return None
        if data.get("encoding") == "base64" and data.get("content"):
            try:
                return base64.b64decode(str(data["content"]), validate=False)
            except (binascii.Error, ValueError) as exc:
                raise GitHubError(f"unexpected contents answer for {path}: {exc}") from exc
        return self.read_blobs([sha])[sha] if sha else None

    def read_root_file(self, rev: str, name: str) -> bytes | None:
        """The content of file ``name`` at the root of ``rev``; None when absent.

        For a caller that needs one root file and nothing else (the push fan-out reads
        only ``telefonistka.yaml``): one non-recursive tree read and the blob, two
        requests however large the repository, where a snapshot of a repository beyond
        GitHub's 100,000-entry limit takes several. A snapshot already read is used as is.
        """
        commit = self.resolve_commit(rev)
        if commit in self._cache.snapshots:
            return self.file_in(self._cache.snapshots[commit], name)
        if commit not in self._cache.roots:
            self._cache.roots[commit] = parse_tree_items(
                self._tree_json(commit, recursive=False)["tree"]
            )
        return self.content_of(self._cache.roots[commit].get(name))

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
        if sha not in self._cache.commits:
            data = self._call("commit", f"read commit {sha[:12]}", "GET", f"/git/commits/{sha}")
            self._cache.commits[sha] = commit_state_from_json(data)
        return self._cache.commits[sha]

    def write_tree(self, base: str, changes: Mapping[str, TreeEntry | None]) -> str:
        """The tree of commit ``base`` with per-file ``changes``: one ``POST /git/trees``.

        ``base_tree`` keeps everything not mentioned; each deletion is its own path with
        ``"sha": null``; modes (executable, symlink, submodule) are sent as they are.
        """
        base_tree = self._tree_of(base)
        if not changes:
            return base_tree
        items = tree_write_items(changes, self._cache.snapshots.get(base))
        body = {"base_tree": base_tree, "tree": items}
        data = self._call("tree", f"write a tree on {base[:12]}", "POST", "/git/trees", body=body)
        return str(data["sha"])

    def _tree_of(self, commit: str) -> str:
        """The root tree of ``commit``, from what was read before when possible."""
        snapshot = self._cache.snapshots.get(commit)
        if snapshot is not None:
            return snapshot.root_oid
        return self._cache.root_oids.get(commit) or self.commit_state(commit).tree

    def commit_tree(self, tree: str, parents: Sequence[str], message: str) -> str:
        """A new commit of ``tree``: one ``POST /git/commits``.

        No ``author`` or ``committer``: GitHub then uses the token's identity and signs
        the commit ("Verified"), which a custom author would prevent.
        """
        body = {"message": message, "tree": tree, "parents": list(parents)}
        data = self._call("commit", "create a commit", "POST", "/git/commits", body=body)
        self._cache.commits[str(data["sha"])] = commit_state_from_json(data)
        return str(data["sha"])
