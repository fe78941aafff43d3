"""Reading the optional ``<component>/telefonistka.yaml`` files of the changed components.

Every backend does the same: the snapshot says which of those files exist (no 404
probing), and their blobs come in one ``BlobReader`` batch.
"""

from __future__ import annotations

from collections.abc import Iterable

from telefonistka.core.config.model import COMPONENT_CONFIG_FILE, ComponentConfig
from telefonistka.core.config.validation import load_component_config
from telefonistka.core.promotion.changes import ChangedComponent
from telefonistka.core.promotion.snapshot import Mode, TreeSnapshot
from telefonistka.ports import BlobReader

_CONFIG_MODES = frozenset({Mode.FILE, Mode.EXECUTABLE})


def read_component_configs(
    blobs: BlobReader, snapshot: TreeSnapshot, components: Iterable[ChangedComponent]
) -> dict[str, ComponentConfig]:
    """The component configurations present in ``snapshot``, read in one blob batch.

    Only regular files count: a symlinked ``telefonistka.yaml`` would be read as the
    link's target path, not as YAML.
    """
    files = component_config_files(snapshot, components)
    contents = blobs.read_blobs(oid for _, oid in files.values())
    return {path: load_component_config(contents[oid], name) for path, (name, oid) in files.items()}


def component_config_files(
    snapshot: TreeSnapshot, components: Iterable[ChangedComponent]
) -> dict[str, tuple[str, str]]:
    """Component folder → (its ``telefonistka.yaml`` path, blob id), for those that have one.

    Only regular files count: a symlinked ``telefonistka.yaml`` would be read as the
    link's target path, not as YAML.
    """
    files: dict[str, tuple[str, str]] = {}
    for component in components:
        name = f"{component.path}/{COMPONENT_CONFIG_FILE}"
        entry = snapshot.entry(name)
        if entry is not None and entry.mode in _CONFIG_MODES:
            files[component.path] = (name, entry.oid)
    return files
