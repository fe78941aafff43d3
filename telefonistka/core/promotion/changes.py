"""Which components a change touches (docs/planning.md, section 1).

Pure: takes file paths and the repo configuration, returns component folders. Each file
is claimed by the *first* ``promotionPaths`` entry whose ``^<sourcePath>`` regex matches
it, whatever that entry's conditions say: conditions decide *how* a component is promoted
(``telefonistka.core.promotion.planning``), not *which* component a file belongs to. A file that
does not sit inside a full component folder is not a component change, and it is not
offered to later entries either (the first match owns it, as in the Go original).

Source paths normally end with ``/``. A configured ``sourcePath`` without a trailing
slash is treated as if it had one, so ``dev`` claims ``dev/app/values.yaml`` but never
``devtools/app/values.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telefonistka.core.config.model import RepoConfig
from telefonistka.core.config.regex import Regex, compile_regex

# (compiled sourcePath, componentPathExtraDepth) for each promotionPaths entry, in order.
_Claimer = tuple[Regex, int]


@dataclass(frozen=True, order=True)
class ChangedComponent:
    """A component folder touched by a change.

    ``source_path`` is the concrete source prefix the file matched (the configured regex
    expanded to real folder names, ending with ``/``); ``name`` is the component's folder
    name below it, with ``/`` inside when ``componentPathExtraDepth`` > 0.
    """

    source_path: str
    name: str

    @property
    def path(self) -> str:
        """The component folder path, e.g. ``clusters/staging/us-central1/c2/prometheus``."""
        return f"{self.source_path}{self.name}"


def folder_prefix(path: str) -> str:
    """A literal folder prefix ending with ``/`` (``""``, the repo root, stays as is)."""
    return path if not path or path.endswith("/") else f"{path}/"


def source_regex(source_path: str) -> Regex:
    """The compiled ``sourcePath`` regex (RE2: ``core.regex``), anchored at the path start.

    A pattern without a trailing ``/`` gets one (wrapped in a group so alternations stay
    whole), so a match always ends on a folder boundary.
    """
    if source_path and not source_path.endswith("/"):
        source_path = f"(?:{source_path})/"
    return compile_regex(source_path)


def find_changed_components(files: Iterable[str], config: RepoConfig) -> list[ChangedComponent]:
    """The components touched by ``files`` (all names of renames included), sorted, unique."""
    claimers = _claimers(config)
    found = {component for path in files if (component := _claim(path, claimers))}
    return sorted(found)


def components_from_folders(folders: Iterable[str], config: RepoConfig) -> list[ChangedComponent]:
    """The components named by ``promotedPaths`` of promotion-PR metadata.

    Those are component folder paths without a trailing slash; a folder counts like a
    file inside it, so the same claiming rules apply.
    """
    return find_changed_components((f"{f.strip('/')}/" for f in folders), config)


def _claimers(config: RepoConfig) -> list[_Claimer]:
    """Compile every flow's source path once per call."""
    return [
        (source_regex(flow.source_path), flow.component_path_extra_depth)
        for flow in config.promotion_paths
    ]


def _claim(path: str, claimers: Sequence[_Claimer]) -> ChangedComponent | None:
    """The component of ``path`` under the first matching flow; None when not in one."""
    for regex, depth in claimers:
        found = regex.match(path)
        if found:
            return _component_at(path, found.end(), depth)
    return None


def _component_at(path: str, end: int, depth: int) -> ChangedComponent | None:
    """The ``1 + depth`` folders after ``path[:end]``, if the path lies below all of them."""
    prefix = path[:end]
    if prefix and not prefix.endswith("/"):
        return None
    parts = path[end:].split("/")
    name_parts = parts[: depth + 1]
    if len(parts) <= depth + 1 or not all(name_parts):
        return None
    return ChangedComponent(prefix, "/".join(name_parts))
