"""compute_sync: the file changes of a promotion, checked against apply_changes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telefonistka.core.promotion.snapshot import Mode, TreeEntry, TreeSnapshot
from telefonistka.core.promotion.sync import SyncResult, apply_changes, branch_name, compute_sync
from telefonistka.errors import SyncError

FILE, EXE, LINK, SUB = Mode.FILE, Mode.EXECUTABLE, Mode.SYMLINK, Mode.SUBMODULE
SUBMODULE_COMMIT = "5" * 40

Spec = Mapping[str, str | tuple[Mode, str]]


def blob(content: str) -> str:
    data = content.encode()
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def entry(spec: str | tuple[Mode, str]) -> TreeEntry:
    mode, content = spec if isinstance(spec, tuple) else (FILE, spec)
    return TreeEntry(mode, content if mode is SUB else blob(content))


def build(files: Mapping[str, TreeEntry], commit: str = "base") -> TreeSnapshot:
    """A snapshot whose folder ids depend on content only, like git's tree ids."""
    children: dict[str, dict[str, TreeEntry]] = {}
    for path in files:
        parts = path.split("/")
        for depth in range(len(parts)):
            children.setdefault("/".join(parts[:depth]), {})
    entries = dict(files)
    for folder in sorted(children, key=lambda f: -f.count("/") - bool(f)):
        prefix = f"{folder}/" if folder else ""
        kids = {
            p[len(prefix) :]: e
            for p, e in entries.items()
            if p.startswith(prefix) and "/" not in p[len(prefix) :]
        }
        listing = "".join(f"{e.mode} {name} {e.oid}\n" for name, e in sorted(kids.items()))
        oid = hashlib.sha1(listing.encode(), usedforsecurity=False).hexdigest()
        entries[folder] = TreeEntry(Mode.FOLDER, oid)
    root = entries.pop("", TreeEntry(Mode.FOLDER, "empty")).oid
    return TreeSnapshot(commit, root, entries)


def snapshot(spec: Spec) -> TreeSnapshot:
    return build({path: entry(s) for path, s in spec.items()})


def under(files: Mapping[str, TreeEntry], folder: str) -> dict[str, TreeEntry]:
    prefix = f"{folder}/"
    return {p[len(prefix) :]: e for p, e in files.items() if p.startswith(prefix)}


def assert_synced(base: TreeSnapshot, pairs: list[tuple[str, str]], result: SyncResult) -> None:
    """The invariant: targets equal sources, every other path is unchanged."""
    after = apply_changes(base, result.changes)
    before = base.files_under("")
    for target, source in pairs:
        assert under(after, target) == base.files_under(source)
    targets = [t for t, _ in pairs]
    outside = {
        p for p in before.keys() | after.keys() if not any(p.startswith(f"{t}/") for t in targets)
    }
    assert {p: after.get(p) for p in outside} == {p: before.get(p) for p in outside}


BASE: Spec = {
    "README.md": "hello",
    "workspace/app/values.yaml": "tag: v2\n",
    "workspace/app/templates/deploy.yaml": "kind: Deployment\n",
    "workspace/app/run.sh": (EXE, "#!/bin/sh\n"),
    "workspace/app/current": (LINK, "values.yaml"),
    "workspace/app/vendor/lib": (SUB, SUBMODULE_COMMIT),
    "env/prod/app/values.yaml": "tag: v1\n",
    "env/prod/app/templates/deploy.yaml": "kind: Deployment\n",
    "env/prod/app/old.yaml": "gone: true\n",
    "env/prod/app/run.sh": (FILE, "#!/bin/sh\n"),
    "env/prod/other/values.yaml": "untouched\n",
    "env/staging/app/values.yaml": "tag: v2\n",
    "env/staging/app/templates/deploy.yaml": "kind: Deployment\n",
    "env/staging/app/run.sh": (EXE, "#!/bin/sh\n"),
    "env/staging/app/current": (LINK, "values.yaml"),
    "env/staging/app/vendor/lib": (SUB, SUBMODULE_COMMIT),
}


def test_added_changed_deleted_mode_symlink_and_submodule() -> None:
    base = snapshot(BASE)
    pairs = [("env/prod/app", "workspace/app")]

    result = compute_sync(base, pairs)

    assert result.changes == {
        "env/prod/app/current": TreeEntry(LINK, blob("values.yaml")),
        "env/prod/app/old.yaml": None,
        "env/prod/app/run.sh": TreeEntry(EXE, blob("#!/bin/sh\n")),
        "env/prod/app/values.yaml": TreeEntry(FILE, blob("tag: v2\n")),
        "env/prod/app/vendor/lib": TreeEntry(SUB, SUBMODULE_COMMIT),
    }
    assert list(result.changes) == sorted(result.changes)
    assert result.changed_pairs == (("env/prod/app", "workspace/app"),)
    assert result.in_sync == ()
    assert not result.all_in_sync
    assert_synced(base, pairs, result)


def test_already_in_sync_pairs_write_nothing() -> None:
    base = snapshot(BASE)

    result = compute_sync(base, [("env/staging/app", "workspace/app")])

    assert result == SyncResult({}, (("env/staging/app", "workspace/app"),), ())
    assert result.all_in_sync


def test_both_absent_is_in_sync() -> None:
    result = compute_sync(snapshot(BASE), [("env/dev/gone", "workspace/gone")])

    assert result.in_sync == (("env/dev/gone", "workspace/gone"),)
    assert result.changes == {}


def test_deleted_component_deletes_the_whole_target() -> None:
    base = snapshot(BASE)
    pairs = [("env/prod/app", "workspace/removed")]

    result = compute_sync(base, pairs)

    assert result.changes == {
        "env/prod/app/old.yaml": None,
        "env/prod/app/run.sh": None,
        "env/prod/app/templates/deploy.yaml": None,
        "env/prod/app/values.yaml": None,
    }
    after = apply_changes(base, result.changes)
    assert under(after, "env/prod/app") == {}
    assert under(after, "env/prod/other") == {"values.yaml": entry("untouched\n")}


def test_new_target_folder_gets_every_file() -> None:
    base = snapshot(BASE)
    pairs = [("env/dev/app", "workspace/app")]

    result = compute_sync(base, pairs)

    assert sorted(result.changes) == [
        "env/dev/app/current",
        "env/dev/app/run.sh",
        "env/dev/app/templates/deploy.yaml",
        "env/dev/app/values.yaml",
        "env/dev/app/vendor/lib",
    ]
    assert all(e is not None for e in result.changes.values())
    assert_synced(base, pairs, result)


def test_multiple_pairs_trailing_slashes_and_duplicates() -> None:
    base = snapshot(BASE)
    pairs = [
        ("env/prod/app/", "workspace/app/"),
        ("env/staging/app/", "workspace/app/"),
        ("env/prod/app/", "workspace/app/"),
        ("env/dev/app", "workspace/app"),
    ]

    result = compute_sync(base, pairs)

    assert result.changed_pairs == (
        ("env/prod/app/", "workspace/app/"),
        ("env/dev/app", "workspace/app"),
    )
    assert result.in_sync == (("env/staging/app/", "workspace/app/"),)
    assert len(result.changes) == 10
    assert_synced(
        base,
        [("env/prod/app", "workspace/app"), ("env/dev/app", "workspace/app")],
        result,
    )


def test_file_to_folder_and_folder_to_file_transitions() -> None:
    base = snapshot(
        {
            "src/conf": "a file in the source",
            "src/data/x": "x",
            "dst/conf/nested": "a folder in the target",
            "dst/data": "a file in the target",
        }
    )
    pairs = [("dst", "src")]

    result = compute_sync(base, pairs)

    assert result.changes == {
        "dst/conf": entry("a file in the source"),
        "dst/conf/nested": None,
        "dst/data": None,
        "dst/data/x": entry("x"),
    }
    assert_synced(base, pairs, result)


def test_unicode_and_space_paths() -> None:
    base = snapshot({"src/ünï côde/värden.yaml": "a: 1\n", "dst/ünï côde/värden.yaml": "a: 2\n"})

    result = compute_sync(base, [("dst", "src")])

    assert result.changes == {"dst/ünï côde/värden.yaml": entry("a: 1\n")}


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        pytest.param(
            [("env/prod/app/values.yaml", "workspace/app")],
            "target 'env/prod/app/values.yaml' is not a folder: "
            "'env/prod/app/values.yaml' is a file (mode 100644) in commit base",
            id="target-is-a-file",
        ),
        pytest.param(
            [("env/prod/app", "workspace/app/run.sh")],
            "source 'workspace/app/run.sh' is not a folder: "
            "'workspace/app/run.sh' is a file (mode 100755) in commit base",
            id="source-is-a-file",
        ),
        pytest.param(
            [("README.md/app", "workspace/app")],
            "target 'README.md/app' is not a folder: 'README.md' is a file (mode 100644) "
            "in commit base",
            id="target-below-a-file",
        ),
        pytest.param(
            [("env/prod/app/vendor", "workspace/app/vendor/lib")],
            "source 'workspace/app/vendor/lib' is not a folder: 'workspace/app/vendor/lib' "
            "is a file (mode 160000) in commit base",
            id="source-is-a-submodule",
        ),
        pytest.param(
            [("env/prod", "workspace/app"), ("env/prod/app", "workspace/app")],
            "target 'env/prod/app' lies inside target 'env/prod' of the same sync",
            id="nested-targets",
        ),
        pytest.param(
            [("env/prod/app", "workspace/a"), ("env/prod/app/", "workspace/b")],
            "target 'env/prod/app' would be synced from both 'workspace/a' and 'workspace/b'",
            id="two-sources",
        ),
        pytest.param(
            [("workspace/app/sub", "workspace/app")],
            "source 'workspace/app' (for 'workspace/app/sub') overlaps target 'workspace/app/sub'",
            id="target-inside-its-source",
        ),
        pytest.param(
            [("env/prod/app", "env/staging/app"), ("env/staging/app", "workspace/app")],
            "source 'env/staging/app' (for 'env/prod/app') overlaps target 'env/staging/app'",
            id="chained-pairs",
        ),
        pytest.param(
            [("/", "workspace/app")],
            "the repository root cannot be a promotion target",
            id="root-target",
        ),
    ],
)
def test_unsafe_pairs_raise_sync_error(pairs: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(SyncError) as raised:
        compute_sync(snapshot(BASE), pairs)

    assert str(raised.value) == message


def test_a_pair_with_itself_is_in_sync() -> None:
    result = compute_sync(snapshot(BASE), [("workspace/app", "workspace/app")])

    assert result.in_sync == (("workspace/app", "workspace/app"),)


def test_apply_changes_refuses_a_file_below_a_file() -> None:
    base = snapshot({"a": "file"})

    with pytest.raises(SyncError, match=r"cannot write 'a/b': 'a' would be a file"):
        apply_changes(base, {"a/b": entry("x")})


def test_apply_changes_deletes_and_writes() -> None:
    base = snapshot({"a/x": "1", "b": "2"})

    assert apply_changes(base, {"a/x": None, "a/y": entry("3"), "missing": None}) == {
        "a/y": entry("3"),
        "b": entry("2"),
    }


@pytest.mark.parametrize(
    ("pr", "head", "targets", "expected"),
    [
        (
            12,
            "feature/bump-app",
            ["env/prod/app/", "env/dev/app/"],
            "promotions/12-feature-bump-app-"
            + hashlib.sha1(b"env/dev/app/_env/prod/app/", usedforsecurity=False).hexdigest()[:12],
        ),
        (7, "main", ["a/"], "promotions/7-main-b63c516d798c"),
        (7, "a/b/c", [], "promotions/7-a-b-c-da39a3ee5e6b"),
    ],
)
def test_branch_name(pr: int, head: str, targets: list[str], expected: str) -> None:
    assert branch_name(pr, head, targets) == expected


def test_branch_name_hashes_sorted_targets() -> None:
    assert branch_name(1, "x", ["b/", "a/"]) == branch_name(1, "x", ["a/", "b/"])
    assert branch_name(1, "x", ["a/", "b/"]).endswith(
        "-" + hashlib.sha1(b"a/_b/", usedforsecurity=False).hexdigest()[:12]
    )


def test_branch_name_cuts_long_head_branches() -> None:
    name = branch_name(4242, "team/" + "x" * 300, ["env/prod/app/"])

    assert name == "promotions/4242-team-" + "x" * 195 + "-2716f8ed7406"
    assert len(name) == 229
    huge = branch_name(10**40, "y" * 300, ["a/"])
    assert len(huge) == 250
    assert huge.endswith("-b63c516d798c")


# Property: for any source and target file maps, applying the changes makes the target
# an exact copy of the source and leaves every other path alone.

NAMES = st.sampled_from(["a", "b", "c.yaml", "d d", "é"])
REL_PATHS = st.lists(NAMES, min_size=1, max_size=3).map("/".join)
ENTRIES = st.tuples(
    st.sampled_from([FILE, FILE, EXE, LINK, SUB]), st.sampled_from(["1", "2", "3"])
).map(entry)
FILE_MAPS = st.dictionaries(REL_PATHS, ENTRIES, max_size=8).map(
    lambda files: {
        p: e for p, e in files.items() if not any(p.startswith(f"{q}/") for q in files if q != p)
    }
)


def prefixed(folder: str, files: Mapping[str, TreeEntry]) -> dict[str, TreeEntry]:
    return {f"{folder}/{rel}": e for rel, e in files.items()}


@given(source=FILE_MAPS, target=FILE_MAPS, other=FILE_MAPS)
def test_property_target_becomes_source(
    source: dict[str, TreeEntry], target: dict[str, TreeEntry], other: dict[str, TreeEntry]
) -> None:
    base = build(
        prefixed("src/app", source) | prefixed("dst/app", target) | prefixed("dst/keep", other)
    )
    pairs = [("dst/app", "src/app")]

    result = compute_sync(base, pairs)

    assert_synced(base, pairs, result)
    assert (result.in_sync == tuple(pairs)) == (source == target)
    assert bool(result.changes) == (source != target)
    again = build(apply_changes(base, result.changes))
    assert compute_sync(again, pairs).changes == {}


@given(sources=st.lists(FILE_MAPS, min_size=2, max_size=3), targets=st.lists(FILE_MAPS, min_size=3))
def test_property_several_pairs(
    sources: list[dict[str, TreeEntry]], targets: list[dict[str, TreeEntry]]
) -> None:
    files: dict[str, TreeEntry] = {}
    for i, source in enumerate(sources):
        files |= prefixed(f"workspace/c{i}", source)
    for i, target in enumerate(targets):
        files |= prefixed(f"env/c{i}", target)
    base = build(files)
    pairs = [(f"env/c{i}", f"workspace/c{i}") for i in range(len(targets))]

    result = compute_sync(base, pairs)

    assert_synced(base, pairs, result)
