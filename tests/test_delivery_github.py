"""Delivery metrics read from GitHub (the emulator): the same figures as the core test's
hand-computed history, and the cost: one request per 100 closed promotion PRs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from github_emulator import GitHubEmulator
from github_emulator.fixtures import emulator_session, pygithub_client
from test_delivery import BOT, NOW, PROMOTIONS, ROLLBACK

from telefonistka.adapters.github.repo import GitHubRepo
from telefonistka.cli import main as cli_main
from telefonistka.core.fleet.delivery import ClosedPr
from telefonistka.usecases.delivery_report import DeliveryRun

REPO = "acme/infra"


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    yield from emulator_session(tmp_path / "github", login=BOT)


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def add(emu: GitHubEmulator, pr: ClosedPr, label: str) -> int:
    return emu.past_pr(
        REPO,
        title=pr.title,
        body=pr.body,
        head=f"promotions/{pr.number}",
        labels=[label],
        created_at=stamp(pr.created_at),
        merged_at=stamp(pr.merged_at) if pr.merged_at else None,
        user=pr.author,
    )


def seeded(emu: GitHubEmulator) -> None:
    """The core test's history, numbered as there (PR numbers follow creation)."""
    emu.repo(REPO, {"telefonistka.yaml": "promotionPaths: []\n"})
    repo = emu.get_repo(REPO)
    for pr in sorted([*PROMOTIONS, ROLLBACK], key=lambda p: p.number):
        repo.next_number = pr.number
        add(emu, pr, "rollback" if pr is ROLLBACK else "promotion")


def test_the_figures_read_from_github_are_the_hand_computed_ones(emu: GitHubEmulator) -> None:
    seeded(emu)
    repo = GitHubRepo("t", REPO, emu.base_url, default_branch="main")
    delivery = DeliveryRun(repo, NOW, 30, lambda login: login == BOT, lambda _: None).run()

    prod = next(f for f in delivery.for_window(30) if f.environment == "env/prod/")
    assert (prod.deployments, prod.failures, prod.lead_times_unknown) == (3, 1, 1)
    assert (prod.lead_time_p50, prod.time_to_restore_p50) == (18 * 3600, 2 * 3600)
    assert repo.request_count == 2  # one page of promotions, one of rollbacks


def test_two_thousand_promotion_prs_cost_one_request_per_hundred(emu: GitHubEmulator) -> None:
    """A generated history: 2,000 merged promotion PRs over 30 days (staging then prod,
    1,000 chains), none rolled back: 20 pages of promotions, 1 of rollbacks."""
    emu.repo(REPO, {"telefonistka.yaml": "promotionPaths: []\n"})
    start = NOW - timedelta(days=29)
    first, second = PROMOTIONS[0], PROMOTIONS[1]  # into staging, then into prod
    for chain in range(1_000):
        opened = start + timedelta(minutes=40 * chain)
        origin = 10_000 + chain
        staged, promoted = opened + timedelta(minutes=5), opened + timedelta(minutes=35)
        add(
            emu,
            ClosedPr(0, first.title, _rekey(first.body, origin), BOT, opened, staged),
            "promotion",
        )
        add(
            emu,
            ClosedPr(0, second.title, _rekey(second.body, origin), BOT, staged, promoted),
            "promotion",
        )
    repo = GitHubRepo("t", REPO, emu.base_url, default_branch="main")

    delivery = DeliveryRun(repo, NOW, 30, lambda login: login == BOT, lambda _: None).run()

    assert repo.request_count == 20 + 1
    by_env = {f.environment: f for f in delivery.for_window(30)}
    assert by_env["env/staging/"].deployments == by_env["env/prod/"].deployments == 1_000
    assert by_env["env/prod/"].lead_time_p50 == 35 * 60  # 5 min to staging, 30 more to prod
    assert by_env["env/prod/"].change_failure_rate == 0.0
    assert by_env["env/prod/"].time_to_restore_p50 is None


def _rekey(body: str, origin: int) -> str:
    """The same promotion PR body for another chain: its origin PR number changed."""
    from telefonistka.core.promotion.metadata import (  # noqa: PLC0415
        PromotionMetadata,
        encode_metadata_block,
        extract_metadata,
    )

    meta = extract_metadata(body)
    assert meta is not None
    stages = {
        (origin if number == meta.original_pr_number else origin + 100_000): stage
        for number, stage in meta.previous_promotion_paths.items()
    }
    moved = PromotionMetadata(meta.original_pr_author, origin, meta.promoted_paths, stages)
    return "Promotion\n\n" + encode_metadata_block(moved)


def test_the_cli_prints_the_figures_as_json(
    emu: GitHubEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(emu)
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    monkeypatch.setenv("GITHUB_API_URL", emu.base_url)
    code = cli_main(["report", "--delivery", "--since", "30d", "--json", "--github-repo", REPO])
    out = capsys.readouterr().out
    assert code == 0, out
    data = json.loads(out)
    assert data["windows"] == [7, 30]
    assert {e["environment"] for e in data["environments"]} >= {"env/prod/", "env/staging/"}


def test_the_cli_refuses_a_bad_window_before_any_request(
    emu: GitHubEmulator, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    monkeypatch.setenv("GITHUB_API_URL", emu.base_url)
    code = cli_main(["report", "--delivery", "--since", "1y", "--github-repo", REPO])
    assert code == 2
    assert "--since must be a number of days or weeks" in capsys.readouterr().err
    assert emu.requests == []


def test_a_local_clone_gives_the_figures_from_its_merge_commits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A promotion PR opened by the bot and merged with a merge commit (the emulator's
    repositories are real git): the local clone's history alone gives the deployment and
    its lead time; squash merges are said not to be counted."""
    from test_promote_merged_pr import SEED, merged, promote  # noqa: PLC0415

    from telefonistka.adapters.localgit import LocalGitRepo  # noqa: PLC0415
    from telefonistka.usecases.delivery_report import LocalDeliveryRun  # noqa: PLC0415

    for emu in emulator_session(tmp_path / "github"):
        emu.repo(REPO, SEED)
        gh = pygithub_client(emu, "author")
        change = {"env/staging/app/values.yaml": "v2\n"}
        result = promote(emu, merged(emu, gh.get_repo(REPO), change))
        [group] = result.opened
        assert group.pr is not None
        gh.get_repo(REPO).get_pull(group.pr.number).merge()
        clone = LocalGitRepo(emu.get_repo(REPO).git.path)

        delivery = LocalDeliveryRun(
            clone, "main", datetime.now(UTC) + timedelta(minutes=1), 30
        ).run()

        [prod] = [f for f in delivery.for_window(30) if f.environment == "env/prod/"]
        assert prod.deployments == 1
        assert prod.lead_time_p50 is not None
        assert prod.lead_time_p50 >= 0
        assert prod.change_failure_rate == 0.0
        assert any("squash" in note for note in delivery.notes)
        path = str(emu.get_repo(REPO).git.path)
        assert cli_main(["report", "--delivery", "--local", "--repo", path, "--json"]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert "env/prod/" in {e["environment"] for e in printed["environments"]}


def test_the_fleet_report_pushes_a_deployment_counter_that_goes_on(tmp_path: Path) -> None:
    """Two scheduled reports through ``entrypoint.py`` with a real Pushgateway: the
    second adds the promotion merged in between to the total the first pushed."""
    from pushgateway import running_pushgateway  # noqa: PLC0415
    from test_entrypoint import SEED, scheduled  # noqa: PLC0415

    now = datetime.now(UTC)
    first, second = PROMOTIONS[0], PROMOTIONS[1]
    for emu in emulator_session(tmp_path / "github"):
        emu.repo(REPO, SEED)
        for pr, hours in ((first, 5), (second, 4)):
            when = now - timedelta(hours=hours)
            add(
                emu,
                ClosedPr(0, pr.title, pr.body, emu.login, when, when + timedelta(minutes=30)),
                "promotion",
            )
        with running_pushgateway(tmp_path / "gw") as gateway:
            one = scheduled(emu, gates="false", metrics_pushgateway_url=gateway.url)
            assert one.code == 0, one.stdout + one.stderr
            totals = _counters(gateway.series())
            assert totals == {"env/prod/": 1.0, "env/staging/": 1.0}
            time.sleep(2)  # merged after the first report counted (times are to the second)
            when = datetime.now(UTC)
            add(emu, ClosedPr(0, second.title, second.body, emu.login, when, when), "promotion")
            two = scheduled(emu, gates="false", metrics_pushgateway_url=gateway.url)
            assert two.code == 0, two.stdout + two.stderr
            assert _counters(gateway.series()) == {"env/prod/": 2.0, "env/staging/": 1.0}


def _counters(series: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> dict[str, float]:
    return {
        dict(labels)["environment"]: value
        for (name, labels), value in series.items()
        if name == "telefonistka_deployments_total"
    }


def test_a_report_whose_history_cannot_be_read_stands_without_the_figures(
    tmp_path: Path,
) -> None:
    """GitHub refuses the closed PRs' list (a token without issues: read): the fleet
    report succeeds with its matrix, warns, and leaves the Delivery section out."""
    from test_entrypoint import SEED, scheduled  # noqa: PLC0415

    for emu in emulator_session(tmp_path / "github"):
        emu.repo(REPO, SEED)
        emu.add_fault(
            method="GET",
            path=r"/issues$",
            status=403,
            times=10,
            body={"message": "Resource not accessible by integration"},
        )

        step = scheduled(emu, gates="false")

        assert step.code == 0, step.stdout + step.stderr
        assert "could not read the delivery metrics" in step.stdout
        assert "### Delivery" not in step.summary
        assert "delivery" not in json.loads(step.outputs["report"])
