"""The fleet report: where every component stands on every target of every flow.

Why: a promotion bot acts on events; nobody sees at a glance which clusters run which
version of a component. The report answers from one snapshot of the default branch and
the open PRs, with the planning rules a merge would apply (``core/promotion/planning.py``):

- for each ``promotionPaths`` entry (a *flow*) and each component below its source, each
  target of its ``promotionPrs`` is **in sync** (same tree), **differs**, **missing** (no
  folder there yet), **blocked** (the component's allow/block lists keep it out) or in
  **conflict** (several sources of that name with different content, so a promotion
  would leave the target out);
- a target that differs or is missing names the bot's open promotion PR that writes it
  (from the PR's metadata block), with its age and its ``telefonistka`` status;
- open PRs, open promotion PRs, and promotion PRs whose ``telefonistka`` status has been
  ``pending`` longer than a threshold (a run that crashed): the Go original's gauges.

Pure: the caller reads the snapshot, the configurations and the PRs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from telefonistka.core.config.keep_local import KeepLocal
from telefonistka.core.config.model import ComponentConfig, PromotionPath, RepoConfig
from telefonistka.core.config.regex import compile_regex
from telefonistka.core.metrics import GAUGE, Sample
from telefonistka.core.promotion.changes import (
    ChangedComponent,
    find_changed_components,
    folder_prefix,
)
from telefonistka.core.promotion.keep_fields import keep_fields
from telefonistka.core.promotion.planning import skips_target
from telefonistka.core.promotion.snapshot import TreeSnapshot
from telefonistka.core.promotion.sync import compute_sync
from telefonistka.errors import SyncError
from telefonistka.ports import BlobReader


class CellState(StrEnum):
    """Where one component stands on one target."""

    IN_SYNC = "in-sync"
    DIFFERS = "differs"
    MISSING = "missing"
    BLOCKED = "blocked"
    CONFLICT = "conflict"


SYMBOLS: Mapping[CellState, str] = {
    CellState.IN_SYNC: "✅",
    CellState.DIFFERS: "🟠",
    CellState.MISSING: "⚪",
    CellState.BLOCKED: "⛔",
    CellState.CONFLICT: "⚠️",
}
OUT_OF_SYNC = frozenset({CellState.DIFFERS, CellState.MISSING})


@dataclass(frozen=True)
class OpenPromotion:
    """One of the bot's open promotion PRs, as the report shows it."""

    number: int
    title: str
    url: str
    created_at: str
    targets: frozenset[str]  # target component folders it writes (its metadata)
    status: str | None = None  # the newest ``telefonistka`` state on its head
    status_at: str = ""
    gates: str = ""  # its ``telefonistka/gates`` status: "pending: soaking: 1h left" ("": none)

    def age_hours(self, now: datetime) -> float:
        return hours_between(self.created_at, now)

    def to_json(self, now: datetime) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "url": self.url,
            "created_at": self.created_at,
            "age_hours": round(self.age_hours(now), 1),
            "status": self.status,
            "gates": self.gates,
            "targets": sorted(self.targets),
        }


@dataclass(frozen=True)
class Cell:
    """One component on one target of a flow."""

    state: CellState
    source: str = ""  # the source folder compared ("" when blocked)
    target: str = ""  # the target folder
    pr: int | None = None  # the open promotion PR that writes this target


@dataclass(frozen=True)
class FlowReport:
    """One flow: its components (rows) by its targets (columns)."""

    index: int
    source_path: str
    targets: tuple[str, ...]
    components: tuple[str, ...]
    cells: Mapping[tuple[str, str], Cell]

    @property
    def target_root(self) -> str:
        """The folder every target lies in (``clusters/prod/``), "" when they share none."""
        parts = [t.strip("/").split("/")[:-1] for t in self.targets]
        common: list[str] = []
        for names in zip(*parts, strict=False) if parts else ():
            if len(set(names)) != 1:
                break
            common.append(names[0])
        return "/".join(common) + "/" if common else ""

    def counts(self) -> dict[CellState, int]:
        found = dict.fromkeys(CellState, 0)
        for cell in self.cells.values():
            found[cell.state] += 1
        return found

    def out_of_sync(self) -> list[tuple[str, str, Cell]]:
        """(component, target, cell) of every cell a promotion would change."""
        return [
            (component, target, cell)
            for (component, target), cell in self.cells.items()
            if cell.state in OUT_OF_SYNC
        ]

    def to_json(
        self, detail: str = "all", prs: Mapping[int, dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The flow as data; ``detail``: every cell (``all``), only the cells that are not
        in sync (``out-of-sync``), or none, counts only (``counts``). ``prs``: the open
        promotion PRs by number, whose age and status a cell written by one shows."""
        data: dict[str, Any] = {
            "flow": self.index,
            "sourcePath": self.source_path,
            "targets": list(self.targets),
        }
        if detail != "counts":
            components: dict[str, dict[str, Any]] = {}
            for component in self.components:
                row = {target: self.cells[(component, target)] for target in self.targets}
                components[component] = {
                    target: _cell_json(cell, prs or {})
                    for target, cell in row.items()
                    if detail == "all" or cell.state is not CellState.IN_SYNC
                }
            data["components"] = components
        data["counts"] = {str(state): count for state, count in self.counts().items()}
        return data


def _cell_json(cell: Cell, prs: Mapping[int, dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {"state": str(cell.state)}
    if cell.pr is not None:
        data["pr"] = cell.pr
        pr = prs.get(cell.pr, {})
        if pr:
            data["prAgeHours"], data["prStatus"] = pr["age_hours"], pr["status"]
    return data


@dataclass(frozen=True)
class FleetReport:
    """The whole report of one repository at one default-branch commit."""

    repository: str
    commit: str
    generated_at: datetime
    flows: tuple[FlowReport, ...] = ()
    open_prs: int = 0
    promotions: tuple[OpenPromotion, ...] = ()
    stale_after_hours: float = 1.0
    config_errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    held: tuple[tuple[str, int], ...] = ()  # (target folder, the rollback PR holding it)

    @property
    def stale_pending(self) -> tuple[OpenPromotion, ...]:
        """Promotion PRs whose ``telefonistka`` status has been pending too long."""
        return tuple(
            pr
            for pr in self.promotions
            if pr.status == "pending"
            and hours_between(pr.status_at, self.generated_at) >= self.stale_after_hours
        )

    def to_json(self, detail: str = "all") -> dict[str, Any]:
        """The report as data (``detail``: see ``FlowReport.to_json``)."""
        now = self.generated_at
        prs = {pr.number: pr.to_json(now) for pr in self.promotions}
        return {
            "repository": self.repository,
            "commit": self.commit,
            "generatedAt": now.isoformat(),
            "detail": detail,
            "flows": [flow.to_json(detail, prs) for flow in self.flows],
            "openPrs": self.open_prs,
            "openPromotionPrs": list(prs.values()),
            "stalePending": [pr.number for pr in self.stale_pending],
            "configErrors": list(self.config_errors),
            "held": [{"folder": folder, "rollbackPr": pr} for folder, pr in self.held],
        }

    def samples(self) -> list[Sample]:
        """The gauges: the Go original's three, and the cells per flow and state."""
        repo = self.repository
        samples = [
            Sample.of(
                "telefonistka_github_open_prs",
                GAUGE,
                "The number of open PRs",
                self.open_prs,
                repo_slug=repo,
            ),
            Sample.of(
                "telefonistka_github_open_promotion_prs",
                GAUGE,
                "The number of open promotion PRs",
                len(self.promotions),
                repo_slug=repo,
            ),
            Sample.of(
                "telefonistka_github_open_prs_with_pending_telefonistka_checks",
                GAUGE,
                "The number of open promotion PRs whose telefonistka status has been "
                "pending longer than the report's threshold",
                len(self.stale_pending),
                repo_slug=repo,
            ),
            Sample.of(
                "telefonistka_report_config_errors",
                GAUGE,
                "Configuration errors the last report found",
                len(self.config_errors),
                repo_slug=repo,
            ),
            Sample.of(
                "telefonistka_held_targets",
                GAUGE,
                "Target folders held by a merged rollback",
                len(self.held),
                repo_slug=repo,
            ),
        ]
        for flow in self.flows:
            for state, count in flow.counts().items():
                samples.append(
                    Sample.of(
                        "telefonistka_report_targets",
                        GAUGE,
                        "Component × target cells of a flow, by state",
                        count,
                        repo_slug=repo,
                        flow=flow.source_path,
                        state=str(state),
                    )
                )
        return samples


OUTPUT_LIMIT = 1_000_000  # GitHub: a job's outputs may hold 1 MB


def report_output(report: FleetReport, limit: int = OUTPUT_LIMIT) -> tuple[str, str]:
    """(the ``report`` output as JSON, a note when it had to leave cells out).

    Every cell while it fits; else only the cells not in sync; else the counts alone.
    The job summary and the dashboard show the rest.
    """
    for detail in ("all", "out-of-sync", "counts"):
        text = json.dumps(report.to_json(detail), ensure_ascii=False)
        if len(text.encode()) <= limit or detail == "counts":
            break
    kept = {"all": "", "out-of-sync": "only the cells not in sync", "counts": "the counts only"}
    note = (
        f"the `report` output holds {kept[detail]}: every cell would pass GitHub's 1 MB "
        "limit on a job's outputs"
        if detail != "all"
        else ""
    )
    return text, note


def hours_between(stamp: str, now: datetime) -> float:
    """Hours from ISO 8601 ``stamp`` to ``now`` (0 when the stamp is missing or garbled)."""
    try:
        then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    return max((now - then).total_seconds() / 3600, 0.0)


def all_components(snapshot: TreeSnapshot, config: RepoConfig) -> list[ChangedComponent]:
    """Every component folder of the snapshot, claimed as a change to it would be.

    Folders only (``path/``, as ``components_from_folders`` names them): every component
    is a folder, and a repository has about a tenth as many folders as files.
    """
    return find_changed_components((f"{p}/" for p in snapshot.folder_paths()), config)


def compute_report(
    snapshot: TreeSnapshot,
    config: RepoConfig,
    component_configs: Mapping[str, ComponentConfig],
    promotions: Sequence[OpenPromotion],
    *,
    repository: str,
    now: datetime,
    open_prs: int = 0,
    stale_after_hours: float = 1.0,
    config_errors: Iterable[str] = (),
    components: Sequence[ChangedComponent] | None = None,
) -> FleetReport:
    """The report of ``snapshot``; ``component_configs`` keyed by component folder;
    ``components``: ``all_components`` when the caller has them already."""
    if components is None:
        components = all_components(snapshot, config)
    writers = _writers(promotions)
    flows = tuple(
        _flow_report(
            index,
            flow,
            components,
            snapshot=snapshot,
            component_configs=component_configs,
            writers=writers,
            keep_default=config.keep_local,
        )
        for index, flow in enumerate(config.promotion_paths)
    )
    return FleetReport(
        repository,
        snapshot.commit,
        now,
        flows,
        open_prs,
        tuple(sorted(promotions, key=lambda pr: pr.number)),
        stale_after_hours,
        tuple(config_errors),
    )


def _writers(promotions: Sequence[OpenPromotion]) -> dict[str, int]:
    """Target folder → the newest open promotion PR writing it."""
    found: dict[str, int] = {}
    for pr in sorted(promotions, key=lambda p: p.number):
        for target in pr.targets:
            found[target.strip("/")] = pr.number
    return found


def _flow_report(
    index: int,
    flow: PromotionPath,
    components: Sequence[ChangedComponent],
    *,
    snapshot: TreeSnapshot,
    component_configs: Mapping[str, ComponentConfig],
    writers: Mapping[str, int],
    keep_default: KeepLocal | None = None,
) -> FlowReport:
    pattern = compile_regex(folder_prefix(flow.source_path))
    sources: dict[str, list[ChangedComponent]] = {}
    for component in components:
        if pattern.match(component.source_path):
            sources.setdefault(component.name, []).append(component)
    targets = tuple(
        dict.fromkeys(folder_prefix(t) for pr in flow.promotion_prs for t in pr.target_paths)
    )
    differ = _SourcesDiffer(snapshot)
    cells = {
        (name, target): _cell(
            members,
            target,
            snapshot=snapshot,
            component_configs=component_configs,
            writers=writers,
            differ=differ,
            keep_default=keep_default or KeepLocal(),
        )
        for name, members in sources.items()
        for target in targets
    }
    return FlowReport(index, flow.source_path, targets, tuple(sorted(sources)), cells)


@dataclass
class _SourcesDiffer:
    """Whether several source folders of one name differ (a conflict on every target),
    asked once per set of sources, not per target: 10 sources and 50 targets would
    otherwise compare the same folders 450 times."""

    snapshot: TreeSnapshot
    known: dict[tuple[str, ...], bool] = field(default_factory=dict)

    def __call__(self, sources: tuple[str, ...]) -> bool:
        if sources not in self.known:
            first = self.snapshot.folder_id(sources[0])
            self.known[sources] = any(
                self.snapshot.folder_id(other) != first for other in sources[1:]
            )
        return self.known[sources]


def _cell(
    members: Sequence[ChangedComponent],
    target: str,
    *,
    snapshot: TreeSnapshot,
    component_configs: Mapping[str, ComponentConfig],
    writers: Mapping[str, int],
    differ: _SourcesDiffer,
    keep_default: KeepLocal,
) -> Cell:
    """The state of one component name on one target (see the module docstring)."""
    folder = f"{target}{members[0].name}"
    kept = sorted(
        m.path for m in members if not skips_target(component_configs.get(m.path), target)
    )
    if not kept:
        return Cell(CellState.BLOCKED, target=folder)
    if differ(tuple(kept)):
        return Cell(CellState.CONFLICT, kept[0], folder)
    if folder in kept:  # the target is one of the sources (a flow onto itself)
        return Cell(CellState.IN_SYNC, kept[0], folder)
    if snapshot.folder_id(folder) is None:
        state = CellState.MISSING
    elif snapshot.same_content(kept[0], folder) or _only_kept_differ(
        snapshot, kept[0], folder, component_configs.get(kept[0]), keep_default
    ):
        return Cell(CellState.IN_SYNC, kept[0], folder)
    else:
        state = CellState.DIFFERS
    return Cell(state, kept[0], folder, writers.get(folder))


def _only_kept_differ(
    snapshot: TreeSnapshot,
    source: str,
    target: str,
    own: ComponentConfig | None,
    keep_default: KeepLocal,
) -> bool:
    """Whether ``target`` differs from ``source`` only in files ``keepLocal`` keeps (a
    promotion would write nothing: in sync)."""
    rules = keep_default.merged(own.keep_local if own else KeepLocal())
    if not rules:
        return False
    try:
        return compute_sync(snapshot, [(target, source)], {source: rules}).all_in_sync
    except SyncError:
        return False


def settle_kept_fields(
    report: FleetReport,
    snapshot: TreeSnapshot,
    config: RepoConfig,
    component_configs: Mapping[str, ComponentConfig],
    blobs: BlobReader,
) -> FleetReport:
    """``report`` with each differing cell whose files differ only in kept fields
    (``keepLocal.fields``) counted in sync. Only such cells cost anything: the blobs of
    their differing files, read in one batch."""
    candidates: dict[tuple[int, tuple[str, str]], list[tuple[str, str, tuple[str, ...]]]] = {}
    for flow in report.flows:
        for key, cell in flow.cells.items():
            if cell.state is not CellState.DIFFERS:
                continue
            own = component_configs.get(cell.source)
            rules = config.keep_local.merged(own.keep_local if own else KeepLocal())
            if not rules.fields:
                continue
            files = _field_only_files(snapshot, cell.source, cell.target, rules)
            if files:
                candidates[(flow.index, key)] = files
    if not candidates:
        return report
    oids = sorted({oid for files in candidates.values() for s, t, _ in files for oid in (s, t)})
    contents = blobs.read_blobs(oids)
    settled = {
        where
        for where, files in candidates.items()
        if all(_only_fields_differ(contents, s, t, sel, where[1][0]) for s, t, sel in files)
    }
    flows = tuple(
        replace(
            flow,
            cells={
                key: replace(cell, state=CellState.IN_SYNC, pr=None)
                if (flow.index, key) in settled
                else cell
                for key, cell in flow.cells.items()
            },
        )
        for flow in report.flows
    )
    return replace(report, flows=flows)


def _field_only_files(
    snapshot: TreeSnapshot, source: str, target: str, rules: KeepLocal
) -> list[tuple[str, str, tuple[str, ...]]] | None:
    """(source blob, target blob, selectors) of each differing file, when every difference
    is a kept file or a file with kept fields on both sides; else None."""
    in_source, in_target = snapshot.files_under(source), snapshot.files_under(target)
    files = []
    for rel in sorted(in_source.keys() | in_target.keys()):
        a, b = in_source.get(rel), in_target.get(rel)
        if a == b or rules.keeps_file(rel):
            continue
        selectors = rules.selectors_for(rel)
        if a is None or b is None or not selectors or a.mode != b.mode:
            return None
        files.append((a.oid, b.oid, selectors))
    return files


def _only_fields_differ(
    contents: Mapping[str, bytes], source: str, target: str, selectors: tuple[str, ...], name: str
) -> bool:
    try:
        source_text = contents[source].decode("utf-8")
        target_text = contents[target].decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return False
    return keep_fields(source_text, target_text, selectors, name).text == target_text
