"""The delivery metrics of a repository on GitHub (docs/delivery-metrics.md).

Reads the closed promotion and rollback PRs of the window (the issue list with each label:
one request per 100 PRs) and hands them to ``core.fleet.delivery``. The promotion PRs are
read from a week before the window: a deployment early in the window needs its chain's
first promotion PR, opened before, to know when the chain started.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from telefonistka.core.fleet.delivery import (
    DAY,
    DEFAULT_WINDOW,
    Delivery,
    compute_delivery,
    deployments_of,
    restores_of,
    window_days,
)

__all__ = ["DEFAULT_WINDOW", "DeliveryRun", "window_days"]
from telefonistka.core.promotion.planning import TITLE_PREFIX as PROMOTION_PREFIX
from telefonistka.core.promotion.rollback import TITLE_PREFIX as ROLLBACK_PREFIX
from telefonistka.ports import ClosedPr, IssueHost
from telefonistka.usecases.bot_identity import PROMOTION_LABEL
from telefonistka.usecases.rollback_pr import ROLLBACK_LABEL

Log = Callable[[str], None]
LOOKBACK = 7 * DAY  # how far before the window chain starts are looked for


@dataclass
class DeliveryRun:
    """The figures for the last 7 days and the last ``days`` days, ending ``now``."""

    host: IssueHost
    now: datetime
    days: int
    is_bot: Callable[[str], bool]
    log: Log = print

    def run(self) -> Delivery:
        since = self.now - timedelta(days=self.days)
        promotions = self.host.closed_prs_labelled(PROMOTION_LABEL, since - LOOKBACK)
        rollbacks = self.host.closed_prs_labelled(ROLLBACK_LABEL, since)
        deployments, notes = deployments_of(promotions, self.is_bot)
        restores = restores_of(rollbacks, self.is_bot)
        windows = _windows(self.days)
        self.log(
            f"delivery: {len(promotions)} closed promotion PR(s), {len(rollbacks)} rollback "
            f"PR(s) since {since:%Y-%m-%d}"
        )
        return compute_delivery(deployments, restores, self.now, windows, notes)


class MergeLog(Protocol):
    """What the local figures read: ``localgit.LocalGitRepo.merged_branches``."""

    def merged_branches(self, rev: str, since: str) -> list[tuple[str, str, str, str]]: ...


_MERGE = re.compile(r"^Merge pull request #(\d+) from ")
SQUASH_NOTE = (
    "read from merge commits: PRs merged by squash or rebase leave no merged branch "
    "commit to read the metadata and opening time from, and are not counted"
)


@dataclass
class LocalDeliveryRun:
    """The same figures from a local clone's history: each "Merge pull request #N" commit
    on ``branch`` whose merged head is a promotion (or rollback) commit the bot wrote (its
    message is the PR's title and body, metadata included). The merge commit's date is the
    merge; the head commit's, the PR's opening (the bot commits and opens in one run).
    Locally no login tells the bot's PRs: a merged commit carrying a promotion title and
    its metadata counts."""

    repo: MergeLog
    branch: str
    now: datetime
    days: int

    def run(self) -> Delivery:
        since = self.now - timedelta(days=self.days)
        stamp = (since - LOOKBACK).isoformat()
        promotions, rollbacks = [], []
        for message, merged, head_message, opened in self.repo.merged_branches(self.branch, stamp):
            found = _MERGE.match(message)
            title, _, body = head_message.strip().partition("\n\n")
            if found is None:
                continue
            pr = ClosedPr(int(found.group(1)), title, body, "", _at(opened), _at(merged))
            if title.startswith(PROMOTION_PREFIX):
                promotions.append(pr)
            elif title.startswith(ROLLBACK_PREFIX):
                rollbacks.append(pr)
        deployments, notes = deployments_of(promotions, lambda _login: True)
        restores = restores_of(rollbacks, lambda _login: True)
        windows = _windows(self.days)
        return compute_delivery(deployments, restores, self.now, windows, [SQUASH_NOTE, *notes])


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))


def _windows(days: int) -> tuple[int, ...]:
    """The last 7 days and the last ``days`` (one window when they are the same)."""
    return tuple(sorted({min(7, days), days}))
