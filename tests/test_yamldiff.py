"""Semantic YAML summaries: key paths, kinds, value renderings and the Markdown line."""

from __future__ import annotations

import datetime

import pytest

from telefonistka.core.drift.yamldiff import (
    YamlChange,
    YamlChangeKind,
    format_change,
    is_yaml_path,
    render_value,
    summarize_yaml,
)

CHANGED, ADDED, REMOVED = YamlChangeKind.CHANGED, YamlChangeKind.ADDED, YamlChangeKind.REMOVED

OLD_VALUES = """\
image:
  repository: app
  tag: v1
replicas: 2
debug: true
containers:
  - name: web
    image: web:1
  - name: side
    image: side:1
annotations:
  app.kubernetes.io/name: x
"""

NEW_VALUES = """\
image:
  repository: app
  tag: v2
replicas: "2"
containers:
  - name: web
    image: web:2
  - name: side
    image: side:1
  - name: extra
    image: extra:1
annotations:
  app.kubernetes.io/name: y
resources: {limits: {cpu: 1}}
"""


def test_summary_of_a_values_file() -> None:
    changes = summarize_yaml(OLD_VALUES, NEW_VALUES)

    assert [format_change(c) for c in changes] == [
        '`annotations["app.kubernetes.io/name"]`: `x` → `y`',
        "`containers[name=web].image`: `web:1` → `web:2`",
        '`containers[name=extra]` added: `{"name": "extra", "image": "extra:1"}`',
        "`debug` removed (was `true`)",
        "`image.tag`: `v1` → `v2`",
        '`replicas`: `2` → `"2"`',
        '`resources` added: `{"limits": {"cpu": 1}}`',
    ]
    assert changes[4] == YamlChange("image.tag", CHANGED, "v1", "v2")
    assert changes[3] == YamlChange("debug", REMOVED, "true", None)
    assert changes[6] == YamlChange("resources", ADDED, None, '{"limits": {"cpu": 1}}')


def test_added_list_item_inside_a_new_key() -> None:
    old = "a: {}\n"
    new = "a:\n  l:\n    - {x: 1}\n"

    assert summarize_yaml(old, new) == (YamlChange("a.l", ADDED, None, '[{"x": 1}]'),)
    assert summarize_yaml("l: [{x: 1}]\n", "l: [{x: 1}, {y: [2]}]\n") == (
        YamlChange("l[1]", ADDED, None, '{"y": [2]}'),
    )


def test_nested_keys_use_dots() -> None:
    old = "a:\n  b:\n    c: 1\n"
    new = "a:\n  b:\n    c: 2\n"

    assert summarize_yaml(old, new) == (YamlChange("a.b.c", CHANGED, "1", "2"),)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            "l: [1, 2, 3]\n",
            "l: [1, 3]\n",
            (YamlChange("l[1]", REMOVED, "2", None),),
            id="item-removed",
        ),
        pytest.param(
            "l: [a, b]\n",
            "l: [a, c]\n",
            (YamlChange("l[1]", CHANGED, "b", "c"),),
            id="item-changed",
        ),
        pytest.param(
            "l: [a]\n", "l: [a, b]\n", (YamlChange("l[1]", ADDED, None, "b"),), id="item-added"
        ),
        pytest.param(
            "- x: 1\n- x: 2\n",
            "- x: 1\n- x: 3\n",
            (YamlChange("[1].x", CHANGED, "2", "3"),),
            id="top-list",
        ),
    ],
)
def test_list_items(old: str, new: str, expected: tuple[YamlChange, ...]) -> None:
    assert summarize_yaml(old, new) == expected


def test_list_indices_sort_numerically() -> None:
    old = "l: [" + ", ".join(str(i) for i in range(12)) + "]\n"
    new = "l: [" + ", ".join(str(i if i not in (2, 10) else -i) for i in range(12)) + "]\n"

    assert [c.key for c in summarize_yaml(old, new)] == ["l[2]", "l[10]"]


def test_keys_added_and_removed_next_to_each_other() -> None:
    assert summarize_yaml("a: 1\n", "b: 2\n") == (
        YamlChange("a", REMOVED, "1", None),
        YamlChange("b", ADDED, None, "2"),
    )


def test_type_change_quotes_strings() -> None:
    assert summarize_yaml("port: 80\n", "port: '80'\n") == (
        YamlChange("port", CHANGED, "80", '"80"'),
    )
    assert summarize_yaml("x: null\n", "x: [1]\n") == (YamlChange("x", CHANGED, "null", "[1]"),)


def test_multi_document_prefixes() -> None:
    old = "kind: A\nv: 1\n---\nkind: B\nv: 2\n"
    new = "kind: A\nv: 1\n---\nkind: B\nv: 3\n---\nkind: C\n"

    assert summarize_yaml(old, new) == (
        YamlChange("[doc 1] v", CHANGED, "2", "3"),
        YamlChange("[doc 2]", ADDED, None, '{"kind": "C"}'),
    )


def test_removed_document() -> None:
    assert summarize_yaml("a: 1\n---\nb: 2\n", "a: 1\n") == (
        YamlChange("[doc 1]", REMOVED, '{"b": 2}', None),
    )


def test_single_document_has_no_prefix_and_whole_document_changes() -> None:
    assert summarize_yaml("", "a: 1\n") == (YamlChange("(document)", ADDED, None, '{"a": 1}'),)
    assert summarize_yaml("just text\n", "other text\n") == (
        YamlChange("(document)", CHANGED, "just text", "other text"),
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [("a: [1\n", "a: 1\n"), ("a: 1\n", "a: {b\n"), ("a: 1\n", "\t- bad: indent\n  x")],
)
def test_invalid_yaml_on_either_side_gives_no_summary(old: str, new: str) -> None:
    assert summarize_yaml(old, new) == ()


def test_no_change_no_summary() -> None:
    assert summarize_yaml("a: 1\n# comment\n", "a:   1\n") == ()


def test_sets_and_odd_keys_in_the_one_yaml_dialect() -> None:
    """Keys are the text written (``1`` and ``on`` are not a number and a boolean), as in
    the configuration; a ``!!set`` is the mapping it is written as."""
    old = "s: !!set {a, b}\n1: one\n'my key': x\non: push\n"
    new = "s: !!set {b, c}\n1: uno\n'my key': y\non: pull_request\n"

    assert summarize_yaml(old, new) == (
        YamlChange('["1"]', CHANGED, "one", "uno"),
        YamlChange('["my key"]', CHANGED, "x", "y"),
        YamlChange("on", CHANGED, "push", "pull_request"),
        YamlChange("s.a", REMOVED, "null", None),
        YamlChange("s.c", ADDED, None, "null"),
    )


def test_an_alias_bomb_gives_no_summary_in_bounded_time() -> None:
    """Ten levels of ten aliases once hung the drift check (DeepDiff walked 10^10 items)."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    bomb = "\n".join(lines) + "\nimage: v1\n"

    assert summarize_yaml(bomb, bomb.replace("image: v1", "image: v2")) == ()


@pytest.mark.parametrize(
    "bad", ["a: 1\na: 2\n", "a: !foo x\n", "a: !!int abc\n"], ids=["duplicate", "tag", "int"]
)
def test_yaml_the_dialect_refuses_gives_no_summary(bad: str) -> None:
    assert summarize_yaml(bad, "a: 3\n") == ()


def test_long_values_are_truncated() -> None:
    long_list = "[" + ", ".join(f"item{i}" for i in range(40)) + "]"
    (change,) = summarize_yaml("k: x\n", f"k: {long_list}\n")

    assert change.new is not None
    assert len(change.new) == 80
    assert change.new.startswith('["item0", "item1", ')
    assert change.new.endswith("…")


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("v1", "v1"),
        ("two\nlines", '"two\\nlines"'),
        (True, "true"),
        (None, "null"),
        (3, "3"),
        (1.5, "1.5"),
        ({"a": [1, "b"]}, '{"a": [1, "b"]}'),
        ("ünïcode", "ünïcode"),
        ({"b", "a"}, '["a", "b"]'),
        (datetime.date(2024, 5, 1), "2024-05-01"),
    ],
)
def test_render_value(value: object, rendered: str) -> None:
    assert render_value(value) == rendered


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (YamlChange("image.tag", CHANGED, "v1", "v2"), "`image.tag`: `v1` → `v2`"),
        (YamlChange("replicas", ADDED, None, "3"), "`replicas` added: `3`"),
        (YamlChange("debug", REMOVED, "true", None), "`debug` removed (was `true`)"),
        (YamlChange("cmd", CHANGED, "a`b", "c"), "`cmd`: ``a`b`` → `c`"),
    ],
)
def test_format_change(change: YamlChange, line: str) -> None:
    assert format_change(change) == line


@pytest.mark.parametrize(
    ("path", "expected"),
    [("a/values.yaml", True), ("b.YML", True), ("c.json", False), ("yaml", False)],
)
def test_is_yaml_path(path: str, expected: bool) -> None:
    assert is_yaml_path(path) is expected


def test_kubernetes_lists_are_matched_by_name() -> None:
    """Inserting an env var at the front is one change, not a shift of every later item."""
    old = (
        "env:\n  - {name: B, value: '2'}\n  - {name: C, value: '3'}\n"
        "ports: [{name: http, port: 80}]\n"
    )
    new = (
        "env:\n  - {name: A, value: '1'}\n  - {name: B, value: '2'}\n  - {name: C, value: '4'}\n"
        "ports: [{name: http, port: 8080}]\n"
    )

    assert [format_change(c) for c in summarize_yaml(old, new)] == [
        '`env[name=A]` added: `{"name": "A", "value": "1"}`',
        "`env[name=C].value`: `3` → `4`",
        "`ports[name=http].port`: `80` → `8080`",
    ]


def test_lists_without_distinct_names_stay_positional() -> None:
    old = "l: [{name: a}, {name: a}]\n"
    new = "l: [{name: a}, {name: b}]\n"

    assert summarize_yaml(old, new) == (YamlChange("l[1].name", CHANGED, "a", "b"),)


DEPLOYMENT = "kind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {replicas: %d}\n"
SERVICE = "kind: Service\nmetadata: {name: web, namespace: shop}\nspec: {port: %d}\n"
CONFIG_MAP = "kind: ConfigMap\nmetadata: {name: flags}\ndata: {beta: 'on'}\n"


def test_manifests_are_matched_by_kind_namespace_and_name() -> None:
    """A document inserted before the others is one added object, and a changed object is
    named by what it is, not by its place in the file."""
    old = "---\n".join([DEPLOYMENT % 2, SERVICE % 80])
    new = "---\n".join([CONFIG_MAP, DEPLOYMENT % 3, SERVICE % 80])

    changes = summarize_yaml(old, new)

    assert [(c.key, c.kind) for c in changes] == [
        ("[Deployment shop/web] spec.replicas", CHANGED),
        ("[ConfigMap flags]", ADDED),
    ]
    assert changes[0].old == "2"
    assert changes[0].new == "3"


def test_documents_that_are_not_all_objects_are_compared_by_place() -> None:
    old = "---\n".join([DEPLOYMENT % 2, "just: data\n"])
    new = "---\n".join([DEPLOYMENT % 3, "just: data\n"])

    assert [c.key for c in summarize_yaml(old, new)] == ["[doc 0] spec.replicas"]
