"""The three version-bump edits, as pure functions of a file's content.

- ``overwrite``: the new content, whatever was there (the file may not exist yet);
- ``replace_regex``: Go's ``regexp.ReplaceAllString`` over the whole file (RE2 patterns,
  ``$1``/``${name}`` replacements, as the Go original); the file must exist and the
  pattern must match, so a pipeline never opens an empty PR because of a typo;
- ``set_yaml``: set the scalar(s) at a yq-style selector (``core.yq_selector``).

``set_yaml`` never re-serializes the document. ruamel.yaml composes it only to locate the
selected scalars; each one's source span is then replaced with the new value written in
the scalar's own style (plain, single- or double-quoted). Every other byte (comments,
key order, quoting, indentation, anchors, flow collections, other documents) is left as
it was, and the result is parsed again and compared with the input node by node to
prove that only the selected values changed.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.tokens import ScalarToken

from telefonistka.core.config.regex import (
    Piece,
    Regex,
    RegexError,
    compile_regex,
    parse_replacement,
    replace_all,
)
from telefonistka.core.yaml.selector import Each, Index, Key, Select, Step, parse_selector
from telefonistka.errors import BumpError

_STR_TAG = "tag:yaml.org,2002:str"
_FLOW_INDICATORS = frozenset(",[]{}")
# YAML 1.1 booleans: strings in YAML 1.2, but Go's yaml.v2 (Helm) still reads them as bools.
_YAML11_BOOLS = frozenset({"y", "n", "yes", "no", "on", "off"})


def overwrite(current: bytes | None, content: bytes) -> bytes:
    """The whole new content; ``current`` is ignored (kept for a uniform edit signature)."""
    del current
    return content


def decode_text(data: bytes | None, path: str) -> str:
    """The file as text; a missing or non-UTF-8 file cannot be edited in place."""
    if data is None:
        raise BumpError(
            f"{path} does not exist on the base branch; bump-regex and bump-yaml "
            "edit an existing file (use bump-overwrite to create one)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BumpError(f"{path} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def compile_replacement(pattern: str, replacement: str) -> tuple[Regex, tuple[Piece, ...]]:
    """The pattern (RE2, Go's dialect) and the replacement (Go's ``$1``, ``${name}``,
    ``$$``), checked before any file is read; ``BumpError`` says what is wrong."""
    try:
        regex = compile_regex(pattern)
    except RegexError as exc:
        raise BumpError(f"bad regex {pattern!r} (RE2, Go's syntax): {exc}") from None
    try:
        return regex, parse_replacement(replacement, regex)
    except RegexError as exc:
        raise BumpError(str(exc)) from None


def replace_regex(text: str, pattern: str, replacement: str, path: str) -> str:
    """Every match of ``pattern`` replaced, as Go's ``ReplaceAllString`` would (``$1``,
    ``${1}``, ``${name}`` insert groups, ``$$`` a dollar)."""
    regex, pieces = compile_replacement(pattern, replacement)
    result, count = replace_all(regex, text, pieces)
    if count == 0:
        raise BumpError(
            f"regex {pattern!r} matches nothing in {path}; check the pattern "
            "against the file on the base branch"
        )
    return result


def unified_diff(before: bytes | None, after: bytes, path: str) -> str:
    """What the bump changes, for the log and ``--dry-run`` (binary content is summarized)."""
    try:
        old = (before or b"").decode("utf-8").splitlines(keepends=True)
        new = after.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return f"Binary file {path} changes ({len(before or b'')} → {len(after)} bytes)\n"
    source = f"a/{path}" if before is not None else "/dev/null"
    lines = difflib.unified_diff(old, new, source, f"b/{path}")
    return "".join(
        line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n" for line in lines
    )


# --- YAML --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    """A node a selector reached: ``aliased`` when reached through ``*alias``."""

    node: Node
    where: str
    aliased: bool = False
    in_flow: bool = False


def set_yaml(text: str, selector: str, value: str, path: str) -> str:
    """``text`` with every scalar the selector reaches (in every document) set to ``value``."""
    steps = parse_selector(selector)
    documents = _compose(text, path)
    targets = _unique(m for doc in documents for m in _walk([_Match(doc, "")], steps))
    if not targets:
        raise BumpError(f"yq selector {selector!r} matches nothing in {path}")
    for match in targets:
        _check_target(match, selector, path)
    result = _splice(text, targets, value)
    _verify(documents, result, targets, value, path)
    return result


def yaml_scalars(text: str, selector: str, path: str) -> list[str]:
    """The values of the scalars the selector reaches (every document), in text order.

    ``BumpError`` when it reaches a mapping or a sequence: only values are read (and
    kept) this way, so the caller never gets half a structure.
    """
    steps = parse_selector(selector)
    documents = _compose(text, path)
    found = _unique(m for doc in documents for m in _walk([_Match(doc, "")], steps))
    for match in found:
        if not isinstance(match.node, ScalarNode):
            raise BumpError(
                f"yq selector {selector!r} reaches {match.where or '.'} in {path}, which is "
                "a mapping or sequence, not a value; select a scalar inside it"
            )
    ordered = sorted(found, key=lambda m: m.node.start_mark.index)
    return [str(m.node.value) for m in ordered]


def _compose(text: str, path: str) -> list[Node]:
    """The documents' node graphs (positions included); a syntax error names the line.

    A mapping that writes one key twice is refused, as the configuration and the drift
    check refuse it (telefonistka's one YAML dialect): which of the two a bump should
    set, and which one Helm or kubectl would read, is anybody's guess.
    """
    try:
        documents = [doc for doc in YAML().compose_all(text) if doc is not None]
    except YAMLError as exc:
        raise BumpError(f"{path} is not valid YAML: {exc}") from exc
    _refuse_duplicate_keys(documents, path)
    return documents


def _refuse_duplicate_keys(documents: list[Node], path: str) -> None:
    """Each node visited once (aliases share nodes, so an alias bomb costs nothing)."""
    seen: set[int] = set()
    pending: list[Node] = list(documents)
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            pending.extend(node.value)
        if not isinstance(node, MappingNode):
            continue
        keys: dict[str, int] = {}
        for key, value in node.value:
            pending.append(value)
            if not isinstance(key, ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            text, line = str(key.value), key.start_mark.line + 1
            if text in keys:
                raise BumpError(
                    f"{path}:{line}: duplicate key {text!r} (first written at line "
                    f"{keys[text]}); keep only one"
                )
            keys[text] = line


def _unique(matches: Iterator[_Match]) -> list[_Match]:
    """Each node once (``.[] | .[]`` style selectors may reach a node twice)."""
    seen: dict[int, _Match] = {}
    for match in matches:
        seen.setdefault(id(match.node), match)
    return list(seen.values())


def _walk(matches: list[_Match], steps: tuple[Step, ...]) -> list[_Match]:
    """Apply the steps in order, each to every node the previous ones selected."""
    for step in steps:
        matches = [found for match in matches for found in _apply(step, match)]
    return matches


def _apply(step: Step, match: _Match) -> list[_Match]:
    if isinstance(step, Select):
        return [match] if _holds(step, match) else []
    children = _children(match)
    if isinstance(step, Key):
        return [child for key, child in children if key == step.name]
    if isinstance(step, Index):
        items = [child for key, child in children if key is None]
        if not isinstance(match.node, SequenceNode) or not -len(items) <= step.index < len(items):
            return []
        return [items[step.index]]
    assert isinstance(step, Each)  # noqa: S101 - Step is a closed union; this narrows it
    return [child for _, child in children]


def _holds(step: Select, match: _Match) -> bool:
    """``select``'s test: the scalar texts at the relative path, compared with the literal."""
    found = [m.node.value for m in _walk([match], step.path) if isinstance(m.node, ScalarNode)]
    texts = found or ["null"]
    return (step.literal in texts) == step.equal


def _children(match: _Match) -> list[tuple[str | None, _Match]]:
    """(key, child) of a mapping (key None for sequence items), with alias detection.

    An alias reuses the anchored node, which sits earlier in the text: a child starting
    before its key (or before its predecessor ended) is an alias occurrence.
    """
    node = match.node
    flow = bool(getattr(node, "flow_style", False)) or match.in_flow
    children: list[tuple[str | None, _Match]] = []
    if isinstance(node, MappingNode):
        for key, child in node.value:
            if isinstance(key, ScalarNode) and key.value != "<<":
                where = f"{match.where}.{key.value}"
                aliased = match.aliased or child.start_mark.index < key.end_mark.index
                children.append((key.value, _Match(child, where, aliased, flow)))
    elif isinstance(node, SequenceNode):
        previous_end = node.start_mark.index
        for number, child in enumerate(node.value):
            aliased = match.aliased or child.start_mark.index < previous_end
            previous_end = max(previous_end, child.end_mark.index)
            children.append((None, _Match(child, f"{match.where}[{number}]", aliased, flow)))
    return children


def _check_target(match: _Match, selector: str, path: str) -> None:
    """Only a scalar of its own, written on the page, can be replaced in place."""
    where = match.where or "."
    if not isinstance(match.node, ScalarNode):
        raise BumpError(
            f"yq selector {selector!r} reaches {where} in {path}, which is a "
            "mapping or sequence, not a value; select a scalar inside it"
        )
    if match.aliased:
        raise BumpError(
            f"yq selector {selector!r} reaches {where} in {path} through an alias "
            "(*name); select the anchored value (&name) itself so the change "
            "to every alias is explicit"
        )
    if match.node.style in ("|", ">"):
        raise BumpError(
            f"{where} in {path} is a block scalar (| or >); bump-yaml replaces "
            "single-line values only, use bump-regex for it"
        )
    if match.node.start_mark.index == match.node.end_mark.index:
        raise BumpError(
            f"{where} in {path} is empty; give it a placeholder value "
            "(tag: none) so bump-yaml has a value to replace"
        )


def _splice(text: str, targets: list[_Match], value: str) -> str:
    """Replace each target's scalar text (after its anchor or tag) from the end backwards."""
    starts = _scalar_starts(text)
    spans = sorted(
        ((starts[m.node.end_mark.index], m.node.end_mark.index, m) for m in targets),
        key=lambda span: span[0],
        reverse=True,
    )
    for start, end, match in spans:
        text = text[:start] + _render(match, value) + text[end:]
    return text


def _scalar_starts(text: str) -> dict[int, int]:
    """End offset → start offset of every scalar token (a node's span includes its tag/anchor)."""
    tokens = YAML().scan(text)
    return {t.end_mark.index: t.start_mark.index for t in tokens if isinstance(t, ScalarToken)}


def _render(match: _Match, value: str) -> str:
    """``value`` written in the replaced scalar's style, quoting a plain one when it must."""
    node = match.node
    assert isinstance(node, ScalarNode)  # noqa: S101 - checked by _check_target
    if node.style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if node.style is None and _plain_keeps_meaning(node, value, in_flow=match.in_flow):
        return value
    return json.dumps(value, ensure_ascii=False)  # JSON strings are YAML double-quoted ones


def _plain_keeps_meaning(node: ScalarNode, value: str, *, in_flow: bool) -> bool:
    """Whether ``value`` may stay plain: it parses back to itself, with the same kind.

    A string that would read as another type (``1.10`` as a float, ``yes``, ``null``) is
    quoted; a plain number or boolean stays plain, so ``replicas: 3`` → ``4`` keeps its type.
    """
    if "\n" in value or (in_flow and _FLOW_INDICATORS & set(value)):
        return False
    if value.lower() in _YAML11_BOOLS and str(node.tag) == _STR_TAG:
        return False
    tag = _implicit_tag(value)
    if tag is None:
        return False
    return str(node.tag) != _STR_TAG or tag == _STR_TAG


@lru_cache(maxsize=256)
def _implicit_tag(value: str) -> str | None:
    """The tag ``value`` resolves to as a lone plain scalar; None when it is not one."""
    try:
        node = YAML().compose(value)
    except YAMLError:
        return None
    if not isinstance(node, ScalarNode) or node.style is not None or node.value != value:
        return None
    return str(node.tag)


def _verify(before: list[Node], after: str, targets: list[_Match], value: str, path: str) -> None:
    """Parse the result and prove that only the targeted scalars differ from the input."""
    wanted = list(_flatten_all(before))
    positions = {id(m.node) for m in targets}
    expected = [(kind, value if ident in positions else text, 0) for kind, text, ident in wanted]
    got = [(kind, text, 0) for kind, text, _ in _flatten_all(_compose(after, path))]
    if got != expected:
        raise BumpError(
            f"internal check failed: setting {value!r} in {path} would change "
            "more than the selected values; please report this file's layout"
        )


def _flatten_all(documents: list[Node]) -> Iterator[tuple[str, str, int]]:
    for document in documents:
        yield ("document", "", 0)
        yield from _flatten(_Match(document, ""))


def _flatten(match: _Match) -> Iterator[tuple[str, str, int]]:
    """(kind, text, node id) of every node written in the text, aliases not followed."""
    node = match.node
    if isinstance(node, ScalarNode):
        yield ("scalar", node.value, id(node))
        return
    yield (type(node).__name__, str(len(node.value)), 0)
    for key, child in _children(match):
        if key is not None:
            yield ("key", key, 0)
        if child.aliased:
            yield ("alias", "", 0)
        else:
            yield from _flatten(child)
