"""Semantic summaries of YAML changes, for the drift comment (docs/github-action.md, "Drift check").

``summarize_yaml(old, new)`` loads both texts in telefonistka's one YAML dialect
(``yamlsource.load_yaml_documents``: bounded, keys as text) and lets DeepDiff find what changed,
then turns every difference into a ``YamlChange`` with a readable key path
(``image.tag``, ``containers[0].image``, ``annotations["app.kubernetes.io/name"]``) and
short renderings of the values. Files with several documents get a ``[doc N]`` prefix
(0-based, in file order); a single document gets none. Text that is not valid YAML on
either side (or YAML the dialect refuses: an alias bomb, duplicate keys) gives no summary
at all: the unified diff still shows the change.

The direction follows the drift report: ``old`` is the target's text, ``new`` the
source's, so the summary reads as what a promotion would change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from deepdiff import DeepDiff

from telefonistka.core.text.markdown import code_span
from telefonistka.core.yaml.source import load_yaml_documents
from telefonistka.errors import ConfigError

MAX_VALUE_CHARS = 80
YAML_SUFFIXES = (".yaml", ".yml")
ROOT_KEY = "(document)"

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-/]*\Z")
_MISSING = object()


class YamlChangeKind(StrEnum):
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


@dataclass(frozen=True)
class YamlChange:
    """One semantic change of a YAML document, read target → source.

    ``key`` is a dotted path (``image.tag``, ``containers[0].image``); ``old`` is the
    value in the target, ``new`` the value in the source (what a promotion would write).
    Values are short YAML/JSON renderings, ``None`` where the side has no value.
    """

    key: str
    kind: YamlChangeKind
    old: str | None
    new: str | None


def is_yaml_path(path: str) -> bool:
    """Whether a file is summarised semantically (by its name, case-insensitively)."""
    return path.lower().endswith(YAML_SUFFIXES)


def summarize_yaml(old: str, new: str) -> tuple[YamlChange, ...]:
    """The semantic changes from ``old`` to ``new``; empty when either is not YAML."""
    try:
        old_docs = load_yaml_documents(old, "target")
        new_docs = load_yaml_documents(new, "source")
    except ConfigError:
        return ()
    found: list[tuple[Any, YamlChange]] = []
    for index, (prefix, old_doc, new_doc) in enumerate(_document_pairs(old_docs, new_docs)):
        found.extend(
            ((index, *order), change)
            for order, change in _doc_changes(*_keyed(old_doc, new_doc), prefix)
        )
    found.sort(key=lambda item: (item[0], item[1].old or "", item[1].new or ""))
    return tuple(change for _, change in found)


def _document_pairs(old_docs: list[Any], new_docs: list[Any]) -> list[tuple[str, Any, Any]]:
    """(prefix, old document, new document) pairs to compare.

    Kubernetes manifests with several documents are matched by kind, namespace and name
    (``[Deployment web/api]``), so inserting one object is one change, not a cascade of
    every later document; other files by their place (``[doc N]``). One document alone
    gets no prefix.
    """
    old_ids, new_ids = _object_ids(old_docs), _object_ids(new_docs)
    if len(old_docs) + len(new_docs) > 2 and old_ids is not None and new_ids is not None:
        old_by, new_by = (
            dict(zip(old_ids, old_docs, strict=True)),
            dict(zip(new_ids, new_docs, strict=True)),
        )
        ids = [*old_ids, *(i for i in new_ids if i not in old_by)]
        return [(f"[{i}]", old_by.get(i, _MISSING), new_by.get(i, _MISSING)) for i in ids]
    several = len(old_docs) > 1 or len(new_docs) > 1
    return [
        (
            f"[doc {index}]" if several else "",
            old_docs[index] if index < len(old_docs) else _MISSING,
            new_docs[index] if index < len(new_docs) else _MISSING,
        )
        for index in range(max(len(old_docs), len(new_docs)))
    ]


def _object_ids(docs: list[Any]) -> list[str] | None:
    """``Kind namespace/name`` of each document, when every one is a distinct Kubernetes
    object (``kind`` and ``metadata.name`` set); else None."""
    ids = []
    for doc in docs:
        if not isinstance(doc, dict) or not isinstance(doc.get("metadata"), dict):
            return None
        kind, name = doc.get("kind"), doc["metadata"].get("name")
        if not isinstance(kind, str) or not isinstance(name, str):
            return None
        namespace = doc["metadata"].get("namespace")
        ids.append(f"{kind} {namespace}/{name}" if isinstance(namespace, str) else f"{kind} {name}")
    return ids if len(set(ids)) == len(ids) else None


class _Named(dict[str, Any]):
    """A list of mappings that each carry a distinct ``name`` (containers, env, ports,
    volumes), compared by name: inserting one item is one change, and a change inside
    an item is shown at ``containers[name=app].image``."""


def _keyed(old: Any, new: Any) -> tuple[Any, Any]:
    """Both sides with each list of uniquely named mappings turned into a ``_Named`` when
    the list on the other side is one too (else both stay lists, compared by place)."""
    if isinstance(old, dict) and isinstance(new, dict):
        pairs = {
            key: _keyed(old.get(key, _MISSING), new.get(key, _MISSING)) for key in {**old, **new}
        }
        return (
            {key: pair[0] for key, pair in pairs.items() if key in old},
            {key: pair[1] for key, pair in pairs.items() if key in new},
        )
    if isinstance(old, list) and isinstance(new, list):
        old_names, new_names = _names(old), _names(new)
        if old_names is not None and new_names is not None:
            by_old, by_new = (
                dict(zip(old_names, old, strict=True)),
                dict(zip(new_names, new, strict=True)),
            )
            pairs = {
                n: _keyed(by_old.get(n, _MISSING), by_new.get(n, _MISSING))
                for n in {**by_old, **by_new}
            }
            return (
                _Named((n, pairs[n][0]) for n in old_names),
                _Named((n, pairs[n][1]) for n in new_names),
            )
        pairs_by_place = [
            _keyed(old[i] if i < len(old) else _MISSING, new[i] if i < len(new) else _MISSING)
            for i in range(max(len(old), len(new)))
        ]
        return (
            [pair[0] for pair in pairs_by_place[: len(old)]],
            [pair[1] for pair in pairs_by_place[: len(new)]],
        )
    return old, new


def _names(items: list[Any]) -> list[str] | None:
    """The distinct ``name`` of every item, when each is a mapping that has one."""
    names = [item.get("name") for item in items if isinstance(item, dict)]
    named = [name for name in names if isinstance(name, str)]
    return named if items and len(named) == len(items) and len(set(named)) == len(named) else None


def format_change(change: YamlChange) -> str:
    """One Markdown line: ``image.tag``: ``v1`` → ``v2``, ``replicas`` added: ``3``."""
    key = code_span(change.key)
    if change.kind is YamlChangeKind.ADDED:
        return f"{key} added: {code_span(change.new or '')}"
    if change.kind is YamlChangeKind.REMOVED:
        return f"{key} removed (was {code_span(change.old or '')})"
    return f"{key}: {code_span(change.old or '')} → {code_span(change.new or '')}"


def _doc_changes(old: Any, new: Any, prefix: str) -> list[tuple[tuple[Any, ...], YamlChange]]:
    """The changes of one document pair, each with a sort key (path order, then kind)."""
    whole = prefix or ROOT_KEY
    if old is _MISSING:
        return [((), YamlChange(whole, YamlChangeKind.ADDED, None, render_value(new)))]
    if new is _MISSING:
        return [((), YamlChange(whole, YamlChangeKind.REMOVED, render_value(old), None))]
    diff = DeepDiff(old, new, view="tree", threshold_to_diff_deeper=0)
    changes = []
    for report_type, levels in diff.items():
        for level in levels:
            path = [p for p in level.path(output_format="list") if p is not None]
            kind, old_value, new_value = _classify(report_type, level.t1, level.t2)
            key = _join_key(prefix, _format_path(path, old, new))
            order = _path_order(path, old, new)
            changes.append(((order, kind), YamlChange(key, kind, old_value, new_value)))
    return changes


def _classify(report_type: str, t1: Any, t2: Any) -> tuple[YamlChangeKind, str | None, str | None]:
    if report_type.endswith("_added"):
        return YamlChangeKind.ADDED, None, render_value(t2)
    if report_type.endswith("_removed"):
        return YamlChangeKind.REMOVED, render_value(t1), None
    quote = report_type == "type_changes"
    return YamlChangeKind.CHANGED, render_value(t1, quote), render_value(t2, quote)


def render_value(value: Any, quote_strings: bool = False) -> str:
    """A short rendering: scalars as YAML spells them, collections as compact JSON.

    Strings are shown bare unless they span lines or ``quote_strings`` is set (a type
    change, where ``1`` → ``1`` would hide that one side is a string).
    """
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False) if quote_strings or "\n" in value else value
    elif isinstance(value, bool) or value is None:
        text = json.dumps(value)
    elif isinstance(value, int | float):
        text = str(value)
    elif isinstance(value, _Named):
        text = _json(list(value.values()))
    elif isinstance(value, set | frozenset):
        text = _json(sorted(value, key=repr))
    elif isinstance(value, dict | list | tuple):
        text = _json(value)
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _format_path(path: Sequence[Any], old: Any, new: Any) -> str:
    """``a.b[0].c``: list indices in brackets, other keys dotted or quoted when needed."""
    container = _walk_source(path, old, new)
    parts: list[str] = []
    for element in path:
        if isinstance(container, list):
            parts.append(f"[{element}]")
        elif isinstance(container, _Named):
            parts.append(f"[name={element}]")
        else:
            parts.append(_format_key(element, first=not parts))
        container = _child(container, element)
    return "".join(parts)


def _walk_source(path: Sequence[Any], old: Any, new: Any) -> Any:
    """The document in which ``path`` exists (added keys only exist in ``new``)."""
    node = old
    for element in path:
        node = _child(node, element)
        if node is _MISSING:
            return new
    return old


def _child(container: Any, element: Any) -> Any:
    try:
        return container[element]
    except (KeyError, IndexError, TypeError):
        return _MISSING


def _format_key(key: Any, *, first: bool) -> str:
    if isinstance(key, str) and _PLAIN_KEY.match(key):
        return key if first else f".{key}"
    return f"[{json.dumps(key, ensure_ascii=False, default=str)}]"


def _join_key(prefix: str, path: str) -> str:
    if not path:
        return prefix or ROOT_KEY
    return f"{prefix} {path}" if prefix else path


def _path_order(path: Sequence[Any], old: Any, new: Any) -> tuple[tuple[int, Any], ...]:
    """Sort list indices numerically, named items in their list's order and keys
    alphabetically, without mixing types."""
    container = _walk_source(path, old, new)
    order: list[tuple[int, Any]] = []
    for element in path:
        if isinstance(container, _Named):
            order.append((0, list(container).index(element)))
        elif isinstance(element, int) and not isinstance(element, bool):
            order.append((0, element))
        else:
            order.append((1, str(element)))
        container = _child(container, element)
    return tuple(order)
