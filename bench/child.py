"""Run ``entrypoint.py`` and write this process's own peak memory to ``$BENCH_PEAK_FILE``.

Why not ``ru_maxrss`` from ``wait4``: Linux carries the high-water mark of the address
space a child was forked (or vforked) from across ``exec``, so a child of the bench
process would report the bench's own peak (the emulator and its repositories).
``VmHWM`` in ``/proc/self/status`` belongs to the current address space only: the bot's.

    python bench/child.py  (with the Action's environment; see measure.run_entrypoint)
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak_rss_bytes() -> int:
    """``VmHWM`` (peak resident set of this address space) in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    entrypoint = str(ROOT / "entrypoint.py")
    sys.argv = [entrypoint]
    sys.path[0] = str(ROOT)  # as when entrypoint.py runs as the script
    try:
        runpy.run_path(entrypoint, run_name="__main__")
    finally:
        Path(os.environ["BENCH_PEAK_FILE"]).write_text(str(peak_rss_bytes()))


if __name__ == "__main__":
    main()
