"""Colour and the progress line only for a person at a terminal; pipes get plain text."""

from __future__ import annotations

import io

import pytest

from telefonistka.cli import main
from telefonistka.cli.terminal import colour_on, paint, progress


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("stream", "environ", "expected"),
    [
        (Tty(), {"TERM": "xterm"}, True),
        (io.StringIO(), {"TERM": "xterm"}, False),  # a pipe, a file, a CI log
        (Tty(), {"TERM": "xterm", "NO_COLOR": "1"}, False),
        (Tty(), {"TERM": "dumb"}, False),
        (io.StringIO(), {"FORCE_COLOR": "1"}, True),
    ],
)
def test_colour_only_where_it_is_wanted(
    stream: io.StringIO, environ: dict[str, str], expected: bool
) -> None:
    assert colour_on(stream, environ) is expected


def test_paint_leaves_piped_text_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert paint("ok", "green", io.StringIO()) == "ok"
    assert paint("ok", "green", Tty()) == "\033[32mok\033[0m"


def test_the_progress_line_is_erased_and_absent_from_pipes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal, pipe = Tty(), io.StringIO()

    with progress("planning main...HEAD", terminal), progress("planning", pipe):
        pass

    assert terminal.getvalue() == "\r\033[2Kplanning main...HEAD…\r\033[2K"
    assert pipe.getvalue() == ""


def test_validate_paints_ok_on_a_terminal(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    config = tmp_path / "telefonistka.yaml"  # type: ignore[operator]
    config.write_text("dryRunMode: true\n")
    out = Tty()
    monkeypatch.setattr("sys.stdout", out)

    assert main(["validate", "--kind", "repo", str(config)]) == 0
    assert "\033[32mok\033[0m (repo config)" in out.getvalue()
