"""Promotion gates and freezes: the configuration and the verdict (core, plain data)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from telefonistka.core.config.gates import Freeze, Gates, Window, parse_duration, parse_hours
from telefonistka.core.config.validation import load_repo_config
from telefonistka.core.promotion.gates import (
    AppHealth,
    SourceFacts,
    duration_text,
    evaluate,
    gated,
    is_open,
    next_opening,
)
from telefonistka.errors import ConfigError

BERLIN = ZoneInfo("Europe/Berlin")
# Thursday 2026-12-10 10:00 in Berlin (09:00 UTC)
NOW = datetime(2026, 12, 10, 10, 0, tzinfo=BERLIN)
WORKDAYS = Window(
    frozenset({0, 1, 2, 3}),
    parse_hours("09:00-16:00")[0],
    parse_hours("09:00-16:00")[1],
    "Europe/Berlin",
)
SOURCE = SourceFacts(
    "env/staging/web",
    "a" * 40,
    NOW - timedelta(hours=3),
    {"e2e/staging": "success", "lint": "failure"},
    (AppHealth("staging-web", "Synced", "Healthy"),),
)
YEAR_END = Freeze(
    datetime(2026, 12, 20, tzinfo=BERLIN),
    datetime(2027, 1, 4, tzinfo=BERLIN),
    "year-end freeze",
    ("env/prod/",),
)


@pytest.mark.parametrize(
    ("text", "minutes"), [("30m", 30), ("2h", 120), ("1d", 1440), ("1d12h", 2160), ("1h5m", 65)]
)
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


def test_every_gate_holding_is_success() -> None:
    gates = Gates(timedelta(hours=2), True, ("e2e/staging",), (WORKDAYS,))

    verdict = evaluate(gates, (YEAR_END,), ("env/prod/",), (SOURCE,), NOW)

    assert (verdict.state, verdict.description) == ("success", "all gates hold")


@pytest.mark.parametrize(
    ("gates", "source", "now", "description"),
    [
        (Gates(soak_time=timedelta(hours=4)), SOURCE, NOW, "soaking: 1h left"),
        (
            Gates(soak_time=timedelta(hours=4, minutes=12)),
            SOURCE,
            NOW - timedelta(seconds=30),
            "soaking: 1h13m left",  # a part of a minute counts as a minute
        ),
        (Gates(require_statuses=("e2e/staging", "smoke")), SOURCE, NOW, "waiting: smoke"),
        (Gates(require_statuses=("lint",)), SOURCE, NOW, "waiting: lint is failure on aaaaaaa"),
        (
            Gates(require_healthy=True),
            SourceFacts("env/staging/web", apps=(AppHealth("w", "Synced", "Progressing"),)),
            NOW,
            "waiting: w not Healthy (Progressing)",
        ),
        (
            Gates(require_healthy=True),
            SourceFacts("env/staging/web", apps=(AppHealth("w", "OutOfSync", "Healthy"),)),
            NOW,
            "waiting: w not Synced (OutOfSync)",
        ),
        (
            Gates(require_healthy=True),
            SourceFacts(
                "env/staging/web",
                "abcdef0123",
                apps=(AppHealth("w", "Synced", "Healthy", False, "0123456789"),),
            ),
            NOW,
            "waiting: w not yet at abcdef0 (at 0123456)",  # Argo CD has not looked yet
        ),
        (
            Gates(require_healthy=True),
            SourceFacts(
                "env/staging/web", "abcdef0123", apps=(AppHealth("w", "Synced", "Healthy", None),)
            ),
            NOW,
            "waiting: w not yet at abcdef0 (no revision shown)",
        ),
        (
            Gates(require_healthy=True),
            SourceFacts("env/staging/web", apps=()),
            NOW,
            "waiting: no Argo CD app of this repository deploys env/staging/web",
        ),
        (
            Gates(require_healthy=True),
            SourceFacts("env/staging/web", apps_error="could not reach Argo CD"),
            NOW,
            "waiting: Argo CD not read (could not reach Argo CD)",
        ),
        (
            Gates(windows=(WORKDAYS,)),
            SOURCE,
            datetime(2026, 12, 10, 17, 0, tzinfo=BERLIN),  # Thursday after hours
            "outside window: opens Mon 09:00 Europe/Berlin",
        ),
        (
            Gates(windows=(WORKDAYS,)),
            SOURCE,
            datetime(2026, 12, 9, 7, 30, tzinfo=BERLIN),  # Wednesday, early
            "outside window: opens Wed 09:00 Europe/Berlin",
        ),
    ],
)
def test_the_first_unmet_gate_is_named(
    gates: Gates, source: SourceFacts, now: datetime, description: str
) -> None:
    verdict = evaluate(gates, (), ("env/prod/",), (source,), now)

    assert (verdict.state, verdict.description) == ("pending", description)


def test_a_freeze_wins_over_a_window_and_covers_only_its_targets() -> None:
    gates = Gates(windows=(WORKDAYS,))
    during = datetime(2026, 12, 21, 10, 0, tzinfo=BERLIN)  # Monday, inside the window

    frozen = evaluate(gates, (YEAR_END,), ("env/prod/eu/",), (SOURCE,), during)
    staging = evaluate(gates, (YEAR_END,), ("env/staging/",), (SOURCE,), during)

    assert frozen.description == "frozen: year-end freeze until 4 Jan"
    assert staging.holds
    after = YEAR_END.end + timedelta(hours=10)  # Monday 10:00: over, and inside the window
    assert evaluate(gates, (YEAR_END,), ("env/prod/",), (SOURCE,), after).holds


def test_the_slowest_source_decides_the_soak_time() -> None:
    late = SourceFacts("env/staging/db", "b" * 40, NOW - timedelta(minutes=20))

    verdict = evaluate(Gates(soak_time=timedelta(hours=1)), (), ("env/prod/",), (SOURCE, late), NOW)

    assert verdict.description == "soaking: 40m left"


def test_windows_are_read_in_their_time_zone_across_a_dst_change() -> None:
    """Berlin leaves summer time on 2026-10-25: 09:00 local is 07:00 UTC before and 08:00
    UTC after; the window follows the wall clock, not UTC."""
    window = Window(
        frozenset(range(7)),
        parse_hours("09:00-10:00")[0],
        parse_hours("09:00-10:00")[1],
        "Europe/Berlin",
    )
    before, after = (
        datetime(2026, 10, 24, 7, 30, tzinfo=UTC),
        datetime(2026, 10, 26, 7, 30, tzinfo=UTC),
    )

    assert is_open(window, before)  # 09:30 CEST
    assert not is_open(window, after)  # 08:30 CET
    assert next_opening(window, after) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_a_window_ending_at_midnight() -> None:
    start, end = parse_hours("22:00-24:00")
    late = Window(frozenset({4}), start, end, "UTC")

    assert end is None
    assert is_open(late, datetime(2026, 12, 11, 23, 59, tzinfo=UTC))  # Friday
    assert not is_open(late, datetime(2026, 12, 12, 0, 0, tzinfo=UTC))  # Saturday


def test_which_prs_carry_the_status() -> None:
    assert gated(Gates(), (), ("env/prod/",))
    assert gated(None, (YEAR_END,), ("env/prod/eu/",))
    assert not gated(None, (YEAR_END,), ("env/staging/",))
    assert not gated(None, (), ("env/prod/",))


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(minutes=1), "1m"),
        (timedelta(hours=1, minutes=12), "1h12m"),
        (timedelta(days=2, hours=3, minutes=4), "2d3h"),
        (timedelta(seconds=10), "1m"),
    ],
)
def test_duration_text(left: timedelta, text: str) -> None:
    assert duration_text(left) == text


def test_a_long_reason_is_cut_to_githubs_limit() -> None:
    freeze = Freeze(YEAR_END.start, YEAR_END.end, "x" * 300)

    verdict = evaluate(None, (freeze,), ("env/prod/",), (), datetime(2026, 12, 24, tzinfo=UTC))

    assert len(verdict.description) == 140
    assert verdict.description.endswith("…")


CONFIG = """\
promotionPaths:
  - sourcePath: "env/staging/"
    conditions: {autoMerge: true}
    gates:
      soakTime: 2h
      requireHealthy: true
      requireStatuses: ["e2e/staging"]
      windows:
        - days: [mon, tue, wed, thu]
          hours: "09:00-16:00"
          timezone: Europe/Berlin
    promotionPrs:
      - targetPaths: ["env/prod/"]
freezes:
  - from: "2026-12-20T00:00:00+01:00"
    to: "2027-01-04T00:00:00+01:00"
    reason: year-end freeze
    targets: ["env/prod/"]
"""


def test_the_issue_s_example_configuration_loads() -> None:
    config = load_repo_config(CONFIG)
    [flow] = config.promotion_paths

    assert flow.gates == Gates(timedelta(hours=2), True, ("e2e/staging",), (WORKDAYS,))
    assert config.freezes == (YEAR_END,)
    assert (
        load_repo_config(
            CONFIG.split("freezes:", maxsplit=1)[0].replace("    gates:\n", "    x:\n", 0)
        ).freezes
        == ()
    )


def test_bad_gate_values_are_located_problems() -> None:
    text = """\
promotionPaths:
  - sourcePath: "env/staging/"
    gates:
      soakTime: 0m
      windows:
        - days: [mon]
          hours: "16:00-09:00"
          timezone: Mars/Olympus
    promotionPrs:
      - targetPaths: ["env/prod/"]
freezes:
  - from: "2026-12-20T00:00:00"
    to: "2026-12-01T00:00:00+01:00"
    reason: x
  - from: "2026-12-20T00:00:00Z"
    to: "2026-12-01T00:00:00Z"
    reason: backwards
"""
    with pytest.raises(ConfigError) as caught:
        load_repo_config(text, "t.yaml")

    assert [str(p) for p in caught.value.problems] == [
        "t.yaml:4:17: promotionPaths[0].gates.soakTime: '0m' is no time at all: leave "
        "soakTime out instead",
        "t.yaml:7:18: promotionPaths[0].gates.windows[0].hours: '16:00-09:00' ends before it "
        "starts: a window that crosses midnight is two windows (e.g. 22:00-24:00 and "
        "00:00-06:00 of the next days)",
        "t.yaml:8:21: promotionPaths[0].gates.windows[0].timezone: 'Mars/Olympus' is not a "
        "time zone: write an IANA name such as Europe/Berlin or UTC",
        "t.yaml:12:11: freezes[0].from: '2026-12-20T00:00:00' has no UTC offset: add one "
        "(+01:00, Z) so it is one instant",
        "t.yaml:16:9: freezes[1].to: must be later than 'from'",
    ]


def test_the_plan_lists_what_each_promotion_will_wait_for() -> None:
    from telefonistka.core.promotion.changes import ChangedComponent  # noqa: PLC0415
    from telefonistka.core.promotion.plan_table import format_plan_table  # noqa: PLC0415
    from telefonistka.core.promotion.planning import compute_plan  # noqa: PLC0415

    class SameFolders:
        def same_content(self, _a: str, _b: str) -> bool:
            return True

    config = load_repo_config(CONFIG)
    plan = compute_plan([ChangedComponent("env/staging/", "web")], config, (), SameFolders(), {})

    [promotion] = plan.promotions
    assert promotion.gates == (
        "soak 2h",
        "checks e2e/staging",
        "Argo CD apps healthy",
        "window mon,tue,wed,thu 09:00-16:00 Europe/Berlin",
        "freeze year-end freeze (20 Dec - 04 Jan 2027)",
    )
    assert promotion.to_json()["gates"] == list(promotion.gates)
    assert "  merge waits for: soak 2h; checks e2e/staging;" in format_plan_table(plan)
