"""Markdown helpers: user data must not break spans, cells or fences."""

from telefonistka.core.text.markdown import (
    code_span,
    fence_for,
    fenced,
    html_text,
    table_cell,
    text,
    visible,
)


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


def test_control_characters_become_visible_escapes() -> None:
    assert visible("a\nb\tc\x00d\u2028e\x85") == "a\\nb\\tc\\x00d\\u2028e\\x85"
    assert code_span("a\n\n</details>") == "`a\\n\\n</details>`"


def test_text_escapes_markup_links_html_and_mentions() -> None:
    assert text("plain-name_v2") == "plain-name_v2"
    assert text("# heading") == "\\# heading"
    assert text("1. item") == "1\\. item"
    assert text("<img src=x>") == "\\<img src=x\\>"
    assert text("[a](b)") == "\\[a\\](b)"
    assert text("a|b`c") == "a\\|b\\`c"
    assert text("@team") == "@&#8203;team"


def test_html_text_escapes_for_an_element() -> None:
    assert html_text("<b>&'\"@x\n") == "&lt;b&gt;&amp;&#x27;&quot;@&#8203;x\\n"


def test_fenced_holds_any_text() -> None:
    assert fenced("```\nx", "diff") == "````diff\n```\nx\n````"
