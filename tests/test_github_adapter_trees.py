"""Pure tree helpers of the GitHub adapter: listings, git tree ids, tree-write bodies, diffs."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import blob
from gitrepo import GitRepoBuilder

from telefonistka.adapters.github.trees import (
    changed_files,
    children_by_folder,
    git_tree_oid,
    is_complete,
    object_type,
    parse_tree_items,
    tree_write_items,
)
from telefonistka.core.promotion.snapshot import Mode, TreeEntry, TreeSnapshot
from telefonistka.errors import GitHubError


def ls_tree(builder: GitRepoBuilder, rev: str) -> dict[str, TreeEntry]:
    """``git ls-tree -r -t`` of ``rev`` as path → entry (what GitHub's listing holds)."""
    out = builder.git("ls-tree", "-r", "-t", "-z", "--full-tree", rev)
    entries: dict[str, TreeEntry] = {}
    for record in filter(None, out.split("\0")):
        meta, _, path = record.partition("\t")
        mode, _, oid = meta.split(" ")
        entries[path] = TreeEntry(Mode.FOLDER if mode == "040000" else Mode(mode), oid)
    return entries


def test_git_tree_oid_matches_git_for_every_folder(tmp_path: Path) -> None:
    # Names chosen to exercise git's ordering: "a.b" < "a/" (folder a) < "a0".
    builder = GitRepoBuilder(tmp_path / "repo")
    builder.write({"run.sh": "#!/bin/sh\n"}, executable=("run.sh",))
    builder.symlink("link", "a/deep/x.yaml")
    builder.commit(
        {"a.b": "1\n", "a/deep/x.yaml": "x\n", "a/y": "y\n", "a0": "0\n", "ü.txt": "u\n"},
        message="initial",
    )
    entries = ls_tree(builder, "HEAD")
    root = builder.git("rev-parse", "HEAD^{tree}")
    folders = children_by_folder(entries)
    assert git_tree_oid(folders[""]) == root
    for path, entry in entries.items():
        if entry.is_folder:
            assert git_tree_oid(folders[path]) == entry.oid, path


def test_is_complete_detects_a_cut_listing() -> None:
    children = {"a": TreeEntry(Mode.FILE, blob("a")), "b": TreeEntry(Mode.FILE, blob("b"))}
    oid = git_tree_oid(children)
    assert is_complete(children, oid)
    assert not is_complete({"a": children["a"]}, oid)
    assert not is_complete({}, oid)
    assert not is_complete(children, "not-hex")


def test_parse_tree_items_prefixes_and_normalizes_modes() -> None:
    items = [
        {"path": "x", "mode": "040000", "type": "tree", "sha": "1" * 40},
        {"path": "x/run.sh", "mode": "100755", "type": "blob", "sha": "2" * 40},
    ]
    assert parse_tree_items(items, "base") == {
        "base/x": TreeEntry(Mode.FOLDER, "1" * 40),
        "base/x/run.sh": TreeEntry(Mode.EXECUTABLE, "2" * 40),
    }


def test_parse_tree_items_rejects_unknown_modes() -> None:
    with pytest.raises(GitHubError, match="unexpected tree entry"):
        parse_tree_items([{"path": "x", "mode": "777", "sha": "1" * 40}])


def test_tree_write_items_deletes_per_file_with_the_base_mode() -> None:
    base = TreeSnapshot(
        "c" * 40,
        "d" * 40,
        {"t": TreeEntry(Mode.FOLDER, "e" * 40), "t/link": TreeEntry(Mode.SYMLINK, "f" * 40)},
    )
    changes = {
        "t/link": None,
        "t/gone": None,
        "t/run.sh": TreeEntry(Mode.EXECUTABLE, "1" * 40),
        "t/sub": TreeEntry(Mode.SUBMODULE, "2" * 40),
    }
    assert tree_write_items(changes, base) == [
        {"path": "t/gone", "mode": "100644", "type": "blob", "sha": None},
        {"path": "t/link", "mode": "120000", "type": "blob", "sha": None},
        {"path": "t/run.sh", "mode": "100755", "type": "blob", "sha": "1" * 40},
        {"path": "t/sub", "mode": "160000", "type": "commit", "sha": "2" * 40},
    ]


def test_tree_write_items_refuses_folder_entries() -> None:
    with pytest.raises(GitHubError, match="per file"):
        tree_write_items({"t": TreeEntry(Mode.FOLDER, "1" * 40)}, None)


def test_object_type() -> None:
    assert [object_type(m) for m in Mode] == ["blob", "blob", "blob", "tree", "commit"]


def test_changed_files_lists_added_removed_modified_and_mode_changes() -> None:
    def snap(files: dict[str, TreeEntry]) -> TreeSnapshot:
        folder = {"d": TreeEntry(Mode.FOLDER, "9" * 40)}
        return TreeSnapshot("c" * 40, "r" * 40, folder | files)

    old = snap(
        {
            "d/same": TreeEntry(Mode.FILE, "1" * 40),
            "d/mod": TreeEntry(Mode.FILE, "2" * 40),
            "d/chmod": TreeEntry(Mode.FILE, "3" * 40),
            "d/gone": TreeEntry(Mode.FILE, "4" * 40),
        }
    )
    new = snap(
        {
            "d/same": TreeEntry(Mode.FILE, "1" * 40),
            "d/mod": TreeEntry(Mode.FILE, "5" * 40),
            "d/chmod": TreeEntry(Mode.EXECUTABLE, "3" * 40),
            "d/new": TreeEntry(Mode.FILE, "6" * 40),
        }
    )
    assert changed_files(old, new) == ["d/chmod", "d/gone", "d/mod", "d/new"]


def test_tree_write_items_do_not_delete_below_a_folder_that_becomes_a_file() -> None:
    new = TreeEntry(Mode.FILE, "a" * 40)
    changes: dict[str, TreeEntry | None] = {"t/x": new, "t/x/a": None, "t/x/deep/b": None}

    items = tree_write_items(changes, None)

    assert items == [{"path": "t/x", "mode": "100644", "type": "blob", "sha": "a" * 40}]
