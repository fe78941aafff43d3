"""The promotion plan (docs/planning.md): which target folders sync from which sources.

Pure: ``compute_plan`` takes the changed components, the repo configuration, the PR's
labels, a ``FolderComparer`` (to tell identical sources apart from conflicting ones) and
the component configurations, and returns a ``Plan``. Rules, in the order they apply:

- **Flow choice.** Each component takes the first ``promotionPaths`` entry whose
  ``sourcePath`` matches its concrete source path from the start and whose conditions
  hold. A component with no such entry is not promoted; when entries matched its path
  but their ``prHasLabels`` did not, the plan carries a warning naming the labels.
- **Targets.** Target paths without a trailing ``/`` are treated as if they had one. A
  target is skipped for a component when it matches (``re.search``) a block-list entry,
  else when the allow list is non-empty and no allow entry matches. The block list wins.
- **Grouping.** One promotion per (flow ``sourcePath`` pattern, sorted target paths).
  Several flows can feed one group only when they repeat the same ``sourcePath``; the
  group then auto-merges only when *all* of the feeding flows say ``autoMerge``, and its
  description comes from the earliest ``promotionPrs`` element in configuration order.
- **Conflicts.** When a group would sync one target from several sources, the sources'
  folders are compared: identical content keeps the first source in sorted order;
  different content leaves the target out of the sync and reports a ``Conflict``.
- **Skips.** ``skipped`` lists, per component name, the target paths its component
  configuration excluded and that no other source of the same name in the group syncs.
- **Dropping.** A group with no sync pair opens no PR: it is dropped from
  ``promotions``. Its conflicts are still reported; when it has none either (every
  target skipped) the plan carries a warning naming the components and targets.
- **Ordering.** Promotions follow configuration order: by the smallest (flow index,
  ``promotionPrs`` index) that produced them. ``sync`` is sorted by target, conflicts
  by target, names and paths alphabetically, so the plan does not depend on the order
  of the changed files.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from telefonistka.core.config.gates import Freeze, Gates, describe_gates
from telefonistka.core.config.keep_local import KeepLocal
from telefonistka.core.config.model import ComponentConfig, PromotionPath, PromotionPr, RepoConfig
from telefonistka.core.config.regex import Regex, compile_regex
from telefonistka.core.promotion.changes import ChangedComponent, folder_prefix, source_regex
from telefonistka.ports import FolderComparer

TITLE_PREFIX = "🚀 Promotion: "
TITLE_ARROW = " ➡️  "

_NO_COMPONENT_CONFIG = ComponentConfig()


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
    excluded; ``conflicted`` lists the target component paths left out because their
    sources differ (the details are in ``Plan.conflicts``; not part of the JSON).
    """

    source_pattern: str
    source_paths: tuple[str, ...]
    target_paths: tuple[str, ...]
    target_description: str
    components: tuple[str, ...]
    auto_merge: bool
    sync: tuple[tuple[str, str], ...]
    skipped: tuple[tuple[str, tuple[str, ...]], ...] = ()
    conflicted: tuple[str, ...] = ()
    gates: tuple[str, ...] = ()  # what its merge waits for (docs/gates.md); not in the PR
    # each source component's ``keepLocal`` (repository default and its own), by path
    keep: tuple[tuple[str, KeepLocal], ...] = ()

    @property
    def keep_map(self) -> dict[str, KeepLocal]:
        return dict(self.keep)

    @property
    def kept_files(self) -> tuple[str, ...]:
        """The ``keepLocal.files`` globs of its sources, each once: what stays in targets."""
        return tuple(dict.fromkeys(glob for _, rules in self.keep for glob in rules.files))

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
            "gates": list(self.gates),
            "title": self.title,
        } | ({"kept_files": list(self.kept_files)} if self.kept_files else {})


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


def compute_plan(
    changed: Iterable[ChangedComponent],
    config: RepoConfig,
    labels: Iterable[str],
    folders: FolderComparer,
    component_configs: Mapping[str, ComponentConfig],
) -> Plan:
    """Plan the promotion PRs for ``changed`` (see the module docstring for the rules).

    ``component_configs`` is keyed by component folder path; a missing key means the
    component has no ``telefonistka.yaml`` of its own.
    """
    label_set = frozenset(labels)
    groups: dict[tuple[str, tuple[str, ...]], _Group] = {}
    warnings: list[str] = []
    for component in sorted(set(changed)):
        flow_index = _select_flow(component, config.promotion_paths, label_set)
        if flow_index is None:
            warnings.extend(_label_warnings(component, config.promotion_paths))
            continue
        own = component_configs.get(component.path)
        target_filter = _TargetFilter.of(own)
        keep = config.keep_local.merged(own.keep_local if own else KeepLocal())
        _route(component, flow_index, config.promotion_paths[flow_index], groups, target_filter)
        if keep:
            for group in groups.values():
                if any(component in members for members in group.candidates.values()):
                    group.keep[component.path] = keep
    ordered = sorted(groups.values(), key=lambda g: g.order)
    return _assemble(ordered, folders, warnings, config.freezes)


def _select_flow(
    component: ChangedComponent, flows: tuple[PromotionPath, ...], labels: frozenset[str]
) -> int | None:
    """Index of the first flow matching the component's source path whose conditions hold."""
    for index, flow in enumerate(flows):
        if _flow_matches(flow, component) and flow.conditions.hold_for(labels):
            return index
    return None


def _flow_matches(flow: PromotionPath, component: ChangedComponent) -> bool:
    return flow_matches(flow, component.source_path)


def flow_matches(flow: PromotionPath, source_path: str) -> bool:
    """The flow's ``sourcePath`` matches the concrete source path from the start, ending
    on a folder boundary (the planning rule; the gate pass and rollbacks find a
    promotion's flow by it too)."""
    return source_regex(flow.source_path).match(source_path) is not None


def _label_warnings(component: ChangedComponent, flows: tuple[PromotionPath, ...]) -> list[str]:
    """Explain a component left unpromoted because the PR lacks a flow's labels.

    Called only when no flow applies, so every path-matching flow failed its labels.
    """
    return [
        f"{component.path}: flow '{flow.source_path}' needs one of the labels "
        f"[{', '.join(flow.conditions.pr_has_labels)}]"
        for flow in flows
        if _flow_matches(flow, component)
    ]


def _route(
    component: ChangedComponent,
    flow_index: int,
    flow: PromotionPath,
    groups: dict[tuple[str, tuple[str, ...]], _Group],
    target_filter: _TargetFilter,
) -> None:
    """Add the component to the group of every ``promotionPrs`` element of its flow."""
    for pr_index, pr in enumerate(flow.promotion_prs):
        targets = tuple(sorted({folder_prefix(t) for t in pr.target_paths}))
        group = groups.get((flow.source_path, targets))
        if group is None:
            group = groups[(flow.source_path, targets)] = _Group(flow.source_path, targets)
        group.absorb((flow_index, pr_index), flow, pr)
        group.add(component, target_filter)


@dataclass(frozen=True)
class _TargetFilter:
    """A component configuration's allow and block lists, compiled."""

    allow: tuple[Regex, ...] = ()
    block: tuple[Regex, ...] = ()

    @staticmethod
    def of(config: ComponentConfig | None) -> _TargetFilter:
        """The filter of ``config`` (no config: nothing is skipped)."""
        return _compile_filter(config or _NO_COMPONENT_CONFIG)

    def skips(self, target: str) -> bool:
        """Block wins; a non-empty allow list must match."""
        if any(rx.search(target) for rx in self.block):
            return True
        return bool(self.allow) and not any(rx.search(target) for rx in self.allow)


def skips_target(config: ComponentConfig | None, target: str) -> bool:
    """Whether a component with ``config`` is kept from ``target`` by its allow and block
    lists (the planning rule, for the fleet report)."""
    return _TargetFilter.of(config).skips(target)


@functools.lru_cache(maxsize=256)
def _compile_filter(config: ComponentConfig) -> _TargetFilter:
    """Compile each distinct component configuration once."""
    return _TargetFilter(
        allow=tuple(compile_regex(p) for p in config.promotion_target_allow_list),
        block=tuple(compile_regex(p) for p in config.promotion_target_block_list),
    )


@dataclass
class _Group:
    """The promotion being collected for one (source pattern, target set)."""

    pattern: str
    targets: tuple[str, ...]
    order: tuple[int, int] = (-1, -1)
    description: str = ""
    auto_merge: bool = True
    gates: Gates | None = None
    candidates: dict[str, set[ChangedComponent]] = field(default_factory=dict)
    covered: set[tuple[str, str]] = field(default_factory=set)
    skipped: set[tuple[str, str]] = field(default_factory=set)
    keep: dict[str, KeepLocal] = field(default_factory=dict)  # by source component path

    def absorb(self, order: tuple[int, int], flow: PromotionPath, pr: PromotionPr) -> None:
        """Take settings from a feeding flow: earliest description, all-must-agree merge."""
        if self.order == (-1, -1) or order < self.order:
            self.order = order
            self.description = pr.target_description or " ".join(self.targets)
        self.auto_merge = self.auto_merge and flow.conditions.auto_merge
        if self.gates is None:
            self.gates = flow.gates

    def add(self, component: ChangedComponent, target_filter: _TargetFilter) -> None:
        """Record, for every target, a sync candidate or a skip of this component."""
        for target in self.targets:
            if target_filter.skips(target):
                self.skipped.add((component.name, target))
                continue
            self.candidates.setdefault(f"{target}{component.name}", set()).add(component)
            self.covered.add((component.name, target))


@dataclass
class _Outcome:
    """What the groups resolve to, collected in promotion order."""

    promotions: list[Promotion] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _assemble(
    groups: list[_Group],
    folders: FolderComparer,
    warnings: list[str],
    freezes: tuple[Freeze, ...] = (),
) -> Plan:
    """Resolve every group and put the plan together."""
    outcome = _Outcome(warnings=list(warnings))
    for group in groups:
        _resolve_group(group, folders, outcome, freezes)
    return Plan(
        promotions=tuple(outcome.promotions),
        conflicts=tuple(sorted(outcome.conflicts, key=lambda c: (c.target, c.sources))),
        warnings=tuple(outcome.warnings),
    )


def _resolve_group(
    group: _Group, folders: FolderComparer, outcome: _Outcome, freezes: tuple[Freeze, ...]
) -> None:
    """Turn one group into a promotion, conflicts, or a warning that nothing is left."""
    sync, conflicts = _resolve_targets(group.candidates, folders)
    outcome.conflicts.extend(conflicts)
    if sync:
        promotion = _promotion(group, sync, conflicts)
        gates = describe_gates(group.gates, freezes, group.targets)
        outcome.promotions.append(replace(promotion, gates=gates) if gates else promotion)
    elif not conflicts:
        outcome.warnings.append(_all_skipped_warning(group))


def _resolve_targets(
    candidates: Mapping[str, set[ChangedComponent]], folders: FolderComparer
) -> tuple[list[tuple[str, str]], list[Conflict]]:
    """Pick each target's source, or report a conflict when the sources differ."""
    sync: list[tuple[str, str]] = []
    conflicts: list[Conflict] = []
    for target in sorted(candidates):
        sources = sorted({c.path for c in candidates[target]})
        if all(folders.same_content(sources[0], other) for other in sources[1:]):
            sync.append((target, sources[0]))
        else:
            conflicts.append(Conflict(target, tuple(sources)))
    return sync, conflicts


def _promotion(group: _Group, sync: list[tuple[str, str]], conflicts: list[Conflict]) -> Promotion:
    """The promotion of a group that has something to sync."""
    return Promotion(
        source_pattern=group.pattern,
        source_paths=_used_source_paths(group, sync, conflicts),
        target_paths=group.targets,
        target_description=group.description,
        components=tuple(sorted({name for name, _ in group.covered})),
        auto_merge=group.auto_merge,
        sync=tuple(sync),
        skipped=_final_skips(group),
        conflicted=tuple(c.target for c in conflicts),
        keep=tuple(
            sorted(
                (source, group.keep[source]) for source in {s for _, s in sync} & set(group.keep)
            )
        ),
    )


def _used_source_paths(
    group: _Group, sync: list[tuple[str, str]], conflicts: list[Conflict]
) -> tuple[str, ...]:
    """Concrete source paths that a sync pair or a conflict of the group uses."""
    used = {source for _, source in sync}
    used.update(source for conflict in conflicts for source in conflict.sources)
    members = (c for comps in group.candidates.values() for c in comps)
    return tuple(sorted({c.source_path for c in members if c.path in used}))


def _final_skips(group: _Group) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Skips by name, minus targets another source of the same name still syncs."""
    by_name: dict[str, list[str]] = {}
    for name, target in sorted(group.skipped):
        if f"{target}{name}" not in group.candidates:
            by_name.setdefault(name, []).append(target)
    return tuple((name, tuple(targets)) for name, targets in by_name.items())


def _all_skipped_warning(group: _Group) -> str:
    """Say which components the component configuration kept from which targets."""
    skips = _final_skips(group)
    if not skips:
        return f"flow '{group.pattern}' has a promotion with no target paths"
    names = ", ".join(name for name, _ in skips)
    targets = sorted({t for _, ts in skips for t in ts})
    return (
        f"{names}: not promoted by flow '{group.pattern}' to {group.description}: "
        f"the component configuration skips every target ({', '.join(targets)})"
    )
