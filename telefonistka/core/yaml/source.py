"""YAML text → plain Python data, plus where every key and value was written.

A plain YAML load forgets positions, and a config error that does not say *where* sends
the user hunting. So we let ruamel.yaml's composer build the node tree (which keeps marks)
and turn it into plain data ourselves, recording the 1-based line and column of each
mapping key and each value under its key path (``("promotionPaths", 0, "sourcePath")``).
Doing the conversion ourselves also lets us reject duplicate keys, which many loaders
silently resolve to the last one.

Keys are kept as the text written in the file: ``on: x`` or ``1: x`` in
``toggleCommitStatus`` mean the strings ``"on"`` and ``"1"``, as a Go ``map[string]string``
would read them, not a boolean and an integer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import AnyStr

from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from telefonistka.errors import ConfigError, ConfigProblem

KeyPath = tuple[str | int, ...]

_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and column, as editors and GitHub annotations show them."""

    line: int
    column: int


@dataclass(frozen=True)
class YamlDocument:
    """Plain data (``None`` for an empty file) and the positions of its keys and values."""

    data: object
    key_positions: Mapping[KeyPath, Position] = field(default_factory=dict)
    value_positions: Mapping[KeyPath, Position] = field(default_factory=dict)
    # Problems found while reading values (duplicate keys, bad tags): reported by
    # ``parse_yaml_collecting`` together with the caller's own checks.
    problems: tuple[ConfigProblem, ...] = ()

    def position_of(self, path: KeyPath) -> Position:
        """Where the value at ``path`` starts, else its key, else its nearest ancestor.

        Falling back to the ancestor keeps every problem located, even one about a key
        that is missing and so was never written.
        """
        for end in range(len(path), -1, -1):
            prefix = path[:end]
            found = self.value_positions.get(prefix) or self.key_positions.get(prefix)
            if found is not None:
                return found
        return Position(1, 1)

    def key_position_of(self, path: KeyPath) -> Position:
        """Where the key at ``path`` is written (for "unknown key" problems)."""
        return self.key_positions.get(path) or self.position_of(path)


def format_key_path(path: KeyPath) -> str:
    """The dotted form users read: ``promotionPaths[0].promotionPrs[1].targetPaths``.

    Keys that are not plain words (``toggleCommitStatus`` keys may hold dots or spaces)
    are quoted in brackets so the path stays unambiguous.
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part and all(ch.isalnum() or ch in "_-" for ch in part):
            out += f".{part}" if out else part
        else:
            out += f'["{part}"]'
    return out


def decode_text(text: str | bytes, filename: str) -> str:
    """Decode file bytes as UTF-8 (a BOM is allowed), naming the offending byte if not.

    A config saved in Latin-1 or UTF-16 otherwise surfaces as a baffling YAML error.
    """
    if isinstance(text, str):
        return text
    try:
        return text.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        where = _locate(text, exc.start, b"\n")
        message = f"the file is not valid UTF-8 (byte 0x{text[exc.start]:02x}); save it as UTF-8"
        raise ConfigError([ConfigProblem(filename, where.line, where.column, "", message)]) from exc


def parse_yaml(text: str | bytes, filename: str) -> YamlDocument:
    """Parse one YAML document; every syntax error or duplicate key is a ``ConfigError``."""
    doc = parse_yaml_collecting(text, filename)
    if doc.problems:
        raise ConfigError(list(doc.problems))
    return doc


def parse_yaml_collecting(text: str | bytes, filename: str) -> YamlDocument:
    """Parse one YAML document, keeping value problems (duplicate keys, bad tags) in
    ``YamlDocument.problems`` so a caller reports them with its own; what leaves no
    document (syntax, size, depth, expansion) is a ``ConfigError`` at once.

    Hostile input is refused in bounded time and memory: files over ``MAX_YAML_BYTES``,
    documents that expand (through aliases) to more than ``MAX_YAML_VALUES`` values, and
    nesting deeper than the interpreter allows.
    """
    source = decode_text(text, filename)
    if len(source) > MAX_YAML_BYTES:
        message = f"the file is larger than {MAX_YAML_BYTES:,} characters; telefonistka refuses it"
        raise ConfigError([ConfigProblem(filename, 1, 1, "", message)])
    try:
        reader = _reader()
        root = reader.compose(source)
    except MarkedYAMLError as exc:
        raise ConfigError([_syntax_problem(exc, filename)]) from exc
    except ReaderError as exc:
        raise ConfigError([_reader_problem(exc, source, filename)]) from exc
    except RecursionError:
        raise ConfigError([ConfigProblem(filename, 1, 1, "", _TOO_DEEP)]) from None
    if root is None:
        return YamlDocument(data=None)
    converter = _Converter(filename, reader.constructor)
    try:
        data = converter.convert(root, ())
    except _TooManyValuesError as exc:
        raise ConfigError([exc.problem]) from None
    except RecursionError:
        raise ConfigError([ConfigProblem(filename, 1, 1, "", _TOO_DEEP)]) from None
    positions = (converter.key_positions, converter.value_positions)
    return YamlDocument(data, *positions, problems=tuple(converter.problems))


def load_yaml_documents(text: str | bytes, filename: str) -> list[object]:
    """Every document of a YAML file as plain data, in telefonistka's one YAML dialect.

    The same reading as the configuration's (see docs/configuration.md, "The YAML
    dialect"): YAML 1.2 scalars as ruamel.yaml's safe loader reads them, keys kept as the text
    written, merge keys applied, and the same refusals (size, alias expansion, nesting,
    duplicate keys, unknown tags), all as a ``ConfigError`` naming file, line and column.
    The drift check reads the files it compares this way, so a hostile file in a
    component is refused in bounded time instead of hanging the run.
    """
    source = decode_text(text, filename)
    if len(source) > MAX_YAML_BYTES:
        message = f"the file is larger than {MAX_YAML_BYTES:,} characters; telefonistka refuses it"
        raise ConfigError([ConfigProblem(filename, 1, 1, "", message)])
    reader = _reader()
    converter = _Converter(filename, reader.constructor, keep_positions=False)
    documents: list[object] = []
    try:
        for root in reader.compose_all(source):
            documents.append(None if root is None else converter.convert(root, ()))
    except MarkedYAMLError as exc:
        raise ConfigError([_syntax_problem(exc, filename)]) from exc
    except ReaderError as exc:
        raise ConfigError([_reader_problem(exc, source, filename)]) from exc
    except _TooManyValuesError as exc:
        raise ConfigError([exc.problem]) from None
    except RecursionError:
        raise ConfigError([ConfigProblem(filename, 1, 1, "", _TOO_DEEP)]) from None
    if converter.problems:
        raise ConfigError(converter.problems)
    return documents


def _reader() -> YAML:
    """ruamel.yaml's safe reader (YAML 1.2 unless a file says ``%YAML 1.1``), pure Python.

    Why ruamel.yaml and YAML 1.2: it is what ``check-jsonschema`` and editors (the YAML
    language server) read, so the packaged JSON Schema judges the very data telefonistka
    validates, and the two agree on which files are valid.
    """
    reader = YAML(typ="safe", pure=True)
    reader.Constructor = _ScalarConstructor
    return reader


class _ScalarConstructor(SafeConstructor):
    """Builds scalar values; a timestamp stays the text written, as check-jsonschema
    reads it (JSON has no dates, and ``targetDescription: 2024-06-01`` is a name)."""

    yaml_constructors = dict(SafeConstructor.yaml_constructors)  # noqa: RUF012 - ruamel's own
    yaml_constructors["tag:yaml.org,2002:timestamp"] = SafeConstructor.construct_yaml_str


MAX_YAML_BYTES = 1_000_000
MAX_YAML_VALUES = 100_000
_TOO_DEEP = "invalid YAML: nested too deeply"
_SHOWN = 40  # characters of a bad value quoted in a message


class _TooManyValuesError(Exception):
    def __init__(self, problem: ConfigProblem) -> None:
        self.problem = problem


def _syntax_problem(exc: MarkedYAMLError, filename: str) -> ConfigProblem:
    """A YAML syntax error at the mark where the parser gave up."""
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = exc.problem or exc.context or "unreadable YAML"
    if exc.context and exc.problem:
        problem = f"{problem} ({exc.context})"
    return ConfigProblem(filename, line, column, "", f"invalid YAML: {problem}")


def _reader_problem(exc: ReaderError, source: str, filename: str) -> ConfigProblem:
    """A character YAML refuses (control characters), located from its offset."""
    where = _locate(source, exc.position, "\n")
    message = f"invalid YAML: unacceptable character #x{exc.character:04x}: {exc.reason}"
    return ConfigProblem(filename, where.line, where.column, "", message)


def _locate(text: AnyStr, offset: int, newline: AnyStr) -> Position:
    """The line and column of a character (or byte) offset into ``text``."""
    before = text[:offset]
    return Position(before.count(newline) + 1, offset - before.rfind(newline))


def _is_empty(node: Node) -> bool:
    """A value written as nothing at all (``key:`` then a line break)."""
    return isinstance(node, ScalarNode) and node.value == "" and not node.style


def _position(node: Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


class _Converter:
    """Walks the composed node tree once, collecting data, positions and problems."""

    def __init__(
        self, filename: str, constructor: SafeConstructor, *, keep_positions: bool = True
    ) -> None:
        self.filename = filename
        self._keep_positions = keep_positions
        self.key_positions: dict[KeyPath, Position] = {}
        self.value_positions: dict[KeyPath, Position] = {}
        self.problems: list[ConfigProblem] = []
        self._constructor = constructor
        self._active: set[int] = set()
        self._values = 0

    def convert(self, node: Node, path: KeyPath) -> object:
        """Plain data for ``node``; records the node's position under ``path``."""
        self._values += 1
        if self._values > MAX_YAML_VALUES:  # aliases of aliases: an "alias bomb"
            where = _position(node)
            message = (
                f"the document expands to more than {MAX_YAML_VALUES:,} values (aliases "
                "repeating aliases?); telefonistka refuses it"
            )
            problem = ConfigProblem(self.filename, where.line, where.column, "", message)
            raise _TooManyValuesError(problem)
        if self._keep_positions:
            self.value_positions.setdefault(path, _position(node))
        if id(node) in self._active:
            self._problem(node, path, "an alias refers to the node that contains it")
            return None
        self._active.add(id(node))
        try:
            return self._convert_node(node, path)
        finally:
            self._active.discard(id(node))

    def _convert_node(self, node: Node, path: KeyPath) -> object:
        if isinstance(node, MappingNode):
            return self._convert_mapping(node, path)
        if isinstance(node, SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            return self._constructor.construct_object(node, deep=True)
        except (ConstructorError, ValueError, OverflowError) as exc:
            reason = getattr(exc, "problem", None) or str(exc)
            value = str(node.value)
            shown = value if len(value) <= _SHOWN else f"{value[:_SHOWN]}…"
            self._problem(node, path, f"invalid value {shown!r} (tag {node.tag}): {reason}")
            return None

    def _convert_mapping(self, node: MappingNode, path: KeyPath) -> dict[str, object]:
        """Explicit keys first (rejecting duplicates), then ``<<`` merges that fill gaps."""
        result: dict[str, object] = {}
        seen: dict[str, Position] = {}
        merges: list[tuple[Node, KeyPath]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merges.append((value_node, path))
                continue
            key = self._key_text(key_node, path)
            if key is None:
                continue
            if key in seen:
                first = seen[key]
                message = (
                    f"duplicate key '{key}' (first written at line {first.line}, "
                    f"column {first.column}); keep only one"
                )
                self._problem(key_node, (*path, key), message)
                continue
            seen[key] = _position(key_node)
            if self._keep_positions:
                self.key_positions.setdefault((*path, key), seen[key])
                if _is_empty(value_node):  # the parser marks it at the next token
                    end = key_node.end_mark
                    self.value_positions.setdefault(
                        (*path, key), Position(end.line + 1, end.column + 2)
                    )
            result[key] = self.convert(value_node, (*path, key))
        for merge_node, merge_path in merges:
            self._merge_into(result, merge_node, merge_path)
        return result

    def _merge_into(self, result: dict[str, object], node: Node, path: KeyPath) -> None:
        """Apply a YAML merge key (``<<: *defaults``): keys already set win."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                self._problem(source, path, "'<<' (merge) must refer to a mapping")
                continue
            merged = self.convert(source, path)
            if isinstance(merged, dict):
                for key, value in merged.items():
                    result.setdefault(key, value)

    def _key_text(self, key_node: Node, path: KeyPath) -> str | None:
        """The key as written; keys that are lists or mappings are rejected."""
        if isinstance(key_node, ScalarNode):
            return str(key_node.value)
        self._problem(key_node, path, "a key must be plain text, not a list or mapping")
        return None

    def _problem(self, node: Node, path: KeyPath, message: str) -> None:
        where = _position(node)
        self.problems.append(
            ConfigProblem(self.filename, where.line, where.column, format_key_path(path), message)
        )
