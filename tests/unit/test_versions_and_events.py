"""Version ordering, slug choice, related ranking and S3 event parsing: the pure decisions of ingest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pressroom.events import NotAnS3Notification, parse_notification
from pressroom.models import Article, ArticleUpload
from pressroom.ports import ArticleRecord, IndexHit, StoredArticle
from pressroom.relating import headline_score, match_headline, rank_related
from pressroom.services import choose_slug, preferred_slug
from pressroom.versions import Order, Version
from tests.helpers import golden, notification, s3_record

T0 = datetime(2029, 11, 20, 9, 0, tzinfo=UTC)


def _record(version: str, *, deleted_at: str | None = None, slug: str = "s") -> ArticleRecord:
    article = Article(
        id="a",
        slug=slug,
        title="T",
        summary="",
        body="",
        published_at=T0,
        updated_at=T0,
        word_count=0,
        reading_time_minutes=1,
    )
    stored = StoredArticle(article=article, status="published", version=version, deleted=deleted_at is not None)
    return ArticleRecord(stored=stored, rev=1, source_key="incoming/a.json", deleted_at=deleted_at)


def _v(seconds: float = 0, etag: str = "e1", sequencer: str | None = None, *, updated: float | None = None) -> Version:
    updated_at = T0 + timedelta(seconds=updated) if updated is not None else None
    return Version.of(
        updated_at=updated_at, last_modified=T0 + timedelta(seconds=seconds), etag=etag, sequencer=sequencer
    )


def test_the_same_content_of_a_key_is_the_same_version_whatever_its_times() -> None:
    assert _v(0, "e1").compare(_v(50, '"e1"', "FF")) is Order.SAME


def test_the_later_time_wins_updated_at_when_the_upload_has_one_else_s3_time() -> None:
    assert _v(1, "e2").compare(_v(0, "e1")) is Order.NEWER
    assert _v(0, "e2", updated=10).compare(_v(5, "e1")) is Order.NEWER
    assert _v(9, "e2", updated=0).compare(_v(0, "e1", updated=5)) is Order.OLDER


def test_same_second_versions_order_by_sequencer_right_padded_never_by_content() -> None:
    assert _v(0, "aaa", "0055AED6DCD90281E5").compare(_v(0, "zzz", "0055AED6DCD90281E4")) is Order.NEWER
    assert _v(0, "zzz", "0055AED6DCD9028").compare(_v(0, "aaa", "0055AED6DCD90281")) is Order.OLDER
    assert _v(0, "aaa").compare(_v(0, "zzz")) is Order.UNDECIDED
    assert _v(0, "zzz").compare(_v(0, "aaa")) is Order.UNDECIDED


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.booleans(), st.integers(0, 2**40)),
        min_size=3,
        max_size=3,
        unique_by=lambda v: v[3],
    )
)
def test_the_order_of_versions_is_a_total_order(parts: list[tuple[int, int, bool, int]]) -> None:
    versions = [_v(s, f"e{seq}", f"{seq:X}", updated=u if has_u else None) for s, u, has_u, seq in parts]
    for x in versions:
        for y in versions:
            forward, backward = x.compare(y), y.compare(x)
            assert {forward, backward} in ({Order.SAME}, {Order.NEWER, Order.OLDER})
    a, b, c = versions
    if a.compare(b) is Order.NEWER and b.compare(c) is Order.NEWER:
        assert a.compare(c) is Order.NEWER


def test_a_version_survives_its_stored_form_and_old_stored_forms_parse() -> None:
    version = _v(0, "abc", "0055AED6DCD90281E5", updated=3)
    assert Version.parse(str(version)) == version
    old = Version.parse("2029-11-20T09:00:00.000000Z|2029-11-20T09:00:00Z|0123456789abcdef")
    assert old.sequencer is None and old.time == T0


def test_slug_prefers_editor_then_existing_then_title_and_suffixes_clashes() -> None:
    upload = ArticleUpload(id="a", title="Big News!", body="b", published_at=T0)  # type: ignore[call-arg]
    assert preferred_slug(upload, None) == "big-news"
    assert preferred_slug(upload, _record("v", slug="kept")) == "kept"
    assert preferred_slug(upload.model_copy(update={"slug": "chosen"}), _record("v", slug="kept")) == "chosen"
    assert choose_slug("big-news", set()) == "big-news"
    assert choose_slug("big-news", {"big-news", "big-news-2"}) == "big-news-3"


def test_promo_headlines_match_despite_case_accents_and_small_rewording() -> None:
    hits = [
        IndexHit("x", "x", "Zoë Marchetti’s new album tops the charts", "2026"),
        IndexHit("y", "y", "Rates rise", "2026"),
    ]
    assert match_headline("zoe marchetti's new album tops charts", hits).article_id == "x"  # type: ignore[union-attr]
    assert match_headline("Something else entirely", hits) is None
    assert headline_score("", "x") == 0


def test_related_ranks_rare_shared_tags_first_and_excludes_self() -> None:
    common = [IndexHit(f"c{i}", f"c{i}", "C", f"2029-11-{i + 1:02d}") for i in range(20)]
    rare = [IndexHit("r", "r", "R", "2026-01-01")]
    neighbours = {"common": [*common, IndexHit("me", "me", "Me", "2026")], "rare": rare}
    ranked = rank_related("me", neighbours, limit=3)
    assert ranked[0].article_id == "r"
    assert [h.article_id for h in ranked[1:]] == ["c19", "c18"]
    assert all(h.article_id != "me" for h in ranked)


def test_s3_events_decode_keys_and_accept_both_shapes() -> None:
    real = s3_record("incoming/a b+c.json", bucket="b")
    moto_shape = json.loads(json.dumps(real))
    for field in ("userIdentity", "requestParameters", "responseElements"):
        moto_shape.pop(field)
    moto_shape["s3"]["object"].pop("sequencer")
    for record in (real, moto_shape):
        (event,) = parse_notification(json.dumps(notification(record)))
        assert event.key == "incoming/a b+c.json" and not event.is_removal


def test_test_event_has_no_records_and_garbage_is_an_error() -> None:
    assert parse_notification(json.dumps(golden("s3_test_event.json"))) == []
    for body in ("nope", "[]", "{}", '{"Records": [{"eventName": 1}]}'):
        with pytest.raises(NotAnS3Notification):
            parse_notification(body)
