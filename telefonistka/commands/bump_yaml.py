"""Old import path of ``yaml_edit``; it lives in ``telefonistka.usecases.bump_edits``."""

from telefonistka.usecases.bump_edits import yaml_edit

__all__ = ["yaml_edit"]
