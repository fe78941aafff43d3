"""What the Action's image adds to its base, package by package (docs/performance.md).

No Docker engine is needed: the dependency layer is what the Dockerfile's one
``pip install`` line writes, so this installs ``requirements.lock`` the same way (hashes,
wheels only, no dependencies beyond the lock) into a temporary folder, and sizes each
distribution from its ``RECORD`` (the files pip wrote, ``.pyc`` included, as in the
image), then adds the two copied paths (``telefonistka/``, ``entrypoint.py``).

    python bench/image_size.py            # a table, largest first
    python bench/image_size.py --json
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def install(lock: Path, target: Path) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["--require-hashes", "--only-binary=:all:", "--no-deps", "--target", str(target)]
    subprocess.run([*command, "-r", str(lock)], check=True)


def sizes(site: Path) -> dict[str, int]:
    """Bytes on disk per distribution, from the files its RECORD lists."""
    found: dict[str, int] = {}
    for record in sorted(site.glob("*.dist-info/RECORD")):
        name = record.parent.name.split("-")[0].lower().replace("_", "-")
        total = 0
        with record.open(newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                path = (site / row[0]).resolve()
                if row and path.is_file():
                    total += path.stat().st_size
        found[name] = total
    return found


def app_size() -> int:
    """``telefonistka/`` (no caches) and ``entrypoint.py``, as the Dockerfile copies them."""
    files = [p for p in (ROOT / "telefonistka").rglob("*") if p.is_file()]
    files = [p for p in files if "__pycache__" not in p.parts and p.name != "_version.py"]
    return sum(p.stat().st_size for p in files) + (ROOT / "entrypoint.py").stat().st_size


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "site"
        install(ROOT / "requirements.lock", site)
        per_package = sizes(site)
    per_package["telefonistka (copied)"] = app_size()
    total = sum(per_package.values())
    if args.json:
        print(json.dumps({"packages": per_package, "total": total}, indent=2))
        return 0
    print("| package | installed |")
    print("|---|---|")
    for name, size in sorted(per_package.items(), key=lambda item: -item[1]):
        print(f"| {name} | {size / 1e6:.1f} MB |")
    print(f"| **total added to the base** | **{total / 1e6:.1f} MB** |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
