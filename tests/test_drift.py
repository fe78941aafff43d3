"""compute_drift: per-pair differences, read with one blob call, diffs target → source."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telefonistka.core.drift.compare import (
    DriftReport,
    FileDrift,
    PairDrift,
    YamlChange,
    YamlChangeKind,
    compute_drift,
    decode_text,
    unified_diff,
)
from telefonistka.core.promotion.snapshot import Mode, TreeEntry, TreeSnapshot
from telefonistka.core.promotion.sync import compute_sync
from telefonistka.errors import GitError

FILE, EXE, LINK, SUB = Mode.FILE, Mode.EXECUTABLE, Mode.SYMLINK, Mode.SUBMODULE

Spec = Mapping[str, bytes | str | tuple[Mode, bytes | str]]


def blob(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).hexdigest()


class FakeBlobs:
    """A BlobReader over canned contents that records every call."""

    def __init__(self, contents: Iterable[bytes]) -> None:
        self.by_oid = {blob(c): c for c in contents}
        self.calls: list[list[str]] = []

    def read_blobs(self, oids: Iterable[str]) -> dict[str, bytes]:
        requested = list(oids)
        self.calls.append(requested)
        return {oid: self.by_oid[oid] for oid in requested if oid in self.by_oid}


def build(spec: Spec, commit: str = "c0ffee") -> tuple[TreeSnapshot, FakeBlobs]:
    """A snapshot with content-derived ids (like git's) and a reader for its blobs."""
    files: dict[str, TreeEntry] = {}
    contents: list[bytes] = []
    for path, value in spec.items():
        mode, raw = value if isinstance(value, tuple) else (FILE, value)
        data = raw.encode() if isinstance(raw, str) else raw
        if mode is SUB:
            files[path] = TreeEntry(mode, data.decode())
        else:
            files[path] = TreeEntry(mode, blob(data))
            contents.append(data)
    folders = folder_ids(files, "")
    root = folders.pop("")
    return TreeSnapshot(commit, root.oid, files | folders), FakeBlobs(contents)


def folder_ids(files: Mapping[str, TreeEntry], folder: str) -> dict[str, TreeEntry]:
    """Every folder's entry at or below ``folder``, hashing its children's listing."""
    prefix = f"{folder}/" if folder else ""
    below = {p[len(prefix) :]: e for p, e in files.items() if p.startswith(prefix)}
    found: dict[str, TreeEntry] = {}
    listing: dict[str, TreeEntry] = {}
    for rel, e in below.items():
        name, _, rest = rel.partition("/")
        if rest:
            child = f"{prefix}{name}"
            if child not in found:
                found |= folder_ids(files, child)
            listing[name] = found[child]
        else:
            listing[name] = e
    text = "".join(f"{e.mode} {n} {e.oid}\n" for n, e in sorted(listing.items()))
    found[folder] = TreeEntry(
        Mode.FOLDER, hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
    )
    return found


def oid_of(snapshot: TreeSnapshot, path: str) -> str:
    found = snapshot.entry(path)
    assert found is not None
    return found.oid


VALUES_PROD = "image:\n  repository: app\n  tag: v1\nreplicas: 2\ndebug: true\n"
VALUES_SRC = "image:\n  repository: app\n  tag: v2\nreplicas: 2\n"

BASE: Spec = {
    "workspace/app/values.yaml": VALUES_SRC,
    "workspace/app/new.txt": "new\n",
    "workspace/app/same.txt": "same\n",
    "workspace/app/run.sh": (EXE, "#!/bin/sh\n"),
    "env/prod/app/values.yaml": VALUES_PROD,
    "env/prod/app/old.txt": "old\n",
    "env/prod/app/same.txt": "same\n",
    "env/prod/app/run.sh": (FILE, "#!/bin/sh\n"),
    "env/staging/app/values.yaml": VALUES_SRC,
    "env/staging/app/new.txt": "new\n",
    "env/staging/app/same.txt": "same\n",
    "env/staging/app/run.sh": (EXE, "#!/bin/sh\n"),
}


def test_drift_of_one_pair() -> None:
    snapshot, blobs = build(BASE)

    report = compute_drift(snapshot, [("env/prod/app", "workspace/app")], blobs)

    assert report == DriftReport(
        "c0ffee",
        (
            PairDrift(
                "workspace/app",
                "env/prod/app",
                only_in_source=("new.txt",),
                only_in_target=("old.txt",),
                differing=(
                    FileDrift(
                        "run.sh",
                        "workspace/app/run.sh",
                        "env/prod/app/run.sh",
                        "",
                        mode_change=("100644", "100755"),
                    ),
                    FileDrift(
                        "values.yaml",
                        "workspace/app/values.yaml",
                        "env/prod/app/values.yaml",
                        "--- env/prod/app/values.yaml\n"
                        "+++ workspace/app/values.yaml\n"
                        "@@ -1,5 +1,4 @@\n"
                        " image:\n"
                        "   repository: app\n"
                        "-  tag: v1\n"
                        "+  tag: v2\n"
                        " replicas: 2\n"
                        "-debug: true\n",
                        yaml_changes=(
                            YamlChange("debug", YamlChangeKind.REMOVED, "true", None),
                            YamlChange("image.tag", YamlChangeKind.CHANGED, "v1", "v2"),
                        ),
                    ),
                ),
            ),
        ),
    )
    assert report.has_drift
    assert blobs.calls == [
        sorted([blob(VALUES_PROD.encode()), blob(VALUES_SRC.encode())]),
    ]


def test_in_sync_pair_reads_nothing() -> None:
    snapshot, blobs = build(BASE)

    report = compute_drift(snapshot, [("env/staging/app", "workspace/app")], blobs)

    assert report == DriftReport("c0ffee", (PairDrift("workspace/app", "env/staging/app"),))
    assert not report.has_drift
    assert report.drifted == ()
    assert blobs.calls == []


def test_several_pairs_are_sorted_and_read_in_one_call() -> None:
    snapshot, blobs = build(
        {
            **BASE,
            "env/dev/app/values.yaml": VALUES_PROD,
            "env/dev/app/same.txt": "same\n",
            "env/dev/app/new.txt": "new\n",
            "env/dev/app/run.sh": (EXE, "#!/bin/sh\n"),
        }
    )
    pairs = [
        ("env/staging/app", "workspace/app"),
        ("env/prod/app/", "workspace/app/"),
        ("env/dev/app", "workspace/app"),
        ("env/prod/app/", "workspace/app/"),
    ]

    report = compute_drift(snapshot, pairs, blobs)

    assert [(p.target, p.has_drift) for p in report.pairs] == [
        ("env/dev/app", True),
        ("env/prod/app/", True),
        ("env/staging/app", False),
    ]
    assert [p.target for p in report.drifted] == ["env/dev/app", "env/prod/app/"]
    assert report.pairs[0].differing[0].unified_diff == report.pairs[1].differing[
        1
    ].unified_diff.replace("env/prod/", "env/dev/")
    assert blobs.calls == [sorted([blob(VALUES_PROD.encode()), blob(VALUES_SRC.encode())])]


def test_missing_source_folder_lists_every_target_file() -> None:
    snapshot, blobs = build(BASE)

    report = compute_drift(snapshot, [("env/prod/app", "workspace/deleted")], blobs)

    assert report.pairs == (
        PairDrift(
            "workspace/deleted",
            "env/prod/app",
            only_in_target=("old.txt", "run.sh", "same.txt", "values.yaml"),
            source_missing=True,
        ),
    )
    assert blobs.calls == []


def test_missing_target_folder_lists_every_source_file() -> None:
    snapshot, blobs = build(BASE)

    (pair,) = compute_drift(snapshot, [("env/new/app", "workspace/app")], blobs).pairs

    assert pair.only_in_source == ("new.txt", "run.sh", "same.txt", "values.yaml")
    assert pair.only_in_target == ()
    assert pair.target_missing
    assert not pair.source_missing
    assert blobs.calls == []


def test_both_missing_is_no_drift() -> None:
    snapshot, blobs = build(BASE)

    (pair,) = compute_drift(snapshot, [("env/x/gone", "workspace/gone")], blobs).pairs

    assert pair == PairDrift(
        "workspace/gone", "env/x/gone", source_missing=True, target_missing=True
    )
    assert not pair.has_drift


def test_nested_folders_report_relative_paths() -> None:
    snapshot, blobs = build(
        {
            "src/a/b/c.txt": "one\n",
            "src/a/only.txt": "x",
            "dst/a/b/c.txt": "two\n",
            "dst/z/only.txt": "y",
        }
    )

    (pair,) = compute_drift(snapshot, [("dst", "src")], blobs).pairs

    assert pair.only_in_source == ("a/only.txt",)
    assert pair.only_in_target == ("z/only.txt",)
    (drift,) = pair.differing
    assert drift.path == "a/b/c.txt"
    assert drift.unified_diff == "--- dst/a/b/c.txt\n+++ src/a/b/c.txt\n@@ -1 +1 @@\n-two\n+one\n"


def test_symlink_targets_are_compared_as_text() -> None:
    snapshot, blobs = build({"src/current": (LINK, "v2.yaml"), "dst/current": (LINK, "v1.yaml")})

    (drift,) = compute_drift(snapshot, [("dst", "src")], blobs).pairs[0].differing

    assert drift == FileDrift(
        "current",
        "src/current",
        "dst/current",
        "--- dst/current\n+++ src/current\n@@ -1 +1 @@\n"
        "-v1.yaml\n\\ No newline at end of file\n"
        "+v2.yaml\n\\ No newline at end of file\n",
    )


def test_symlink_replacing_a_yaml_file_has_no_yaml_summary() -> None:
    snapshot, blobs = build({"src/v.yaml": (LINK, "other.yaml"), "dst/v.yaml": "a: 1\n"})

    (drift,) = compute_drift(snapshot, [("dst", "src")], blobs).pairs[0].differing

    assert drift.mode_change == ("100644", "120000")
    assert drift.yaml_changes == ()
    assert drift.unified_diff == (
        "--- dst/v.yaml\n+++ src/v.yaml\n@@ -1 +1 @@\n-a: 1\n+other.yaml\n"
        "\\ No newline at end of file\n"
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        pytest.param(b"text\n", b"PNG\0\x01\x02", id="nul-in-source"),
        pytest.param(b"\0" + b"a" * 10, b"text\n", id="nul-in-target"),
        pytest.param(b"caf\xe9\n", b"cafe\n", id="latin-1"),
        pytest.param(b"x" * 9000 + b"\xff", b"x", id="invalid-utf8-after-sniff-window"),
    ],
)
def test_binary_files_have_no_text_diff(old: bytes, new: bytes) -> None:
    snapshot, blobs = build({"src/f.yaml": new, "dst/f.yaml": old})

    (drift,) = compute_drift(snapshot, [("dst", "src")], blobs).pairs[0].differing

    assert drift == FileDrift("f.yaml", "src/f.yaml", "dst/f.yaml", "", binary=True)


def test_submodule_change_is_diffed_without_reading() -> None:
    old, new = "1" * 40, "2" * 40
    snapshot, blobs = build({"src/lib": (SUB, new), "dst/lib": (SUB, old)})

    (drift,) = compute_drift(snapshot, [("dst", "src")], blobs).pairs[0].differing

    assert drift.unified_diff == (
        f"--- dst/lib\n+++ src/lib\n@@ -1 +1 @@\n-Subproject commit {old}\n"
        f"+Subproject commit {new}\n"
    )
    assert blobs.calls == []


def test_unicode_and_space_paths() -> None:
    snapshot, blobs = build({"src/my dir/vä.yml": "k: ü\n", "dst/my dir/vä.yml": "k: ö\n"})

    (drift,) = compute_drift(snapshot, [("dst", "src")], blobs).pairs[0].differing

    assert drift.unified_diff == (
        "--- dst/my dir/vä.yml\n+++ src/my dir/vä.yml\n@@ -1 +1 @@\n-k: ö\n+k: ü\n"
    )
    assert drift.yaml_changes == (YamlChange("k", YamlChangeKind.CHANGED, "ö", "ü"),)


def test_invalid_yaml_keeps_the_text_diff() -> None:
    snapshot, blobs = build({"src/v.yaml": "a: [1\n", "dst/v.yaml": "a: 1\n"})

    (drift,) = compute_drift(snapshot, [("dst", "src")], blobs).pairs[0].differing

    assert drift.yaml_changes == ()
    assert drift.unified_diff == "--- dst/v.yaml\n+++ src/v.yaml\n@@ -1 +1 @@\n-a: 1\n+a: [1\n"


def test_a_reader_that_drops_a_blob_is_an_error() -> None:
    snapshot, blobs = build({"src/f": "a", "dst/f": "b"})
    blobs.by_oid.pop(oid_of(snapshot, "src/f"))

    with pytest.raises(GitError, match="the blob reader returned no content for "):
        compute_drift(snapshot, [("dst", "src")], blobs)


def test_unified_diff_only_splits_on_newlines() -> None:
    assert unified_diff("a\x0cb\n", "a\x0cc\n", "t", "s") == (
        "--- t\n+++ s\n@@ -1 +1 @@\n-a\x0cb\n+a\x0cc\n"
    )
    assert unified_diff("same\n", "same\n", "t", "s") == ""


@pytest.mark.parametrize(
    ("data", "text"),
    [(b"plain", "plain"), ("ünï".encode(), "ünï"), (b"a\0b", None), (b"\xff", None), (b"", "")],
)
def test_decode_text(data: bytes, text: str | None) -> None:
    assert decode_text(data) == text


# Property: drift and sync agree. A pair drifts exactly when the sync would change
# something, and the changed paths are the one-sided and differing files.

NAMES = st.sampled_from(["a", "b", "c.yaml", "d d"])
REL_PATHS = st.lists(NAMES, min_size=1, max_size=2).map("/".join)
VALUES = st.one_of(
    st.sampled_from(["x: 1\n", "x: 2\n", "bin\0", "plain"]),
    st.tuples(st.sampled_from([EXE, LINK]), st.sampled_from(["x: 1\n", "y"])),
)
FILE_MAPS = st.dictionaries(REL_PATHS, VALUES, max_size=6).map(
    lambda files: {
        p: v for p, v in files.items() if not any(p.startswith(f"{q}/") for q in files if q != p)
    }
)


@given(source=FILE_MAPS, target=FILE_MAPS)
def test_property_drift_matches_sync(
    source: dict[str, bytes | str | tuple[Mode, bytes | str]],
    target: dict[str, bytes | str | tuple[Mode, bytes | str]],
) -> None:
    spec = {f"src/{p}": v for p, v in source.items()} | {f"dst/{p}": v for p, v in target.items()}
    snapshot, blobs = build(spec)

    (pair,) = compute_drift(snapshot, [("dst", "src")], blobs).pairs
    sync = compute_sync(snapshot, [("dst", "src")])

    assert pair.has_drift == bool(sync.changes)
    drifted = {*pair.only_in_source, *pair.only_in_target, *(d.path for d in pair.differing)}
    assert {f"dst/{p}" for p in drifted} == set(sync.changes)
    assert len(blobs.calls) <= 1
    differing_oids = {
        oid_of(snapshot, f)
        for d in pair.differing
        for f in (d.source_file, d.target_file)
        if oid_of(snapshot, d.source_file) != oid_of(snapshot, d.target_file)
    }
    assert set(blobs.calls[0] if blobs.calls else []) == differing_oids
