"""The local-git adapter, on real repositories built by git itself."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from gitrepo import GitRepoBuilder, isolated_environ

from telefonistka.adapters.localgit import (
    CommitState,
    LocalGitRepo,
    decode_path,
    encode_path,
    git_environment,
    parse_commit,
    parse_ls_tree,
    parse_name_status,
)
from telefonistka.core.promotion.snapshot import Mode, TreeEntry
from telefonistka.errors import GitError

NON_UTF8 = decode_path(b"caf\xe9.yaml")  # latin-1 é: not valid UTF-8


@pytest.fixture
def builder(tmp_path: Path) -> GitRepoBuilder:
    return GitRepoBuilder(tmp_path / "repo")


def files_of(builder: GitRepoBuilder, rev: str) -> dict[str, str]:
    """``git ls-tree -r -z`` of ``rev`` as path → "<mode> <type> <oid>", in git's order."""
    out = builder.git("ls-tree", "-r", "-z", "--full-tree", rev)
    records = (r.partition("\t") for r in out.split("\0") if r)
    return {path: meta for meta, _, path in records}


def open_repo(builder: GitRepoBuilder) -> LocalGitRepo:
    return LocalGitRepo(builder.path, environ=builder.env)


@pytest.fixture
def sample(builder: GitRepoBuilder) -> GitRepoBuilder:
    """Files, an executable, a symlink, nested folders and awkward names."""
    builder.write({"deploy.sh": "#!/bin/sh\n"}, executable=("deploy.sh",))
    builder.symlink("env/prod/link", "../staging/app/values.yaml")
    builder.commit(
        {
            "README.md": "hello\n",
            "env/staging/app/values.yaml": "tag: v1\n",
            "env/staging/app/sub/deep.yaml": "x: 1\n",
            "env/with space/file name.txt": "spaces\n",
            "env/unicode/ümlaut-日本.yaml": "u: 1\n",
            f"env/bytes/{NON_UTF8}": "b: 1\n",
        },
        message="initial",
    )
    return builder


# --- snapshot --------------------------------------------------------------------------


def test_snapshot_has_every_file_and_folder_with_modes(sample: GitRepoBuilder) -> None:
    snap = open_repo(sample).read_snapshot("main")

    assert snap.commit == sample.git("rev-parse", "main")
    assert snap.root_oid == sample.git("rev-parse", "main^{tree}")
    assert snap.entry("deploy.sh") == TreeEntry(
        Mode.EXECUTABLE, sample.git("rev-parse", "main:deploy.sh")
    )
    assert snap.entry("README.md").mode is Mode.FILE  # type: ignore[union-attr]
    assert snap.entry("env/prod/link").mode is Mode.SYMLINK  # type: ignore[union-attr]
    assert snap.entry("env/staging/app/sub").mode is Mode.FOLDER  # type: ignore[union-attr]
    assert len(snap) == len(sample.ls_tree("main").splitlines())


@pytest.mark.parametrize("folder", ["env", "env/staging", "env/staging/app/sub", "env/with space"])
def test_snapshot_folder_ids_are_git_tree_ids(sample: GitRepoBuilder, folder: str) -> None:
    snap = open_repo(sample).read_snapshot("main")

    assert snap.folder_id(folder) == sample.git("rev-parse", f"main:{folder}")


def test_snapshot_paths_round_trip_spaces_unicode_and_non_utf8(sample: GitRepoBuilder) -> None:
    repo = open_repo(sample)
    snap = repo.read_snapshot("HEAD")

    assert "env/with space/file name.txt" in snap.paths()
    assert "env/unicode/ümlaut-日本.yaml" in snap.paths()
    assert f"env/bytes/{NON_UTF8}" in snap.paths()
    assert encode_path(f"env/bytes/{NON_UTF8}") == b"env/bytes/caf\xe9.yaml"
    assert repo.read_file("HEAD", f"env/bytes/{NON_UTF8}") == b"b: 1\n"
    assert repo.read_file("HEAD", "env/unicode/ümlaut-日本.yaml") == b"u: 1\n"


def test_snapshot_of_a_tag_is_the_tagged_commit(sample: GitRepoBuilder) -> None:
    sample.git("tag", "-a", "-m", "release", "v1")

    snap = open_repo(sample).read_snapshot("v1")

    assert snap.commit == sample.git("rev-parse", "HEAD")


# --- refs and errors -------------------------------------------------------------------


def test_rev_parse_returns_the_full_id(sample: GitRepoBuilder) -> None:
    full = sample.git("rev-parse", "HEAD")

    assert open_repo(sample).rev_parse(full[:8]) == full


@pytest.mark.parametrize("rev", ["no-such-branch", "--help", "HEAD~5"])
def test_missing_ref_is_a_git_error_naming_it(sample: GitRepoBuilder, rev: str) -> None:
    repo = open_repo(sample)

    with pytest.raises(GitError, match=f"unknown revision '{rev}'"):
        repo.rev_parse(rev)
    with pytest.raises(GitError, match="unknown revision"):
        repo.read_snapshot(rev)


def test_a_tree_is_not_a_commit(sample: GitRepoBuilder) -> None:
    with pytest.raises(GitError, match="does not name a commit"):
        open_repo(sample).read_snapshot("HEAD^{tree}")


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="not a git repository"):
        LocalGitRepo(tmp_path, environ=isolated_environ(tmp_path))
    with pytest.raises(GitError, match="does not exist"):
        LocalGitRepo(tmp_path / "missing")


def test_inherited_git_dir_is_ignored(sample: GitRepoBuilder, tmp_path: Path) -> None:
    other = GitRepoBuilder(tmp_path / "other")
    other.commit({"other.txt": "other\n"})
    environ = {**sample.env, "GIT_DIR": str(other.path / ".git"), "GIT_INDEX_FILE": "/nope"}

    snap = LocalGitRepo(sample.path, environ=environ).read_snapshot("HEAD")

    assert snap.exists("README.md")
    assert not snap.exists("other.txt")


def test_git_environment_never_prompts() -> None:
    env = git_environment({"GIT_DIR": "x", "GIT_WORK_TREE": "y", "PATH": "/bin"})

    assert env == {"PATH": "/bin", "GIT_TERMINAL_PROMPT": "0"}


def test_branch_head_and_list_branches(sample: GitRepoBuilder) -> None:
    head = sample.git("rev-parse", "HEAD")
    sample.git("branch", "promotions/1-a")
    sample.git("branch", "promotions/2-b")
    sample.git("branch", "promo")
    repo = open_repo(sample)

    assert repo.branch_head("main") == head
    assert repo.branch_head("absent") is None
    assert repo.list_branches("promotions/") == {"promotions/1-a": head, "promotions/2-b": head}
    assert set(repo.list_branches("promo")) == {"promo", "promotions/1-a", "promotions/2-b"}


def test_default_branch_prefers_origin_head(sample: GitRepoBuilder) -> None:
    repo = open_repo(sample)
    assert repo.default_branch() == "main"

    sample.branch("feature")
    assert repo.default_branch() == "feature"

    sample.git("update-ref", "refs/remotes/origin/trunk", "HEAD")
    sample.git("symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    assert repo.default_branch() == "trunk"


def test_default_branch_of_detached_head_is_main(sample: GitRepoBuilder) -> None:
    sample.git("checkout", "-q", "--detach", "HEAD")
    sample.git("branch", "-m", "main", "trunk")

    assert open_repo(sample).default_branch() == "main"


# --- changed files ---------------------------------------------------------------------


def test_changed_files_lists_both_names_of_a_rename_and_deletions(sample: GitRepoBuilder) -> None:
    sample.branch("feature")
    sample.git("mv", "env/staging/app/sub/deep.yaml", "env/staging/app/moved.yaml")
    sample.commit(
        {
            "README.md": None,
            "env/staging/app/values.yaml": "tag: v2\n",
            "env/new/added.yaml": "n: 1\n",
            f"env/bytes/{NON_UTF8}": None,
        }
    )

    changed = open_repo(sample).changed_files("main", "feature")

    assert sorted(changed) == sorted(
        [
            "README.md",
            "env/new/added.yaml",
            "env/staging/app/moved.yaml",
            "env/staging/app/sub/deep.yaml",
            "env/staging/app/values.yaml",
            f"env/bytes/{NON_UTF8}",
        ]
    )


def test_changed_files_ignore_base_commits_after_the_fork(sample: GitRepoBuilder) -> None:
    sample.branch("feature")
    sample.commit({"feature.txt": "f\n"})
    sample.checkout("main")
    sample.commit({"main-only.txt": "m\n"})

    assert open_repo(sample).changed_files("main", "feature") == ["feature.txt"]


def test_changed_files_of_root_commit_are_all_files(builder: GitRepoBuilder) -> None:
    builder.commit({"a.txt": "a\n", "dir/b.txt": "b\n"})

    assert sorted(open_repo(builder).changed_files_of_commit("HEAD")) == ["a.txt", "dir/b.txt"]


def test_changed_files_of_a_merge_are_against_its_first_parent(sample: GitRepoBuilder) -> None:
    sample.branch("feature")
    sample.commit({"env/staging/app/values.yaml": "tag: v9\n", "extra.txt": "x\n"})
    sample.checkout("main")
    sample.commit({"main-only.txt": "m\n"})
    sample.git("merge", "-q", "--no-ff", "-m", "merge", "feature")

    changed = open_repo(sample).changed_files_of_commit("HEAD")

    assert sorted(changed) == ["env/staging/app/values.yaml", "extra.txt"]


def test_parse_name_status_copies_and_renames() -> None:
    out = b"C75\0a\0b\0R100\0c d\0e\0M\0f\0D\0a\0"

    assert parse_name_status(out) == ["a", "b", "c d", "e", "f"]
    assert parse_name_status(b"") == []


# --- blobs -----------------------------------------------------------------------------


def test_read_blobs_batch_returns_exact_bytes_including_binary(builder: GitRepoBuilder) -> None:
    binary = bytes(range(256)) * 3 + b"\n\n"
    builder.commit({"bin.dat": binary, "text.txt": "line\n", "empty": b""})
    repo = open_repo(builder)
    oids = {
        name: builder.git("rev-parse", f"HEAD:{name}") for name in ("bin.dat", "text.txt", "empty")
    }

    blobs = repo.read_blobs([oids["bin.dat"], oids["text.txt"], oids["empty"], oids["bin.dat"]])

    assert blobs == {oids["bin.dat"]: binary, oids["text.txt"]: b"line\n", oids["empty"]: b""}
    assert repo.read_blobs([]) == {}


def test_read_blobs_missing_object_is_a_git_error(sample: GitRepoBuilder) -> None:
    with pytest.raises(GitError, match="missing"):
        open_repo(sample).read_blobs(["0" * 40])


def test_read_blobs_refuses_non_ids_and_trees(sample: GitRepoBuilder) -> None:
    repo = open_repo(sample)

    with pytest.raises(GitError, match="not a full object id"):
        repo.read_blobs(["HEAD:README.md"])
    with pytest.raises(GitError, match="not a blob"):
        repo.read_blobs([sample.git("rev-parse", "HEAD^{tree}")])


def test_read_file(sample: GitRepoBuilder) -> None:
    repo = open_repo(sample)

    assert repo.read_file("HEAD", "env/staging/app/values.yaml") == b"tag: v1\n"
    assert repo.read_file("HEAD", "env/with space/file name.txt") == b"spaces\n"
    assert repo.read_file("HEAD", "env/prod/link") == b"../staging/app/values.yaml"
    assert repo.read_file("HEAD", "env/staging") is None
    assert repo.read_file("HEAD", "absent.yaml") is None
    assert repo.read_file("HEAD", "env/*/app/values.yaml") is None  # no pathspec magic
    with pytest.raises(GitError, match="unknown revision"):
        repo.read_file("nope", "README.md")


# --- writing ---------------------------------------------------------------------------


def test_write_tree_applies_add_modify_delete_and_mode_changes(sample: GitRepoBuilder) -> None:
    repo = open_repo(sample)
    new_blob = sample.git("hash-object", "-w", "--stdin", stdin=b"tag: v2\n")
    link_blob = sample.git("hash-object", "-w", "--stdin", stdin=b"target")
    submodule = "a" * 40
    old_index = (sample.path / ".git" / "index").read_bytes()

    tree = repo.write_tree(
        "main",
        {
            "env/staging/app/values.yaml": TreeEntry(Mode.FILE, new_blob),
            "README.md": None,
            "env/staging/app/sub/deep.yaml": None,
            "deploy.sh": TreeEntry(Mode.FILE, sample.git("rev-parse", "main:deploy.sh")),
            "env/prod/new link": TreeEntry(Mode.SYMLINK, link_blob),
            "env/prod/tool": TreeEntry(Mode.EXECUTABLE, new_blob),
            "vendor/lib": TreeEntry(Mode.SUBMODULE, submodule),
            f"env/bytes/{NON_UTF8}": None,
            "absent/already": None,
        },
    )

    expected = files_of(sample, "main")
    for gone in ("README.md", "env/staging/app/sub/deep.yaml", f"env/bytes/{NON_UTF8}"):
        del expected[gone]
    expected["env/staging/app/values.yaml"] = f"100644 blob {new_blob}"
    expected["deploy.sh"] = f"100644 blob {sample.git('rev-parse', 'main:deploy.sh')}"
    expected["env/prod/new link"] = f"120000 blob {link_blob}"
    expected["env/prod/tool"] = f"100755 blob {new_blob}"
    expected["vendor/lib"] = f"160000 commit {submodule}"
    assert files_of(sample, tree) == dict(sorted(expected.items()))
    assert sample.git("ls-tree", "--name-only", tree, "env/staging/app/") == (
        "env/staging/app/values.yaml"
    )
    assert (sample.path / ".git" / "index").read_bytes() == old_index


def test_write_tree_result_equals_what_git_commits(builder: GitRepoBuilder) -> None:
    """Same changes made in a work tree and committed by git give the same tree id."""
    builder.write({"run.sh": "#!/bin/sh\n"}, executable=("run.sh",))
    base = builder.commit({"a/one.txt": "1\n", "a/two.txt": "2\n", "b": "file b\n"})
    repo = open_repo(builder)
    blob = builder.git("hash-object", "-w", "--stdin", stdin=b"3\n")

    tree = repo.write_tree(
        base,
        {
            "a/two.txt": None,
            "a/three.txt": TreeEntry(Mode.FILE, blob),
            "b": None,
            "b/inside.txt": TreeEntry(Mode.FILE, blob),  # a file becomes a folder
            "run.sh": TreeEntry(Mode.FILE, builder.git("rev-parse", "HEAD:run.sh")),
        },
    )
    builder.write({"a/two.txt": None, "a/three.txt": "3\n", "b": None, "b/inside.txt": "3\n"})
    (builder.path / "run.sh").chmod(0o644)
    committed = builder.commit()

    assert builder.ls_tree(tree) == builder.ls_tree(committed)
    assert tree == builder.git("rev-parse", "HEAD^{tree}")


def test_write_tree_accepts_a_tree_as_base(sample: GitRepoBuilder) -> None:
    repo = open_repo(sample)
    root = sample.git("rev-parse", "HEAD^{tree}")

    assert repo.write_tree(root, {}) == root


def test_write_tree_refuses_folder_entries(sample: GitRepoBuilder) -> None:
    folder = sample.git("rev-parse", "HEAD:env")

    with pytest.raises(GitError, match="per file"):
        open_repo(sample).write_tree("HEAD", {"copy": TreeEntry(Mode.FOLDER, folder)})


def test_write_tree_with_unknown_object_is_a_git_error(sample: GitRepoBuilder) -> None:
    with pytest.raises(GitError, match="write-tree"):
        open_repo(sample).write_tree("HEAD", {"x": TreeEntry(Mode.FILE, "1" * 40)})


def test_commit_tree_and_update_branch_compare_and_swap(sample: GitRepoBuilder) -> None:
    repo = open_repo(sample)
    head = sample.git("rev-parse", "HEAD")
    tree = sample.git("rev-parse", "HEAD^{tree}")

    first = repo.commit_tree(tree, [head], "🚀 Promotion: app\n\nbody line\n")
    repo.update_branch("promotions/1-x", first, None)
    second = repo.commit_tree(tree, [first], "second\n")
    repo.update_branch("promotions/1-x", second, first)

    assert repo.branch_head("promotions/1-x") == second
    assert repo.commit_message(first) == "🚀 Promotion: app\n\nbody line\n"
    state = repo.commit_state(second)
    assert (state.tree, state.parents, state.author) == (tree, (first,), "Test Author")
    assert (
        sample.git("log", "-1", "--format=%an <%ae>", second) == "Test Author <author@example.com>"
    )


def test_update_branch_refuses_a_stale_old_value(sample: GitRepoBuilder) -> None:
    repo = open_repo(sample)
    head = sample.git("rev-parse", "HEAD")
    tree = sample.git("rev-parse", "HEAD^{tree}")
    moved = repo.commit_tree(tree, [head], "moved\n")
    stale = repo.commit_tree(tree, [head], "other\n")

    with pytest.raises(GitError, match="update-ref"):
        repo.update_branch("main", moved, stale)
    with pytest.raises(GitError, match="update-ref"):
        repo.update_branch("main", moved, None)  # create, but it exists
    assert repo.branch_head("main") == head


def test_commit_identity_falls_back_when_none_is_configured(tmp_path: Path) -> None:
    builder = GitRepoBuilder(tmp_path / "repo", identity=False)
    builder.write({"a": "a\n"})
    builder.git("add", "a")
    tree = builder.git("write-tree")
    repo = open_repo(builder)

    plain = repo.commit_tree(tree, [], "root\n")
    env_named = LocalGitRepo(
        builder.path,
        environ={**builder.env, "GIT_AUTHOR_NAME": "Env Author", "GIT_AUTHOR_EMAIL": "env@x"},
    ).commit_tree(tree, [], "root\n")

    fmt = "--format=%an <%ae> / %cn <%ce>"
    both = "telefonistka <telefonistka@localhost>"
    assert builder.git("log", "-1", fmt, plain) == f"{both} / {both}"
    assert builder.git("log", "-1", fmt, env_named) == f"Env Author <env@x> / {both}"


def test_bare_repository_works(sample: GitRepoBuilder, tmp_path: Path) -> None:
    bare = tmp_path / "bare.git"
    sample.git("clone", "-q", "--bare", str(sample.path), str(bare))

    repo = LocalGitRepo(bare, environ=sample.env)

    assert repo.read_snapshot("main").root_oid == sample.git("rev-parse", "main^{tree}")
    assert repo.write_tree("main", {"README.md": None}) != sample.git("rev-parse", "main^{tree}")


def test_process_environment_is_the_default(
    sample: GitRepoBuilder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "environ", {**sample.env})

    assert LocalGitRepo(sample.path).rev_parse("HEAD") == sample.git("rev-parse", "HEAD")


def test_parse_commit_skips_multi_line_headers() -> None:
    raw = (
        b"tree t\nparent p1\nparent p2\nauthor A <B> Name <a@x> 1 +0000\n"
        b"committer C <c@x> 1 +0000\ngpgsig -----BEGIN-----\n \n abc\n -----END-----\n"
        b"\nsubject\n\nbody\n"
    )

    assert parse_commit(raw) == CommitState(
        "t",
        ("p1", "p2"),
        "subject\n\nbody\n",
        "A <B> Name",
        author_id="A <B> Name <a@x>",
        committer_id="C <c@x>",
    )


def test_parse_ls_tree_modes() -> None:
    out = b"40000 tree " + b"a" * 40 + b"\tdir\x00100644 blob " + b"b" * 40 + b"\tdir/f\0"

    assert parse_ls_tree(out) == {
        "dir": TreeEntry(Mode.FOLDER, "a" * 40),
        "dir/f": TreeEntry(Mode.FILE, "b" * 40),
    }
    with pytest.raises(GitError, match="unsupported git tree entry mode"):
        parse_ls_tree(b"100600 blob " + b"c" * 40 + b"\tx\0")


def test_repr_names_the_path(sample: GitRepoBuilder) -> None:
    assert repr(open_repo(sample)) == f"LocalGitRepo({str(sample.path)!r})"


def test_update_branch_refuses_non_ids(sample: GitRepoBuilder) -> None:
    with pytest.raises(GitError, match="not a full object id"):
        open_repo(sample).update_branch("x", "-d", None)
