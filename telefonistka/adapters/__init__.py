"""The adapters: the only code that does I/O (git, GitHub's API, outgoing webhooks).

They implement the seams of ``telefonistka.ports`` and import only the core, the ports
and the errors, never a use case or a front door.
"""
