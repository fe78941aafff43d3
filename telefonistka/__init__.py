"""telefonistka: a GitOps promotion bot for Infrastructure-as-Code repositories.

Layers, bottom up (docs/architecture.md): ``errors`` and ``ports`` (the seams); ``core``,
pure (config, change detection, planning, sync, drift, rendering); ``adapters``, the I/O
(git, GitHub, webhooks); ``usecases``, one per job the bot does; and the two front
doors, ``action`` (the GitHub Action, run by ``entrypoint.py``) and ``cli``.
"""

__all__ = ["__version__"]

try:  # written from the git tag by setuptools-scm when the package is built or installed
    from telefonistka._version import __version__
except ImportError:  # a plain checkout that was never installed
    __version__ = "0.0.0+unknown"
