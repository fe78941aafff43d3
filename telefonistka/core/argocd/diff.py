"""What a PR would change in one Argo CD application's cluster objects (pure).

Inputs are plain data: the app's live objects (as Argo CD's managed-resources answer
gives them), its target objects at the PR's head (the manifests Argo CD renders for that
revision) and, to tell a field the PR removes from one the API server set by default,
its target objects at the default branch. Objects are matched by group, kind, namespace
and name; each one the PR adds, removes or changes gets a unified diff of YAML.

Normalisation, so a diff shows what the PR changes and nothing else:

- ``status``, ``metadata.managedFields`` and what the API server writes
  (``uid``, ``resourceVersion``, ``generation``, ``creationTimestamp``, …) are dropped,
  and so are Argo CD's own tracking marks and ``last-applied-configuration``;
- a live field that neither target sets is a server default, and is left out;
- the app's ``ignoreDifferences`` rules are applied to both sides (``jsonPointers``, and
  ``jqPathExpressions`` of the plain ``.a.b`` form; any other expression is reported as
  not applied, never silently ignored);
- a Secret's ``data`` and ``stringData`` values are never shown: each becomes a row of
  ``+`` signs, of one length when both sides agree and of another when they differ (as
  Argo CD redacts them), so the diff says *that* a value changes, not what it is.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ruamel.yaml import YAML

SERVER_METADATA = frozenset(
    {
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "selfLink",
        "managedFields",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    }
)
TRACKING_ANNOTATIONS = frozenset(
    {"kubectl.kubernetes.io/last-applied-configuration", "argocd.argoproj.io/tracking-id"}
)
TRACKING_LABELS = frozenset({"app.kubernetes.io/instance"})
REDACTED, REDACTED_OTHER = "+" * 8, "+" * 9
_PLAIN_JQ = re.compile(r"(?:\.[A-Za-z0-9_-]+)+")


class Change(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, order=True)
class ObjectKey:
    """Which cluster object: its API group ("" for the core group), kind, namespace, name."""

    group: str
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        kind = f"{self.group}/{self.kind}" if self.group else self.kind
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{kind} {where}"

    @classmethod
    def of(cls, obj: Mapping[str, Any]) -> ObjectKey:
        api = str(obj.get("apiVersion") or "")
        group = api.rpartition("/")[0] if "/" in api else ""
        metadata = obj.get("metadata") or {}
        return cls(
            group,
            str(obj.get("kind") or ""),
            str(metadata.get("namespace") or ""),
            str(metadata.get("name") or ""),
        )


@dataclass(frozen=True)
class IgnoreRule:
    """One ``spec.ignoreDifferences`` entry of the application."""

    group: str = ""
    kind: str = ""
    name: str = ""
    namespace: str = ""
    json_pointers: tuple[str, ...] = ()
    jq_path_expressions: tuple[str, ...] = ()
    managed_fields_managers: tuple[str, ...] = ()

    def applies_to(self, key: ObjectKey) -> bool:
        return (
            (not self.kind or self.kind == key.kind)
            and (self.group in ("", "*") or self.group == key.group)
            and (not self.name or self.name == key.name)
            and (not self.namespace or self.namespace == key.namespace)
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IgnoreRule:
        return cls(
            str(data.get("group") or ""),
            str(data.get("kind") or ""),
            str(data.get("name") or ""),
            str(data.get("namespace") or ""),
            tuple(str(p) for p in data.get("jsonPointers") or ()),
            tuple(str(p) for p in data.get("jqPathExpressions") or ()),
            tuple(str(m) for m in data.get("managedFieldsManagers") or ()),
        )


@dataclass(frozen=True)
class ObjectDiff:
    """One object the PR changes; ``diff`` is empty when its content is not shown."""

    key: ObjectKey
    change: Change
    diff: str = ""


@dataclass(frozen=True)
class AppDiff:
    """The objects of one app a PR changes, and what could not be applied."""

    objects: tuple[ObjectDiff, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.objects)


def diff_objects(
    live: Iterable[Mapping[str, Any]],
    target: Iterable[Mapping[str, Any]],
    current: Iterable[Mapping[str, Any]] = (),
    ignore: Sequence[IgnoreRule] = (),
    *,
    show_content: bool = True,
) -> AppDiff:
    """The diff of one app (see the module docstring). ``current`` is the app's target at
    the default branch; ``show_content=False`` lists changed objects without diffs."""
    live_by = {ObjectKey.of(o): o for o in live if o}
    target_by = {ObjectKey.of(o): o for o in target if o}
    current_by = {ObjectKey.of(o): o for o in current if o}
    notes = _unsupported(ignore)
    objects = []
    for key in sorted(live_by.keys() | target_by.keys()):
        rules = [rule for rule in ignore if rule.applies_to(key)]
        old = live_by.get(key)
        new = target_by.get(key)
        if old is not None and new is not None:
            shape = _merge_shapes(new, current_by.get(key))
            before = _normalize(_project(old, shape), rules)
            after = _normalize(new, rules)
            if key.kind == "Secret":
                before, after = _redact_pair(before, after)
            if before != after:
                objects.append(_object(key, Change.CHANGED, before, after, show_content))
        elif new is not None:
            after = _normalize(new, rules)
            after = _redact_pair({}, after)[1] if key.kind == "Secret" else after
            objects.append(_object(key, Change.ADDED, None, after, show_content))
        elif old is not None:
            before = _normalize(old, rules)
            before = _redact_pair(before, {})[0] if key.kind == "Secret" else before
            objects.append(_object(key, Change.REMOVED, before, None, show_content))
    return AppDiff(tuple(objects), notes)


def _object(
    key: ObjectKey, change: Change, before: Any, after: Any, show_content: bool
) -> ObjectDiff:
    if not show_content:
        return ObjectDiff(key, change)
    old_text = _yaml(before) if before is not None else ""
    new_text = _yaml(after) if after is not None else ""
    lines = difflib.unified_diff(
        old_text.splitlines(keepends=True),
        new_text.splitlines(keepends=True),
        fromfile=f"live/{key}",
        tofile=f"target/{key}",
    )
    return ObjectDiff(key, change, "".join(lines))


def _normalize(obj: Mapping[str, Any], rules: Sequence[IgnoreRule]) -> dict[str, Any]:
    """A copy without status, server metadata, tracking marks and ignored fields."""
    data: dict[str, Any] = _copy(obj)
    data.pop("status", None)
    metadata = data.get("metadata")
    if isinstance(metadata, dict):
        for name in SERVER_METADATA:
            metadata.pop(name, None)
        for key, drop in (("annotations", TRACKING_ANNOTATIONS), ("labels", TRACKING_LABELS)):
            marks = metadata.get(key)
            if isinstance(marks, dict):
                for mark in drop:
                    marks.pop(mark, None)
                if not marks:
                    metadata.pop(key)
    for rule in rules:
        pointers = [*rule.json_pointers]
        pointers += [_jq_pointer(e) for e in rule.jq_path_expressions if _PLAIN_JQ.fullmatch(e)]
        for pointer in pointers:
            _remove(data, pointer)
    return data


def _project(live: Mapping[str, Any], shape: Any) -> Any:
    """``live`` without what no target sets (server defaults); lists are kept whole."""
    if isinstance(live, Mapping) and isinstance(shape, Mapping):
        return {k: _project(v, shape[k]) for k, v in live.items() if k in shape}
    return _copy(live)


def _merge_shapes(a: Any, b: Any) -> Any:
    """The keys either target sets, nested."""
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return {k: _merge_shapes(a.get(k), b.get(k)) for k in {**b, **a}}
    return a if a is not None else b


def _redact_pair(before: Any, after: Any) -> tuple[Any, Any]:
    """Secret values as ``+`` rows: one length when equal on both sides, another if not."""
    before, after = _copy(before), _copy(after)
    for section in ("data", "stringData"):
        old = before.get(section) if isinstance(before, dict) else None
        new = after.get(section) if isinstance(after, dict) else None
        old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
        for key in old.keys() | new.keys():
            same = key in old and key in new and old[key] == new[key]
            if key in old:
                old[key] = REDACTED
            if key in new:
                new[key] = REDACTED if same else REDACTED_OTHER
    return before, after


def _remove(data: Any, pointer: str) -> None:
    """Delete the value at JSON pointer ``pointer`` (RFC 6901) when it exists."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    node = data
    for part in parts[:-1]:
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdecimal() and int(part) < len(node):
            node = node[int(part)]
        else:
            return
    if not parts:
        return
    last = parts[-1]
    if isinstance(node, dict):
        node.pop(last, None)
    elif isinstance(node, list) and last.isdecimal() and int(last) < len(node):
        node.pop(int(last))


def _jq_pointer(expression: str) -> str:
    return "/" + "/".join(
        p.replace("~", "~0").replace("/", "~1") for p in expression[1:].split(".")
    )


def _unsupported(rules: Sequence[IgnoreRule]) -> tuple[str, ...]:
    """What the diff cannot apply, said in the comment rather than silently skipped."""
    jq = tuple(
        f"ignoreDifferences jqPathExpression {expression!r} is not applied (only plain "
        "`.a.b` paths are); its fields may show in the diff"
        for rule in rules
        for expression in rule.jq_path_expressions
        if not _PLAIN_JQ.fullmatch(expression)
    )
    managers = tuple(
        f"ignoreDifferences managedFieldsManagers {manager!r} is not applied (the live state "
        "Argo CD returns has no managed fields); fields it owns may show in the diff"
        for rule in rules
        for manager in rule.managed_fields_managers
    )
    return jq + managers


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _copy(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(v) for v in value]
    return value


def _yaml(value: Any) -> str:
    out = io.StringIO()
    writer = YAML(typ="safe", pure=True)
    writer.default_flow_style = False
    writer.dump(value, out)
    return out.getvalue()
