"""Drift between a source component and its targets on the default branch.

What users see of it: docs/github-action.md, "Drift check".

The data model comes first, so rendering and computation can evolve separately; the
computation below fills it using only a tree snapshot and one ``BlobReader`` call for
the blobs that differ.

Direction: every diff reads target → source, i.e. what a promotion would change
(``--- <target file>`` / ``+++ <source file>``). Pairs whose folder ids are equal, or
that are both absent, have no drift and cost no blob read. A path that is a file
rather than a folder counts as an absent folder: drift checks report, they do not fail.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from telefonistka.core.config.keep_local import KeepLocal
from telefonistka.core.drift.yamldiff import (
    YamlChange,
    YamlChangeKind,
    is_yaml_path,
    summarize_yaml,
)
from telefonistka.core.promotion.keep_fields import keep_fields
from telefonistka.core.promotion.snapshot import Mode, TreeEntry, TreeSnapshot, strip_slashes
from telefonistka.errors import GitError
from telefonistka.ports import BlobReader

__all__ = [
    "DriftReport",
    "FileDrift",
    "PairDrift",
    "YamlChange",
    "YamlChangeKind",
    "compute_drift",
    "unified_diff",
]

BINARY_SNIFF_BYTES = 8000


@dataclass(frozen=True)
class FileDrift:
    """One file that exists on both sides with different content or mode.

    ``path`` is relative to the pair's folders; ``source_file`` and ``target_file`` are
    repo paths. ``mode_change`` is (target mode, source mode) when the modes differ.
    ``unified_diff`` is empty for binary files and for mode-only changes.
    """

    path: str
    source_file: str
    target_file: str
    unified_diff: str
    binary: bool = False
    mode_change: tuple[str, str] | None = None
    yaml_changes: tuple[YamlChange, ...] = ()


@dataclass(frozen=True)
class PairDrift:
    """The differences of one sync pair (target folder vs source folder).

    ``only_in_source`` / ``only_in_target`` are paths relative to the folders, sorted;
    ``source_missing`` / ``target_missing`` say a whole folder is absent (a deleted
    component, or a target not created yet).
    """

    source: str
    target: str
    only_in_source: tuple[str, ...] = ()
    only_in_target: tuple[str, ...] = ()
    differing: tuple[FileDrift, ...] = ()
    source_missing: bool = False
    target_missing: bool = False
    kept: tuple[str, ...] = ()  # differing paths ``keepLocal`` keeps: not drift

    @property
    def has_drift(self) -> bool:
        return bool(self.only_in_source or self.only_in_target or self.differing)


@dataclass(frozen=True)
class DriftReport:
    """Drift of every sync pair of a plan, computed on one commit of the default branch."""

    commit: str
    pairs: tuple[PairDrift, ...] = ()

    @property
    def drifted(self) -> tuple[PairDrift, ...]:
        return tuple(p for p in self.pairs if p.has_drift)

    @property
    def has_drift(self) -> bool:
        return any(p.has_drift for p in self.pairs)

    def to_json(self, *, diffs: bool = True) -> dict[str, Any]:
        """Every pair (drifted or not) with its differences, as data a later step reads:
        files per side, and per YAML change ``{path, kind, old, new}``. ``diffs`` adds each
        differing file's unified diff (the CLI's ``--json``; left out of the Action's
        step output, which the comment and the summary already show)."""
        return {
            "commit": self.commit,
            "drift": self.has_drift,
            "pairs": [_pair_json(pair, diffs=diffs) for pair in self.pairs],
        }


def _pair_json(pair: PairDrift, *, diffs: bool) -> dict[str, Any]:
    return {
        "source": pair.source,
        "target": pair.target,
        "drift": pair.has_drift,
        "source_missing": pair.source_missing,
        "target_missing": pair.target_missing,
        "only_in_source": list(pair.only_in_source),
        "only_in_target": list(pair.only_in_target),
        "differing": [_file_json(file, diffs=diffs) for file in pair.differing],
    } | ({"kept": list(pair.kept)} if pair.kept else {})


def _file_json(file: FileDrift, *, diffs: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "path": file.path,
        "binary": file.binary,
        "mode_change": list(file.mode_change) if file.mode_change else None,
        "yaml_changes": [
            {"path": c.key, "kind": str(c.kind), "old": c.old, "new": c.new}
            for c in file.yaml_changes
        ],
    }
    if diffs:
        data["diff"] = file.unified_diff
    return data


@dataclass(frozen=True)
class _Differing:
    """A file on both sides of a pair whose entries differ, before its blobs are read."""

    path: str
    target_file: str
    source_file: str
    target: TreeEntry
    source: TreeEntry

    @property
    def content_differs(self) -> bool:
        return self.target.oid != self.source.oid

    def oids_to_read(self) -> list[str]:
        """Submodule entries point at commits, not blobs: they are never read."""
        if not self.content_differs:
            return []
        return [e.oid for e in (self.target, self.source) if e.mode is not Mode.SUBMODULE]


def compute_drift(
    snapshot: TreeSnapshot,
    pairs: Iterable[tuple[str, str]],
    blobs: BlobReader,
    keep: Mapping[str, KeepLocal] | None = None,
) -> DriftReport:
    """The drift of every (target, source) pair, with one blob read for the whole report.

    ``keep`` (each source component's ``keepLocal``, by path): a file kept in the target
    is not drift, however it differs; it is listed in ``PairDrift.kept``.
    """
    ordered = sorted(set(pairs), key=lambda p: (strip_slashes(p[0]), strip_slashes(p[1])))
    rules = keep or {}
    kept_by_pair = [rules.get(strip_slashes(source)) for _, source in ordered]
    compared = [
        _compare_folders(snapshot, target, source, kept)
        for (target, source), kept in zip(ordered, kept_by_pair, strict=True)
    ]
    wanted = sorted({oid for _, diffs in compared for d in diffs for oid in d.oids_to_read()})
    contents = _read(blobs, wanted)
    found: list[PairDrift] = []
    for (pair, diffs), kept in zip(compared, kept_by_pair, strict=True):
        fields_only = {d.path for d in diffs if kept and _only_kept_fields(d, contents, kept)}
        found.append(
            replace(
                pair,
                differing=tuple(
                    _file_drift(d, contents) for d in diffs if d.path not in fields_only
                ),
                kept=tuple(sorted((*pair.kept, *fields_only))),
            )
        )
    return DriftReport(commit=snapshot.commit, pairs=tuple(found))


def _only_kept_fields(diff: _Differing, contents: Mapping[str, bytes], keep: KeepLocal) -> bool:
    """Whether the two files differ only in fields ``keepLocal`` keeps: promoting the
    source with those fields set back gives the target, byte for byte."""
    selectors = keep.selectors_for(diff.path)
    if not selectors or not diff.content_differs or diff.target.mode != diff.source.mode:
        return False
    source = decode_text(_content(diff.source, contents))
    target = decode_text(_content(diff.target, contents))
    if source is None or target is None:
        return False
    return keep_fields(source, target, selectors, diff.target_file).text == target


def unified_diff(old: str, new: str, old_name: str, new_name: str) -> str:
    """A git-style unified diff, marking a last line without a newline like git does."""
    lines = difflib.unified_diff(_lines(old), _lines(new), fromfile=old_name, tofile=new_name)
    return "".join(
        line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n" for line in lines
    )


def decode_text(data: bytes) -> str | None:
    """The text of a blob, or None when it is binary (a NUL early on, or not UTF-8)."""
    if b"\0" in data[:BINARY_SNIFF_BYTES]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _compare_folders(
    snapshot: TreeSnapshot, target: str, source: str, keep: KeepLocal | None = None
) -> tuple[PairDrift, list[_Differing]]:
    target_dir, source_dir = strip_slashes(target), strip_slashes(source)
    target_id, source_id = snapshot.folder_id(target_dir), snapshot.folder_id(source_dir)
    pair = PairDrift(
        source, target, source_missing=source_id is None, target_missing=target_id is None
    )
    if target_id == source_id:
        return pair, []
    in_source = snapshot.files_under(source_dir)
    in_target = snapshot.files_under(target_dir)
    differing = [
        _Differing(rel, f"{target_dir}/{rel}", f"{source_dir}/{rel}", in_target[rel], entry)
        for rel, entry in sorted(in_source.items())
        if rel in in_target and in_target[rel] != entry
    ]
    only_in_source = tuple(sorted(in_source.keys() - in_target.keys()))
    only_in_target = tuple(sorted(in_target.keys() - in_source.keys()))
    kept: tuple[str, ...] = ()
    if keep:
        every = [d.path for d in differing] + list(only_in_source) + list(only_in_target)
        kept = tuple(sorted(rel for rel in every if keep.keeps_file(rel)))
        differing = [d for d in differing if d.path not in kept]
        only_in_source = tuple(rel for rel in only_in_source if rel not in kept)
        only_in_target = tuple(rel for rel in only_in_target if rel not in kept)
    found = replace(pair, only_in_source=only_in_source, only_in_target=only_in_target, kept=kept)
    return found, differing


def _read(blobs: BlobReader, oids: list[str]) -> Mapping[str, bytes]:
    if not oids:
        return {}
    contents = blobs.read_blobs(oids)
    missing = [oid for oid in oids if oid not in contents]
    if missing:
        raise GitError(f"the blob reader returned no content for {', '.join(missing)}")
    return contents


def _file_drift(diff: _Differing, contents: Mapping[str, bytes]) -> FileDrift:
    modes = (diff.target.mode, diff.source.mode)
    mode_change = (modes[0].value, modes[1].value) if modes[0] is not modes[1] else None
    drift = FileDrift(diff.path, diff.source_file, diff.target_file, "", mode_change=mode_change)
    if not diff.content_differs:
        return drift
    old = decode_text(_content(diff.target, contents))
    new = decode_text(_content(diff.source, contents))
    if old is None or new is None:
        return replace(drift, binary=True)
    return replace(
        drift,
        unified_diff=unified_diff(old, new, diff.target_file, diff.source_file),
        yaml_changes=_yaml_changes(diff, old, new),
    )


def _content(entry: TreeEntry, contents: Mapping[str, bytes]) -> bytes:
    if entry.mode is Mode.SUBMODULE:
        return f"Subproject commit {entry.oid}\n".encode()
    return contents[entry.oid]


def _yaml_changes(diff: _Differing, old: str, new: str) -> tuple[YamlChange, ...]:
    both_regular = Mode.SYMLINK not in (diff.target.mode, diff.source.mode)
    if both_regular and is_yaml_path(diff.path):
        return summarize_yaml(old, new)
    return ()


_LINE = re.compile(r"[^\n]*\n|[^\n]+")


def _lines(text: str) -> list[str]:
    """Split on ``\\n`` only (``str.splitlines`` would also split on form feeds, etc.)."""
    return _LINE.findall(text)
