"""Old import path of the version-bump use case, kept working for library callers.

The use case lives in ``telefonistka.usecases.bump_version``, its edits in
``telefonistka.usecases.bump_edits``.
"""

from telefonistka.usecases.bump_edits import Edit
from telefonistka.usecases.bump_version import BumpOutcome, BumpRequest, BumpStatus, bump

__all__ = ["BumpOutcome", "BumpRequest", "BumpStatus", "Edit", "bump"]
