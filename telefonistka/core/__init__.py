"""The pure core: no network, no subprocess, no environment variables.

Everything here works on plain data (config objects, file lists, tree snapshots, labels)
so every adapter (local git, GitHub, tests) reuses the same rules.
"""
