"""``/break-glass <reason>``: a person with write access lets a promotion PR pass its gates.

Why a command and not a setting: an incident needs a fix in production now, and the
gates (soak time, a window, a freeze) are right every other day. The bypass is explicit,
recorded on the PR (who, when, why) and counted (``telefonistka_gate_bypass_total``), and
it only ever sets the ``telefonistka/gates`` status to ``success``: merging stays a
person's act (the gate pass re-evaluates pending statuses only, so it leaves a bypassed
PR alone). Only the bot's own promotion PRs have such a status; a reason is required.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from telefonistka.core.events.pull_request import PullRequest
from telefonistka.core.metrics import COUNTER, Sample
from telefonistka.core.promotion.gates import DESCRIPTION_LIMIT, STATUS_CONTEXT
from telefonistka.core.text.markdown import text
from telefonistka.ports import CodeHost
from telefonistka.usecases.bot_identity import promotion_pr_problems

Log = Callable[[str], None]


@dataclass(frozen=True)
class BreakGlass:
    """What the command did: the status set, or why nothing was done."""

    done: bool
    message: str
    samples: tuple[Sample, ...] = ()


def break_glass(
    host: CodeHost,
    pull: PullRequest,
    who: str,
    reason: str,
    *,
    comment_id: int,
    now: datetime,
    is_bot: Callable[[str], bool],
) -> BreakGlass:
    """Set ``telefonistka/gates`` to ``success`` on ``pull``'s head, and say so once."""
    if not reason:
        note = f"@{who} `/break-glass` needs a reason: `/break-glass <why>`; nothing was changed."
        host.comment_once(pull.number, note, f"break-glass-refused {comment_id}")
        return BreakGlass(False, note)
    if promotion_pr_problems(pull, is_bot):
        note = f"@{who} #{pull.number} is not a promotion PR of telefonistka; nothing was changed."
        host.comment_once(pull.number, note, f"break-glass-refused {comment_id}")
        return BreakGlass(False, note)
    description = f"bypassed by @{who}: {reason}"
    if len(description) > DESCRIPTION_LIMIT:
        description = description[: DESCRIPTION_LIMIT - 1] + "…"
    host.set_status(pull.head_sha, "success", STATUS_CONTEXT, description)
    when = now.strftime("%Y-%m-%d %H:%M UTC")
    note = (
        f"🔓 **Gates bypassed** by @{who} at {when} for commit `{pull.head_sha[:12]}`: "
        f"{text(reason)}"
    )
    host.comment_once(pull.number, note, f"break-glass {comment_id}")
    sample = Sample.of(
        "telefonistka_gate_bypass_total",
        COUNTER,
        "Promotion PRs whose gates a person bypassed with /break-glass",
        1.0,
        repo=host.full_name,
    )
    return BreakGlass(True, description, (sample,))
