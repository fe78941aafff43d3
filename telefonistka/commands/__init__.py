"""Old import paths of the bump edits, kept working: use ``telefonistka.usecases.bump_edits``.

The subcommands themselves live in ``telefonistka.cli``.
"""
