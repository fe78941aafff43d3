"""Adapters: the only modules that talk to git, GitHub or HTTP."""
