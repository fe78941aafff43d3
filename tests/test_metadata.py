"""Promotion metadata: the Go-compatible hidden block that chains promotion PRs."""

from __future__ import annotations

import base64
import json

import pytest

from telefonistka.core.promotion.metadata import (
    METADATA_LABEL,
    MetadataError,
    PromotionMetadata,
    PromotionStage,
    decode_metadata,
    encode_metadata_block,
    extract_metadata,
    next_stage_metadata,
    stage_of,
)
from telefonistka.core.promotion.planning import Promotion

STAGING = "clusters/staging/us-central1/"


def promotion(
    source_paths: tuple[str, ...] = ("workspace/",),
    targets: tuple[str, ...] = (f"{STAGING}c1/", f"{STAGING}c2/"),
) -> Promotion:
    """A promotion of ``app`` from the given sources to every target."""
    return Promotion(
        source_pattern="workspace/",
        source_paths=source_paths,
        target_paths=targets,
        target_description="staging",
        components=("app",),
        auto_merge=False,
        sync=tuple((f"{t}app", f"{source_paths[0]}app") for t in targets),
    )


def go_block(go_json: str, label: str = METADATA_LABEL) -> str:
    """A block as the Go original writes it: base64.StdEncoding of json.Marshal output."""
    return f"<!--|{label}|{base64.b64encode(go_json.encode()).decode()}|-->"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


META = PromotionMetadata(
    original_pr_author="alice",
    original_pr_number=12,
    promoted_paths=(f"{STAGING}c1/app",),
    previous_promotion_paths={
        15: PromotionStage(f"{STAGING}c1/", ("clusters/prod/us-central1/c1/",)),
        12: PromotionStage("workspace/", (f"{STAGING}c1/",)),
    },
)


def test_round_trip_through_a_pr_body() -> None:
    body = f"Promotion path(app):\n\nhistory\n\n{encode_metadata_block(META)}\n"
    assert extract_metadata(body) == META


def test_block_format_is_the_go_one() -> None:
    block = encode_metadata_block(META)
    assert block.startswith("<!--|Telefonistka data, do not delete|")
    assert block.endswith("|-->")
    data = json.loads(base64.b64decode(block.split("|")[2]))
    assert list(data) == [
        "originalPrAuthor",
        "originalPrNumber",
        "promotedPaths",
        "previousPromotionPaths",
    ]
    assert data["previousPromotionPaths"] == {
        "12": {"sourcePath": "workspace/", "targetPaths": [f"{STAGING}c1/"]},
        "15": {"sourcePath": f"{STAGING}c1/", "targetPaths": ["clusters/prod/us-central1/c1/"]},
    }


def test_json_is_compact_like_go_json_marshal() -> None:
    meta = PromotionMetadata("bob", 3, ("a/x",), {3: PromotionStage("s/", ("a/",))})
    payload = base64.b64decode(encode_metadata_block(meta).split("|")[2]).decode()
    assert payload == (
        '{"originalPrAuthor":"bob","originalPrNumber":3,"promotedPaths":["a/x"],'
        '"previousPromotionPaths":{"3":{"sourcePath":"s/","targetPaths":["a/"]}}}'
    )


def test_stages_are_ordered_by_pr_number_and_hashable() -> None:
    assert list(META.previous_promotion_paths) == [12, 15]
    assert hash(META) == hash(extract_metadata(encode_metadata_block(META)))


def test_decodes_a_block_written_by_the_go_original() -> None:
    # Go's encoding/json: struct field order, map keys sorted as strings ("10" < "9"),
    # "<", ">", "&" escaped, nil slices as null, and originalPrNumber never filled (0).
    go_json = (
        '{"originalPrAuthor":"bob","originalPrNumber":0,"promotedPaths":null,'
        '"previousPromotionPaths":{"10":{"sourcePath":"env/dev/",'
        '"targetPaths":["env/staging/"]},"9":{"sourcePath":"workspace/r\\u0026d/",'
        '"targetPaths":null}}}'
    )
    meta = extract_metadata(f"Promotion path(app):\n\n↘️  #9 ...\n\n{go_block(go_json)}")
    assert meta == PromotionMetadata(
        original_pr_author="bob",
        original_pr_number=0,
        promoted_paths=(),
        previous_promotion_paths={
            9: PromotionStage("workspace/r&d/", ()),
            10: PromotionStage("env/dev/", ("env/staging/",)),
        },
    )


def test_any_label_is_accepted_like_the_go_reader() -> None:
    go_json = (
        '{"originalPrAuthor":"bob","originalPrNumber":0,"promotedPaths":["a/x"],'
        '"previousPromotionPaths":{}}'
    )
    meta = extract_metadata(go_block(go_json, label=" Telefonistka data, do not delete "))
    assert meta is not None
    assert meta.original_pr_author == "bob"


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "A hand-written PR body",
        "<!--|Telefonistka data, do not delete||-->",
        "<!--|Telefonistka data, do not delete|not-valid-base64!!!|-->",
        go_block("not-json"),
        go_block("[1, 2]"),
        go_block('{"originalPrNumber": "12"}'),
        go_block('{"promotedPaths": [1]}'),
        go_block('{"previousPromotionPaths": {"abc": {}}}'),
        go_block('{"previousPromotionPaths": {"1": []}}'),
        go_block('{"previousPromotionPaths": {"1": {"sourcePath": 5}}}'),
        "<!--|Telefonistka data, do not delete|" + base64.b64encode(b"\xff\xfe").decode() + "|-->",
    ],
    ids=[
        "none",
        "empty",
        "no-block",
        "empty-data",
        "bad-base64",
        "bad-json",
        "json-not-object",
        "number-as-string",
        "path-not-string",
        "stage-key-not-number",
        "stage-not-object",
        "source-not-string",
        "not-utf8",
    ],
)
def test_missing_or_garbled_block_reads_as_none(body: str | None) -> None:
    assert extract_metadata(body) is None


def test_decode_says_what_is_wrong() -> None:
    with pytest.raises(MetadataError, match="not base64 of JSON"):
        decode_metadata("not-valid-base64!!!")
    with pytest.raises(MetadataError, match="originalPrNumber: expected an integer"):
        decode_metadata(b64('{"originalPrNumber": true}'))


def test_missing_padding_is_tolerated() -> None:
    data = encode_metadata_block(META).split("|")[2].rstrip("=")
    assert decode_metadata(data) == META


def test_last_readable_block_wins() -> None:
    older = PromotionMetadata("carol", 1, (), {1: PromotionStage("a/", ("b/",))})
    body = "\n".join(
        [encode_metadata_block(older), encode_metadata_block(META), "<!--|x|garbled!|-->"]
    )
    assert extract_metadata(body) == META


def test_a_pr_without_metadata_starts_a_chain() -> None:
    meta = next_stage_metadata(12, "alice", "Bump the app image", promotion())
    assert meta == PromotionMetadata(
        original_pr_author="alice",
        original_pr_number=12,
        promoted_paths=(f"{STAGING}c1/app", f"{STAGING}c2/app"),
        previous_promotion_paths={
            12: PromotionStage("workspace/", (f"{STAGING}c1/", f"{STAGING}c2/"))
        },
    )


def test_a_promotion_pr_extends_its_chain() -> None:
    first = next_stage_metadata(12, "alice", None, promotion(targets=(f"{STAGING}c1/",)))
    second_stage = promotion(
        source_paths=(f"{STAGING}c1/",), targets=("clusters/prod/us-central1/c1/",)
    )
    second = next_stage_metadata(
        15, "telefonistka[bot]", encode_metadata_block(first), second_stage
    )
    assert second.original_pr_author == "alice"
    assert second.original_pr_number == 12
    assert second.promoted_paths == ("clusters/prod/us-central1/c1/app",)
    assert second.previous_promotion_paths == {
        12: PromotionStage("workspace/", (f"{STAGING}c1/",)),
        15: PromotionStage(f"{STAGING}c1/", ("clusters/prod/us-central1/c1/",)),
    }


def test_a_rerun_replaces_its_own_stage() -> None:
    body = encode_metadata_block(next_stage_metadata(12, "alice", None, promotion()))
    again = next_stage_metadata(12, "alice", body, promotion(targets=(f"{STAGING}c1/",)))
    assert again.previous_promotion_paths == {12: PromotionStage("workspace/", (f"{STAGING}c1/",))}


def test_continuing_a_go_chain_recovers_the_original_pr_number() -> None:
    go_json = (
        '{"originalPrAuthor":"bob","originalPrNumber":0,"promotedPaths":["env/staging/app"],'
        '"previousPromotionPaths":{"10":{"sourcePath":"env/dev/","targetPaths":["env/staging/"]}}}'
    )
    meta = next_stage_metadata(11, "telefonistka[bot]", go_block(go_json), promotion())
    assert (meta.original_pr_author, meta.original_pr_number) == ("bob", 10)
    assert list(meta.previous_promotion_paths) == [10, 11]


def test_an_empty_original_author_falls_back_to_the_triggering_one() -> None:
    go_json = (
        '{"originalPrAuthor":"","originalPrNumber":0,"promotedPaths":null,'
        '"previousPromotionPaths":null}'
    )
    meta = next_stage_metadata(11, "dave", go_block(go_json), promotion())
    assert (meta.original_pr_author, meta.original_pr_number) == ("dave", 11)


def test_several_sources_record_the_first_in_sorted_order() -> None:
    stage = stage_of(promotion(source_paths=(f"{STAGING}c1/", f"{STAGING}c2/")))
    assert stage.source_path == f"{STAGING}c1/"


def test_no_concrete_source_falls_back_to_the_pattern() -> None:
    empty = Promotion("workspace/", (), ("prod/",), "prod", ("app",), False, ())
    assert stage_of(empty) == PromotionStage("workspace/", ("prod/",))


def test_the_block_is_byte_for_byte_what_go_json_marshal_writes() -> None:
    """Go's encoding/json: struct order, map keys sorted as strings, HTML-safe escapes."""
    meta = PromotionMetadata(
        "a<b>&c",
        10,
        ("env/prod/app",),
        {
            9: PromotionStage("env/dev/", ("env/qa/",)),
            10: PromotionStage("env/qa/", ("env/prod/",)),
        },
    )

    block = encode_metadata_block(meta)

    payload = base64.b64decode(block.split("|")[2]).decode()
    assert payload == (
        '{"originalPrAuthor":"a\\u003cb\\u003e\\u0026c","originalPrNumber":10,'
        '"promotedPaths":["env/prod/app"],"previousPromotionPaths":{'
        '"10":{"sourcePath":"env/qa/","targetPaths":["env/prod/"]},'
        '"9":{"sourcePath":"env/dev/","targetPaths":["env/qa/"]}}}'
    )
    assert extract_metadata(block) == meta  # and it reads back the same
