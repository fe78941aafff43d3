"""Branch names the bot may write: git's ref-name rules, and the bot's own namespaces.

Why this exists: a branch name travels into a URL path (``/git/refs/heads/{name}``), and
an HTTP client normalises ``..`` segments before sending. A version bump whose inputs held
``x/../..`` once built a name that reached GitHub as ``heads/main`` and force-moved the
default branch. So every name the bot builds is checked here before any request, and the
GitHub adapter refuses to create or move any branch outside ``BOT_NAMESPACES``: the
default branch and people's branches are written only by merging a PR.

The rules are ``git check-ref-format``'s (see ``git help check-ref-format``), plus two of
GitHub's: no leading ``-`` and at most 255 bytes.
"""

from __future__ import annotations

from telefonistka.core.github.repo_paths import control_character
from telefonistka.errors import RefNameError

PROMOTION_NAMESPACE = "promotions/"
BUMP_NAMESPACE = "artifact_version_bump/"
ROLLBACK_NAMESPACE = "rollbacks/"
# Every branch the bot creates or moves starts with one of these; add a new feature's here.
BOT_NAMESPACES: tuple[str, ...] = (PROMOTION_NAMESPACE, BUMP_NAMESPACE, ROLLBACK_NAMESPACE)
MAX_REF_BYTES = 255
_FORBIDDEN = frozenset(" ~^:?*[\\")


def ref_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid branch name, in a few words; None when it is valid."""
    if not name:
        return "it is empty"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_REF_BYTES:
        return f"it is longer than {MAX_REF_BYTES} bytes"
    bad = control_character(name)
    if bad is not None:
        return f"it contains the control character {bad!r}"
    forbidden = sorted(set(name) & _FORBIDDEN)
    if forbidden:
        return f"it contains {forbidden[0]!r}"
    for piece, why in (("..", "'..'"), ("@{", "'@{'"), ("//", "an empty path component")):
        if piece in name:
            return f"it contains {why}"
    return _shape_problem(name)


def _shape_problem(name: str) -> str | None:
    """The rules about where a character may stand: ends, components, ``@``."""
    rules = (
        (name == "@", "it is '@'"),
        (name.startswith("-"), "it starts with '-'"),
        (name.startswith("/") or name.endswith("/"), "it starts or ends with '/'"),
        (name.endswith("."), "it ends with '.'"),
    )
    problem = next((why for broken, why in rules if broken), None)
    for component in name.split("/"):
        if problem is None and component.startswith("."):
            problem = f"its component {component!r} starts with '.'"
        if problem is None and component.endswith(".lock"):
            problem = f"its component {component!r} ends with '.lock'"
    return problem


def check_branch_name(name: str, what: str = "branch name") -> str:
    """``name`` when it is a valid git branch name, else ``RefNameError`` saying why."""
    problem = ref_name_problem(name)
    if problem is not None:
        raise RefNameError(f"{what} {name!r} is not a valid git branch name: {problem}")
    return name


def is_bot_branch(name: str) -> bool:
    """Whether ``name`` is a valid branch name inside one of the bot's own namespaces."""
    return ref_name_problem(name) is None and name.startswith(BOT_NAMESPACES)
