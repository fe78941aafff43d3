"""The files an Actions runner gives a step, read back the way the runner reads them.

Shared by the end-to-end tests and the benchmark (bench/measure.py), which both run
``entrypoint.py`` as a container step and check what it wrote.
"""

from __future__ import annotations

from pathlib import Path


def read_outputs(path: Path) -> dict[str, str]:
    """``$GITHUB_OUTPUT``: ``name<<DELIMITER`` heredoc blocks, or ``name=value`` lines."""
    outputs: dict[str, str] = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        name, heredoc, delimiter = line.partition("<<")
        if heredoc:
            body = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            outputs[name] = "\n".join(body)
        elif "=" in line:
            key, _, value = line.partition("=")
            outputs[key] = value
    return outputs
