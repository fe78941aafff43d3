"""Drift between a source component and its targets on the default branch (SPEC 7).

The data model is fixed here so rendering and computation can evolve separately; the
computation fills it using only a tree snapshot and a ``BlobReader`` for the blobs that
differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class YamlChangeKind(StrEnum):
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True)
class YamlChange:
    """One semantic change of a YAML document, read source → target.

    ``key`` is a dotted path (``image.tag``, ``containers[0].image``); ``old`` is the
    value in the target, ``new`` the value in the source (what a promotion would write).
    Values are short YAML/JSON renderings, ``None`` where the side has no value.
    """

    key: str
    kind: YamlChangeKind
    old: str | None
    new: str | None


@dataclass(frozen=True)
class FileDrift:
    """One file that exists on both sides with different content or mode."""

    path: str
    source_file: str
    target_file: str
    unified_diff: str
    binary: bool = False
    mode_change: tuple[str, str] | None = None
    yaml_changes: tuple[YamlChange, ...] = ()


@dataclass(frozen=True)
class PairDrift:
    """The differences of one sync pair (target folder vs source folder)."""

    source: str
    target: str
    only_in_source: tuple[str, ...] = ()
    only_in_target: tuple[str, ...] = ()
    differing: tuple[FileDrift, ...] = ()

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
