"""Which components a change touches (SPEC section 4). Filled in by the planner work."""

from __future__ import annotations

from dataclasses import dataclass


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
