"""telefonistka: a GitOps promotion bot for Infrastructure-as-Code repositories.

The package is split the way data flows: ``core`` is pure (config, change detection,
planning, sync, drift, rendering) and works on plain data; ``adapters`` talk to git,
GitHub and HTTP; ``cli`` and ``entrypoint.py`` only wire an input to the two.
"""

__version__ = "0.1.0"
