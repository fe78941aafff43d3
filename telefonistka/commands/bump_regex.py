"""Old import path of ``regex_edit``; it lives in ``telefonistka.usecases.bump_edits``."""

from telefonistka.usecases.bump_edits import regex_edit

__all__ = ["regex_edit"]
