"""Delivery metrics (docs/delivery-metrics.md): hand-computed figures on a generated history.

The history (hours from T0; now is T0 + 240 h, ten days on):

- chain A (started by PR #1): #10 into staging opened at 0 h, merged at 2 h; #11 into prod
  opened at 2 h, merged at 26 h; #12 into dr opened at 26 h, merged at 50 h;
- chain B (#2): #20 into staging 100 h → 101 h; #21 into prod opened at 101 h and closed
  unmerged (superseded); #22 into prod 102 h → 110 h, rolled back by #30 merged at 112 h;
- chain C (#3) started before the window: only #40 into prod (190 h → 200 h) is listed,
  its first promotion PR is not: its lead time is unknown;
- #50: a person's PR with the promotion label, merged: not the bot's, left out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from telefonistka.core.fleet.delivery import (
    ClosedPr,
    compute_delivery,
    delivery_line,
    delivery_markdown,
    deployments_of,
    duration,
    restores_of,
)
from telefonistka.core.promotion.holds import marker, rollback_reverts
from telefonistka.core.promotion.metadata import (
    PromotionMetadata,
    PromotionStage,
    encode_metadata_block,
)
from telefonistka.errors import UsageError
from telefonistka.usecases.delivery_report import window_days

T0 = datetime(2026, 11, 20, tzinfo=UTC)
NOW = T0 + timedelta(hours=240)
BOT = "telefonistka-bot"
HOUR = 3600.0
STAGES = {
    "env/staging/": PromotionStage("env/lab/", ("env/staging/",)),
    "env/prod/": PromotionStage("env/staging/", ("env/prod/",)),
    "env/dr/": PromotionStage("env/prod/", ("env/dr/",)),
}


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def body(origin: int, chain: list[tuple[int, str]]) -> str:
    """A promotion PR's body: its metadata with the stages ``(opening PR, target)``."""
    stages = {number: STAGES[target] for number, target in chain}
    newest = chain[-1][1]
    meta = PromotionMetadata("alice", origin, (f"{newest}app",), stages)
    return "Promotion\n\n" + encode_metadata_block(meta)


def promotion(
    number: int,
    origin: int,
    chain: list[tuple[int, str]],
    opened: float,
    merged: float | None,
    *,
    author: str = BOT,
) -> ClosedPr:
    merged_at = at(merged) if merged is not None else None
    return ClosedPr(
        number, f"🚀 Promotion #{number}", body(origin, chain), author, at(opened), merged_at
    )


PROMOTIONS = [
    promotion(10, 1, [(1, "env/staging/")], 0, 2),
    promotion(11, 1, [(1, "env/staging/"), (10, "env/prod/")], 2, 26),
    promotion(12, 1, [(1, "env/staging/"), (10, "env/prod/"), (11, "env/dr/")], 26, 50),
    promotion(20, 2, [(2, "env/staging/")], 100, 101),
    promotion(21, 2, [(2, "env/staging/"), (20, "env/prod/")], 101, None),  # superseded
    promotion(22, 2, [(2, "env/staging/"), (20, "env/prod/")], 102, 110),
    promotion(40, 3, [(3, "env/staging/"), (39, "env/prod/")], 190, 200),
    promotion(50, 5, [(5, "env/staging/")], 150, 151, author="mallory"),
]
ROLLBACK = ClosedPr(
    30,
    "⏪ Rollback: app ➡️  env/prod/ (reverts #22)",
    "Rolls back\n\n" + marker(["env/prod/app"], None, 22),
    BOT,
    at(111),
    at(112),
)


def figures(days: int) -> dict[str, dict[str, object]]:
    deployments, notes = deployments_of(PROMOTIONS, lambda login: login == BOT)
    assert notes == []
    delivery = compute_delivery(deployments, restores_of([ROLLBACK], lambda x: x == BOT), NOW)
    return {f.environment: f.to_json() for f in delivery.for_window(days)}


def test_thirty_days_per_environment_by_hand() -> None:
    found = figures(30)
    assert sorted(found) == ["env/dr/", "env/prod/", "env/staging/"]
    staging, prod, dr = found["env/staging/"], found["env/prod/"], found["env/dr/"]
    # staging: #10 (lead 2 h, waited 2 h) and #20 (1 h, 1 h); the person's #50 left out
    assert staging["deployments"] == 2
    assert staging["leadTimeSeconds"] == {"p50": 1.5 * HOUR, "p90": 2 * HOUR}
    assert staging["changeFailureRate"] == 0.0  # two deployments, none rolled back
    assert staging["timeToRestoreSeconds"] is None  # nothing to restore: not 0
    assert staging["waitingSeconds"] == 1.5 * HOUR
    assert staging["deploymentsPerDay"] == round(2 / 30, 3)
    # prod: #11 (26 h from #10's opening), #22 (10 h from #20's), #40 (unknown start)
    assert prod["deployments"] == 3
    assert prod["leadTimeSeconds"] == {"p50": 18 * HOUR, "p90": 26 * HOUR}
    assert prod["leadTimesUnknown"] == 1
    assert (prod["failures"], prod["changeFailureRate"]) == (1, round(1 / 3, 4))
    assert prod["timeToRestoreSeconds"] == 2 * HOUR  # #22 merged at 110 h, #30 at 112 h
    assert prod["waitingSeconds"] == 10 * HOUR  # 24 h, 8 h, 10 h
    assert dr["leadTimeSeconds"] == {"p50": 50 * HOUR, "p90": 50 * HOUR}
    # per component too (one component here: the environment's own figures)
    [app] = prod["components"]  # type: ignore[misc]
    assert app["component"] == "app"
    assert (app["deployments"], app["failures"], app["leadTimesUnknown"]) == (3, 1, 1)


def test_seven_days_counts_only_what_merged_in_it() -> None:
    found = figures(7)  # since T0 + 72 h
    assert sorted(found) == ["env/prod/", "env/staging/"]
    prod = found["env/prod/"]
    assert prod["deployments"] == 2
    assert prod["leadTimeSeconds"] == {"p50": 10 * HOUR, "p90": 10 * HOUR}
    assert (prod["leadTimesUnknown"], prod["changeFailureRate"]) == (1, 0.5)
    assert prod["waitingSeconds"] == 9 * HOUR
    assert found["env/staging/"]["deployments"] == 1


def test_the_summary_and_the_dashboard_line_show_unknowns_as_such() -> None:
    deployments, _ = deployments_of(PROMOTIONS, lambda login: login == BOT)
    delivery = compute_delivery(deployments, [], NOW)
    text = delivery_markdown(delivery)
    assert "### Delivery" in text
    assert "**Last 7 days**" in text
    assert "**Last 30 days**" in text
    assert "| `env/prod/` | 3 | 0.10 | 18h 0m (1 unknown) | 1d 2h | 0% (0) | — |" in text
    line = delivery_line(delivery)
    assert line.startswith("Delivery, last 30 days: `env/dr/` 0.2/week")
    assert "MTTR —" in line


def test_nothing_merged_is_said_so_never_zero() -> None:
    delivery = compute_delivery([], [], NOW)
    assert delivery.figures == ()
    assert "nothing to measure yet" in delivery_markdown(delivery)
    assert delivery_line(delivery) == "Delivery, last 30 days: no deployment"


def test_a_rollback_is_found_by_its_marker_or_else_its_title() -> None:
    old = ClosedPr(
        31, "⏪ Rollback: app ➡️  env/prod/ (reverts #11)", "no marker", BOT, at(1), at(2)
    )
    assert rollback_reverts(ROLLBACK.body) == 22
    assert [r.reverted for r in restores_of([ROLLBACK, old], lambda x: x == BOT)] == [22, 11]
    person = ClosedPr(32, "x (reverts #12)", "", "mallory", at(1), at(2))
    unmerged = ClosedPr(33, "x (reverts #12)", "", BOT, at(1), None)
    assert restores_of([person, unmerged], lambda x: x == BOT) == []


def test_a_pr_without_metadata_is_noted_and_left_out() -> None:
    broken = ClosedPr(60, "🚀 Promotion", "no block", BOT, at(1), at(2))
    deployments, notes = deployments_of([broken], lambda _login: True)
    assert deployments == []
    assert notes == ["#60: no readable promotion metadata, left out"]


@pytest.mark.parametrize(
    ("text", "days"), [("30d", 30), ("4w", 28), (" 7d ", 7), ("", 30), ("366d", 366)]
)
def test_window_days(text: str, days: int) -> None:
    assert window_days(text) == days


@pytest.mark.parametrize("text", ["30", "0d", "367d", "1y", "-3d", "3 days"])
def test_a_bad_window_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="report-window must be a number of days or weeks"):
        window_days(text)


def test_durations_read_as_people_say_them() -> None:
    assert [duration(s) for s in (None, 30, 2700, 7500, 2 * 86_400 + 3 * 3600)] == [
        "—",
        "30s",
        "45m",
        "2h 5m",
        "2d 3h",
    ]


def test_the_metrics_pass_promtool_and_leave_out_what_cannot_be_computed() -> None:
    """Per environment: the lead time a summary (quantiles 0.5 and 0.9, sum, count), the
    change failure rate and the time to restore gauges; staging has no rollback, so no
    time-to-restore series (never 0)."""
    from pushgateway import promtool_check  # noqa: PLC0415 - installs promtool when missing

    from telefonistka.adapters.pushgateway import exposition  # noqa: PLC0415
    from telefonistka.core.fleet.delivery import delivery_samples  # noqa: PLC0415

    deployments, _ = deployments_of(PROMOTIONS, lambda login: login == BOT)
    delivery = compute_delivery(deployments, restores_of([ROLLBACK], lambda x: x == BOT), NOW)
    text = exposition(delivery_samples(delivery, "acme/infra"))

    checked = promtool_check(text)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "# TYPE telefonistka_lead_time_seconds summary" in text
    prod = 'environment="env/prod/",'
    assert (
        f'telefonistka_lead_time_seconds{{{prod}quantile="0.5",repo_slug="acme/infra"}} 64800.0'
        in text
    )
    assert f'telefonistka_lead_time_seconds_count{{{prod}repo_slug="acme/infra"}} 2.0' in text
    assert f'telefonistka_lead_time_seconds_sum{{{prod}repo_slug="acme/infra"}} 129600.0' in text
    assert f'telefonistka_time_to_restore_seconds{{{prod}repo_slug="acme/infra"}} 7200.0' in text
    staging = [line for line in text.splitlines() if 'environment="env/staging/"' in line]
    assert not any(line.startswith("telefonistka_time_to_restore_seconds") for line in staging)
    assert any(line.startswith("telefonistka_change_failure_ratio") for line in staging)


def test_the_grafana_dashboard_charts_only_series_telefonistka_pushes() -> None:
    """docs/grafana/telefonistka-delivery.json: valid JSON, each panel's query names a
    delivery series the fleet report pushes (a renamed metric must not leave a blank
    panel), filtered by the dashboard's repository variable."""
    import json  # noqa: PLC0415
    import re  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from telefonistka.core.fleet.delivery import delivery_samples, deployment_counters  # noqa: PLC0415

    path = (
        Path(__file__).resolve().parent.parent / "docs" / "grafana" / "telefonistka-delivery.json"
    )
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    deployments, _ = deployments_of(PROMOTIONS, lambda login: login == BOT)
    delivery = compute_delivery(deployments, restores_of([ROLLBACK], lambda x: x == BOT), NOW)
    pushed = {s.name for s in delivery_samples(delivery, "a/b")}
    pushed |= {s.name for s in deployment_counters(delivery, "a/b", {})}
    pushed |= {f"{name}_count" for name in pushed} | {f"{name}_sum" for name in pushed}
    queries = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(queries) == 6
    for query in queries:
        [name] = re.findall(r"telefonistka_\w+", query)
        assert name in pushed, name
        assert 'repository="$repository"' in query


def test_the_report_output_keeps_the_figures_within_githubs_limit() -> None:
    """The figures join the ``report`` output; past the limit the components lists go
    first, then the figures (the matrix JSON stays whole)."""
    import json  # noqa: PLC0415

    from telefonistka.core.fleet.delivery import with_delivery  # noqa: PLC0415

    deployments, _ = deployments_of(PROMOTIONS, lambda login: login == BOT)
    delivery = compute_delivery(deployments, [], NOW)
    base = json.dumps({"flows": []})
    whole = json.loads(with_delivery(base, delivery))
    assert [c["component"] for c in whole["delivery"]["environments"][0]["components"]] == ["app"]
    size = len(with_delivery(base, delivery).encode())
    trimmed = json.loads(with_delivery(base, delivery, limit=size - 1))
    assert all(e["components"] == [] for e in trimmed["delivery"]["environments"])
    assert with_delivery(base, delivery, limit=len(base) + 5) == base


def test_the_deployment_counter_goes_on_from_what_the_last_report_pushed() -> None:
    """First report: every deployment read (6 of the history, per environment). Next
    report, a day later, two more into prod: it adds them to the totals the gateway holds
    (not recounting the window), and an environment without news keeps its total; two
    reports at once push the same sums."""
    from telefonistka.core.fleet.delivery import (  # noqa: PLC0415
        COUNTED_THROUGH,
        DEPLOYMENTS,
        Deployment,
        deployment_counters,
    )

    def pushed(samples: list[object]) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        return {(s.name, s.labels): s.value for s in samples}  # type: ignore[attr-defined]

    deployments, _ = deployments_of(PROMOTIONS, lambda login: login == BOT)
    first = deployment_counters(compute_delivery(deployments, [], NOW), "a/b", {})
    totals = {
        dict(labels)["environment"]: v
        for (n, labels), v in pushed(first).items()
        if n == DEPLOYMENTS
    }
    assert totals == {"env/dr/": 1, "env/prod/": 3, "env/staging/": 2}
    assert pushed(first)[(COUNTED_THROUGH, (("repo_slug", "a/b"),))] == NOW.timestamp()

    later = NOW + timedelta(days=1)
    newer = [
        Deployment(
            70 + n,
            "env/prod/",
            ("app",),
            later - timedelta(hours=2),
            later - timedelta(hours=1),
            None,
        )
        for n in range(2)
    ]
    delivery = compute_delivery([*deployments, *newer], [], later)
    second = pushed(deployment_counters(delivery, "a/b", pushed(first)))
    again = pushed(deployment_counters(delivery, "a/b", pushed(first)))
    prod = (DEPLOYMENTS, (("environment", "env/prod/"), ("repo_slug", "a/b")))
    dr = (DEPLOYMENTS, (("environment", "env/dr/"), ("repo_slug", "a/b")))
    assert (second[prod], second[dr]) == (5, 1)
    assert second == again


def test_the_dashboard_picture_is_drawn_from_the_worked_example(tmp_path: Path) -> None:
    """docs/images/delivery-dashboard.svg is what scripts/render_delivery_picture.py draws
    from the worked example (the same figures as the tests above), byte for byte."""
    import importlib.util  # noqa: PLC0415

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location(
        "render_delivery_picture", root / "scripts" / "render_delivery_picture.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    prod = next(f for f in module.worked_example().for_window(30) if f.environment == "env/prod/")
    assert (prod.lead_time_p50, prod.change_failure_rate) == (18 * HOUR, 1 / 3)
    out = tmp_path / "picture.svg"
    assert module.main([str(out)]) == 0
    hint = "run: python scripts/render_delivery_picture.py"
    committed = (root / "docs" / "images" / "delivery-dashboard.svg").read_text(encoding="utf-8")
    assert out.read_text(encoding="utf-8") == committed, hint
    assert "18h 0m" in committed
    assert "— not computable" in committed  # staging has no rollback to restore from


def test_a_folder_name_cannot_break_the_table_or_the_dashboard_line() -> None:
    """Environment names are folder names: a backtick or a pipe in one stays inside its
    code span and its table cell."""
    odd = _deployment_into("env/a|b`c/")
    delivery = compute_delivery([odd], [], NOW)  # type: ignore[list-item]
    row = next(line for line in delivery_markdown(delivery).splitlines() if "a\\|b" in line)
    assert row.startswith("| ``env/a\\|b`c/`` | 1 |")
    assert "``env/a|b`c/``" in delivery_line(delivery)


def _deployment_into(environment: str) -> object:
    from telefonistka.core.fleet.delivery import Deployment  # noqa: PLC0415

    return Deployment(
        1, environment, ("app",), NOW - timedelta(hours=2), NOW - timedelta(hours=1), None
    )
