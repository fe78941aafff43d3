"""Read and check ``telefonistka.yaml`` files, then build the frozen config model.

The shipped JSON Schemas (``telefonistka/schemas/``) are the single description of the
structure: the same files drive this validation, the reference docs and editors'
completion. What JSON Schema cannot say (that a string is a valid regular expression)
is checked here by hand. Every problem in a file is reported at once, each with the
line and column it was written at and a message that says how to fix it, because a
user fixing a config one error per CI run gives up.

A key written with an empty value (``dryRunMode:``) counts as absent, as in the Go
original, so existing files keep working; an empty value where a list entry or a map
value is expected is still an error.
"""

from __future__ import annotations

import difflib
import functools
import importlib.resources
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, TypeVar, cast

from jsonschema import Draft202012Validator, ValidationError

from telefonistka.core.config.gates import (
    Freeze,
    Gates,
    Window,
    check_timezone,
    parse_days,
    parse_duration,
    parse_hours,
    parse_instant,
)
from telefonistka.core.config.keep_local import (
    glob_problem,
    parse_keep_local,
    selector_problem,
)
from telefonistka.core.config.model import (
    ArgocdConfig,
    ComponentConfig,
    Conditions,
    PromotionPath,
    PromotionPr,
    RepoConfig,
    WebhookEndpointRegex,
)
from telefonistka.core.config.regex import compile_regex, regex_error
from telefonistka.core.fanout import template_problems
from telefonistka.core.github.repo_paths import repo_path_problem
from telefonistka.core.yaml.source import (
    KeyPath,
    YamlDocument,
    format_key_path,
    parse_yaml,
    parse_yaml_collecting,
)
from telefonistka.errors import ConfigError, ConfigProblem

ConfigKind = Literal["repo", "component"]
Schema = Mapping[str, Any]

_SCHEMA_FILES: dict[ConfigKind, str] = {
    "repo": "telefonistka.schema.json",
    "component": "component.schema.json",
}
_KIND_HOMES: dict[ConfigKind, str] = {
    "repo": "the repo-root telefonistka.yaml",
    "component": "a component's telefonistka.yaml",
}
_T = TypeVar("_T")
_TYPE_WORDS = {
    "string": "a string",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "object": "a mapping",
    "array": "a list",
    "null": "an empty value",
}
_SHORT_TEXT = 40


# --- public API -----------------------------------------------------------------------


def load_repo_config(text: str | bytes, filename: str = "telefonistka.yaml") -> RepoConfig:
    """Parse and validate a repo-level config; raises ``ConfigError`` listing every problem."""
    return _build_repo(_checked_data(text, filename, "repo"))


def load_component_config(text: str | bytes, filename: str) -> ComponentConfig:
    """Parse and validate a component config; raises ``ConfigError`` listing every problem."""
    return _build_component(_checked_data(text, filename, "component"))


def detect_config_kind(text: str | bytes) -> ConfigKind:
    """``component`` when every top-level key is a component key, else ``repo``.

    Both files are named ``telefonistka.yaml``, so only the content can tell them apart.
    Unreadable or empty text counts as ``repo``: the repo loader then reports the problem.
    """
    try:
        data = parse_yaml(text, "").data
    except ConfigError:
        return "repo"
    component_keys = set(_root_keys("component"))
    if isinstance(data, dict) and data and set(data) <= component_keys:
        return "component"
    return "repo"


@functools.cache
def load_schema(kind: ConfigKind) -> Schema:
    """The packaged JSON Schema of one config kind (read once, from package data)."""
    resource = importlib.resources.files("telefonistka").joinpath("schemas", _SCHEMA_FILES[kind])
    loaded: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return loaded


# --- checking -----------------------------------------------------------------------------


@functools.cache
def _strict_schema(kind: ConfigKind) -> Schema:
    strict: Schema = _without_null(load_schema(kind))
    return strict


@functools.cache
def _validator(kind: ConfigKind) -> Draft202012Validator:
    return Draft202012Validator(_strict_schema(kind))


def _without_null(node: Any) -> Any:
    """The schema with ``"null"`` left out of every type list.

    The published schema lets an optional key be written empty (``dryRunMode:``), so that
    editors and check-jsonschema accept what telefonistka accepts. telefonistka drops
    such keys before it validates (``_without_empty_keys``); what is left must have the
    real type, and its errors name it ("expected true or false").
    """
    if isinstance(node, dict):
        cleaned = {key: _without_null(value) for key, value in node.items()}
        kind = cleaned.get("type")
        if isinstance(kind, list) and "null" in kind:
            kinds = [k for k in kind if k != "null"]
            cleaned["type"] = kinds[0] if len(kinds) == 1 else kinds
        return cleaned
    if isinstance(node, list):
        return [_without_null(item) for item in node]
    return node


def _root_keys(kind: ConfigKind) -> tuple[str, ...]:
    return tuple(load_schema(kind)["properties"])


def _checked_data(text: str | bytes, filename: str, kind: ConfigKind) -> dict[str, object]:
    """Valid config data of ``kind``, or ``ConfigError`` with every problem, sorted."""
    doc = parse_yaml_collecting(text, filename)
    if doc.data is None:
        if doc.problems:
            raise ConfigError(list(doc.problems))
        return {}
    if not isinstance(doc.data, dict):
        raise ConfigError([_not_a_mapping(doc, filename, kind)])
    schema = load_schema(kind)
    data = cast(dict[str, object], _without_empty_keys(doc.data, schema, schema))
    checker = _Checker(doc, filename, kind)
    checker.problems.extend(doc.problems)  # duplicate keys and bad values, with the rest
    checker.check_all(data)
    renames = _misspelt_keys(data, schema, schema, ())
    if renames:  # what lies under a misspelt key, checked as the key it most likely meant
        meant = _Checker(doc, filename, kind, renames)
        meant.check_all(cast(dict[str, object], _renamed(data, renames, ())))
        checker.problems.extend(meant.problems)
        for path, key in renames.items():  # a misspelt key under a misspelt key
            if any(path[:end] in renames for end in range(1, len(path))):
                message = f"unknown key '{path[-1]}'; did you mean '{key}'?"
                checker.add(path, message, at_key=True)
    if checker.problems:
        raise ConfigError(checker.sorted_problems())
    return data


def _misspelt_keys(
    value: object, schema: Schema, root: Schema, path: KeyPath
) -> dict[KeyPath, str]:
    """Every misspelt key (by its path) → the key it most likely meant, when that key is
    not also written beside it: ``promotionPath`` → ``promotionPaths``.

    Without this, what lies under a misspelt key is checked only once the key is fixed,
    and the author fixes the file in rounds; docs/configuration.md promises every
    problem at once.
    """
    schema = _resolve(schema, root)
    found: dict[KeyPath, str] = {}
    if isinstance(value, dict):
        properties: Schema = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties or not properties or isinstance(extra, dict):
                child = properties.get(key, extra if isinstance(extra, dict) else {})
                found |= _misspelt_keys(item, child, root, (*path, key))
                continue
            meant = suggest_key(str(key), tuple(properties))
            if meant is not None and meant not in value:
                found[(*path, key)] = meant
                found |= _misspelt_keys(item, properties[meant], root, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found |= _misspelt_keys(item, schema.get("items", {}), root, (*path, index))
    return found


def _renamed(value: object, renames: Mapping[KeyPath, str], path: KeyPath) -> object:
    """``value`` with each misspelt key replaced by the key it most likely meant."""
    if isinstance(value, dict):
        return {
            renames.get((*path, key), key): _renamed(item, renames, (*path, key))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_renamed(item, renames, (*path, index)) for index, item in enumerate(value)]
    return value


def _not_a_mapping(doc: YamlDocument, filename: str, kind: ConfigKind) -> ConfigProblem:
    where = doc.position_of(())
    example = _root_keys(kind)[0]
    message = f"the file must be a mapping of keys such as '{example}:', got {_describe(doc.data)}"
    return ConfigProblem(filename, where.line, where.column, "", message)


def _resolve(schema: Schema, root: Schema) -> Schema:
    """Follow a local ``$ref`` (``#/$defs/name``); our schemas use no other kind."""
    ref = schema.get("$ref")
    if not isinstance(ref, str):
        return schema
    resolved: Schema = root["$defs"][ref.removeprefix("#/$defs/")]
    return resolved


def _without_empty_keys(value: object, schema: Schema, root: Schema) -> object:
    """Drop known keys written with an empty value, so ``key:`` means "not set"."""
    schema = _resolve(schema, root)
    if isinstance(value, dict):
        properties: Schema = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        return {
            key: _without_empty_keys(item, properties.get(key, extra or {}), root)
            for key, item in value.items()
            if not (item is None and key in properties)
        }
    if isinstance(value, list):
        return [_without_empty_keys(item, schema.get("items", {}), root) for item in value]
    return value


class _Checker:
    """Turns schema errors and regex failures into located, user-worded problems."""

    def __init__(
        self,
        doc: YamlDocument,
        filename: str,
        kind: ConfigKind,
        renames: Mapping[KeyPath, str] | None = None,
    ) -> None:
        self.doc = doc
        self.filename = filename
        self.kind: ConfigKind = kind
        self.problems: list[ConfigProblem] = []
        # Checking the data with misspelt keys renamed (``_misspelt_keys``): only problems
        # under a renamed key are kept, located at the key as written.
        self.renames = renames
        self._written = {(*path[:-1], meant): path[-1] for path, meant in (renames or {}).items()}

    def check_all(self, data: dict[str, object]) -> None:
        self.check_structure(data)
        self.check_regexes(data)
        self.check_target_paths(data)
        self.check_webhook_templates(data)
        if self.kind == "repo":
            self.check_gates(data)
        self.check_keep_local(data)

    def check_keep_local(self, data: dict[str, object]) -> None:
        """Every glob names files of a component folder; every selector parses."""
        keep = data.get("keepLocal")
        if not isinstance(keep, dict):
            return
        for path, glob in _list_items(keep.get("files"), ("keepLocal", "files")):
            if isinstance(glob, str) and (problem := glob_problem(glob)):
                self.add(path, problem)
        fields = keep.get("fields")
        for glob, selectors in fields.items() if isinstance(fields, dict) else ():
            where: KeyPath = ("keepLocal", "fields", str(glob))
            if problem := glob_problem(str(glob)):
                self.add(where, problem)
            for path, selector in _list_items(selectors, where):
                if (
                    isinstance(selector, str)
                    and selector
                    and (problem := selector_problem(selector))
                ):
                    self.add(path, problem)

    def check_gates(self, data: dict[str, object]) -> None:
        """Durations, hours, days, time zones and instants, each where it is written."""
        for index, flow in _indexed_mappings(data.get("promotionPaths")):
            hold = flow.get("holdAfterRollback")
            self._parsed(("promotionPaths", index, "holdAfterRollback"), hold, parse_duration)
            gates = flow.get("gates")
            if not isinstance(gates, dict):
                continue
            where: KeyPath = ("promotionPaths", index, "gates")
            self._parsed((*where, "soakTime"), gates.get("soakTime"), parse_duration)
            for number, window in _indexed_mappings(gates.get("windows")):
                at: KeyPath = (*where, "windows", number)
                self._parsed((*at, "hours"), window.get("hours"), parse_hours)
                self._parsed((*at, "timezone"), window.get("timezone"), check_timezone)
        for index, freeze in _indexed_mappings(data.get("freezes")):
            at = ("freezes", index)
            start = self._parsed((*at, "from"), freeze.get("from"), parse_instant)
            end = self._parsed((*at, "to"), freeze.get("to"), parse_instant)
            if start is not None and end is not None and end <= start:
                self.add((*at, "to"), "must be later than 'from'")

    def _parsed(self, path: KeyPath, value: object, parse: Callable[[str], _T]) -> _T | None:
        """``parse(value)`` for a string the schema let through; its ``ValueError`` becomes
        a problem at ``path``. None when absent, not a string, or refused."""
        if not isinstance(value, str) or not value:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            self.add(path, str(exc))
            return None

    def _as_written(self, path: KeyPath) -> KeyPath | None:
        """``path`` of the renamed data as the file writes it; None when no key on it was
        renamed (the first pass reports those problems)."""
        written: list[str | int] = []
        renamed = False
        for part in path:
            key = self._written.get((*written, part))
            renamed = renamed or key is not None
            written.append(part if key is None else key)
        return tuple(written) if renamed else None

    def sorted_problems(self) -> list[ConfigProblem]:
        """Problems in file order, each reported once."""
        unique = dict.fromkeys(self.problems)
        return sorted(unique, key=lambda p: (p.line, p.column, p.key, p.message))

    def add(self, path: KeyPath, message: str, *, at_key: bool = False) -> None:
        """Record a problem at the value of ``path`` (or at its key, for unknown keys)."""
        if self.renames is not None:
            written = self._as_written(path)
            if written is None:
                return
            path = written
        where = self.doc.key_position_of(path) if at_key else self.doc.position_of(path)
        key = format_key_path(path)
        self.problems.append(ConfigProblem(self.filename, where.line, where.column, key, message))

    def check_structure(self, data: dict[str, object]) -> None:
        """Explain every JSON Schema error in words a config author can act on."""
        for error in _validator(self.kind).iter_errors(data):
            self._explain(error)

    def _explain(self, error: ValidationError) -> None:
        explain = {
            "additionalProperties": self._unknown_keys,
            "type": self._wrong_type,
            "required": self._missing_keys,
            "minItems": self._too_few_items,
            "minLength": self._empty_string,
            "minimum": self._too_small,
            "pattern": self._reported_elsewhere,
        }.get(str(error.validator), self._as_reported)
        explain(error)

    def _reported_elsewhere(self, error: ValidationError) -> None:
        """The schema's target-path pattern is for editors; ``check_target_paths`` reports
        the same paths with the reason."""

    def _as_reported(self, error: ValidationError) -> None:
        self.add(_path(error), error.message)

    def _unknown_keys(self, error: ValidationError) -> None:
        path = _path(error)
        known = tuple(_schema(error).get("properties", {}))
        for key in cast(dict[str, object], error.instance):
            if key not in known:
                self.add((*path, key), self._unknown_key_message(key, known, path), at_key=True)

    def _unknown_key_message(self, key: str, known: Sequence[str], path: KeyPath) -> str:
        """Suggest the closest known key; at the top level, also the other file kind's."""
        message = f"unknown key '{key}'"
        other: ConfigKind = "component" if self.kind == "repo" else "repo"
        other_keys = _root_keys(other) if not path else ()
        if key in other_keys:
            return f"{message}: it belongs in {_KIND_HOMES[other]}, not here"
        suggestion = suggest_key(key, known)
        if suggestion is not None:
            return f"{message}; did you mean '{suggestion}'?"
        suggestion = suggest_key(key, other_keys)
        if suggestion is not None:
            return f"{message}; did you mean '{suggestion}' (a key of {_KIND_HOMES[other]})?"
        return f"{message}; expected one of: {', '.join(known)}"

    def _wrong_type(self, error: ValidationError) -> None:
        schema = _schema(error)
        expected = _expected(schema, _strict_schema(self.kind))
        message = f"expected {expected}, got {_describe(error.instance)}"
        self.add(_path(error), message + _type_hint(schema.get("type"), error.instance))

    def _missing_keys(self, error: ValidationError) -> None:
        path = _path(error)
        for key in _schema(error).get("required", ()):
            if key in cast(dict[str, object], error.instance):
                continue
            if (*path, key) in self.doc.key_positions:
                self.add((*path, key), "must not be empty")
            else:
                self.add((*path, key), f"missing required key '{key}'")

    def _too_few_items(self, error: ValidationError) -> None:
        path = _path(error)
        if path and path[-1] == "targetPaths":
            self.add(path, "must list at least one target path")
        else:
            self.add(path, f"must have at least {_schema(error)['minItems']} entries")

    def _empty_string(self, error: ValidationError) -> None:
        self.add(_path(error), "must not be empty")

    def _too_small(self, error: ValidationError) -> None:
        minimum = _schema(error)["minimum"]
        self.add(_path(error), f"must be {minimum} or more, got {error.instance}")

    def check_regexes(self, data: dict[str, object]) -> None:
        """Compile every regex-valued string with RE2, as the planner will (``core.regex``)."""
        for path, value in _regex_fields(data, self.kind):
            if isinstance(value, str):
                error = regex_error(value)
                if error is not None:
                    self.add(path, f"invalid regular expression '{value}': {error}")

    def check_target_paths(self, data: dict[str, object]) -> None:
        """Every target path is a plain folder of the repository (no ``..``, ``.git``,
        absolute path or control character): the bot writes into it."""
        if self.kind != "repo":
            return
        for i, flow in _indexed_mappings(data.get("promotionPaths")):
            for j, pr in _indexed_mappings(flow.get("promotionPrs")):
                where = ("promotionPaths", i, "promotionPrs", j, "targetPaths")
                for path, value in _list_items(pr.get("targetPaths"), where):
                    if not isinstance(value, str) or not value:
                        continue  # the schema reports wrong types and empty paths
                    problem = repo_path_problem(value, folder=True)
                    if problem is not None:
                        self.add(path, f"target path {value!r} is not usable: {problem}")

    def check_webhook_templates(self, data: dict[str, object]) -> None:
        """A replacement naming a capture group its expression lacks is caught here.

        Otherwise the mistake only shows on the first push that matches the rule, as a
        fan-out that sends nothing.
        """
        rules = data.get("webhookEndpointRegexs") if self.kind == "repo" else None
        for index, rule in enumerate(rules if isinstance(rules, list) else []):
            expression = rule.get("expression") if isinstance(rule, dict) else None
            if not isinstance(expression, str) or regex_error(expression) is not None:
                continue
            pattern = compile_regex(expression)
            for number, template in enumerate(rule.get("replacements") or []):
                for problem in template_problems(pattern, template):
                    path = ("webhookEndpointRegexs", index, "replacements", number)
                    self.add(path, problem)


def _path(error: ValidationError) -> KeyPath:
    return tuple(error.absolute_path)


def _schema(error: ValidationError) -> Schema:
    return cast(Schema, error.schema)


def suggest_key(key: str, known: Sequence[str]) -> str | None:
    """The known key the user most likely meant, ignoring case, or ``None``."""
    by_lower = {name.lower(): name for name in known}
    if key.lower() in by_lower:
        return by_lower[key.lower()]
    close = difflib.get_close_matches(key.lower(), list(by_lower), n=1, cutoff=0.75)
    return by_lower[close[0]] if close else None


def _regex_fields(data: dict[str, object], kind: ConfigKind) -> Iterator[tuple[KeyPath, object]]:
    """Every (path, value) that holds a regular expression, wherever the shape allows."""
    if kind == "component":
        for key in ("promotionTargetAllowList", "promotionTargetBlockList"):
            yield from _list_items(data.get(key), (key,))
        return
    for i, flow in _indexed_mappings(data.get("promotionPaths")):
        yield ("promotionPaths", i, "sourcePath"), flow.get("sourcePath")
    for i, rule in _indexed_mappings(data.get("webhookEndpointRegexs")):
        yield ("webhookEndpointRegexs", i, "expression"), rule.get("expression")
    argocd = data.get("argocd")
    if isinstance(argocd, dict):
        key = "allowSyncfromBranchPathRegex"
        yield ("argocd", key), argocd.get(key)


def _list_items(value: object, path: KeyPath) -> Iterator[tuple[KeyPath, object]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield (*path, i), item


def _indexed_mappings(value: object) -> Iterator[tuple[int, dict[str, object]]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, dict):
                yield i, item


def _expected(schema: Schema, root: Schema) -> str:
    """What the schema wants, in words: "a list of strings", "true or false"."""
    kind = schema.get("type")
    if kind == "array":
        items = _resolve(schema.get("items", {}), root)
        item_kind = items.get("type")
        if item_kind == "string":
            return "a list of strings"
        if item_kind == "object":
            return "a list of mappings"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return "a mapping of names to strings"
    return _TYPE_WORDS.get(str(kind), str(kind))


def _describe(value: object) -> str:
    """What the user wrote, in words, with the value when it is short."""
    for kinds, words in _DESCRIPTIONS:
        if isinstance(value, kinds):
            return words(value)
    return f"a YAML {type(value).__name__}"


def _short(text: str) -> str:
    return text if len(text) <= _SHORT_TEXT else text[:_SHORT_TEXT] + "…"


# Order matters: bool before int (a bool is an int in Python).
_DESCRIPTIONS: tuple[tuple[type | tuple[type, ...], Callable[[Any], str]], ...] = (
    (type(None), lambda _: "an empty value"),
    (bool, lambda v: f"a boolean ({str(v).lower()})"),
    ((int, float), lambda v: f"a number ({v})"),
    (str, lambda v: f"a string ('{_short(v)}')"),
    (list, lambda _: "a list"),
    (dict, lambda _: "a mapping"),
)


def _type_hint(expected: object, value: object) -> str:
    """A fix for the common slips: quoted booleans and numbers, a single list entry."""
    if expected == "boolean" and isinstance(value, str) and value.lower() in _YAML11_WORDS:
        word = "true" if value.lower() in ("y", "yes", "on") else "false"
        return f"; write {word}: YAML 1.2, as editors read it, takes {value} as text"
    if expected == "boolean" and isinstance(value, str):
        return "; write true or false without quotes"
    if expected == "integer" and isinstance(value, str) and value.strip().isdigit():
        return "; write the number without quotes"
    if expected == "array" and isinstance(value, str | int | float | bool):
        return "; write each entry on its own line starting with '- '"
    return ""


# What YAML 1.1 (the Go original's yaml.v2) read as booleans and YAML 1.2 reads as text.
_YAML11_WORDS = frozenset({"y", "yes", "on", "n", "no", "off"})


# --- building the model ---------------------------------------------------------------------
# The data passed the schema, so these casts only tell mypy what the schema guarantees.


def _build_repo(data: Mapping[str, object]) -> RepoConfig:
    toggles = cast(Mapping[str, str], data.get("toggleCommitStatus", {}))
    return RepoConfig(
        promotion_paths=tuple(_build_flow(flow) for flow in _mappings(data, "promotionPaths")),
        dry_run_mode=_bool(data, "dryRunMode"),
        auto_approve_promotion_prs=_bool(data, "autoApprovePromotionPrs"),
        close_superseded_promotion_prs=bool(data.get("closeSupersededPromotionPrs", True)),
        toggle_commit_status=tuple(sorted(toggles.items())),
        webhook_endpoint_regexs=tuple(
            _build_webhook(rule) for rule in _mappings(data, "webhookEndpointRegexs")
        ),
        wh_proxt_skip_tls_verify_upstream=_bool(data, "whProxtSkipTLSVerifyUpstream"),
        promotion_pr_labels=_strings(data, "promtionPRlables"),
        argocd=_build_argocd(_mapping(data, "argocd")),
        freezes=tuple(_build_freeze(freeze) for freeze in _mappings(data, "freezes")),
        keep_local=parse_keep_local(data.get("keepLocal")),
    )


def _build_gates(data: Mapping[str, object]) -> Gates:
    soak = _string(data, "soakTime")
    windows = []
    for window in _mappings(data, "windows"):
        start, end = parse_hours(_string(window, "hours"))
        days = parse_days(list(_strings(window, "days")))
        windows.append(Window(days, start, end, check_timezone(_string(window, "timezone"))))
    return Gates(
        soak_time=parse_duration(soak) if soak else None,
        require_healthy=_bool(data, "requireHealthy"),
        require_statuses=_strings(data, "requireStatuses"),
        windows=tuple(windows),
    )


def _build_freeze(data: Mapping[str, object]) -> Freeze:
    return Freeze(
        start=parse_instant(_string(data, "from")),
        end=parse_instant(_string(data, "to")),
        reason=_string(data, "reason"),
        targets=_strings(data, "targets"),
    )


def _build_flow(data: Mapping[str, object]) -> PromotionPath:
    conditions = _mapping(data, "conditions")
    gates = data.get("gates")
    return PromotionPath(
        source_path=_string(data, "sourcePath"),
        promotion_prs=tuple(_build_promotion_pr(pr) for pr in _mappings(data, "promotionPrs")),
        component_path_extra_depth=int(cast(int, data.get("componentPathExtraDepth", 0))),
        conditions=Conditions(
            pr_has_labels=_strings(conditions, "prHasLabels"),
            auto_merge=_bool(conditions, "autoMerge"),
        ),
        gates=_build_gates(cast(Mapping[str, object], gates)) if isinstance(gates, dict) else None,
        auto_merge_rollbacks=_bool(data, "autoMergeRollbacks"),
        hold_after_rollback=(
            parse_duration(_string(data, "holdAfterRollback"))
            if data.get("holdAfterRollback")
            else None
        ),
    )


def _build_promotion_pr(data: Mapping[str, object]) -> PromotionPr:
    return PromotionPr(
        target_paths=_strings(data, "targetPaths"),
        target_description=_string(data, "targetDescription"),
    )


def _build_webhook(data: Mapping[str, object]) -> WebhookEndpointRegex:
    return WebhookEndpointRegex(
        expression=_string(data, "expression"),
        replacements=_strings(data, "replacements"),
    )


def _build_argocd(data: Mapping[str, object]) -> ArgocdConfig:
    return ArgocdConfig(
        comment_diff_on_pr=_bool(data, "commentDiffonPR"),
        auto_merge_no_diff_prs=_bool(data, "autoMergeNoDiffPRs"),
        allow_sync_from_branch_path_regex=_string(data, "allowSyncfromBranchPathRegex"),
        use_sha_label_for_app_discovery=_bool(data, "useSHALabelForAppDiscovery"),
        create_temp_app_object_from_new_apps=_bool(data, "createTempAppObjectFromNewApps"),
    )


def _build_component(data: Mapping[str, object]) -> ComponentConfig:
    return ComponentConfig(
        promotion_target_allow_list=_strings(data, "promotionTargetAllowList"),
        promotion_target_block_list=_strings(data, "promotionTargetBlockList"),
        disable_argocd_diff=_bool(data, "disableArgoCDDiff"),
        keep_local=parse_keep_local(data.get("keepLocal")),
    )


def _bool(data: Mapping[str, object], key: str) -> bool:
    return bool(data.get(key, False))


def _string(data: Mapping[str, object], key: str) -> str:
    return cast(str, data.get(key, ""))


def _strings(data: Mapping[str, object], key: str) -> tuple[str, ...]:
    return tuple(cast(list[str], data.get(key, [])))


def _mapping(data: Mapping[str, object], key: str) -> Mapping[str, object]:
    return cast(Mapping[str, object], data.get(key, {}))


def _mappings(data: Mapping[str, object], key: str) -> list[Mapping[str, object]]:
    return cast(list[Mapping[str, object]], data.get(key, []))
