"""A first ``telefonistka.yaml`` guessed from a repository's folders (``telefonistka init``).

Why guess at all: a new user faces an empty file and a regex-valued schema. The folders
already say most of it: environment folders (``dev``, ``staging``, ``prod-eu``) side by
side under one parent, and the same component folders inside each. From the file paths
alone this module finds those parents, orders the environments by the stage their name
suggests, measures how deep the component folders sit (``env/<env>/<component>`` or
``clusters/<env>/<region>/<cluster>/<component>``), and proposes one flow per step from
one stage to the next, each line commented with what it was guessed from.

It never guesses from nothing: with no parent holding environment folders of at least
two stages, or with environments whose files sit directly in the environment folder
(nothing telefonistka could promote as a folder), it returns no flow and says why.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# The stage an environment's name suggests, earliest first. A name is read by its first
# word: ``prod-eu``, ``prod_us1`` and ``production`` are prod; ``preprod`` is not prod.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("dev", ("sandbox", "lab", "dev", "develop", "development")),
    ("test", ("test", "testing", "qa", "int", "integration", "e2e")),
    ("staging", ("stage", "staging", "stg", "uat", "preprod", "pre-prod", "nonprod")),
    ("prod", ("prod", "production", "prd", "live")),
)
_REGEX_SPECIAL = frozenset(".^$*+?()[]{}|\\")
_FILE_ENV = re.compile(r"^values[-_.]([a-z0-9-]+)\.ya?ml$")


def stage_of(name: str) -> int | None:
    """The stage index (0 dev … 3 prod) a folder name suggests, or None."""
    lowered = name.lower()
    for index, (_, words) in enumerate(STAGES):
        for word in words:
            if lowered == word or (lowered.startswith(word) and not lowered[len(word)].isalpha()):
                return index
    return None


@dataclass(frozen=True)
class Environment:
    """One environment folder and the folders promotion writes into below it."""

    name: str
    stage: int
    sites: tuple[str, ...]  # folders (relative, ending in "/") that hold the components


@dataclass(frozen=True)
class Layout:
    """A parent folder whose children are environments, and the depth of components."""

    parent: str  # "" for the repository root, else "clusters/"
    environments: tuple[Environment, ...]
    site_depth: int  # folder levels between an environment and its components
    examples: tuple[str, ...]  # component folders seen, for the explanation


@dataclass(frozen=True)
class Proposal:
    """What ``init`` proposes: the layouts found, the config text, and why."""

    layouts: tuple[Layout, ...] = ()
    reasons: tuple[str, ...] = ()
    text: str = ""
    problems: tuple[str, ...] = field(default=())

    @property
    def found(self) -> bool:
        return bool(self.layouts)


def propose_config(files: Iterable[str]) -> Proposal:
    """The proposal for a repository holding ``files`` (paths from its root)."""
    paths = sorted(p for p in files if not any(part.startswith(".") for part in p.split("/")))
    children: dict[str, set[str]] = defaultdict(set)
    for path in paths:
        parts = path.split("/")[:-1]
        for depth in range(len(parts)):
            children["".join(f"{p}/" for p in parts[:depth])].add(parts[depth])
    layouts: list[Layout] = []
    problems: list[str] = []
    for parent in sorted(children, key=lambda p: (p.count("/"), p)):
        if any(parent.startswith(found.parent) for found in layouts):
            continue
        envs = {name: stage for name in children[parent] if (stage := stage_of(name)) is not None}
        if len(set(envs.values())) < 2:
            continue
        layout = _layout(parent, envs, paths)
        if isinstance(layout, str):
            problems.append(layout)
        else:
            layouts.append(layout)
    if not layouts:
        return Proposal(problems=tuple(problems or [_nothing_found(paths)]))
    reasons = [line for layout in layouts for line in _explain(layout)]
    return Proposal(tuple(layouts), tuple(reasons), render_config(layouts), tuple(problems))


def _layout(parent: str, envs: dict[str, int], paths: Sequence[str]) -> Layout | str:
    """The layout under ``parent``, or why none can be promoted folder by folder."""
    folders_by_env: dict[str, set[str]] = defaultdict(set)
    for path in paths:
        if not path.startswith(parent):
            continue
        env, _, rest = path[len(parent) :].partition("/")
        if env in envs and rest:
            folders_by_env[env].add(rest.rpartition("/")[0])
    # The depth most folders holding files sit at is the component depth (ties: the
    # shallower): a region-level file or a component's own subfolders are outnumbered.
    depths = Counter(
        folder.count("/") + 1 for folders in folders_by_env.values() for folder in folders if folder
    )
    component_depth = min(depths, key=lambda d: (-depths[d], d)) if depths else 0
    if component_depth == 0:
        return (
            f"{parent or 'the repository root'} holds environment folders "
            f"({', '.join(sorted(envs))}), but their files sit directly in them: telefonistka "
            "promotes component folders inside an environment folder "
            f"(e.g. {parent}{min(envs)}/<component>/), so there is nothing to propose here"
        )
    environments = []
    examples = set()
    for env, stage in sorted(envs.items(), key=lambda item: (item[1], item[0])):
        sites = set()
        for folder in folders_by_env[env]:
            parts = folder.split("/")
            if len(parts) >= component_depth:
                sites.add("".join(f"{p}/" for p in parts[: component_depth - 1]))
                examples.add(f"{parent}{env}/{'/'.join(parts[:component_depth])}/")
        if sites:
            environments.append(Environment(env, stage, tuple(sorted(sites))))
    if len({env.stage for env in environments}) < 2:
        return f"{parent}: environment folders of only one stage hold components"
    return Layout(parent, tuple(environments), component_depth - 1, tuple(sorted(examples))[:3])


def _nothing_found(paths: Sequence[str]) -> str:
    """Why no layout was found, with a hint when environments are file names instead."""
    by_file = sorted({m.group(1) for p in paths if (m := _FILE_ENV.match(p.rpartition("/")[2]))})
    if len({stage_of(name) for name in by_file} - {None}) >= 2:
        return (
            f"environments appear as file names ({', '.join(f'values-{n}.yaml' for n in by_file)})"
            ", not folders: telefonistka promotes a component folder from one environment "
            "folder to the next (e.g. env/staging/web/ to env/prod/web/); move each "
            "environment's files into its own folder first"
        )
    return (
        "no folder holds environment folders of two stages or more (names such as dev, "
        "staging, prod, prod-eu): telefonistka promotes component folders from one "
        "environment folder to the next (env/<env>/<component>/); write telefonistka.yaml "
        "by hand (docs/configuration.md) or lay the repository out in such folders"
    )


def _explain(layout: Layout) -> list[str]:
    where = layout.parent or "the repository root"
    stages = " → ".join(
        "/".join(env.name for env in layout.environments if env.stage == stage)
        for stage in sorted({env.stage for env in layout.environments})
    )
    levels = layout.site_depth
    between = (
        "directly in each environment folder"
        if levels == 0
        else f"{levels} folder level{'s' if levels > 1 else ''} below each environment "
        "(regions, clusters: each one a target of its own)"
    )
    return [
        f"{where} holds environment folders; their names read as stages {stages}",
        f"components are the folders {between}, e.g. {', '.join(layout.examples)}",
    ]


def render_config(layouts: Sequence[Layout]) -> str:
    """The commented ``telefonistka.yaml`` for ``layouts``: one flow per stage step."""
    lines = [
        "# telefonistka.yaml: proposed by `telefonistka init` from this repository's folders.",
        "# Read it, adjust it, then check it with `telefonistka validate`.",
        "# Every key: docs/configuration.md. A flow's sourcePath is a regex matched from the",
        "# start of a changed file's path; the next folder is the component.",
        "promotionPaths:",
    ]
    for layout in layouts:
        stages = sorted({env.stage for env in layout.environments})
        for source_stage, target_stage in itertools.pairwise(stages):
            sources = [env for env in layout.environments if env.stage == source_stage]
            targets = [env for env in layout.environments if env.stage == target_stage]
            lines += _flow(layout, sources, targets)
    return "\n".join(lines) + "\n"


def _flow(
    layout: Layout, sources: Sequence[Environment], targets: Sequence[Environment]
) -> list[str]:
    names = ", ".join(env.name for env in sources)
    source_env = (
        _escape(sources[0].name)
        if len(sources) == 1
        else "(" + "|".join(_escape(env.name) for env in sources) + ")"
    )
    source = f"{_escape(layout.parent)}{source_env}/" + "[^/]*/" * layout.site_depth
    lines = [
        f"  # {names} → {', '.join(env.name for env in targets)}: a component changed in "
        f"{names} is promoted, one PR per target environment.",
        f"  - sourcePath: {_quoted(source)}",
    ]
    if layout.site_depth:
        lines.append(
            f"    # [^/]*/ stands for each of the {layout.site_depth} site level(s) "
            "(region, cluster) of the source"
        )
    if targets[0].stage == len(STAGES) - 1:
        lines += [
            "    # Production: promote only PRs labelled promote-to-prod (remove to promote all).",
            "    conditions:",
            "      prHasLabels: [promote-to-prod]",
        ]
    lines.append("    promotionPrs:")
    for env in targets:
        lines.append(f"      - targetDescription: {_quoted(env.name)}")
        lines.append("        targetPaths:")
        lines += [
            f"          - {_quoted(f'{layout.parent}{env.name}/{site}')}" for site in env.sites
        ]
    return lines


def _escape(name: str) -> str:
    """A folder name as an RE2 literal (only the metacharacters escaped)."""
    return "".join(f"\\{char}" if char in _REGEX_SPECIAL else char for char in name)


def _quoted(text: str) -> str:
    """A YAML single-quoted scalar: backslashes stay as they are, quotes doubled."""
    return "'" + text.replace("'", "''") + "'"
