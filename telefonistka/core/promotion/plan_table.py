"""A promotion plan as a table for people reading a terminal or a CI log.

Pure formatting of ``Plan``: per promotion its title, whether it auto-merges, the sync
pairs as ``target  ←  source`` (targets aligned so the arrows line up), and the targets a
component configuration skipped; then the conflicts and the warnings. Machines should
read ``Plan.to_json`` instead; this text may change.
"""

from __future__ import annotations

from collections.abc import Iterable

from telefonistka.core.promotion.planning import Conflict, Plan, Promotion

ARROW = "  ←  "
INDENT = "  "
NO_PROMOTIONS = "No promotions."


def format_plan_table(plan: Plan) -> str:
    """The whole plan as text ending with a newline."""
    blocks = [
        _promotion_block(i, len(plan.promotions), p) for i, p in enumerate(plan.promotions, 1)
    ]
    if not blocks:
        blocks.append([NO_PROMOTIONS])
    if plan.conflicts:
        blocks.append(_conflicts_block(plan.conflicts))
    if plan.warnings:
        blocks.append(["Warnings:", *(f"{INDENT}- {w}" for w in plan.warnings)])
    return "\n\n".join("\n".join(lines) for lines in blocks) + "\n"


def _promotion_block(number: int, total: int, promotion: Promotion) -> list[str]:
    """Title, auto-merge flag, aligned sync pairs and skipped targets of one promotion."""
    lines = [
        f"Promotion {number}/{total}: {promotion.title}",
        f"{INDENT}auto-merge: {'yes' if promotion.auto_merge else 'no'}",
        f"{INDENT}sync:",
        *_aligned_pairs(promotion.sync, INDENT * 2),
    ]
    if promotion.gates:
        lines.append(f"{INDENT}merge waits for: {'; '.join(promotion.gates)}")
    if promotion.kept_files:
        lines.append(f"{INDENT}kept in each target (keepLocal): {', '.join(promotion.kept_files)}")
    if promotion.skipped:
        lines.append(f"{INDENT}skipped by component configuration:")
        lines += [f"{INDENT * 2}{name}: {', '.join(ts)}" for name, ts in promotion.skipped]
    return lines


def _aligned_pairs(pairs: Iterable[tuple[str, str]], indent: str) -> list[str]:
    """``target  ←  source`` lines with the arrows in one column."""
    pairs = list(pairs)
    width = max((len(target) for target, _ in pairs), default=0)
    return [f"{indent}{target.ljust(width)}{ARROW}{source}" for target, source in pairs]


def _conflicts_block(conflicts: Iterable[Conflict]) -> list[str]:
    """Targets left out because their sources differ, each with every source."""
    lines = ["Conflicts (target left out: its sources differ):"]
    for conflict in conflicts:
        lines.append(f"{INDENT}{conflict.target}{ARROW}{' | '.join(conflict.sources)}")
    return lines
