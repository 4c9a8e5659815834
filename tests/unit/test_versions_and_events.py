"""Version ordering, slug choice, related ranking and S3 event parsing: the pure decisions of ingest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from pressroom.events import NotAnS3Notification, parse_notification
from pressroom.models import Article, ArticleUpload
from pressroom.ports import ArticleRecord, IndexHit, StoredArticle
from pressroom.relating import headline_score, match_headline, rank_related
from pressroom.services import Outcome, choose_slug, decide, preferred_slug, version_key
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


def test_versions_sort_by_updated_at_then_s3_time_then_content() -> None:
    older = version_key(T0, T0 + timedelta(hours=5), b"x")
    newer = version_key(T0 + timedelta(seconds=1), T0, b"x")
    assert older < newer
    assert version_key(T0, T0, b"x") < version_key(T0, T0 + timedelta(seconds=1), b"x")


def test_decide_publishes_new_ignores_equal_and_older() -> None:
    v1, v2 = version_key(T0, T0, b"1"), version_key(T0 + timedelta(days=1), T0, b"2")
    assert decide(None, v1) is None
    assert decide(_record(v1), v2) is None
    assert decide(_record(v2), v2) is Outcome.DUPLICATE
    assert decide(_record(v2), v1) is Outcome.STALE


def test_decide_after_deletion_republishes_the_same_or_a_newer_version_only() -> None:
    v1, v2 = version_key(T0, T0, b"1"), version_key(T0 + timedelta(days=1), T0, b"2")
    assert decide(_record(v1, deleted_at="2029-11-20T10:00:00Z"), v1) is None
    assert decide(_record(v2, deleted_at="2029-11-20T10:00:00Z"), v1) is Outcome.STALE


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
