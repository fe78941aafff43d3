"""Render the fleet report of the built-in example repository, for docs/dashboard.md.

Builds the demo's example repository (``telefonistka/demo/example_repo.py``) in a
temporary git repository with a change half-way through its promotion (a new nginx in
``workspace/`` and one lab cluster, a retention change in one staging cluster), runs the
report on it exactly as ``telefonistka report`` does, and writes:

- ``docs/images/fleet-report.md``: the job summary's markdown, as the Action writes it;
- ``docs/images/fleet-report.svg``: a picture of how GitHub renders its matrices (its
  table style: bold header, grey borders, banded rows).

Commits use fixed names and dates, so the output only changes when the report does;
``tests/test_docs_pictures.py`` regenerates both and compares.

Usage: python scripts/render_report_picture.py [OUT_DIR]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from telefonistka.adapters.localgit import LocalGitRepo
from telefonistka.core.fleet.matrix import flow_matrix, report_markdown, short_names
from telefonistka.core.fleet.report import SYMBOLS, FleetReport
from telefonistka.demo.example_repo import initial_files, nginx_values, prometheus_values
from telefonistka.usecases.fleet_report import FleetReportRun

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 12, 1, 6, 17, tzinfo=UTC)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "docs",
    "GIT_AUTHOR_EMAIL": "docs@example.com",
    "GIT_COMMITTER_NAME": "docs",
    "GIT_COMMITTER_EMAIL": "docs@example.com",
    "GIT_AUTHOR_DATE": "2026-12-01T06:00:00Z",
    "GIT_COMMITTER_DATE": "2026-12-01T06:00:00Z",
}


def example_repo(path: Path) -> None:
    """The demo's repository with one change half promoted and one hand edit."""
    files = initial_files()
    files["workspace/nginx/values.yaml"] = nginx_values("v1.26.0")
    files["clusters/lab/us-east4/c1/nginx/values.yaml"] = nginx_values("v1.26.0")
    files["clusters/staging/europe-west4/c1/prometheus/values.yaml"] = prometheus_values("30d")
    for name, text in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    env = {**os.environ, **GIT_ENV}
    for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "example"]):
        subprocess.run(["git", *command], cwd=path, env=env, check=True)


def example_report(path: Path) -> FleetReport:
    repo = LocalGitRepo(path)
    report, _config, _snapshot = FleetReportRun(repo, "acme/gitops", "main", NOW).run()
    return report


def svg(report: FleetReport) -> str:
    """The matrices as GitHub draws markdown tables, one under the other."""
    cell_w, first_w, row_h, pad = 64, 120, 30, 16
    parts: list[str] = []
    y = pad
    width = 0
    for flow in report.flows:
        heads = short_names(flow.targets)
        table_w = first_w + cell_w * len(heads)
        width = max(width, table_w + 2 * pad)
        parts.append(
            f'<text x="{pad}" y="{y + 16}" font-weight="600" font-size="15">'
            f"Flow {flow.index + 1}: {escape(flow.source_path)}"
            + (f" → {escape(flow.target_root)}" if flow.target_root else "")
            + "</text>"
        )
        y += 28
        rows = [["component", *heads]] + [
            [name, *(SYMBOLS[flow.cells[(name, t)].state] for t in flow.targets)]
            for name in flow.components
        ]
        for index, row in enumerate(rows):
            fill = "#f6f8fa" if index % 2 == 0 and index else "#ffffff"
            parts.append(
                f'<rect x="{pad}" y="{y}" width="{table_w}" height="{row_h}" fill="{fill}" '
                'stroke="#d0d7de"/>'
            )
            x = pad
            for column, value in enumerate(row):
                w = first_w if column == 0 else cell_w
                weight = ' font-weight="600"' if index == 0 else ""
                size = 11 if index == 0 and column else 13
                parts.append(
                    f'<line x1="{x}" y1="{y}" x2="{x}" y2="{y + row_h}" stroke="#d0d7de"/>'
                    f'<text x="{x + 8}" y="{y + 20}" font-size="{size}"{weight}>'
                    f"{escape(value)}</text>"
                )
                x += w
            y += row_h
        y += pad + 8
    legend = "   ".join(f"{symbol} {state}" for state, symbol in SYMBOLS.items())
    parts.append(f'<text x="{pad}" y="{y + 8}" font-size="13" fill="#57606a">{legend}</text>')
    height = y + 2 * pad
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="-apple-system, Segoe UI, Helvetica, '
        f'Arial, sans-serif, Apple Color Emoji, Segoe UI Emoji" fill="#1f2328">'
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>' + "".join(parts) + "</svg>\n"
    )


def render(out: Path) -> tuple[Path, Path]:
    with tempfile.TemporaryDirectory() as folder:
        example_repo(Path(folder))
        report = example_report(Path(folder))
    out.mkdir(parents=True, exist_ok=True)
    markdown, picture = out / "fleet-report.md", out / "fleet-report.svg"
    markdown.write_text(report_markdown(report), encoding="utf-8")
    picture.write_text(svg(report), encoding="utf-8")
    assert all(flow_matrix(flow) for flow in report.flows)  # noqa: S101 - a script's sanity check
    return markdown, picture


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "docs" / "images"
    for path in render(out):
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
