"""The delivery metrics of a repository on GitHub (docs/delivery-metrics.md).

Reads the closed promotion and rollback PRs of the window (the issue list with each label:
one request per 100 PRs) and hands them to ``core.fleet.delivery``. The promotion PRs are
read from a week before the window: a deployment early in the window needs its chain's
first promotion PR, opened before, to know when the chain started.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

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
from telefonistka.ports import IssueHost
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
        windows = tuple(sorted({min(7, self.days), self.days}))
        self.log(
            f"delivery: {len(promotions)} closed promotion PR(s), {len(rollbacks)} rollback "
            f"PR(s) since {since:%Y-%m-%d}"
        )
        return compute_delivery(deployments, restores, self.now, windows, notes)
