"""The pure bump edits: overwrite, regex replace, and YAML set at a yq selector.

The YAML cases run over commented, anchored, flow-style, multi-document and unicode
files under ``tests/golden/bump/``; each result is a reviewed golden file, and the diff
against the input must touch exactly the lines holding the selected values.
"""

from __future__ import annotations

import difflib

import pytest
from golden_util import GOLDEN_DIR, assert_golden

from telefonistka.core.bump import (
    decode_text,
    overwrite,
    replace_regex,
    set_yaml,
    unified_diff,
)
from telefonistka.core.yaml.selector import Each, Index, Key, Select, describe, parse_selector
from telefonistka.errors import BumpError

POSTGRES = '.db.[] | select(.name == "postgres").image.tag'


def source(name: str) -> str:
    return (GOLDEN_DIR / "bump" / name).read_text(encoding="utf-8")


def changed_lines(before: str, after: str) -> set[int]:
    """1-based numbers of the input lines the diff removes (each replaced in place)."""
    changed: set[int] = set()
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines())
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            assert (tag, i2 - i1) == ("replace", j2 - j1), "lines were added or removed"
            changed.update(range(i1 + 1, i2 + 1))
    return changed


# --- selector parsing ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("selector", "steps"),
    [
        (".", ()),
        (".image.tag", (Key("image"), Key("tag"))),
        ('."a.b".c', (Key("a.b"), Key("c"))),
        ('.a["x y"]', (Key("a"), Key("x y"))),
        (".a.b[0].c", (Key("a"), Key("b"), Index(0), Key("c"))),
        (".a[-1]", (Key("a"), Index(-1))),
        (".a.[]", (Key("a"), Each())),
        (".a[] | .b", (Key("a"), Each(), Key("b"))),
        (
            POSTGRES,
            (Key("db"), Each(), Select((Key("name"),), "postgres", True), Key("image"), Key("tag")),
        ),
        (".a[] | select(.port != 5432)", (Key("a"), Each(), Select((Key("port"),), "5432", False))),
    ],
)
def test_parses_the_yq_subset(selector: str, steps: tuple[object, ...]) -> None:
    assert parse_selector(selector) == steps


@pytest.mark.parametrize("selector", ["", "image", ".a[", ".a[x]", ".a | del(.b)", ".a = 1"])
def test_rejects_what_it_does_not_understand(selector: str) -> None:
    with pytest.raises(BumpError, match="yq selector"):
        parse_selector(selector)


def test_describe_writes_steps_back() -> None:
    assert describe(parse_selector('.a."b c"[2][]')) == '.a."b c"[2][]'


# --- YAML set: golden files, only the targeted lines change --------------------------------


@pytest.mark.parametrize(
    ("name", "selector", "value", "lines"),
    [
        ("values.yaml", ".image.tag", "v1.5.0", {8}),
        ("values.yaml", POSTGRES, "16.1", {24}),
        ("values.yaml", ".db[0].image.tag", "7.2.4", {21}),
        ("values.yaml", '.db[] | select(.name == "postgres-replica").image.tag', "16.1", {26}),
        ("values.yaml", ".replicaCount", "5", {4}),
        ("values.yaml", ".resources.limits.cpu", "750m", {15}),
        ("values.yaml", '.podAnnotations."prometheus.io/scrape"', "false", {11}),
        ("values.yaml", ".defaults.timeout", "1m", {29}),
        ("multi.yaml", ".spec.template.spec.containers[0].image", "reg/checkout:v1.5.0", {11}),
        ("multi.yaml", ".data.VERSION", "v1.5.0", {21, 28}),
        ("unicode.yaml", ".versión", "2.0.0-β", {2}),
        ("unicode.yaml", ".nested.clé", "nouvelle — «ok»", {5}),
    ],
)
def test_set_yaml_changes_only_the_selected_lines(
    name: str, selector: str, value: str, lines: set[int]
) -> None:
    before = source(name)
    after = set_yaml(before, selector, value, name)
    assert changed_lines(before, after) == lines
    case = f"{name.removesuffix('.yaml')}--{selector}"
    slug = "".join(c if c.isalnum() else "_" for c in case).strip("_")
    assert_golden(f"bump/out/{slug}.yaml", after)


@pytest.mark.parametrize(
    ("line", "value", "expected"),
    [
        ('tag: "v1"  # c', "v2", 'tag: "v2"  # c'),
        ("tag: 'v1'  # c", "it's", "tag: 'it''s'  # c"),
        ("tag: v1  # c", "v2", "tag: v2  # c"),
        ("tag: v1", "1.10", 'tag: "1.10"'),  # a plain string must not turn into a float
        ("tag: v1", "yes", 'tag: "yes"'),  # a YAML 1.1 boolean (Helm reads 1.1)
        ("tag: v1", "Off", 'tag: "Off"'),
        ("tag: v1", "a: b", 'tag: "a: b"'),
        ("tag: v1", "#x", 'tag: "#x"'),
        ("tag: v1", "", 'tag: ""'),
        ("n: 3", "4", "n: 4"),  # a plain number stays a number
        ("n: 1.2", "v1.3", "n: v1.3"),
        ("tag: !!str 1.0", "2.0", 'tag: !!str "2.0"'),
        ("tag: &t v1\nx: *t", "v2", "tag: &t v2\nx: *t"),
        ("m: {tag: v1, b: 2}", "a,b", 'm: {tag: "a,b", b: 2}'),
        ("m: [v1, v1]", "x", "m: [x, x]"),
        ('tag: "two\n  lines"', "one", 'tag: "one"'),
        ('tag: "v1"', 'say "hi"\n', 'tag: "say \\"hi\\"\\n"'),
    ],
)
def test_set_yaml_keeps_the_scalar_style(line: str, value: str, expected: str) -> None:
    selector = ".m[]" if line.startswith("m: [") else ".m.tag" if line.startswith("m:") else None
    selector = selector or f".{line.partition(':')[0]}"
    assert set_yaml(line + "\n", selector, value, "f.yaml") == expected + "\n"


def test_set_yaml_sets_every_match_in_every_document() -> None:
    text = "a: 1\n---\nb: 2\n---\na: 3\n"
    assert set_yaml(text, ".a", "9", "f.yaml") == "a: 9\n---\nb: 2\n---\na: 9\n"


def test_set_yaml_keeps_crlf_line_endings() -> None:
    text = "# c\r\nimage:\r\n  tag: v1 # t\r\n"
    assert set_yaml(text, ".image.tag", "v2", "f.yaml") == "# c\r\nimage:\r\n  tag: v2 # t\r\n"


@pytest.mark.parametrize(
    ("text", "selector", "message"),
    [
        ("a: 1\n", ".b", "matches nothing in f.yaml"),
        ("a: [1]\n", ".a[3]", "matches nothing"),
        ("a: {b: 1}\n", ".a", "mapping or sequence, not a value"),
        ("x: &v 1\ny: *v\n", ".y", "through an alias"),
        ("a: |\n  v1\n", ".a", "block scalar"),
        ("a:\n", ".a", "is empty"),
        ("a: [\n", ".a", "is not valid YAML"),
        ("", ".a", "matches nothing"),
    ],
)
def test_set_yaml_errors_are_clear(text: str, selector: str, message: str) -> None:
    with pytest.raises(BumpError, match=message):
        set_yaml(text, selector, "v2", "f.yaml")


# --- regex, overwrite, decoding, diffs ------------------------------------------------------


def test_replace_regex_uses_go_groups() -> None:
    text = "image: app:v1 # pinned\nother: app:v1\n"
    result = replace_regex(text, r"(image: app):\S+", "${1}:v2", "f")
    assert result == "image: app:v2 # pinned\nother: app:v1\n"


@pytest.mark.parametrize(
    ("text", "pattern", "replacement", "expected"),
    [
        # Each expectation is what Go's regexp.ReplaceAllString returns for the same input.
        ("tag: v1\n", r"(tag:) (v\d)", "$1 v2", "tag: v2\n"),
        ("tag: v1\n", r"(tag:) (v\d)", "${1} v2", "tag: v2\n"),
        ("tag: v1\n", r"(?P<key>tag:) (v\d)", "${key} v2", "tag: v2\n"),
        ("tag: v1\n", r"(?P<key>tag:) (v\d)", "$key v2", "tag: v2\n"),
        ("tag: v1\n", r"(tag:) (v\d)", "${1}-${2}", "tag:-v1\n"),
        ("price: 1\n", r"(\d)", "$$$1", "price: $1\n"),
        ("price: 1\n", r"\d", "$$", "price: $\n"),
        ("a\n", "a", "$", "$\n"),  # a "$" that starts no reference is written as is
        ("a\n", "a", "${", "${\n"),
        ("a\n", "a", "$-", "$-\n"),
        ("a\n", "a", "x\\y", "x\\y\n"),  # a backslash not before a digit is literal
        ("ab\n", "(a)(z)?b", "[$2]", "[]\n"),  # a group that took no part: nothing
        ("baaac", "a*", "X", "XbXcX"),  # Go skips the empty match right after "aaa"
        ("é1é", r"\d", "ü", "éüé"),  # offsets in characters, not bytes
    ],
)
def test_replace_regex_is_gos_replace_all_string(
    text: str, pattern: str, replacement: str, expected: str
) -> None:
    assert replace_regex(text, pattern, replacement, "f") == expected


def test_replace_regex_replaces_every_match() -> None:
    assert replace_regex("v1 v1\n", "v1", "v2", "f") == "v2 v2\n"


@pytest.mark.parametrize(
    ("pattern", "replacement", "message"),
    [
        ("nope", "x", "matches nothing in f"),
        ("(", "x", "bad regex"),
        ("(v)1", r"\2", r"Python's group syntax '\\\\2'; .* write \$\{2\}"),
        ("(v)1", r"\g<1>", r"Python's group syntax .* write \$\{1\}"),
        ("(?P<ver>v)1", r"\g<ver>", r"write \$\{ver\}"),
        ("(v)1", "$2", "refers to group 2, but the pattern '\\(v\\)1' has 1 group"),
        ("(v)1", "${nope}", "refers to group 'nope', which the pattern"),
        ("(v)1", "$1x", r"group '1x'.*for group 1 followed by 'x' write \$\{1\}x"),
        ("(?=v)", "x", r"bad regex .*RE2"),  # lookarounds: Go refuses them, so do we
    ],
)
def test_replace_regex_errors(pattern: str, replacement: str, message: str) -> None:
    with pytest.raises(BumpError, match=message):
        replace_regex("v1\n", pattern, replacement, "f")


def test_overwrite_ignores_the_current_content() -> None:
    assert overwrite(b"old", b"new") == b"new"
    assert overwrite(None, b"new") == b"new"


def test_decode_text_needs_an_existing_utf8_file() -> None:
    assert decode_text("é".encode(), "f") == "é"
    with pytest.raises(BumpError, match="does not exist on the base branch"):
        decode_text(None, "f")
    with pytest.raises(BumpError, match="not UTF-8"):
        decode_text(b"\xff", "f")


def test_unified_diff_of_a_change_a_new_file_and_binary_content() -> None:
    assert unified_diff(b"a\nb\n", b"a\nc", "x.txt") == (
        "--- a/x.txt\n+++ b/x.txt\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ No newline at end of file\n"
    )
    assert unified_diff(None, b"v\n", "new.txt").startswith("--- /dev/null\n+++ b/new.txt\n")
    assert unified_diff(b"\xff", b"\xfe\x00", "bin") == "Binary file bin changes (1 → 2 bytes)\n"


def test_set_yaml_refuses_a_result_that_changes_more_than_the_target(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The post-edit check catches a splice that would break the document's structure."""
    monkeypatch.setattr("telefonistka.core.bump._render", lambda _match, _value: "v2\nextra: 1")
    with pytest.raises(BumpError, match="would change more than the selected values"):
        set_yaml("tag: v1\n", ".tag", "v2", "f.yaml")


@pytest.mark.parametrize(
    ("text", "line", "first"),
    [("a: 1\nb: 2\na: 3\n", 3, 1), ("x:\n  y: {a: 1, a: 2}\n", 2, 2)],
    ids=["block", "flow"],
)
def test_set_yaml_refuses_a_key_written_twice(text: str, line: int, first: int) -> None:
    """One YAML dialect: the configuration and the drift check refuse it too."""
    with pytest.raises(
        BumpError, match=rf"f\.yaml:{line}: duplicate key 'a' \(first written at line {first}\)"
    ):
        set_yaml(text, ".a", "v2", "f.yaml")


def test_set_yaml_reads_keys_as_text_and_leaves_custom_tags_alone() -> None:
    """``on:`` is the key "on" (not a YAML 1.1 boolean), as everywhere in telefonistka;
    a tag the bump does not know (CloudFormation's ``!Ref``) is kept, value and all."""
    text = "on: push\nbucket: !Ref Bucket\n"
    assert (
        set_yaml(text, ".on", "pull_request", "f.yaml") == "on: pull_request\nbucket: !Ref Bucket\n"
    )


def test_set_yaml_on_an_alias_bomb_is_quick() -> None:
    """Aliases are never expanded: each node is visited once, whatever refers to it."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    text = "\n".join(lines) + "\nimage:\n  tag: v1\n"

    assert set_yaml(text, ".image.tag", "v2", "f.yaml").endswith("image:\n  tag: v2\n")
