"""Release helpers, run by .github/workflows/release.yml (and tested on temp copies).

``pin-image ACTION_YML IMAGE DIGEST``
    Rewrite the ``image:`` of ``runs:`` in action.yml to ``docker://IMAGE@DIGEST``, so a
    release's users pull the published image instead of building the Dockerfile on every
    event. Every other byte of the file stays as it is; the result is checked.

``newest-in-line TAG [OTHER_TAG ...]``
    Exit 0 when TAG (``vX.Y.Z``) is the newest of its major line among OTHER_TAGs (the
    repository's ``vX.*.*`` tags), so the major tag ``vX`` may move onto it; exit 3 with
    the reason otherwise. A patch on an older line (``v1.4.1`` after ``v1.5.0``) must not
    move ``v1`` back.

``notes CHANGELOG VERSION``
    Print the CHANGELOG section of VERSION (``## [X.Y.Z] …`` up to the next ``## ``),
    the release notes. A version without a section, or an empty one, is an error: a
    release says what changed.

Exit status 0, or 1 with the reason on stderr.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_IMAGE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\.[a-z0-9-]+)*(?::\d+)?(?:/[a-z0-9._-]+)+$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_RUNS_IMAGE = re.compile(r"^(runs:\n(?:[ \t]+.*\n|\n)*?[ \t]+image:[ \t]*)(\S+)(.*)$", re.M)
_VERSION = re.compile(r"^\d+\.\d+\.\d+(?:[-.][0-9A-Za-z.]+)?$")


class ReleaseError(Exception):
    """Something a release must not go out with; the message says what."""


def pin_image(action_yml: str, image: str, digest: str) -> str:
    """``action_yml`` with ``runs.image`` set to ``docker://IMAGE@DIGEST``."""
    if not _IMAGE.match(image):
        raise ReleaseError(f"not an image name: {image!r} (expected e.g. ghcr.io/owner/name)")
    if not _DIGEST.match(digest):
        raise ReleaseError(f"not an image digest: {digest!r} (expected sha256:<64 hex>)")
    found = _RUNS_IMAGE.search(action_yml)
    if found is None:
        raise ReleaseError("action.yml has no `image:` under `runs:`")
    if "using: docker" not in action_yml[found.start() : found.end()]:
        raise ReleaseError("action.yml's `runs:` is not `using: docker`")
    pinned = f"docker://{image}@{digest}"
    return action_yml[: found.start(2)] + pinned + action_yml[found.end(2) :]


def version_key(tag: str) -> tuple[int, int, int]:
    """``v1.2.3`` → (1, 2, 3); ``ReleaseError`` for anything else (pre-releases included:
    the major tag follows final releases only)."""
    found = re.fullmatch(r"v(\d+)\.(\d+)\.(\d+)", tag)
    if found is None:
        raise ReleaseError(f"not a release tag: {tag!r} (expected vX.Y.Z)")
    major, minor, patch = (int(part) for part in found.groups())
    return major, minor, patch


def newest_in_line(tag: str, others: list[str]) -> str | None:
    """None when ``tag`` may take its major tag; else why not (a newer release of the line)."""
    mine = version_key(tag)
    line = [other for other in others if re.fullmatch(r"v\d+\.\d+\.\d+", other)]
    newer = sorted(
        (o for o in line if version_key(o)[0] == mine[0] and version_key(o) > mine), key=version_key
    )
    if newer:
        return f"{newer[-1]} is newer than {tag}: v{mine[0]} stays on {newer[-1]}"
    return None


def release_notes(changelog: str, version: str) -> str:
    """The body of ``## [VERSION]`` in a Keep-a-Changelog file, stripped."""
    version = version.removeprefix("v")
    if not _VERSION.match(version):
        raise ReleaseError(f"not a version: {version!r} (expected X.Y.Z, from tag vX.Y.Z)")
    heading = re.compile(rf"^## \[{re.escape(version)}\][^\n]*\n", re.M)
    found = heading.search(changelog)
    if found is None:
        raise ReleaseError(f"CHANGELOG.md has no `## [{version}]` section: add one first")
    following = re.compile(r"^## ", re.M).search(changelog, found.end())
    body = changelog[found.end() : following.start() if following else len(changelog)].strip()
    if not body:
        raise ReleaseError(f"the CHANGELOG.md section of {version} is empty")
    return body + "\n"


def main(argv: list[str]) -> int:
    try:
        if len(argv) == 4 and argv[0] == "pin-image":
            path = Path(argv[1])
            path.write_text(pin_image(path.read_text(encoding="utf-8"), argv[2], argv[3]))
            return 0
        if len(argv) >= 2 and argv[0] == "newest-in-line":
            reason = newest_in_line(argv[1], argv[2:])
            if reason is not None:
                sys.stderr.write(f"release: {reason}\n")
                return 3
            return 0
        if len(argv) == 3 and argv[0] == "notes":
            text = release_notes(Path(argv[1]).read_text(encoding="utf-8"), argv[2])
            sys.stdout.write(text)
            return 0
    except (ReleaseError, OSError) as exc:
        sys.stderr.write(f"release: {exc}\n")
        return 1
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
