"""The configuration model: ``telefonistka.yaml`` at the repo root and per component.

Key names are byte-for-byte those of the Go original, typos included
(``promtionPRlables``, ``whProxtSkipTLSVerifyUpstream``), so existing repos migrate with
no edit. Parsing and validation (positions, JSON Schema, suggestions) live in
``telefonistka.core.config.validation``; this module holds the typed, frozen result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from telefonistka.core.config.gates import Freeze, Gates
from telefonistka.core.config.keep_local import KeepLocal

REPO_CONFIG_FILE = "telefonistka.yaml"
COMPONENT_CONFIG_FILE = "telefonistka.yaml"


@dataclass(frozen=True)
class PromotionPr:
    """One element of ``promotionPrs``: the targets synced together in one PR."""

    target_paths: tuple[str, ...]
    target_description: str = ""

    @property
    def sorted_targets(self) -> tuple[str, ...]:
        return tuple(sorted(self.target_paths))

    @property
    def description(self) -> str:
        """The human name of the targets; defaults to the sorted paths joined by a space."""
        return self.target_description or " ".join(self.sorted_targets)


@dataclass(frozen=True)
class Conditions:
    """``conditions`` of a promotion path."""

    pr_has_labels: tuple[str, ...] = ()
    auto_merge: bool = False

    def hold_for(self, labels: frozenset[str]) -> bool:
        """True when the flow applies to a PR carrying ``labels``."""
        return not self.pr_has_labels or any(lbl in labels for lbl in self.pr_has_labels)


@dataclass(frozen=True)
class PromotionPath:
    """One promotion flow (an element of ``promotionPaths``)."""

    source_path: str
    promotion_prs: tuple[PromotionPr, ...]
    component_path_extra_depth: int = 0
    conditions: Conditions = field(default_factory=Conditions)
    gates: Gates | None = None  # when its promotion PRs may be merged (docs/gates.md)
    auto_merge_rollbacks: bool = False  # merge its rollback PRs (docs/rollback.md)
    hold_after_rollback: timedelta | None = None  # None: a hold lasts until released


@dataclass(frozen=True)
class WebhookEndpointRegex:
    """One push fan-out rule: files matching ``expression`` go to every replacement URL."""

    expression: str
    replacements: tuple[str, ...]


@dataclass(frozen=True)
class ArgocdConfig:
    """The Go original's Argo CD settings (docs/argocd.md)."""

    comment_diff_on_pr: bool = False
    auto_merge_no_diff_prs: bool = False
    allow_sync_from_branch_path_regex: str = ""
    use_sha_label_for_app_discovery: bool = False
    create_temp_app_object_from_new_apps: bool = False


@dataclass(frozen=True)
class RepoConfig:
    """The repo-level ``telefonistka.yaml``, always read from the default branch."""

    promotion_paths: tuple[PromotionPath, ...] = ()
    dry_run_mode: bool = False
    auto_approve_promotion_prs: bool = False
    close_superseded_promotion_prs: bool = True
    toggle_commit_status: tuple[tuple[str, str], ...] = ()
    webhook_endpoint_regexs: tuple[WebhookEndpointRegex, ...] = ()
    wh_proxt_skip_tls_verify_upstream: bool = False
    promotion_pr_labels: tuple[str, ...] = ()
    argocd: ArgocdConfig = field(default_factory=ArgocdConfig)
    freezes: tuple[Freeze, ...] = ()
    keep_local: KeepLocal = field(default_factory=KeepLocal)  # the repository-wide default


@dataclass(frozen=True)
class ComponentConfig:
    """``<component path>/telefonistka.yaml``: per-component target overrides."""

    promotion_target_allow_list: tuple[str, ...] = ()
    promotion_target_block_list: tuple[str, ...] = ()
    disable_argocd_diff: bool = False
    keep_local: KeepLocal = field(default_factory=KeepLocal)
