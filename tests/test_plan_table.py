"""The human-readable plan table."""

from __future__ import annotations

from telefonistka.core.promotion.plan_table import format_plan_table
from telefonistka.core.promotion.planning import Conflict, Plan, Promotion


def promotion(auto_merge: bool = False) -> Promotion:
    return Promotion(
        source_pattern="env/staging/",
        source_paths=("env/staging/",),
        target_paths=("env/prod-eu/", "env/prod-us/"),
        target_description="prod",
        components=("app", "db"),
        auto_merge=auto_merge,
        sync=(
            ("env/prod-eu/app", "env/staging/app"),
            ("env/prod-us/database", "env/staging/database"),
        ),
        skipped=(("db", ("env/prod-eu/",)),),
    )


def test_full_plan() -> None:
    plan = Plan(
        promotions=(promotion(auto_merge=True),),
        conflicts=(Conflict("env/staging/a", ("dev/us-east-4/a", "dev/us-east-5/a")),),
        warnings=("first warning", "second warning"),
    )

    assert format_plan_table(plan) == (
        "Promotion 1/1: 🚀 Promotion: app,db ➡️  prod\n"
        "  auto-merge: yes\n"
        "  sync:\n"
        "    env/prod-eu/app       ←  env/staging/app\n"
        "    env/prod-us/database  ←  env/staging/database\n"
        "  skipped by component configuration:\n"
        "    db: env/prod-eu/\n"
        "\n"
        "Conflicts (target left out: its sources differ):\n"
        "  env/staging/a  ←  dev/us-east-4/a | dev/us-east-5/a\n"
        "\n"
        "Warnings:\n"
        "  - first warning\n"
        "  - second warning\n"
    )


def test_promotions_are_numbered() -> None:
    text = format_plan_table(Plan(promotions=(promotion(), promotion())))

    assert "Promotion 1/2: " in text
    assert "Promotion 2/2: " in text
    assert "auto-merge: no" in text
    assert "Conflicts" not in text
    assert "Warnings" not in text


def test_empty_plan() -> None:
    assert format_plan_table(Plan()) == "No promotions.\n"


def test_conflicts_without_promotions_still_say_no_promotions() -> None:
    plan = Plan(conflicts=(Conflict("t", ("a", "b")),))

    assert format_plan_table(plan).startswith("No promotions.\n\nConflicts")
