"""Vendor the part of GitHub's public GraphQL schema that telefonistka's queries use.

Reads ``schema.graphql`` of octokit/graphql-schema (GitHub's public schema, MIT), checks
every document in ``telefonistka.adapters.github.queries.DOCUMENTS`` against it, and writes
``tests/fixtures/graphql/github-schema-trimmed.graphql``: the root fields, types and fields
those documents select, each field with all its arguments as GitHub declares them, and
every input object, enum and scalar those arguments and variables name. The GitHub emulator
builds its schema from that file and refuses any query it does not validate against, as
GitHub would; a query valid against the trimmed schema is valid against the whole one.

Usage: python scripts/vendor_graphql_schema.py SOURCE [DEST]
  (SOURCE: a checkout's schema.graphql, e.g. ``git show HEAD:schema.graphql`` of
  https://github.com/octokit/graphql-schema)
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_schema,
    get_named_type,
    parse,
    print_ast,
    validate,
    visit,
)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEST = ROOT / "tests" / "fixtures" / "graphql" / "github-schema-trimmed.graphql"
BUILT_IN = {"String", "Int", "Float", "Boolean", "ID"}


def load_full(text: str) -> GraphQLSchema:
    """GitHub's schema as published. It breaks two rules graphql-core enforces (a few
    fields declared twice, deprecated fields implementing non-deprecated interface
    fields); neither touches the fields we use, so the schema check is skipped here, and
    the trimmed output is built strictly."""
    schema = build_schema(text, assume_valid_sdl=True)
    schema._validation_errors = []
    return schema


class _Used(Visitor):
    """The (type, field) pairs, fragment types and variable types a document names."""

    def __init__(self, info: TypeInfo, fields: dict[str, set[str]], named: set[str]) -> None:
        super().__init__()
        self.info, self.fields, self.named = info, fields, named

    def enter_field(self, node, *_args):  # type: ignore[no-untyped-def]
        parent = self.info.get_parent_type()
        if parent is not None and not node.name.value.startswith("__"):
            self.fields[parent.name].add(node.name.value)

    def enter_inline_fragment(self, node, *_args):  # type: ignore[no-untyped-def]
        if node.type_condition is not None:
            self.named.add(node.type_condition.name.value)

    def enter_variable_definition(self, node, *_args):  # type: ignore[no-untyped-def]
        inner = node.type
        while hasattr(inner, "type"):
            inner = inner.type
        self.named.add(inner.name.value)


def used_by(schema: GraphQLSchema, documents: list[str]) -> tuple[dict[str, set[str]], set[str]]:
    fields: dict[str, set[str]] = defaultdict(set)
    named: set[str] = set()
    for text in documents:
        document = parse(text)
        errors = validate(schema, document)
        if errors:
            raise SystemExit(f"a query does not validate against GitHub's schema: {errors}")
        info = TypeInfo(schema)
        visit(document, TypeInfoVisitor(info, _Used(info, fields, named)))
    return fields, named


def trim(schema: GraphQLSchema, fields: dict[str, set[str]], named: set[str]) -> str:
    """The SDL of the used part of ``schema`` (sorted, without descriptions)."""
    keep: dict[str, set[str]] = defaultdict(set)  # object/interface → fields kept
    whole: set[str] = set()  # input objects, enums, scalars: kept entire
    queue = [schema.get_type(name) for name in sorted(set(fields) | named)]

    def need(kind: GraphQLNamedType) -> None:
        if kind.name not in keep and kind.name not in whole:
            queue.append(kind)

    while queue:
        kind = queue.pop()
        if kind is None:
            raise SystemExit("a type the documents name is not in the schema")
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            chosen = set(fields.get(kind.name, ())) or {next(iter(kind.fields))}
            keep[kind.name] |= chosen
            for name in chosen:
                field = kind.fields[name]
                need(get_named_type(field.type))
                for arg in field.args.values():
                    need(get_named_type(arg.type))
        else:
            whole.add(kind.name)
            if isinstance(kind, GraphQLInputObjectType):
                for value in kind.fields.values():
                    need(get_named_type(value.type))
    _implementations(schema, keep)
    return "\n\n".join(_sdl(schema, name, keep) for name in sorted(set(keep) | whole))


def _implementations(schema: GraphQLSchema, keep: dict[str, set[str]]) -> None:
    """Every object type of a kept interface is kept (GitHub may answer any of them: an
    ``Actor`` is a ``User`` or a ``Bot``), and each kept type has the fields of the kept
    interfaces it implements; repeated until nothing is added."""
    while True:
        before = sum(len(fields) for fields in keep.values()) + len(keep)
        for name in list(keep):
            kind = schema.get_type(name)
            if isinstance(kind, GraphQLInterfaceType):
                for possible in schema.get_possible_types(kind):
                    keep[possible.name] |= keep[name]
            if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
                for interface in kind.interfaces:
                    if interface.name in keep:
                        keep[name] |= keep[interface.name]
        if sum(len(fields) for fields in keep.values()) + len(keep) == before:
            return


def _sdl(schema: GraphQLSchema, name: str, keep: dict[str, set[str]]) -> str:
    kind = schema.get_type(name)
    if isinstance(kind, GraphQLScalarType):
        return "" if name in BUILT_IN else f"scalar {name}"
    if isinstance(kind, GraphQLEnumType):
        values = "\n".join(f"  {value}" for value in kind.values)
        return f"enum {name} {{\n{values}\n}}"
    if isinstance(kind, GraphQLUnionType):
        members = [m.name for m in kind.types if m.name in keep]
        return f"union {name} = {' | '.join(sorted(members))}"
    if isinstance(kind, GraphQLInputObjectType):
        lines = [f"  {_value(field_name, v)}" for field_name, v in kind.fields.items()]
        return f"input {name} {{\n" + "\n".join(lines) + "\n}"
    if not isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
        raise SystemExit(f"{name}: a kind of type this script does not write")
    interfaces = sorted(i.name for i in kind.interfaces if i.name in keep)
    head = ("interface " if isinstance(kind, GraphQLInterfaceType) else "type ") + name
    if interfaces:
        head += " implements " + " & ".join(interfaces)
    lines = []
    for field_name in sorted(keep[name]):
        field = kind.fields[field_name]
        args = ", ".join(_value(arg_name, arg) for arg_name, arg in field.args.items())
        lines.append(f"  {field_name}{f'({args})' if args else ''}: {field.type}")
    return head + " {\n" + "\n".join(lines) + "\n}"


def _value(name: str, value: object) -> str:
    text = f"{name}: {value.type}"  # type: ignore[attr-defined]
    node = getattr(value, "ast_node", None)
    if node is not None and node.default_value is not None:
        text += f" = {print_ast(node.default_value)}"
    return text


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    from telefonistka.adapters.github.queries import DOCUMENTS  # noqa: PLC0415 - sys.path

    schema = load_full(Path(argv[0]).read_text(encoding="utf-8"))
    fields, named = used_by(schema, list(DOCUMENTS))
    body = "\n\n".join(part for part in trim(schema, fields, named).split("\n\n") if part)
    dest = Path(argv[1]) if len(argv) > 1 else DEST
    dest.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "# GitHub's public GraphQL schema (octokit/graphql-schema, MIT, Copyright GitHub),\n"
        "# trimmed to what telefonistka's queries use: scripts/vendor_graphql_schema.py.\n"
        "schema { query: Query mutation: Mutation }\n\n"
    )
    dest.write_text(header + body + "\n", encoding="utf-8")
    build_schema(dest.read_text(encoding="utf-8"))  # the trimmed schema is valid as it is
    print(f"wrote {dest} ({dest.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
