"""Where GitHub's GraphQL API refuses a field (an older GitHub Enterprise Server), every
batched read and write falls back to REST with the same result: in-process, through the
emulator told to answer those fields as unknown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from github.Repository import Repository as GhRepository
from github_emulator import GitHubEmulator
from github_emulator.fixtures import pygithub_client
from test_entrypoint import checked_emulator
from test_promote_merged_pr import REPO, SEED, merged, promote, routes

from telefonistka.adapters.github.repo import GitHubRepo
from telefonistka.usecases.fleet_report import FleetReportRun
from telefonistka.usecases.gate_pass import GatePass


@pytest.fixture(name="emu")
def _emu(tmp_path: Path) -> Iterator[GitHubEmulator]:
    for emu in checked_emulator(tmp_path / "github"):
        emu.repo(REPO, SEED)
        yield emu


@pytest.fixture(name="gh")
def _gh(emu: GitHubEmulator) -> GhRepository:
    return pygithub_client(emu, "author").get_repo(REPO)


def opened(emu: GitHubEmulator, gh: GhRepository) -> int:
    result = promote(emu, merged(emu, gh, {"env/staging/app/values.yaml": "tag: v2\n"}))
    [group] = result.opened
    assert group.pr is not None
    return group.pr.number


def fleet(emu: GitHubEmulator) -> tuple[tuple[object, ...], list[str]]:
    repo = GitHubRepo("bot", REPO, emu.base_url, sleep=lambda _: None)
    emu.reset()
    report, _config, _snapshot = FleetReportRun(
        repo, REPO, "main", datetime.now(UTC), prs=repo, log=lambda _: None
    ).run()
    return tuple((p.number, p.status) for p in report.promotions), routes(emu)


def test_the_fleet_report_reads_the_same_through_rest(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    number = opened(emu, gh)
    through_graphql, first = fleet(emu)
    emu.graphql_refused_fields = {"mergedAt"}  # only in the report's one-query read
    through_rest, second = fleet(emu)

    assert through_graphql == through_rest
    assert through_rest[0][0] == number
    assert "GET /repos/{owner}/{repo}/pulls" not in first
    for route in (
        "GET /repos/{owner}/{repo}/git/ref/{ref}",
        "GET /repos/{owner}/{repo}/pulls",
        "GET /repos/{owner}/{repo}/commits/{ref}/statuses",
        "GET /repos/{owner}/{repo}/issues",  # the holds of merged rollbacks
    ):
        assert route in second, second


def test_labels_go_through_rest_where_graphql_refuses_them(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    emu.graphql_refused_fields = {"addLabelsToLabelable"}
    number = opened(emu, gh)

    pull = emu.get_repo(REPO).pulls[number]
    assert "promotion" in pull.labels
    assert pull.assignees
    assert "PATCH /repos/{owner}/{repo}/issues/{issue_number}" in routes(emu)


def test_the_gate_pass_reads_its_configuration_through_rest_where_graphql_refuses(
    emu: GitHubEmulator, gh: GhRepository
) -> None:
    opened(emu, gh)
    emu.graphql_refused_fields = {"mergedAt"}
    repo = GitHubRepo("bot", REPO, emu.base_url, sleep=lambda _: None)
    emu.reset()
    logs: list[str] = []

    result = GatePass(
        repo, "main", lambda: datetime.now(UTC), lambda _: True, log=logs.append
    ).run()

    assert result.failures == ()
    assert any("using REST" in line for line in logs)
    assert "GET /repos/{owner}/{repo}/contents/{path}" in routes(emu)
