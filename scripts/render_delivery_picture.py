"""Draw the delivery dashboard's panels for docs/delivery-metrics.md.

The figures are those of the worked example in docs/delivery-metrics.md (the history of
``tests/test_delivery.py``, written out again here), over its 30-day window, computed by
``core.fleet.delivery`` as the fleet report computes them; the panels are those of
``docs/grafana/telefonistka-delivery.json``, drawn as a Grafana dark theme shows bar
gauges. A drawing, not a screenshot: no Grafana server runs where the docs are built.
``tests/test_delivery.py`` draws it again and compares.

Usage: python scripts/render_delivery_picture.py [OUT]
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

from telefonistka.core.fleet.delivery import (
    Delivery,
    Figures,
    compute_delivery,
    deployments_of,
    duration,
    restores_of,
)
from telefonistka.core.promotion.holds import marker
from telefonistka.core.promotion.metadata import (
    PromotionMetadata,
    PromotionStage,
    encode_metadata_block,
)
from telefonistka.ports import ClosedPr

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images" / "delivery-dashboard.svg"
T0 = datetime(2026, 11, 20, tzinfo=UTC)
STAGES = {
    "env/staging/": PromotionStage("env/lab/", ("env/staging/",)),
    "env/prod/": PromotionStage("env/staging/", ("env/prod/",)),
    "env/dr/": PromotionStage("env/prod/", ("env/dr/",)),
}
# (number, origin, [(opening PR, target)…], opened h, merged h or None)
HISTORY = [
    (10, 1, [(1, "env/staging/")], 0, 2),
    (11, 1, [(1, "env/staging/"), (10, "env/prod/")], 2, 26),
    (12, 1, [(1, "env/staging/"), (10, "env/prod/"), (11, "env/dr/")], 26, 50),
    (20, 2, [(2, "env/staging/")], 100, 101),
    (21, 2, [(2, "env/staging/"), (20, "env/prod/")], 101, None),
    (22, 2, [(2, "env/staging/"), (20, "env/prod/")], 102, 110),
    (40, 3, [(3, "env/staging/"), (39, "env/prod/")], 190, 200),
]


def worked_example() -> Delivery:
    def at(hours: float) -> datetime:
        return T0 + timedelta(hours=hours)

    promotions = []
    for number, origin, chain, opened, merged in HISTORY:
        stages = {n: STAGES[t] for n, t in chain}
        meta = PromotionMetadata("alice", origin, (f"{chain[-1][1]}app",), stages)
        body = encode_metadata_block(meta)
        done = at(merged) if merged is not None else None
        promotions.append(ClosedPr(number, "🚀 Promotion", body, "bot", at(opened), done))
    rollback = ClosedPr(
        30, "⏪ Rollback", marker(["env/prod/app"], None, 22), "bot", at(111), at(112)
    )
    deployments, notes = deployments_of(promotions, lambda _login: True)
    restores = restores_of([rollback], lambda _login: True)
    return compute_delivery(deployments, restores, T0 + timedelta(hours=240), (7, 30), notes)


PANELS = [
    ("Lead time for changes, p50", lambda f: f.lead_time_p50, duration),
    ("Lead time for changes, p90", lambda f: f.lead_time_p90, duration),
    ("Change failure rate", lambda f: f.change_failure_rate, lambda v: f"{v:.0%}"),
    ("Time to restore, median", lambda f: f.time_to_restore_p50, duration),
    ("Deployments, last 30 days", lambda f: float(f.deployments), lambda v: f"{v:.0f}"),
]
COLORS = {"env/staging/": "#73bf69", "env/prod/": "#f2495c", "env/dr/": "#5794f2"}
WIDTH, PANEL_H, BAR_H = 760, 150, 26


def svg(delivery: Delivery) -> str:
    rows = sorted(delivery.for_window(30), key=lambda f: f.environment)
    height = 48 + len(PANELS) * (PANEL_H + 12)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        'font-family="Inter, Helvetica, Arial, sans-serif" font-size="13">',
        f'<rect width="{WIDTH}" height="{height}" fill="#111217"/>',
        '<text x="16" y="30" fill="#ccccdc" font-size="16" font-weight="600">'
        "telefonistka: delivery — acme/infra, last 30 days</text>",
    ]
    y = 48
    for title, value_of, shown in PANELS:
        out += _panel(y, title, rows, value_of, shown)
        y += PANEL_H + 12
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _panel(y: int, title: str, rows: list[Figures], value_of, shown) -> list[str]:  # type: ignore[no-untyped-def]
    values = [value_of(f) for f in rows]
    top = max((v for v in values if v is not None), default=0) or 1
    parts = [
        f'<rect x="12" y="{y}" width="{WIDTH - 24}" height="{PANEL_H}" rx="2" fill="#181b1f" '
        'stroke="#2c3235"/>',
        f'<text x="24" y="{y + 22}" fill="#ccccdc" font-weight="600">{escape(title)}</text>',
    ]
    for n, (row, value) in enumerate(zip(rows, values, strict=True)):
        by = y + 38 + n * (BAR_H + 8)
        parts.append(f'<text x="24" y="{by + 18}" fill="#ccccdc">{escape(row.environment)}</text>')
        span = WIDTH - 24 - 130 - 110
        if value is None:
            parts.append(f'<text x="130" y="{by + 18}" fill="#8e8e8e">— not computable</text>')
            continue
        bar = max(2, int(span * value / top))
        color = COLORS.get(row.environment, "#b877d9")
        parts.append(
            f'<rect x="130" y="{by}" width="{bar}" height="{BAR_H}" rx="2" fill="{color}"/>'
        )
        parts.append(
            f'<text x="{130 + bar + 8}" y="{by + 18}" fill="#ccccdc">{escape(shown(value))}</text>'
        )
    return parts


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(svg(worked_example()), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
