"""The package's layout rules, read from the source with ``ast``: no import cycle, and
each layer imports only the layers below it (docs/architecture.md says why).

Every import counts: at module level, inside functions (the Action's lazy handlers) and
under ``if TYPE_CHECKING:``, since a cycle a type checker sees is still a cycle a reader
has to untangle. ``importlib.import_module`` with a computed name (the CLI's subcommand
registry) is not an import statement and is not seen here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "telefonistka"
MAX_ROOT_MODULES = 6
MAX_ADAPTER_LINES = 350

# Which top-level parts of the package a part may import (itself always allowed).
# ``errors`` and ``ports`` are the ground floor; ``core`` is pure; adapters do I/O;
# use cases combine them through the ports; the two front doors sit on top, apart.
ALLOWED: Mapping[str, frozenset[str]] = {
    "errors": frozenset(),
    "ports": frozenset({"core"}),  # the plain values it names (under TYPE_CHECKING)
    "core": frozenset({"errors", "ports"}),
    "adapters": frozenset({"core", "errors", "ports"}),
    "usecases": frozenset({"core", "errors", "ports", "__init__"}),
    "action": frozenset({"usecases", "adapters", "core", "errors", "ports", "__init__"}),
    "cli": frozenset({"usecases", "adapters", "core", "errors", "ports", "demo", "__init__"}),
    "demo": frozenset(),
    "__init__": frozenset(),
    "__main__": frozenset({"cli"}),
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# Written by setuptools-scm from the git tag at install time; not the project's code.
GENERATED = frozenset({PACKAGE / "_version.py"})


def source_files() -> list[Path]:
    """The package's own modules (generated files left out)."""
    return [path for path in sorted(PACKAGE.rglob("*.py")) if path not in GENERATED]


def package_modules() -> dict[str, Path]:
    return {module_name(p): p for p in source_files()}


def imports_of(name: str, path: Path, known: Mapping[str, Path]) -> set[str]:
    """The package modules ``path`` imports, by any import statement anywhere in it."""
    found: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = name.split(".")
                parent = parent if is_package else parent[:-1]
                parent = parent[: len(parent) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {target for target in found if target in known and target != name}


def import_graph() -> dict[str, set[str]]:
    known = package_modules()
    return {name: imports_of(name, path, known) for name, path in known.items()}


def cycles(graph: Mapping[str, set[str]]) -> Iterator[list[str]]:
    """Every strongly connected component of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    yield from sorted(found)


def part_of(module: str) -> str:
    """``telefonistka.core.config.model`` → ``core``; ``telefonistka`` → ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_the_import_graph_is_read_from_the_source() -> None:
    """The control: the reader sees module-level, lazy and TYPE_CHECKING imports alike."""
    graph = import_graph()

    assert "telefonistka.core.config.model" in graph["telefonistka.core.config.validation"]
    assert (
        "telefonistka.usecases.promote_merged_pr" in graph["telefonistka.action.handlers.promotion"]
    )  # imported inside the handler function
    assert "telefonistka.adapters.github" in graph["telefonistka.action.context"]  # TYPE_CHECKING
    assert "telefonistka.adapters.github.session" in graph["telefonistka.adapters.github.refs"]


def test_the_package_has_no_import_cycle() -> None:
    assert list(cycles(import_graph())) == []


def test_a_cycle_is_reported_with_every_module_in_it() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

    assert list(cycles(graph)) == [["a", "b", "c"]]


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_each_part_imports_only_the_layers_below_it(part: str) -> None:
    graph = import_graph()
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if part_of(module) == part
        for target in targets
        if part_of(target) != part and part_of(target) not in ALLOWED[part]
    )

    assert wrong == []


def test_every_part_of_the_package_has_a_rule() -> None:
    assert {part_of(module) for module in package_modules()} <= set(ALLOWED)


def test_the_two_front_doors_do_not_import_each_other() -> None:
    graph = import_graph()
    crossing = [
        (module, target)
        for module, targets in graph.items()
        for target in targets
        if {part_of(module), part_of(target)} == {"action", "cli"}
    ]

    assert crossing == []


def test_the_package_root_holds_at_most_six_modules() -> None:
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))

    assert len(modules) <= MAX_ROOT_MODULES, modules


def test_no_adapter_module_is_over_350_lines() -> None:
    long = {
        str(path.relative_to(PACKAGE)): lines
        for path in (PACKAGE / "adapters").rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_ADAPTER_LINES
    }

    assert long == {}


def test_the_old_library_paths_are_gone() -> None:
    """``telefonistka/bump.py`` and ``telefonistka/commands/`` were never published: removed,
    and nothing in the package, the tests, the benchmarks or the docs names them."""
    assert not (PACKAGE / "bump.py").exists()
    assert not (PACKAGE / "commands").exists()
    root = PACKAGE.parent
    texts = [*root.glob("telefonistka/**/*.py"), *root.glob("bench/*.py"), *root.glob("docs/*.md")]
    naming = sorted(
        str(path.relative_to(root))
        for path in texts
        if re.search(r"telefonistka\.(bump|commands)\.\w", path.read_text(encoding="utf-8"))
    )

    assert naming == []


ARCHITECTURE = PACKAGE.parent / "docs" / "architecture.md"


def doc_tokens() -> set[str]:
    """Every backticked word of docs/architecture.md (paths, module names, globs)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    return {token for chunk in text.split("`")[1::2] for token in chunk.replace(",", " ").split()}


def test_every_path_the_architecture_doc_names_exists() -> None:
    root = PACKAGE.parent
    missing = sorted(
        token
        for token in doc_tokens()
        if token.endswith(".py")
        and "/" in token
        and "*" not in token
        and "<" not in token
        and not (PACKAGE / token).exists()
        and not (root / token).exists()
    )

    assert missing == []


def test_the_architecture_doc_names_every_module() -> None:
    """By its path; by its name in a row that names its folder (``adapters/github/``); or
    by a pattern for a whole folder (``action/handlers/*.py``, ``cli/<subcommand>.py``)."""
    tokens = doc_tokens()
    named = {token.rstrip("/") for token in tokens if token.endswith("/")}
    whole = {token.split("/*")[0] for token in tokens if "/*" in token}
    whole |= {token.split("/<")[0] for token in tokens if "/<" in token}
    unnamed = []
    for path in source_files():
        relative, folder = str(path.relative_to(PACKAGE)), str(path.parent.relative_to(PACKAGE))
        if path.name in {"__init__.py", "__main__.py"} or relative in tokens or folder in whole:
            continue
        if not (path.name in tokens and folder in named):
            unnamed.append(relative)

    assert sorted(unnamed) == []


def test_core_is_grouped_by_domain() -> None:
    """``core/`` keeps at most three single-module concepts at its root; everything else
    lives in a folder named after its domain, whose ``__init__`` is a docstring only (so
    importing one module of a room loads nothing else of it)."""
    core = PACKAGE / "core"
    root_modules = sorted(p.name for p in core.glob("*.py") if p.name != "__init__.py")
    assert len(root_modules) <= 3, root_modules
    rooms = sorted(p for p in core.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert {room.name for room in rooms} >= {"config", "promotion", "drift", "argocd", "fleet"}
    for room in rooms:
        tree = ast.parse((room / "__init__.py").read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), room.name
        assert len(tree.body) == 1, f"{room.name}/__init__.py holds more than its docstring"
