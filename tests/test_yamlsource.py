"""YAML text → data plus the position of every key and value (core/yaml/source.py)."""

from __future__ import annotations

import pytest

from telefonistka.core.yaml.source import (
    Position,
    YamlDocument,
    decode_text,
    format_key_path,
    parse_yaml,
)
from telefonistka.errors import ConfigError, ConfigProblem


def problems_of(text: str | bytes) -> list[str]:
    """The problems ``parse_yaml`` raises for ``text``, as printed for the user."""
    with pytest.raises(ConfigError) as caught:
        parse_yaml(text, "f.yaml")
    return [str(problem) for problem in caught.value.problems]


def test_mapping_data_and_positions() -> None:
    doc = parse_yaml("a: 1\nb:\n  - x\n  - {k: v}\n", "f.yaml")
    assert doc.data == {"a": 1, "b": ["x", {"k": "v"}]}
    assert doc.key_positions == {
        ("a",): Position(1, 1),
        ("b",): Position(2, 1),
        ("b", 1, "k"): Position(4, 6),
    }
    assert doc.value_positions == {
        (): Position(1, 1),
        ("a",): Position(1, 4),
        ("b",): Position(3, 3),
        ("b", 0): Position(3, 5),
        ("b", 1): Position(4, 5),
        ("b", 1, "k"): Position(4, 9),
    }


def test_scalars_are_resolved_as_yaml_1_2_like_check_jsonschema() -> None:
    """YAML 1.2: ``yes`` is text, ``0o17`` octal, ``1_000`` a number; a date stays the text
    written (JSON has none), exactly the data check-jsonschema hands to the schema."""
    text = "i: 3\nf: 1.5\nt: true\ny: yes\nn: ~\ns: '3'\nd: 2024-01-02\no: 0o17\nu: 1_000\n"
    doc = parse_yaml(text, "f.yaml")
    assert doc.data == {
        "i": 3,
        "f": 1.5,
        "t": True,
        "y": "yes",
        "n": None,
        "s": "3",
        "d": "2024-01-02",
        "o": 15,
        "u": 1000,
    }


def test_keys_are_kept_as_written_text() -> None:
    doc = parse_yaml("on: a\n1: b\ntrue: c\n", "f.yaml")
    assert doc.data == {"on": "a", "1": "b", "true": "c"}


@pytest.mark.parametrize("text", ["", "   \n", "# only a comment\n", "---\n", "--- \n...\n"])
def test_empty_documents_have_no_data(text: str) -> None:
    assert parse_yaml(text, "f.yaml").data is None


def test_empty_value_is_positioned_after_its_key() -> None:
    doc = parse_yaml("key:\nother: 1\n", "f.yaml")
    assert doc.data == {"key": None, "other": 1}
    assert doc.value_positions[("key",)] == Position(1, 5)


def test_duplicate_keys_are_all_reported() -> None:
    text = "a: 1\nb:\n  x: 1\n  x: 2\na: 3\n"
    assert problems_of(text) == [
        "f.yaml:4:3: b.x: duplicate key 'x' (first written at line 3, column 3); keep only one",
        "f.yaml:5:1: a: duplicate key 'a' (first written at line 1, column 1); keep only one",
    ]


def test_syntax_error_is_located_at_the_mark() -> None:
    assert problems_of("a: b: c\n") == [
        "f.yaml:1:5: invalid YAML: mapping values are not allowed here",
    ]


def test_syntax_error_with_context() -> None:
    assert problems_of("a: [1, 2\nb: 3\n") == [
        "f.yaml:2:2: invalid YAML: expected ',' or ']', but got ':' "
        "(while parsing a flow sequence)",
    ]


def test_tab_indentation_is_a_syntax_error() -> None:
    assert problems_of("a:\n\t- x\n") == [
        "f.yaml:2:1: invalid YAML: found character '\\t' that cannot start any token "
        "(while scanning for the next token)",
    ]


def test_control_character_is_located() -> None:
    assert problems_of("a: 1\nb: x\x07\n") == [
        "f.yaml:2:5: invalid YAML: unacceptable character #x0007: "
        "special characters are not allowed",
    ]


def test_two_documents_are_refused() -> None:
    assert problems_of("a: 1\n---\nb: 2\n") == [
        "f.yaml:2:1: invalid YAML: but found another document "
        "(expected a single document in the stream)",
    ]


def test_undefined_alias_is_a_syntax_error() -> None:
    assert problems_of("a: *nope\n") == [
        "f.yaml:1:4: invalid YAML: found undefined alias 'nope'",
    ]


def test_complex_key_is_refused() -> None:
    assert problems_of("? [a, b]\n: 1\n") == [
        "f.yaml:1:3: a key must be plain text, not a list or mapping",
    ]


def test_recursive_alias_is_refused() -> None:
    assert problems_of("a: &x [1, *x]\n") == [
        "f.yaml:1:4: a[1]: an alias refers to the node that contains it",
    ]


def test_aliases_and_merge_keys() -> None:
    text = "base: &b\n  x: 1\n  y: 2\nm:\n  <<: *b\n  y: 3\nl: *b\n"
    doc = parse_yaml(text, "f.yaml")
    assert doc.data == {
        "base": {"x": 1, "y": 2},
        "m": {"y": 3, "x": 1},
        "l": {"x": 1, "y": 2},
    }
    assert doc.key_positions[("m", "y")] == Position(6, 3)
    assert doc.key_positions[("m", "x")] == Position(2, 3)


def test_merge_of_a_list_of_mappings() -> None:
    text = "a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n"
    assert parse_yaml(text, "f.yaml").data == {
        "a": {"x": 1},
        "b": {"y": 2},
        "c": {"x": 1, "y": 2},
    }


def test_merge_of_a_scalar_is_refused() -> None:
    assert problems_of("a: &s text\nc:\n  <<: *s\n") == [
        "f.yaml:1:4: c: '<<' (merge) must refer to a mapping",
    ]


def test_bytes_are_decoded_as_utf8() -> None:
    doc = parse_yaml("name: «ok»\n".encode(), "f.yaml")
    assert doc.data == {"name": "«ok»"}


def test_utf8_bom_is_accepted() -> None:
    assert parse_yaml(b"\xef\xbb\xbfa: 1\n", "f.yaml").data == {"a": 1}


def test_invalid_utf8_is_located() -> None:
    assert problems_of(b"a: 1\nb: caf\xe9\n") == [
        "f.yaml:2:7: the file is not valid UTF-8 (byte 0xe9); save it as UTF-8",
    ]


def test_decode_text_passes_str_through() -> None:
    assert decode_text("x", "f") == "x"


def test_problem_carries_fields() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_yaml("a: 1\na: 2\n", "f.yaml")
    assert caught.value.problems == [
        ConfigProblem(
            "f.yaml",
            2,
            1,
            "a",
            "duplicate key 'a' (first written at line 1, column 1); keep only one",
        )
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ((), ""),
        (("a",), "a"),
        (
            ("promotionPaths", 0, "promotionPrs", 1, "targetPaths"),
            "promotionPaths[0].promotionPrs[1].targetPaths",
        ),
        (("toggleCommitStatus", "do-it_now"), "toggleCommitStatus.do-it_now"),
        (("toggleCommitStatus", "a.b c"), 'toggleCommitStatus["a.b c"]'),
        (("toggleCommitStatus", ""), 'toggleCommitStatus[""]'),
        ((0,), "[0]"),
    ],
)
def test_format_key_path(path: tuple[str | int, ...], expected: str) -> None:
    assert format_key_path(path) == expected


def test_position_falls_back_to_key_then_ancestor() -> None:
    doc = YamlDocument(
        data={},
        key_positions={("a",): Position(2, 1), ("a", "k"): Position(3, 3)},
        value_positions={("a",): Position(3, 3)},
    )
    assert doc.position_of(("a",)) == Position(3, 3)
    assert doc.position_of(("a", "k")) == Position(3, 3)
    assert doc.position_of(("a", "missing", 0)) == Position(3, 3)
    assert doc.position_of(("zzz",)) == Position(1, 1)
    assert doc.key_position_of(("a",)) == Position(2, 1)
    assert doc.key_position_of(("b",)) == Position(1, 1)
