"""Kept fields: the source file is promoted, then each kept value is set back to the
target's, with the version bumps' round-trip editor (every other byte of the source file
stays: comments, order, quoting).

Pure: texts in, text and notes out. Which files, and reading and writing their blobs, is
the promotion use case's job (``usecases.promotion``).

The rules (docs/configuration.md, "What travels and what stays"):

- a selector that reaches one value in both files: the target's value is written into
  the source file (nothing when they are equal);
- a selector the target file lacks: the source value travels, and the PR says so;
- a selector that reaches nothing in the source: a note, not an error;
- a selector that reaches several values in either file: nothing is set (which target
  value goes where is not knowable), and the PR says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from telefonistka.core.bump import set_yaml, yaml_scalars
from telefonistka.errors import BumpError


@dataclass(frozen=True)
class KeptField:
    """What happened to one kept field of one target file."""

    path: str  # the target file's repository path
    selector: str
    how: str  # "kept", "same", "not in target", "not in source", "several", "error"
    target_value: str = ""
    source_value: str = ""
    detail: str = ""  # the reason, for "error"


@dataclass(frozen=True)
class KeptFields:
    text: str  # the source file with the kept values set back
    fields: tuple[KeptField, ...]


def keep_fields(
    source_text: str, target_text: str, selectors: Sequence[str], path: str
) -> KeptFields:
    """``source_text`` with each selected value set to ``target_text``'s (see module doc)."""
    text = source_text
    notes: list[KeptField] = []
    for selector in selectors:
        try:
            wanted = yaml_scalars(target_text, selector, path)
            present = yaml_scalars(text, selector, path)
        except BumpError as exc:
            notes.append(KeptField(path, selector, "error", detail=str(exc)))
            continue
        if not present:
            notes.append(KeptField(path, selector, "not in source"))
        elif not wanted:
            notes.append(KeptField(path, selector, "not in target", source_value=present[0]))
        elif len(wanted) > 1 or len(present) > 1:
            notes.append(KeptField(path, selector, "several"))
        elif wanted[0] == present[0]:
            notes.append(KeptField(path, selector, "same", wanted[0], present[0]))
        else:
            try:
                text = set_yaml(text, selector, wanted[0], path)
            except BumpError as exc:
                notes.append(KeptField(path, selector, "error", detail=str(exc)))
                continue
            notes.append(KeptField(path, selector, "kept", wanted[0], present[0]))
    return KeptFields(text, tuple(notes))
