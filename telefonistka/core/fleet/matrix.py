"""The fleet report as markdown: a matrix per flow (components as rows, targets as
columns, a symbol per cell), the open promotion PRs and the stale runs.

Why numbered columns: a flow fanning out to 60 clusters cannot carry 60 path headers and
stay readable, so columns are numbered and a legend under the matrix names each target;
with few targets the short, unique tail of each path heads its column instead. Every name
that comes from the repository goes through ``core/text/markdown.py`` (text, never markup).
"""

from __future__ import annotations

from datetime import datetime

from telefonistka.core.fleet.report import (
    SYMBOLS,
    CellState,
    FleetReport,
    FlowReport,
    OpenPromotion,
)
from telefonistka.core.text.markdown import code_span, table_cell, text

SHOWN_PRS = 500  # rows of the open promotion PRs table; the output lists them all
NAMED_COLUMNS = 6  # up to this many targets, columns are headed by their short names
LEGEND = " · ".join(f"{symbol} {state}" for state, symbol in SYMBOLS.items())


def short_names(targets: tuple[str, ...]) -> list[str]:
    """The shortest tail of each target path (whole folders) that no other target shares."""
    parts = [t.strip("/").split("/") for t in targets]
    names = []
    for own in parts:
        for size in range(1, len(own) + 1):
            tail = own[-size:]
            if sum(1 for other in parts if other[-size:] == tail) == 1:
                break
        names.append("/".join(tail))
    return names


def flow_matrix(flow: FlowReport) -> list[str]:
    """The matrix of one flow and, when its columns are numbered, their legend."""
    numbered = len(flow.targets) > NAMED_COLUMNS
    heads = (
        [str(i) for i in range(1, len(flow.targets) + 1)]
        if numbered
        else [table_cell(name) for name in short_names(flow.targets)]
    )
    lines = [f"| component | {' | '.join(heads)} |", f"|---|{'---|' * len(heads)}"]
    for component in flow.components:
        row = [_symbol(flow, component, target) for target in flow.targets]
        lines.append(f"| {table_cell(component)} | {' | '.join(row)} |")
    if not flow.components:
        lines = ["No component below this source path."]
    if numbered:
        legend = ", ".join(f"{i} {code_span(t)}" for i, t in enumerate(flow.targets, 1))
        lines += ["", f"Columns: {legend}."]
    return lines


def flow_title(flow: FlowReport) -> str:
    """``Flow 3: `clusters/staging/[^/]*/` → `clusters/prod/```: its source and targets' root."""
    root = f" → {code_span(flow.target_root)}" if flow.target_root else ""
    return f"Flow {flow.index + 1}: {code_span(flow.source_path)}{root}"


def _symbol(flow: FlowReport, component: str, target: str) -> str:
    cell = flow.cells[(component, target)]
    return SYMBOLS[cell.state] + (f"#{cell.pr}" if cell.pr is not None else "")


def report_markdown(report: FleetReport, *, max_bytes: int = 900_000) -> str:
    """The job summary: header, counts, each flow's matrix, PRs, stale runs, errors.

    A summary over ``max_bytes`` of UTF-8 (GitHub takes 1 MiB per step, and each symbol
    is 3 or 4 bytes) keeps the counts and drops the matrices that do not fit, saying so.
    """
    head = _header(report)
    tail = _prs_and_errors(report)
    parts = list(head)
    budget = max_bytes - _size(head) - _size(tail) - 200
    for flow in report.flows:
        section = [f"#### {flow_title(flow)}", "", _counts(flow), ""]
        matrix = flow_matrix(flow)
        size = _size(section + matrix)
        if size <= budget:
            section += [*matrix, ""]
            budget -= size
        else:
            section += [
                "_The matrix of this flow is too large for the job summary; the "
                "`report` output holds its cells._",
                "",
            ]
        parts += section
    return "\n".join(parts + tail).rstrip() + "\n"


def _size(lines: list[str]) -> int:
    return len("\n".join(lines).encode()) + 1


def _header(report: FleetReport) -> list[str]:
    when = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"### Telefonistka fleet report: {text(report.repository)}",
        "",
        f"Default branch at `{report.commit[:12]}`, {when}. {LEGEND}; `#N`: the open "
        "promotion PR that writes the target.",
        "",
    ]


def _counts(flow: FlowReport) -> str:
    counts = flow.counts()
    shown = [f"{SYMBOLS[state]} {counts[state]} {state}" for state in CellState if counts[state]]
    size = f"{len(flow.components)} component(s) × {len(flow.targets)} target(s)"
    return f"{size}: {', '.join(shown) or 'nothing to compare'}."


def _prs_and_errors(report: FleetReport) -> list[str]:
    now = report.generated_at
    lines = [
        "#### Open promotion PRs",
        "",
        f"{len(report.promotions)} of {report.open_prs} open PR(s) are promotion PRs.",
        "",
    ]
    if report.promotions:
        shown = report.promotions[:SHOWN_PRS]
        lines += ["| PR | age | telefonistka | gates | title |", "|---|---|---|---|---|"]
        lines += [_pr_row(pr, now) for pr in shown]
        lines.append("")
        if len(report.promotions) > len(shown):
            lines += [
                f"… and {len(report.promotions) - len(shown)} more (the `report` output).",
                "",
            ]
    stale = report.stale_pending
    if stale:
        hours = f"{report.stale_after_hours:g}"
        numbers = ", ".join(f"#{pr.number}" for pr in stale)
        lines += [
            f"⏳ Pending for more than {hours} h (a run that never finished?): {numbers}. "
            "Comment `/retrigger` on the PR, or re-run its workflow.",
            "",
        ]
    for error in report.config_errors:
        lines += [f"❌ {text(error)}", ""]
    return lines


def _pr_row(pr: OpenPromotion, now: datetime) -> str:
    return (
        f"| [#{pr.number}]({pr.url}) | {age(pr.age_hours(now))} | {pr.status or '—'} | "
        f"{table_cell(pr.gates or '—')} | {table_cell(pr.title)} |"
    )


def age(hours: float) -> str:
    """``3 h`` under two days, else ``5 d``."""
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} d"
