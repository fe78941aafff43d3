"""Markdown helpers: user data must not break spans, cells or fences."""

from telefonistka.core.markdown import code_span, fence_for, table_cell


def test_code_span_survives_backticks() -> None:
    assert code_span("plain") == "`plain`"
    assert code_span("a`b") == "``a`b``"
    assert code_span("`x`") == "`` `x` ``"


def test_table_cell_escapes_pipes() -> None:
    assert table_cell("a|b") == "`a\\|b`"


def test_fence_is_longer_than_any_backtick_run() -> None:
    assert fence_for("no ticks") == "```"
    assert fence_for("```sh") == "````"
    assert fence_for("`````") == "``````"
