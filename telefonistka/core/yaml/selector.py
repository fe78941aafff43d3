"""A parser for the yq-style selectors ``bump-yaml`` accepts (a small, pure subset of yq).

The Go original hands the selector to yq; we implement the part a version bump needs,
so a selector that works there works here and anything else fails loudly instead of
being half-understood:

- ``.`` (the document), ``.key``, ``."quoted key"``, ``.["key"]``, chained (``.a.b``);
- ``[N]`` / ``.[N]`` (negative counts from the end) and ``[]`` / ``.[]`` (every item of
  a sequence, every value of a mapping);
- ``A | B`` (apply B to every node A selects);
- ``select(PATH == LITERAL)`` and ``!=``, where ``PATH`` is relative (``.name``) and
  ``LITERAL`` is a quoted string or a bare number / ``true`` / ``false`` / ``null``,
  compared with the scalar's text.

The result is a tuple of steps; ``core.bump`` walks them over composed YAML nodes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import NoReturn

from telefonistka.errors import BumpError


@dataclass(frozen=True)
class Key:
    """``.name``: the value of mapping key ``name``."""

    name: str


@dataclass(frozen=True)
class Index:
    """``[n]``: sequence item ``n`` (negative counts from the end)."""

    index: int


@dataclass(frozen=True)
class Each:
    """``[]``: every item of a sequence or every value of a mapping."""


@dataclass(frozen=True)
class Select:
    """``select(path == literal)`` (or ``!=``): keep the nodes where the test holds."""

    path: tuple[Step, ...]
    literal: str
    equal: bool


Step = Key | Index | Each | Select

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<select>select\s*\()
    | (?P<op>==|!=)
    | (?P<punct>[.\[\]|()])
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<word>[A-Za-z_][\w\-/]*)
    )""",
    re.VERBOSE,
)


def parse_selector(text: str) -> tuple[Step, ...]:
    """The steps of ``text``; a ``BumpError`` names the position of anything unsupported."""
    parser = _Parser(text)
    steps = parser.path(top=True)
    if parser.peek() is not None:
        parser.fail("unexpected text")
    if not steps and text.strip() != ".":
        parser.fail("empty selector")
    return steps


class _Parser:
    """A recursive-descent parser over ``_TOKEN`` matches."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def fail(self, why: str) -> NoReturn:
        """Raise with the selector and where parsing stopped, so the user can fix it."""
        where = self.tokens[self.pos][2] if self.pos < len(self.tokens) else len(self.text)
        raise BumpError(
            f"yq selector {self.text!r}: {why} at character {where + 1}; supported: "
            '.key, ."key", [N], [], |, select(.path == "value")'
        )

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            self.fail(f"expected {value or kind}")
        self.pos += 1
        return token[1]

    def text_of_next(self) -> str:
        token = self.peek()
        return token[1] if token is not None else ""

    def at(self, kind: str, value: str | None = None) -> bool:
        token = self.peek()
        return token is not None and token[0] == kind and (value is None or token[1] == value)

    def path(self, *, top: bool) -> tuple[Step, ...]:
        """Segments and (at the top level) pipes, up to ``)``, an operator or the end."""
        steps: list[Step] = []
        while (token := self.peek()) is not None:
            if token == ("punct", "|", token[2]) and top:
                self.pos += 1
            elif token[0] == "select" and top:
                steps.append(self.select())
            elif token[0] == "punct" and token[1] in ".[":
                steps.extend(self.segment())
            else:
                break
        return tuple(steps)

    def segment(self) -> list[Step]:
        """One ``.x``, ``."x"``, ``.[...]`` or ``[...]`` (a lone ``.`` selects nothing new)."""
        if self.at("punct", "."):
            self.pos += 1
            token = self.peek()
            if token is not None and token[0] in ("word", "number"):
                self.pos += 1
                return [Key(token[1])]
            if self.at("string"):
                return [Key(json.loads(self.take("string")))]
            if not self.at("punct", "["):
                return []
        return [self.bracket()]

    def bracket(self) -> Step:
        """``[]``, ``[N]`` or ``["key"]``."""
        self.take("punct", "[")
        step: Step
        if self.at("punct", "]"):
            step = Each()
        elif self.at("number") and "." not in self.text_of_next():
            step = Index(int(self.take("number")))
        elif self.at("string"):
            step = Key(json.loads(self.take("string")))
        else:
            self.fail("expected ], a number or a quoted key")
        self.take("punct", "]")
        return step

    def select(self) -> Select:
        """``select(PATH OP LITERAL)``."""
        self.take("select")
        path = self.path(top=False)
        equal = self.take("op") == "=="
        literal = self.literal()
        self.take("punct", ")")
        return Select(path, literal, equal)

    def literal(self) -> str:
        """A quoted string (JSON escapes) or a bare number / word, as the text to compare."""
        if self.at("string"):
            return str(json.loads(self.take("string")))
        if self.at("number"):
            return self.take("number")
        return self.take("word")


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) for every token; unknown characters are an error."""
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None or match.lastgroup is None:
            raise BumpError(f"yq selector {text!r}: unsupported syntax at character {pos + 1}")
        kind = match.lastgroup
        tokens.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return tokens


def describe(steps: tuple[Step, ...]) -> str:
    """The steps written back as a selector, for messages."""
    return "".join(_describe_step(step) for step in steps) or "."


def _describe_step(step: Step) -> str:
    if isinstance(step, Key):
        return (
            f".{step.name}" if re.fullmatch(r"[A-Za-z_][\w\-/]*", step.name) else f'."{step.name}"'
        )
    if isinstance(step, Index):
        return f"[{step.index}]"
    if isinstance(step, Each):
        return "[]"
    op = "==" if step.equal else "!="
    return f" | select({describe(step.path)} {op} {json.dumps(step.literal)}) | "
