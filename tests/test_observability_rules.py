"""The documented alerting rules: valid for Prometheus, and they fire on the series a run
pushes (``promtool check rules`` and ``promtool test rules``, Debian's ``prometheus``)."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fakes import snapshot
from pushgateway import need

from telefonistka.core.config.model import PromotionPath, PromotionPr, RepoConfig
from telefonistka.core.fleet.delivery import (
    Delivery,
    Deployment,
    Restore,
    compute_delivery,
    delivery_samples,
)
from telefonistka.core.fleet.report import compute_report
from telefonistka.core.github.api import RequestCounter
from telefonistka.core.metrics import RunFacts, request_samples, run_samples

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "docs" / "prometheus" / "telefonistka-rules.yml"
RULE_TESTS = ROOT / "tests" / "fixtures" / "prometheus" / "rules_test.yml"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [need("promtool"), *args], capture_output=True, text=True, check=False, timeout=120
    )


def test_the_rules_file_is_valid() -> None:
    done = promtool("check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 8 rules found" in done.stdout


def test_each_alert_fires_on_the_series_telefonistka_pushes() -> None:
    done = promtool("test", "rules", str(RULE_TESTS))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_the_rules_name_only_series_telefonistka_pushes() -> None:
    """A renamed metric must not leave an alert watching nothing."""
    counter = RequestCounter()
    counter.observe(
        "GET", "/repos/a/b", 200, {"x-ratelimit-remaining": "1", "x-ratelimit-limit": "2"}
    )
    config = RepoConfig(promotion_paths=(PromotionPath("s/", (PromotionPr(("t/",)),)),))
    files = snapshot({"s/app/v": "1"})
    report = compute_report(files, config, {}, (), repository="a/b", now=datetime.now(UTC))
    names = {s.name for s in run_samples(RunFacts("e", "r", "success", 1, "v"), counter)}
    names |= {s.name for s in request_samples(counter)} | {s.name for s in report.samples()}
    names |= {s.name for s in delivery_samples(_delivery(), "a/b")}
    names.add("push_time_seconds")  # the Pushgateway's own
    text = RULES.read_text(encoding="utf-8")
    used = {
        word
        for word in text.replace("(", " ").replace("/", " ").split()
        if word.startswith(("telefonistka_", "push_time"))
    }
    used = {word.split("{")[0] for word in used}
    assert used <= names, used - names
    assert "telefonistka_report_targets" in used


def _delivery() -> Delivery:
    """Delivery figures with every series: a deployment with a known lead time, reverted."""
    now = datetime.now(UTC)
    deployment = Deployment(
        2,
        "env/prod/",
        ("app",),
        now - timedelta(hours=3),
        now - timedelta(hours=2),
        now - timedelta(hours=4),
    )
    return compute_delivery([deployment], [Restore(3, 2, now - timedelta(hours=1))], now)
