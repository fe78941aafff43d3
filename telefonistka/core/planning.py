"""The promotion plan (SPEC section 5): which target folders sync from which sources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TITLE_PREFIX = "🚀 Promotion: "
TITLE_ARROW = " ➡️  "


@dataclass(frozen=True)
class Conflict:
    """One target that a group would sync from sources with different content."""

    target: str
    sources: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"target": self.target, "sources": list(self.sources)}


@dataclass(frozen=True)
class Promotion:
    """One promotion PR: every sync pair of one (flow source pattern, target set) group.

    ``sync`` maps a target component path to its source component path and is ordered by
    target; ``skipped`` maps a component name to the target paths its component config
    excluded.
    """

    source_pattern: str
    source_paths: tuple[str, ...]
    target_paths: tuple[str, ...]
    target_description: str
    components: tuple[str, ...]
    auto_merge: bool
    sync: tuple[tuple[str, str], ...]
    skipped: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def sync_map(self) -> dict[str, str]:
        return dict(self.sync)

    @property
    def title(self) -> str:
        """``🚀 Promotion: <components joined by ","> ➡️  <targetDescription>`` (Go format)."""
        return f"{TITLE_PREFIX}{','.join(self.components)}{TITLE_ARROW}{self.target_description}"

    def to_json(self) -> dict[str, Any]:
        return {
            "source_pattern": self.source_pattern,
            "source_paths": list(self.source_paths),
            "target_paths": list(self.target_paths),
            "target_description": self.target_description,
            "components": list(self.components),
            "auto_merge": self.auto_merge,
            "sync": dict(self.sync),
            "skipped": {name: list(targets) for name, targets in self.skipped},
            "title": self.title,
        }


@dataclass(frozen=True)
class Plan:
    """The whole plan of one change."""

    promotions: tuple[Promotion, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "promotions": [p.to_json() for p in self.promotions],
            "conflicts": [c.to_json() for c in self.conflicts],
            "warnings": list(self.warnings),
        }
