"""Promotion metadata carried from one promotion PR to the next.

Every promotion PR body ends with a hidden block,
``<!--|Telefonistka data, do not delete|<base64 of JSON>|-->``, so that when the PR is
merged the next stage knows who started the chain (the assignee) and can extend the
promotion history. The JSON is the Go original's ``prMetadata`` struct, field for field:

.. code-block:: json

    {"originalPrAuthor": "alice", "originalPrNumber": 12,
     "promotedPaths": ["clusters/staging/us-central1/c1/app"],
     "previousPromotionPaths": {"12": {"sourcePath": "workspace/",
                                        "targetPaths": ["clusters/staging/us-central1/c1/"]}}}

so PRs opened by either implementation can be continued by the other. Go-compat notes:

- The Go original never fills ``originalPrNumber`` (it is always ``0``); when we continue
  such a chain we take the smallest PR number of ``previousPromotionPaths`` instead, which
  is the PR that started it.
- Go writes ``null`` for an empty ``promotedPaths`` or ``targetPaths``; we read it as empty.
- Go's reader accepts any label between the first two ``|``; so do we.

Pure: no I/O. A missing or garbled block is not an error for the caller: the PR simply
starts a new chain (``extract_metadata`` returns ``None``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from telefonistka.core.promotion.planning import Promotion
from telefonistka.errors import MetadataError

METADATA_LABEL = "Telefonistka data, do not delete"

# Label and data may hold anything but the separators; Go's reader is as lax on the label.
_BLOCK = re.compile(r"<!--\|([^|\n]*)\|([^|\n]*)\|-->")


@dataclass(frozen=True)
class PromotionStage:
    """One earlier promotion step: Go's ``promotionInstanceMetaData``."""

    source_path: str
    target_paths: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"sourcePath": self.source_path, "targetPaths": list(self.target_paths)}


@dataclass(frozen=True)
class PromotionMetadata:
    """What a promotion PR tells the next stage.

    ``previous_promotion_paths`` maps the number of the PR whose merge opened a stage to
    that stage; it is kept ordered by PR number (the order of the promotion history).
    """

    original_pr_author: str
    original_pr_number: int
    promoted_paths: tuple[str, ...] = ()
    previous_promotion_paths: Mapping[int, PromotionStage] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __post_init__(self) -> None:
        ordered = dict(sorted(self.previous_promotion_paths.items()))
        object.__setattr__(self, "previous_promotion_paths", MappingProxyType(ordered))
        object.__setattr__(self, "promoted_paths", tuple(self.promoted_paths))

    @property
    def newest_stage(self) -> PromotionStage | None:
        """The stage of the newest PR in the history (the one this PR promotes)."""
        stages = self.previous_promotion_paths
        return stages[max(stages)] if stages else None

    def __hash__(self) -> int:
        stages = tuple(self.previous_promotion_paths.items())
        return hash((self.original_pr_author, self.original_pr_number, self.promoted_paths, stages))

    def to_json(self) -> dict[str, Any]:
        """The Go ``prMetadata`` JSON object (same keys, same key order)."""
        return {
            "originalPrAuthor": self.original_pr_author,
            "originalPrNumber": self.original_pr_number,
            "promotedPaths": list(self.promoted_paths),
            # Go's encoding/json writes map keys sorted as strings ("10" before "9").
            "previousPromotionPaths": {
                str(number): stage.to_json()
                for number, stage in sorted(
                    self.previous_promotion_paths.items(), key=lambda item: str(item[0])
                )
            },
        }

    @staticmethod
    def from_json(data: object) -> PromotionMetadata:
        """Read the Go ``prMetadata`` JSON object; wrong shapes raise ``MetadataError``."""
        obj = _expect_object(data, "metadata")
        return PromotionMetadata(
            original_pr_author=_expect_str(obj.get("originalPrAuthor", ""), "originalPrAuthor"),
            original_pr_number=_expect_int(obj.get("originalPrNumber", 0), "originalPrNumber"),
            promoted_paths=_expect_strings(obj.get("promotedPaths"), "promotedPaths"),
            previous_promotion_paths=_read_stages(obj.get("previousPromotionPaths")),
        )


def encode_metadata_block(meta: PromotionMetadata) -> str:
    """The hidden HTML comment that ends a promotion PR body.

    Byte for byte what the Go original's ``json.Marshal`` + ``base64.StdEncoding`` write
    for the same data, so either bot continues the other's chain and diffs see no churn:
    compact JSON in struct order, map keys sorted as strings, ``<``, ``>``, ``&``,
    U+2028 and U+2029 escaped as ``\u003c``-style sequences, text that is not valid UTF-8
    (a path's undecodable bytes) as U+FFFD; standard base64 with padding.
    """
    payload = go_json(meta.to_json())
    encoded = base64.b64encode(payload.encode("utf-8")).decode("ascii")
    return f"<!--|{METADATA_LABEL}|{encoded}|-->"


_GO_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_GO_ESCAPED = re.compile("[<>&\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def go_json(value: Any) -> str:
    """``value`` as Go's ``json.Marshal`` writes it (its HTML-safe escaping included)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    text = _GO_ESCAPED.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return _SURROGATE.sub("\ufffd", text)


def decode_metadata(data: str) -> PromotionMetadata:
    """Decode the base64 part of a block; raise ``MetadataError`` saying what is wrong."""
    compact = "".join(data.split())
    padded = compact + "=" * (-len(compact) % 4)
    try:
        raw = base64.b64decode(padded, validate=True)
        parsed = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise MetadataError(f"promotion metadata is not base64 of JSON: {exc}") from exc
    return PromotionMetadata.from_json(parsed)


def extract_metadata(body: str | None) -> PromotionMetadata | None:
    """The metadata of a PR body, or ``None`` when it has no readable block.

    Blocks are tried from the last one up: the bot appends its block at the end, while a
    human may have quoted an older body above it. A garbled block is skipped, not raised:
    a PR whose metadata cannot be read starts a new promotion chain.
    """
    for match in reversed(list(_BLOCK.finditer(body or ""))):
        try:
            return decode_metadata(match.group(2))
        except MetadataError:
            continue
    return None


def next_stage_metadata(
    triggering_pr_number: int,
    triggering_pr_author: str,
    triggering_pr_body: str | None,
    promotion: Promotion,
) -> PromotionMetadata:
    """The metadata of the promotion PR that ``promotion`` opens.

    A triggering PR that carries metadata (it was itself a promotion PR) passes on its
    original author and number and its history; otherwise the triggering PR starts the
    chain. Either way the triggering PR's stage is added (or replaced, on a re-run).
    """
    previous = extract_metadata(triggering_pr_body)
    stages = dict(previous.previous_promotion_paths) if previous else {}
    stages[triggering_pr_number] = stage_of(promotion)
    author, number = _origin(previous, triggering_pr_number, triggering_pr_author)
    return PromotionMetadata(
        original_pr_author=author,
        original_pr_number=number,
        promoted_paths=tuple(target for target, _ in promotion.sync),
        previous_promotion_paths=stages,
    )


def stage_of(promotion: Promotion) -> PromotionStage:
    """The history entry of ``promotion``.

    The Go field holds one concrete source path. A promotion fed by several concrete
    sources (a regex ``sourcePath`` matching several folders) records the first in sorted
    order, which is deterministic; every source still shows in the PR's sync table. The
    flow's pattern is the fallback only when no concrete source is known.
    """
    source = promotion.source_paths[0] if promotion.source_paths else promotion.source_pattern
    return PromotionStage(source_path=source, target_paths=tuple(promotion.target_paths))


def _origin(previous: PromotionMetadata | None, pr_number: int, pr_author: str) -> tuple[str, int]:
    """(original author, original PR number) of the chain the triggering PR belongs to."""
    if previous is None:
        return pr_author, pr_number
    author = previous.original_pr_author or pr_author
    number = previous.original_pr_number
    if number == 0:  # written by the Go original, which never fills the field
        number = min(previous.previous_promotion_paths, default=pr_number)
    return author, number


def _read_stages(data: object) -> dict[int, PromotionStage]:
    """``previousPromotionPaths``: PR number (a JSON string key) → stage."""
    if data is None:
        return {}
    stages: dict[int, PromotionStage] = {}
    for key, value in _expect_object(data, "previousPromotionPaths").items():
        where = f"previousPromotionPaths.{key}"
        try:
            number = int(key)
        except ValueError as exc:
            raise MetadataError(f"{where}: the key is not a PR number") from exc
        stage = _expect_object(value, where)
        stages[number] = PromotionStage(
            source_path=_expect_str(stage.get("sourcePath", ""), f"{where}.sourcePath"),
            target_paths=_expect_strings(stage.get("targetPaths"), f"{where}.targetPaths"),
        )
    return stages


def _expect_object(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MetadataError(f"{where}: expected a JSON object")
    return value


def _expect_str(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise MetadataError(f"{where}: expected a string")
    return value


def _expect_int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MetadataError(f"{where}: expected an integer")
    return value


def _expect_strings(value: object, where: str) -> tuple[str, ...]:
    """A list of strings; Go's ``null`` for an empty slice reads as empty."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise MetadataError(f"{where}: expected a list of strings")
    return tuple(value)
