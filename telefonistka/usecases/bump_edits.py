"""The three bump edits, as functions of a file's bytes: what both front doors build.

The CLI's ``bump-*`` commands and the Action's ``bump-type`` input name the same three
kinds; each becomes an ``Edit`` here, so neither door carries its own copy of the rules
(which live, pure, in ``core.bump``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from telefonistka.core.bump import (
    compile_replacement,
    decode_text,
    overwrite,
    replace_regex,
    set_yaml,
)

Edit = Callable[[bytes | None], bytes]
"""A bump edit: the file's current bytes (None when absent) → its new bytes."""


def overwrite_edit(content: bytes) -> Edit:
    """Replace the whole file (or create it) with ``content``."""
    return functools.partial(overwrite, content=content)


def regex_edit(path: str, pattern: str, replacement: str) -> Edit:
    """Decode, replace every match of ``pattern``, encode (the file must exist).

    The pattern and the replacement are checked here, when the edit is built, so a
    Python-style ``\\1`` or a bad pattern stops the bump before any request."""
    compile_replacement(pattern, replacement)

    def edit(current: bytes | None) -> bytes:
        return replace_regex(decode_text(current, path), pattern, replacement, path).encode()

    return edit


def yaml_edit(path: str, address: str, value: str) -> Edit:
    """Decode, set every scalar the yq selector ``address`` selects, encode."""

    def edit(current: bytes | None) -> bytes:
        return set_yaml(decode_text(current, path), address, value, path).encode()

    return edit
