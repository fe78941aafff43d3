"""Holds: a merged rollback keeps the next automatic promotion off its targets.

Why: after a rollback, the pipeline would re-apply the bad change with the next merge
upstream. While a hold lasts, promotion PRs into its folders are still opened (people see
what waits) but their ``telefonistka/gates`` status is ``pending`` "held: rolled back in
#M" and they are never auto-merged.

Where a hold lives: on the merged rollback PR itself. Its body carries a hidden marker
(the folders, the hold's length) and the label ``telefonistka/hold`` marks it active; a
person ends it with ``/release`` or by removing the label, or ``holdAfterRollback`` runs
out. Only rollback PRs the bot opened count: a label anybody with triage rights can set
must not invent a hold elsewhere. Pure: the caller lists the labelled PRs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from telefonistka.core.promotion.snapshot import strip_slashes

HOLD_LABEL = "telefonistka/hold"
_MARKER = re.compile(r"<!-- telefonistka:rollback (\{.*?\}) -->")


@dataclass(frozen=True)
class Hold:
    """One merged rollback PR's hold on the folders it restored."""

    pr: int
    folders: tuple[str, ...]
    merged_at: datetime | None
    length: timedelta | None  # None: until released
    unknown: bool = False  # the holds could not be read: every target counts as held

    def active(self, now: datetime) -> bool:
        if self.length is None or self.merged_at is None:
            return True
        return now < self.merged_at + self.length

    def covers(self, folder: str) -> bool:
        if self.unknown:
            return True
        folder = strip_slashes(folder)
        return any(
            folder == held or folder.startswith(f"{held}/") or held.startswith(f"{folder}/")
            for held in self.folders
        )


@dataclass(frozen=True)
class LabelledPr:
    """What the caller reads of each closed PR with the hold label."""

    number: int
    author: str
    body: str
    merged_at: str  # ISO 8601, "" when it was closed without merging


def marker(folders: Sequence[str], length: timedelta | None, reverts: int | None = None) -> str:
    """The hidden line a rollback PR's body ends with: the folders it sets back, how long
    they are held, and the promotion PR it reverts (the delivery metrics read it)."""
    data: dict[str, object] = {
        "folders": sorted({strip_slashes(f) for f in folders}),
        "holdSeconds": int(length.total_seconds()) if length is not None else None,
    }
    if reverts is not None:
        data["reverts"] = reverts
    # ">" only occurs inside JSON strings here: escaped, a folder named "x-->" cannot end
    # the hidden comment early and show the rest in the body.
    text = json.dumps(data, separators=(",", ":")).replace(">", "\\u003e")
    return f"<!-- telefonistka:rollback {text} -->"


def active_holds(
    prs: Iterable[LabelledPr], now: datetime, is_bot: Callable[[str], bool]
) -> list[Hold]:
    """The holds in force: merged rollback PRs of the bot, labelled, not run out."""
    found = []
    for pr in prs:
        hold = _hold_of(pr)
        if hold is not None and hold.active(now) and is_bot(pr.author):
            found.append(hold)
    return found


def holding(holds: Iterable[Hold], targets: Iterable[str]) -> Hold | None:
    """The hold (the newest) on any of ``targets`` (component folders), or None."""
    wanted = list(targets)
    covering = [h for h in holds if any(h.covers(t) for t in wanted)]
    return max(covering, key=lambda h: h.pr) if covering else None


UNKNOWN = Hold(0, (), None, None, unknown=True)  # nothing is merged on a guess


def held_description(hold: Hold) -> str:
    if hold.unknown:
        return "held: the holds of rolled-back targets could not be read"
    return f"held: rolled back in #{hold.pr}"


def _hold_of(pr: LabelledPr) -> Hold | None:
    if not pr.merged_at:
        return None
    found = _MARKER.search(pr.body or "")
    if found is None:
        return None
    try:
        data = json.loads(found.group(1))
        folders = tuple(str(f) for f in data.get("folders") or ())
        seconds = data.get("holdSeconds")
        length = timedelta(seconds=int(seconds)) if seconds is not None else None
        merged = datetime.fromisoformat(pr.merged_at.replace("Z", "+00:00"))
    except (ValueError, TypeError, AttributeError):
        return None
    return Hold(pr.number, folders, merged, length) if folders else None


def rollback_reverts(body: str) -> int | None:
    """The promotion PR a rollback PR's marker names (None: no marker, or an older one
    without the number)."""
    found = _MARKER.search(body or "")
    if found is None:
        return None
    try:
        value = json.loads(found.group(1)).get("reverts")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
