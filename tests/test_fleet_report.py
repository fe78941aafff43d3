"""The fleet report (pure): cell states, the PRs that fix them, stale runs, gauges, and the
markdown (matrix, dashboard body, ticked boxes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fakes import snapshot
from markdown_it import MarkdownIt

from telefonistka.core.config.model import (
    ComponentConfig,
    Conditions,
    PromotionPath,
    PromotionPr,
    RepoConfig,
)
from telefonistka.core.events.schedule import issues_event_from_json, schedule_event_from_json
from telefonistka.core.fleet.dashboard import (
    BODY_LIMIT,
    MARKER,
    BoxKey,
    boxes,
    dashboard_body,
    link_boxes,
    newly_ticked,
)
from telefonistka.core.fleet.matrix import NAMED_COLUMNS, report_markdown, short_names
from telefonistka.core.fleet.report import (
    CellState,
    FleetReport,
    OpenPromotion,
    compute_report,
    report_output,
)
from telefonistka.errors import EventError

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CONFIG = RepoConfig(
    promotion_paths=(
        PromotionPath(
            "env/staging/",
            (PromotionPr(("env/prod/eu/", "env/prod/us/")), PromotionPr(("env/dr/",))),
        ),
        PromotionPath("regions/[^/]+/", (PromotionPr(("global/",)),)),
    )
)
FILES = {
    "env/staging/app/v.yaml": "v2",
    "env/staging/web/v.yaml": "w1",
    "env/staging/db/v.yaml": "d1",
    "env/prod/eu/app/v.yaml": "v2",  # in sync
    "env/prod/us/app/v.yaml": "v1",  # differs
    "env/prod/eu/web/v.yaml": "w1",
    "env/prod/us/web/v.yaml": "w1",
    "env/dr/app/v.yaml": "v2",
    # web is missing in env/dr; db is blocked from prod by its own config
    "env/staging/db/telefonistka.yaml": "x",
    "regions/a/svc/v": "1",
    "regions/b/svc/v": "2",  # two sources of svc that differ: a conflict
    "regions/a/one/v": "1",
    "regions/b/one/v": "1",  # identical sources: fine
    "global/one/v": "1",
}
BLOCK_PROD = {"env/staging/db": ComponentConfig(promotion_target_block_list=("env/prod/",))}


def report(promotions: tuple[OpenPromotion, ...] = (), **changes: str) -> FleetReport:
    return compute_report(
        snapshot({**FILES, **changes}),
        CONFIG,
        BLOCK_PROD,
        promotions,
        repository="acme/infra",
        now=NOW,
        open_prs=5,
    )


def states(found: FleetReport, flow: int) -> dict[tuple[str, str], str]:
    return {key: str(cell.state) for key, cell in found.flows[flow].cells.items()}


def test_every_component_on_every_target_gets_its_state() -> None:
    found = report()

    staging, _regions = found.flows
    assert staging.targets == ("env/prod/eu/", "env/prod/us/", "env/dr/")
    assert staging.components == ("app", "db", "web")
    assert states(found, 0) == {
        ("app", "env/prod/eu/"): "in-sync",
        ("app", "env/prod/us/"): "differs",
        ("app", "env/dr/"): "in-sync",
        ("db", "env/prod/eu/"): "blocked",
        ("db", "env/prod/us/"): "blocked",
        ("db", "env/dr/"): "missing",
        ("web", "env/prod/eu/"): "in-sync",
        ("web", "env/prod/us/"): "in-sync",
        ("web", "env/dr/"): "missing",
    }
    assert states(found, 1) == {("one", "global/"): "in-sync", ("svc", "global/"): "conflict"}
    assert staging.counts()[CellState.MISSING] == 2


def test_an_open_promotion_pr_is_named_on_the_cells_it_writes() -> None:
    older = OpenPromotion(7, "old", "u7", "2026-11-30T12:00:00Z", frozenset({"env/prod/us/app"}))
    newer = OpenPromotion(9, "new", "u9", "2026-12-01T11:00:00Z", frozenset({"env/prod/us/app"}))

    found = report((newer, older))

    cell = found.flows[0].cells[("app", "env/prod/us/")]
    assert (cell.state, cell.pr) == (CellState.DIFFERS, 9)  # the newest writer
    assert [pr.number for pr in found.promotions] == [7, 9]
    assert found.to_json()["openPromotionPrs"][0]["age_hours"] == 24.0
    assert found.to_json()["flows"][0]["components"]["app"]["env/prod/us/"] == {
        "state": "differs",
        "pr": 9,
        "prAgeHours": 1.0,
        "prStatus": None,
    }


def test_a_pending_status_older_than_the_threshold_is_a_stale_run() -> None:
    stale = OpenPromotion(
        3, "t", "u", "", frozenset(), "pending", (NOW - timedelta(hours=2)).isoformat()
    )
    fresh = OpenPromotion(
        4, "t", "u", "", frozenset(), "pending", (NOW - timedelta(minutes=5)).isoformat()
    )
    done = OpenPromotion(5, "t", "u", "", frozenset(), "success", "2026-01-01T00:00:00Z")

    found = report((stale, fresh, done))

    assert [pr.number for pr in found.stale_pending] == [3]
    gauges = {
        (s.name, dict(s.labels).get("flow"), dict(s.labels).get("state")): s.value
        for s in found.samples()
    }
    assert gauges[("telefonistka_github_open_prs", None, None)] == 5
    assert gauges[("telefonistka_github_open_promotion_prs", None, None)] == 3
    assert (
        gauges[("telefonistka_github_open_prs_with_pending_telefonistka_checks", None, None)] == 1
    )
    assert gauges[("telefonistka_report_targets", "env/staging/", "missing")] == 2
    assert gauges[("telefonistka_report_targets", "regions/[^/]+/", "conflict")] == 1


def test_the_json_lists_every_cell_and_the_config_errors() -> None:
    data = report().to_json()
    assert data["flows"][0]["components"]["app"]["env/prod/us/"] == {"state": "differs"}
    assert data["flows"][1]["counts"]["conflict"] == 1
    assert data["configErrors"] == []
    assert data["openPrs"] == 5


def test_short_column_names_are_the_shortest_unique_tails() -> None:
    assert short_names(("env/prod/eu/c1/", "env/prod/us/c1/", "env/dr/")) == [
        "eu/c1",
        "us/c1",
        "dr",
    ]


def test_the_matrix_renders_as_a_table_with_a_symbol_per_cell() -> None:
    html = MarkdownIt("commonmark").enable("table").render(report_markdown(report()))
    assert html.count("<table>") == 2
    assert "<th><code>eu</code></th>" in html
    assert "<td>🟠</td>" in html
    assert "<td>⛔</td>" in html
    assert "<td>⚠️</td>" in html


def wide_report(clusters: int = 60, components: int = 40) -> FleetReport:
    targets = tuple(f"clusters/prod/region-{i // 10}/c{i}/" for i in range(clusters))
    config = RepoConfig(
        promotion_paths=(PromotionPath("clusters/staging/", (PromotionPr(targets),)),)
    )
    files = {f"clusters/staging/comp-{j}/v": "new" for j in range(components)}
    files |= {
        f"{t}comp-{j}/v": "new" if (i + j) % 3 else "old"
        for i, t in enumerate(targets)
        for j in range(components)
        if (i * j) % 7
    }
    return compute_report(snapshot(files), config, {}, (), repository="acme/fleet", now=NOW)


def test_sixty_clusters_get_numbered_columns_and_a_legend() -> None:
    found = wide_report()
    text = report_markdown(found)
    header = next(line for line in text.splitlines() if line.startswith("| component"))
    assert header.endswith("| 59 | 60 |")
    assert len(header) < 400
    assert "Columns: 1 `clusters/prod/region-0/c0/`" in text
    assert len(found.flows[0].targets) > NAMED_COLUMNS


def test_a_summary_too_large_keeps_its_counts_and_says_what_it_left_out() -> None:
    text = report_markdown(wide_report(), max_bytes=5_000)
    assert len(text.encode()) <= 5_000
    assert "too large for the job summary" in text
    assert "40 component(s) × 60 target(s)" in text


# --- the dashboard ------------------------------------------------------------------------------


def test_the_dashboard_has_a_box_per_component_to_promote_and_links_for_open_prs() -> None:
    writer = OpenPromotion(9, "t", "u", "", frozenset({"env/prod/us/app"}))
    body = dashboard_body(report((writer,)))

    assert body.startswith(MARKER)
    assert boxes(body) == {BoxKey(0, "db"): False, BoxKey(0, "web"): False}
    assert "`app`: 🟠 1 differs → promotion PR #9" in body
    html = MarkdownIt("commonmark").render(body)
    # the keys are HTML comments, hidden on the page, never escaped into visible text
    assert "<!-- telefonistka:promote 0 ZGI= -->" in html
    assert "&lt;!--" not in html


def test_a_huge_fleet_keeps_the_dashboard_under_githubs_limit() -> None:
    name = "a-component-with-a-long-name-" * 4
    config = RepoConfig(promotion_paths=(PromotionPath("s/", (PromotionPr(("t/",)),)),))
    files = {f"s/{name}{j}/v": "new" for j in range(450)}
    found = compute_report(snapshot(files), config, {}, (), repository="a/b", now=NOW)

    body = dashboard_body(found)

    assert len(body) <= BODY_LIMIT < 65_536
    assert "more component line(s) did not fit here" in body
    assert "Matrices" not in body  # the matrix is left to the job summary
    small = dashboard_body(wide_report(), limit=2_500)
    assert len(small) <= 2_500
    assert "did not fit here" in small


def test_ticked_boxes_are_found_and_turned_into_links() -> None:
    body = dashboard_body(report())
    ticked = body.replace("- [ ] `web`", "- [x] `web`")

    assert newly_ticked(body, ticked) == [BoxKey(0, "web")]
    assert newly_ticked(ticked, ticked) == []  # an edit elsewhere opens nothing again
    linked = link_boxes(ticked, {BoxKey(0, "web"): "#12"})
    assert "`web`: ⚪ 1 missing → #12 <!-- telefonistka:promote 0 d2Vi -->" in linked
    assert boxes(linked) == {BoxKey(0, "app"): False, BoxKey(0, "db"): False}


def test_a_forged_or_garbled_key_is_no_box() -> None:
    forged = (
        "- [ ] x <!-- telefonistka:promote 0 !!! -->\n- [ ] y <!-- telefonistka:promote 0 %% -->"
    )
    assert boxes(forged) == {}
    odd = BoxKey(1, "a --> <b>")
    assert boxes(f"- [x] z {odd.comment()}") == {odd: True}  # any name round-trips, hidden


# --- the events ---------------------------------------------------------------------------------


def test_schedule_payloads_with_and_without_a_repository() -> None:
    event = schedule_event_from_json(
        {"schedule": "0 6 * * *", "repository": {"full_name": "a/b", "default_branch": "main"}}
    )
    assert (event.repository, event.default_branch, event.schedule) == ("a/b", "main", "0 6 * * *")
    assert schedule_event_from_json({"schedule": "x"}).repository == ""
    with pytest.raises(EventError, match="JSON object"):
        schedule_event_from_json([])


def test_an_issues_edit_keeps_the_old_body_and_bad_payloads_say_which_field() -> None:
    payload = {
        "action": "edited",
        "changes": {"body": {"from": "old"}},
        "issue": {"number": 3, "title": "t", "body": f"{MARKER}\nnew", "user": {"login": "bot"}},
        "repository": {"full_name": "a/b"},
        "sender": {"login": "alice"},
    }
    event = issues_event_from_json(payload)
    assert (event.previous_body, event.sender, event.issue.author) == ("old", "alice", "bot")
    assert event.edits_dashboard
    assert not issues_event_from_json({**payload, "changes": {}}).edits_dashboard
    with pytest.raises(EventError, match=r"issue\.number"):
        issues_event_from_json({**payload, "issue": {"number": "3"}})
    with pytest.raises(EventError, match="repository"):
        issues_event_from_json({**payload, "repository": None})


def test_a_flow_with_label_conditions_is_reported_as_well() -> None:
    config = RepoConfig(
        promotion_paths=(
            PromotionPath(
                "env/staging/",
                (PromotionPr(("env/prod/eu/",)),),
                conditions=Conditions(("hotfix",)),
            ),
        )
    )
    found = compute_report(snapshot(FILES), config, {}, (), repository="a/b", now=NOW)
    assert found.flows[0].cells[("app", "env/prod/eu/")].state is CellState.IN_SYNC


def test_an_output_too_large_for_github_keeps_what_matters() -> None:
    found = wide_report()
    full, note = report_output(found)
    assert json.loads(full)["detail"] == "all"
    assert note == ""

    smaller, note = report_output(found, limit=len(full.encode()) - 1)
    data = json.loads(smaller)
    assert data["detail"] == "out-of-sync"
    cells = [c for row in data["flows"][0]["components"].values() for c in row.values()]
    assert cells
    assert all(cell["state"] != "in-sync" for cell in cells)
    assert "only the cells not in sync" in note

    tiny, note = report_output(found, limit=2_000)
    assert "components" not in json.loads(tiny)["flows"][0]
    assert json.loads(tiny)["flows"][0]["counts"]["in-sync"] > 0
    assert "the counts only" in note


def test_a_dashboard_with_very_many_prs_and_errors_still_fits() -> None:
    prs = tuple(
        OpenPromotion(n, "t", "u", "", frozenset(), "pending", "2020-01-01T00:00:00Z")
        for n in range(1, 3000)
    )
    found = compute_report(
        snapshot(FILES),
        CONFIG,
        {},
        prs,
        repository="a/b",
        now=NOW,
        config_errors=["x" * 5000] * 50,
    )
    body = dashboard_body(found, limit=8_000)
    assert len(body) <= 8_000
    assert body.startswith(MARKER)
    assert "cut to fit" in body


def test_a_folder_named_like_a_key_cannot_take_over_a_box() -> None:
    """A component folder named ``x <!-- telefonistka:promote 0 YXBw -->`` used to make its
    box promote ``app`` (the first key on the line won) and disabled its own box."""
    forged = f"x {BoxKey(0, 'app').comment()}"
    config = RepoConfig(promotion_paths=(PromotionPath("s/", (PromotionPr(("t/",)),)),))
    found = compute_report(
        snapshot({f"s/{forged}/v": "new", "s/app/v": "new", "t/app/v": "old"}),
        config,
        {},
        (),
        repository="acme/infra",
        now=NOW,
    )
    body = dashboard_body(found)

    assert set(boxes(body)) == {BoxKey(0, forged), BoxKey(0, "app")}
    ticked = "\n".join(
        line.replace("- [ ]", "- [x]", 1) if "`x " in line else line for line in body.splitlines()
    )
    assert newly_ticked(body, ticked) == [BoxKey(0, forged)]  # its own box, nobody else's
    linked = link_boxes(ticked, {BoxKey(0, forged): "#7"})
    assert boxes(linked) == {BoxKey(0, "app"): False}
    [line] = [line for line in linked.splitlines() if "→ #7" in line]
    assert line.endswith(BoxKey(0, forged).comment())


def test_an_open_promotion_pr_shows_its_gate_state() -> None:
    pr = OpenPromotion(
        7,
        "🚀 Promotion: app",
        "u",
        "2026-12-10T08:00:00Z",
        frozenset({"env/prod/app"}),
        "success",
        "2026-12-10T08:01:00Z",
        "pending: soaking: 1h left",
    )
    found = report((pr,))

    assert "| `pending: soaking: 1h left` |" in report_markdown(found)
    assert "gates pending: soaking: 1h left" in dashboard_body(found)
    assert found.to_json()["openPromotionPrs"][0]["gates"] == "pending: soaking: 1h left"
