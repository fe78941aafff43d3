"""The promotion dashboard issue: its body, and the boxes a person ticked in it.

One issue per repository, found by ``MARKER`` (and the ``LABEL`` it is listed by), shows
what is out of sync where, the open promotion PRs with their age, stale pending runs and
configuration errors. Each component of a flow with targets to promote gets a checkbox
line ending in a hidden key, ``<!-- telefonistka:promote FLOW NAME -->`` (the name
base64url-encoded, so no component name can end the comment or forge another key).
Ticking a box is a request to open that promotion PR; the bot then turns the box into a
link. The body always stays under GitHub's 65,536 characters: lines that do not fit are
counted instead, and the matrices are left to the job summary.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from telefonistka.core.events.schedule import DASHBOARD_MARKER
from telefonistka.core.fleet.matrix import LEGEND, age, flow_matrix, flow_title
from telefonistka.core.fleet.report import SYMBOLS, CellState, FleetReport, FlowReport
from telefonistka.core.text.markdown import code_span, text

MARKER = DASHBOARD_MARKER
LABEL = "telefonistka-dashboard"
TITLE = "🚦 Telefonistka promotion dashboard"
BODY_LIMIT = 60_000  # GitHub refuses 65,536 and more; room for the bot's own edits
# The key is the last thing on a box line: the bot writes it there, after the component's
# name. Only that one counts: a folder named ``x <!-- telefonistka:promote 0 YXBw -->``
# shows its text earlier on the line, where no key is read.
_KEY = re.compile(r" <!-- telefonistka:promote (\d+) ([A-Za-z0-9_=-]+) -->[ \t]*$")
_BOX = re.compile(r"^\s*[-*] \[([ xX])\] ")


@dataclass(frozen=True, order=True)
class BoxKey:
    """One checkbox: a component (by name) of a flow (by its index in the config)."""

    flow: int
    component: str

    def comment(self) -> str:
        encoded = base64.urlsafe_b64encode(self.component.encode()).decode()
        return f"<!-- telefonistka:promote {self.flow} {encoded} -->"


def _key_of(line: str) -> BoxKey | None:
    found = _KEY.search(line)
    if found is None:
        return None
    try:
        name = base64.urlsafe_b64decode(found.group(2).encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return BoxKey(int(found.group(1)), name)


def boxes(body: str) -> dict[BoxKey, bool]:
    """Every checkbox line of ``body`` with a key: ticked or not."""
    found = {}
    for line in body.splitlines():
        box, key = _BOX.match(line), _key_of(line)
        if box is not None and key is not None:
            found[key] = box.group(1) in "xX"
    return found


def newly_ticked(previous: str, current: str) -> list[BoxKey]:
    """Boxes ticked in ``current`` that were there unticked in ``previous``."""
    before = boxes(previous)
    return sorted(
        key for key, ticked in boxes(current).items() if ticked and before.get(key) is False
    )


def link_boxes(body: str, opened: dict[BoxKey, str]) -> str:
    """``body`` with the box line of each key in ``opened`` replaced by its PR links."""
    lines = []
    for line in body.splitlines():
        found = _KEY.search(line) if _BOX.match(line) else None
        key = _key_of(line) if found is not None else None
        if found is not None and key is not None and key in opened:
            lead = _BOX.sub("- ", line[: found.start()], count=1)
            lines.append(f"{lead} → {opened[key]} {key.comment()}")
        else:
            lines.append(line)
    return "\n".join(lines) + ("\n" if body.endswith("\n") else "")


def dashboard_body(
    report: FleetReport, *, limit: int = BODY_LIMIT, run_url: str = "", delivery: str = ""
) -> str:
    """The issue body for ``report``; never longer than ``limit`` characters. ``delivery``:
    the delivery metrics' compact line (``core.fleet.delivery.delivery_line``)."""
    head = [
        MARKER,
        f"Default branch at `{report.commit[:12]}`, checked "
        f"{report.generated_at.strftime('%Y-%m-%d %H:%M UTC')}"
        + (f" ([run]({run_url}))" if run_url else "")
        + ". Tick a box to open that promotion PR (people with write access).",
        "",
    ]
    if delivery:
        head += [delivery[:2_000], ""]
    tail = _tail(report)
    budget = limit - len("\n".join(head + tail)) - 400
    lines: list[str] = []
    left_out = 0
    for flow in report.flows:
        section = [f"### {flow_title(flow)}", ""]
        entries = _flow_lines(flow) or ["✅ Every component is in sync (or blocked) here."]
        budget -= len("\n".join(section)) + 1
        for entry in entries:
            if len(entry) + 1 > budget:
                left_out += 1
                continue
            section.append(entry)
            budget -= len(entry) + 1
        lines += [*section, ""]
    if left_out:
        lines += [
            f"… {left_out} more component line(s) did not fit here: see the job summary "
            "of the report run.",
            "",
        ]
    matrices = _matrices(report, budget)
    body = "\n".join(head + lines + matrices + tail).rstrip() + "\n"
    if len(body) > limit:  # only a tail of very many PRs and errors gets here
        cut = "\n\n… (cut to fit GitHub's limit; the job summary has everything)\n"
        body = body[: limit - len(cut)].rsplit("\n", 1)[0] + cut
    return body


def _flow_lines(flow: FlowReport) -> list[str]:
    """One line per component with targets to promote: a box, or its open PR(s)."""
    by_component: dict[str, list[tuple[str, CellState, int | None]]] = {}
    for component, target, cell in flow.out_of_sync():
        by_component.setdefault(component, []).append((target, cell.state, cell.pr))
    lines = []
    for component in sorted(by_component):
        cells = by_component[component]
        counts = ", ".join(
            f"{SYMBOLS[state]} {sum(1 for _, s, _ in cells if s is state)} {state}"
            for state in (CellState.DIFFERS, CellState.MISSING)
            if any(s is state for _, s, _ in cells)
        )
        prs = sorted({pr for _, _, pr in cells if pr is not None})
        key = BoxKey(flow.index, component)
        what = f"{code_span(component)}: {counts}"
        if prs and all(pr is not None for _, _, pr in cells):
            shown = ", ".join(f"#{pr}" for pr in prs)
            lines.append(f"- {what} → promotion PR {shown} {key.comment()}")
        else:
            lines.append(f"- [ ] {what} {key.comment()}")
    return lines


def _matrices(report: FleetReport, budget: int) -> list[str]:
    """The flows' matrices, folded, when all of them fit in what is left."""
    blocks = []
    for flow in report.flows:
        blocks += [f"**{flow_title(flow)}**", "", *flow_matrix(flow), ""]
    folded = ["<details><summary>Matrices</summary>", "", LEGEND, "", *blocks, "</details>", ""]
    return folded if len("\n".join(folded)) < budget else []


def _tail(report: FleetReport) -> list[str]:
    now = report.generated_at
    lines = ["### Open promotion PRs", ""]
    shown = report.promotions[:200]
    lines += [
        f"- #{pr.number} ({age(pr.age_hours(now))}, telefonistka: {pr.status or 'no status'}"
        + (f", gates {text(pr.gates)})" if pr.gates else ")")
        for pr in shown
    ] or ["None."]
    if len(report.promotions) > len(shown):
        lines.append(f"- … and {len(report.promotions) - len(shown)} more")
    if report.held:
        lines += ["", "### Held after a rollback", ""]
        lines += [
            f"- 🔒 {code_span(folder)}: held by #{pr} (`/release` there ends it)"
            for folder, pr in report.held[:100]
        ]
    stale = report.stale_pending
    if stale:
        numbers = ", ".join(f"#{pr.number}" for pr in stale[:100])
        lines += ["", f"⏳ Pending for more than {report.stale_after_hours:g} h: {numbers}."]
    if report.config_errors:
        lines += ["", "### Configuration errors", ""]
        lines += [f"- ❌ {text(error)[:1000]}" for error in report.config_errors[:10]]
    return [*lines, ""]
