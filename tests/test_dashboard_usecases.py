"""The dashboard and report use cases in process, against the emulator: a lost answer
when opening the issue, dry runs, ticks that cannot be honoured, stale runs, and the
metrics push of a run that failed."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from test_dashboard_e2e import SEED
from test_entrypoint import REPO, checked_emulator

from telefonistka.action.metrics import push_run_metrics
from telefonistka.action.settings import Identity, MetricsSettings, Settings
from telefonistka.action.workflow import Workflow
from telefonistka.adapters.github import GitHubRepo
from telefonistka.core.fleet.dashboard import LABEL, MARKER, TITLE, BoxKey, dashboard_body
from telefonistka.core.github.api import RequestCounter
from telefonistka.core.metrics import RunFacts
from telefonistka.core.text.rendering import Renderer
from telefonistka.errors import GitHubError
from telefonistka.ports import IssueInfo
from telefonistka.usecases.bot_identity import lazy_bot_matcher
from telefonistka.usecases.dashboard import DashboardIssue, DashboardTicks
from telefonistka.usecases.fleet_report import FleetReportRun


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    tokens = {"alice-token": "alice", "approver-token": "approver"}
    for emulator in checked_emulator(tmp_path / "github", tokens=tokens):
        emulator.repo(REPO, SEED)
        emulator.get_repo(REPO).collaborators["alice"] = "write"
        yield emulator


def repo(emu: GitHubEmulator) -> GitHubRepo:
    return GitHubRepo("bot", REPO, emu.base_url, sleep=lambda _: None)


def report_body(emu: GitHubEmulator) -> str:
    found, _, _ = FleetReportRun(repo(emu), REPO, "main", datetime.now(UTC)).run()
    return dashboard_body(found)


def test_a_lost_answer_when_opening_the_issue_finds_it_instead_of_opening_another(
    emu: GitHubEmulator,
) -> None:
    emu.add_fault(path="/issues$", method="POST", status=502, after=True)
    host = repo(emu)
    board = DashboardIssue(host, lazy_bot_matcher(host, print))

    issue, status = board.publish(report_body(emu))

    assert status == "unchanged"  # GitHub opened it before the answer was lost: found
    assert list(emu.get_repo(REPO).issues) == [issue.number]


def test_a_lost_answer_before_github_opened_it_opens_it_once(emu: GitHubEmulator) -> None:
    emu.add_fault(path="/issues$", method="POST", status=502)  # refused, nothing done
    host = repo(emu)

    issue, status = DashboardIssue(host, lambda _login: True).publish(report_body(emu))

    assert status == "created"
    assert list(emu.get_repo(REPO).issues) == [issue.number]


def test_a_refusal_is_an_error_not_a_retry(emu: GitHubEmulator) -> None:
    emu.add_fault(path="/issues$", method="POST", status=403)
    with pytest.raises(GitHubError, match="issues: write"):
        DashboardIssue(repo(emu), lambda _login: True).publish("x")


def test_an_issue_with_the_label_by_someone_else_is_not_the_dashboard(emu: GitHubEmulator) -> None:
    alice = pygithub_client(emu, "alice-token").get_repo(REPO)
    alice.create_issue("fake", body=MARKER, labels=[LABEL])
    host = repo(emu)

    issue, status = DashboardIssue(host, lazy_bot_matcher(host, print)).publish(MARKER + "\nx")

    assert status == "created"
    assert issue.author == "telefonistka-bot"


def ticks(emu: GitHubEmulator) -> DashboardTicks:
    host = repo(emu)
    return DashboardTicks(host, Renderer(), "main", lambda login: login == "telefonistka-bot")


def dashboard(emu: GitHubEmulator) -> IssueInfo:
    issue, _ = DashboardIssue(repo(emu), lambda _login: True).publish(report_body(emu))
    return issue


def ticked(issue: IssueInfo, component: str) -> IssueInfo:
    body = issue.body.replace(f"- [ ] `{component}`", f"- [x] `{component}`")
    return IssueInfo(issue.number, issue.title, body, issue.author)


def test_dry_run_mode_comments_the_plan_on_the_dashboard(emu: GitHubEmulator) -> None:
    emu.commit_files(REPO, {"telefonistka.yaml": SEED["telefonistka.yaml"] + "dryRunMode: true\n"})
    issue = dashboard(emu)

    done = ticks(emu).run(ticked(issue, "web"), issue.body, "alice")

    assert done.opened == {BoxKey(0, "web"): "dry run (dryRunMode): the plan is commented below"}
    comments = [c for c in emu.get_repo(REPO).comments.values() if c.issue_number == issue.number]
    assert len(comments) == 1
    assert not emu.get_repo(REPO).pulls


def test_a_component_gone_or_in_sync_since_opens_nothing_and_says_why(emu: GitHubEmulator) -> None:
    issue = dashboard(emu)
    # meanwhile: web was promoted by hand, app deleted from staging
    emu.commit_files(
        REPO,
        {"env/prod/web/values.yaml": "tag: w1\n", "env/staging/app/values.yaml": None},
    )
    both = ticked(ticked(issue, "web"), "app")

    done = ticks(emu).run(both, issue.body, "alice")

    assert done.opened == {BoxKey(0, "web"): "in sync"}
    assert done.failures == ("flow 1, component 'app': no component 'app' below 'env/staging/'",)
    assert not emu.get_repo(REPO).pulls


def test_a_ticked_promotion_is_approved_as_a_merged_one_would_be(emu: GitHubEmulator) -> None:
    config = SEED["telefonistka.yaml"] + "autoApprovePromotionPrs: true\n"
    emu.commit_files(REPO, {"telefonistka.yaml": config})
    issue = dashboard(emu)
    approver = GitHubRepo("approver-token", REPO, emu.base_url, sleep=lambda _: None)
    board = ticks(emu)
    board.approver = approver

    done = board.run(ticked(issue, "web"), issue.body, "alice")

    [pr] = emu.get_repo(REPO).pulls.values()
    assert done.opened == {BoxKey(0, "web"): f"#{pr.number}"}
    assert [(r.user, r.state) for r in emu.get_repo(REPO).reviews] == [("approver", "APPROVED")]


def test_a_tick_on_a_copy_that_is_not_the_bots_is_refused(emu: GitHubEmulator) -> None:
    issue = dashboard(emu)
    foreign = IssueInfo(issue.number, "t", ticked(issue, "web").body, "alice")
    assert "not telefonistka's dashboard" in ticks(emu).run(foreign, issue.body, "alice").refused


def test_the_report_reads_the_status_of_open_promotion_prs(emu: GitHubEmulator) -> None:
    issue = dashboard(emu)
    ticks(emu).run(ticked(issue, "web"), issue.body, "alice")
    [pr] = emu.get_repo(REPO).pulls.values()
    host = repo(emu)
    head = host.get_pr(pr.number).head_sha
    host.set_status(head, "pending", "telefonistka", "promoting")
    later = datetime.now(UTC) + timedelta(hours=3)

    found, _, _ = FleetReportRun(host, REPO, "main", later, prs=host).run()

    [promotion] = found.promotions
    assert (promotion.number, promotion.status) == (pr.number, "pending")
    assert [p.number for p in found.stale_pending] == [pr.number]
    assert found.flows[0].cells[("web", "env/prod/")].pr == pr.number


def test_a_failed_metrics_push_is_a_warning(tmp_path: Path) -> None:
    stream = io.StringIO()
    settings = Settings(
        "push",
        tmp_path / "event.json",
        Identity(),
        metrics=MetricsSettings(url="http://127.0.0.1:9"),
        on_runner=True,
    )
    workflow = Workflow(settings, stream)
    facts = RunFacts("push", "push fan-out", "success", 0.5, "1.0")

    pushed = push_run_metrics(settings, workflow, RequestCounter(), facts, (), b"{}")

    assert pushed is False
    assert "::warning title=telefonistka metrics::could not push metrics" in stream.getvalue()


def test_two_ticks_in_one_flow_each_open_their_own_promotion(emu: GitHubEmulator) -> None:
    """Both boxes of one flow share its targets; one branch per flow made the second
    tick force-move the first one's promotion away and rewrite its PR."""
    issue = dashboard(emu)

    first = ticks(emu).run(ticked(issue, "app"), issue.body, "alice")
    after_first = emu.get_repo(REPO).issues[issue.number].body
    after = IssueInfo(issue.number, issue.title, after_first, issue.author)
    second = ticks(emu).run(ticked(after, "web"), after_first, "alice")

    [app_link] = first.opened.values()
    [web_link] = second.opened.values()
    assert app_link != web_link
    pulls = emu.get_repo(REPO).pulls
    app, web = pulls[int(app_link.lstrip("#"))], pulls[int(web_link.lstrip("#"))]
    assert app.head_ref != web.head_ref
    assert (app.state, web.state) == ("open", "open")
    git = emu.get_repo(REPO).git
    assert git.run("show", f"{app.head_ref}:env/prod/app/values.yaml").decode() == "tag: v2\n"
    assert git.run("show", f"{web.head_ref}:env/prod/web/values.yaml").decode() == "tag: w1\n"


def test_a_concurrent_body_edit_does_not_lose_a_tick_s_link(emu: GitHubEmulator) -> None:
    """GitHub has no conditional issue edit: a tick handled at the same time writes the
    body it read before this one's links landed. The links are put back."""
    issue = dashboard(emu)
    stale = emu.get_repo(REPO).issues[issue.number].body
    host = repo(emu)
    raced: list[str] = []

    def concurrent_writer(_: float) -> None:
        if not raced:  # the other tick's write: the body as it was before our links
            raced.append(stale)
            host.edit_issue_body(issue.number, stale.replace("- [ ] `web`", "- [x] `web`"))

    board = DashboardTicks(
        host, Renderer(), "main", lambda login: login == "telefonistka-bot", sleep=concurrent_writer
    )
    result = board.run(ticked(issue, "app"), issue.body, "alice")

    [link] = result.opened.values()
    body = emu.get_repo(REPO).issues[issue.number].body
    assert f"→ {link}" in body  # ours, put back
    assert "- [x] `web`" in body  # and the other writer's edit kept


def test_two_report_runs_at_once_keep_one_dashboard(emu: GitHubEmulator) -> None:
    """Both find no issue and both open one; the one whose issue is not the oldest closes
    its own and updates the oldest."""
    host = repo(emu)
    body = report_body(emu)
    other = host.create_issue(TITLE, f"{MARKER}\nolder", [LABEL])  # the other run, earlier
    looks: list[str] = []

    class LookedTooEarly(DashboardIssue):
        def find(self) -> IssueInfo | None:
            looks.append("find")
            return None if len(looks) == 1 else super().find()  # its first look missed it

    issue, status = LookedTooEarly(host, lambda _login: True).publish(body)

    assert (issue.number, status) == (other.number, "updated")
    state = emu.get_repo(REPO).issues
    assert [n for n, i in state.items() if i.state == "open"] == [other.number]
    assert state[other.number].body == body
