"""``pull_request`` labeled ``show-plan``: comment the plan of the PR head (docs/github-action.md).

The repo configuration comes from the default branch (a PR must not change the rules it
is judged by); the component configurations and the folder ids the plan compares come
from the PR head, since that is what merging it would promote. Requests: the status
pair (2), the default branch ref, tree and config blob (3), the head tree (1), the PR's
files (1 per 100), each component configuration in the head (1 blob each), the comment (1).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from telefonistka.core.config.component_configs import read_component_configs
from telefonistka.core.events.pull_request import PullRequest
from telefonistka.core.promotion.changes import find_changed_components
from telefonistka.core.promotion.planning import Plan, compute_plan
from telefonistka.core.text.rendering import Renderer
from telefonistka.ports import CodeHost
from telefonistka.usecases.pr_status import FORK_NOTE, PrStatus
from telefonistka.usecases.repo_config import read_repo_config_in

Log = Callable[[str], None]


@dataclass(frozen=True)
class ShownPlan:
    """The plan commented on a PR."""

    pr_number: int
    plan: Plan
    shown: str = ""  # the plan comment, kept for the summary when it could not be posted

    def outputs(self) -> dict[str, str]:
        return {"plan": json.dumps(self.plan.to_json(), ensure_ascii=False)}

    def summary(self) -> str:
        count = len(self.plan.promotions)
        title = f"### Telefonistka: plan of #{self.pr_number}\n\n"
        if self.shown:
            return f"{title}{FORK_NOTE}\n\n{self.shown}"
        merging = f"Merging it will open {count} promotion PR(s)"
        return f"{title}{merging}; the plan is commented on the PR.\n"

    @property
    def status_description(self) -> str:
        return f"plan commented: {len(self.plan.promotions)} promotion PR(s)"


@dataclass
class ShowPlan:
    """Computes the plan of one open PR's head and comments it."""

    repo: CodeHost
    pull: PullRequest
    default_branch: str
    renderer: Renderer
    log: Log = print
    read_only: bool = False  # a fork PR: the plan goes to the job summary (see FORK_NOTE)

    def run(self) -> ShownPlan:
        """Plan, comment, all bracketed by the commit status (see ``PrStatus``)."""
        if self.read_only:
            self.log(f"notice: {FORK_NOTE}")
            plan = self._plan()
            return ShownPlan(
                self.pull.number, plan, self.renderer.plan_comment(plan, dry_run=False)
            )
        status = PrStatus(self.repo, self.pull, self.default_branch, self.renderer, self.log)
        return status.run("computing the plan", self._show, lambda r: r.status_description)

    def _show(self) -> ShownPlan:
        plan = self._plan()
        body = self.renderer.plan_comment(plan, dry_run=False)
        self.repo.comment_once(self.pull.number, body, f"plan {self.pull.head_sha}")
        self.log(f"commented the plan ({len(plan.promotions)} promotion PR(s))")
        return ShownPlan(self.pull.number, plan)

    def _plan(self) -> Plan:
        """Rules from the default branch; component configs and folders from the head."""
        default = self.repo.read_snapshot(self.default_branch)
        config = read_repo_config_in(self.repo, default, self.default_branch)
        head = self.repo.read_snapshot(self.pull.head_sha)
        files = self.repo.pr_files(self.pull.number, self.pull)
        components = find_changed_components(files, config)
        component_configs = read_component_configs(self.repo, head, components)
        return compute_plan(components, config, self.pull.labels, head, component_configs)
