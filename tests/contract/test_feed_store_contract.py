"""The contract of ``FeedStore`` (and ``FeedReader``), run on ``InMemoryFeed`` and on ``DynamoDBFeed`` over moto: what
the ingest use-case and the read API rely on, so the fake cannot drift from DynamoDB's semantics."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from pressroom.models import Article, RelatedLink, Tag
from pressroom.notices import ArticleEvent, change_event
from pressroom.ports import (
    FEED_INDEX,
    ArticleRecord,
    ArticleTooLarge,
    ArticleWrite,
    ConcurrentChange,
    IndexHit,
    PendingPromo,
    SlugTaken,
    author_index,
    index_names,
    section_index,
    tag_index,
)
from tests.fakes_api import T0, make_article

KEY = "incoming/a.json"


def write(
    article: Article,
    *,
    old: ArticleRecord | None = None,
    key: str = KEY,
    status: str = "published",
    index: tuple[str, ...] | None = None,
    promos: tuple[str, ...] = (),
    deleted_at: str | None = None,
    version: str = "v1",
    expected_rev: int | None | str = "from old",
    event: ArticleEvent | None = None,
) -> ArticleWrite:
    return ArticleWrite(
        article=article,
        status=status,  # type: ignore[arg-type]
        version=version,
        source_key=key,
        expected_rev=(old.rev if old else None) if expected_rev == "from old" else expected_rev,  # type: ignore[arg-type]
        index=(index_names(article) if status == "published" else ()) if index is None else index,
        old=old,
        pending_promos=promos,
        deleted_at=deleted_at,
        event=event,
    )


def saved(feed: Any, article: Article, **kwargs: Any) -> ArticleRecord:
    feed.save(write(article, **kwargs))
    record = feed.get_record(article.id)
    assert record is not None
    return record


def everything(feed: Any, index: str, *, now: Any = T0 + timedelta(days=3650), limit: int = 2) -> list[str]:
    """Every id of ``index``, page by page."""
    ids: list[str] = []
    after = None
    while True:
        page = feed.list_index(index, limit=limit, after=after, now=now)
        ids.extend(item.id for item in page.items)
        if page.last_position is None:
            return ids
        after = page.last_position


def sort_key(article: Article) -> str:
    return f"{article.published_at:%Y-%m-%dT%H:%M:%S.%fZ}#{article.id}"


def test_a_new_article_is_stored_with_its_slug_source_key_and_index_entries(feed: Any) -> None:
    article = make_article(1, section="Local News")
    record = saved(feed, article, version="2029-11-01T12:01:00.000000Z|00A|etag", promos=())
    assert record.stored.article == article
    assert (record.stored.status, record.stored.version, record.stored.deleted) == (
        "published",
        "2029-11-01T12:01:00.000000Z|00A|etag",
        False,
    )
    assert (record.rev, record.source_key, record.pending_promos, record.deleted_at) == (1, KEY, (), None)
    assert record.index_keys == tuple(
        sorted(
            (name, sort_key(article))
            for name in (FEED_INDEX, tag_index("portmere"), section_index("local-news"), author_index("ada-byron"))
        )
    )
    assert feed.slug_owner("article-1") == "a-1"
    assert feed.slug_owner("unknown") is None
    assert feed.article_id_for_key(KEY) == "a-1"
    assert feed.article_id_for_key("incoming/other.json") is None
    assert feed.get_by_slug("article-1") == record.stored
    assert feed.get_by_slug("unknown") is None
    assert feed.get_record("unknown") is None


def test_a_key_whose_file_name_is_the_id_finds_its_article_and_no_other(feed: Any) -> None:
    """Such a key needs no source key record (``default_id``): the lookup goes through the article item."""
    saved(feed, make_article(1), key="incoming/a-1.json")
    assert feed.article_id_for_key("incoming/a-1.json") == "a-1"
    assert feed.article_id_for_key("incoming/A 1.json") is None  # gives the same id, but is not the source
    assert feed.article_id_for_key("incoming/b-1.json") is None


def test_records_read_already_are_not_read_again_and_lead_where_the_table_does(feed: Any) -> None:
    """``known`` (records read by the caller) answers for the key's own id as the table would."""
    record = saved(feed, make_article(1), key="incoming/a-1.json")
    assert feed.article_id_for_key("incoming/a-1.json", known={"a-1": record}) == "a-1"
    assert feed.article_id_for_key("incoming/b-1.json", known={"b-1": None}) is None
    saved(feed, make_article(2), key="incoming/c-1.json")  # another id from a key: found by its source record
    assert feed.article_id_for_key("incoming/c-1.json", known={"c-1": None}) == "a-2"


def test_a_refusal_is_noted_per_key(feed: Any) -> None:
    assert not feed.refusal_noted(KEY)
    feed.note_refusal(KEY)
    feed.note_refusal(KEY)
    assert feed.refusal_noted(KEY) and not feed.refusal_noted("incoming/other.json")
    assert feed.article_id_for_key(KEY) is None  # the marker is no source key record


@pytest.mark.parametrize("first", ["own id", "another id"])
def test_a_key_whose_uploads_changed_their_id_leads_to_the_article_not_taken_down(feed: Any, first: str) -> None:
    """The key's own id (no source record) and another id (with one) both claim the key: the one served wins."""
    key, gone = "incoming/a-1.json", "2029-11-02T00:00:00Z"
    own, other = make_article(1), make_article(2, slug="other")
    earlier, later = (own, other) if first == "own id" else (other, own)
    before = saved(feed, earlier, key=key)
    saved(feed, later, key=key)
    down = earlier.model_copy(update={"status": "withdrawn"})
    saved(feed, down, old=before, key=key, status="withdrawn", index=(), deleted_at=gone)
    assert feed.article_id_for_key(key) == later.id


def test_get_articles_returns_the_known_ones_once_in_any_status(feed: Any) -> None:
    saved(feed, make_article(1))
    saved(feed, make_article(2, status="draft"), status="draft", key="incoming/b.json")
    found = feed.get_articles(["a-2", "nope", "a-1", "a-2"])
    assert sorted(a.id for a in found) == ["a-1", "a-2"]
    assert feed.get_articles([]) == []


def test_a_new_article_whose_id_exists_already_is_a_concurrent_change(feed: Any) -> None:
    saved(feed, make_article(1))
    with pytest.raises(ConcurrentChange):
        feed.save(write(make_article(1, title="Second"), expected_rev=None))
    record = feed.get_record("a-1")
    assert record is not None and record.stored.article.title == "Article 1" and record.rev == 1


def test_a_write_on_a_revision_that_moved_stores_nothing_of_its_version(feed: Any) -> None:
    """Its slug lock and source record, written before the article, stay with the article: the slug then serves
    the article's stored version, like an old slug, and the key is not the article's source key."""
    first = saved(feed, make_article(1))
    second = saved(feed, make_article(1, title="Second"), old=first)
    assert second.rev == 2
    moved = make_article(1, title="Third", slug="third", published_at=T0 + timedelta(days=1), tags=[])
    with pytest.raises(ConcurrentChange):
        feed.save(write(moved, old=first, key="incoming/third.json", promos=("A promo nobody wrote",)))
    assert feed.get_record("a-1") == second
    assert feed.slug_owner("third") == "a-1" and feed.get_by_slug("third") == second.stored
    assert feed.article_id_for_key("incoming/third.json") == "a-1" and second.source_key == KEY
    assert feed.pending_promos(10) == []
    assert everything(feed, FEED_INDEX) == ["a-1"]
    assert feed.get_record("a-1").index_keys == second.index_keys  # type: ignore[union-attr]


def test_the_second_of_two_writers_on_one_revision_fails(feed: Any) -> None:
    first = saved(feed, make_article(1))
    feed.save(write(make_article(1, title="Writer A"), old=first))
    with pytest.raises(ConcurrentChange):
        feed.save(write(make_article(1, title="Writer B"), old=first))
    assert feed.get_record("a-1").stored.article.title == "Writer A"  # type: ignore[union-attr]


def test_a_slug_owned_by_another_article_is_taken_and_nothing_is_written(feed: Any) -> None:
    saved(feed, make_article(1, slug="shared"))
    with pytest.raises(SlugTaken):
        feed.save(write(make_article(2, slug="shared"), key="incoming/b.json"))
    assert feed.get_record("a-2") is None
    assert feed.article_id_for_key("incoming/b.json") is None
    assert feed.slug_owner("shared") == "a-1"
    assert everything(feed, FEED_INDEX) == ["a-1"]


def test_a_taken_slug_wins_over_a_moved_revision(feed: Any) -> None:
    saved(feed, make_article(1, slug="shared"))
    first = saved(feed, make_article(2), key="incoming/b.json")
    saved(feed, make_article(2, title="Moved"), old=first, key="incoming/b.json")
    with pytest.raises(SlugTaken):
        feed.save(write(make_article(2, slug="shared"), old=first, key="incoming/b.json"))


def test_an_article_keeps_its_own_slug_and_its_old_slugs_and_keys(feed: Any) -> None:
    first = saved(feed, make_article(1))
    again = saved(feed, make_article(1, title="Same slug"), old=first)
    renamed = saved(feed, make_article(1, slug="renamed"), old=again, key="incoming/moved.json")
    assert (feed.slug_owner("article-1"), feed.slug_owner("renamed")) == ("a-1", "a-1")
    assert feed.get_by_slug("article-1") == renamed.stored == feed.get_by_slug("renamed")
    assert (feed.article_id_for_key(KEY), feed.article_id_for_key("incoming/moved.json")) == ("a-1", "a-1")
    assert renamed.source_key == "incoming/moved.json" and renamed.rev == 3
    with pytest.raises(SlugTaken):
        feed.save(write(make_article(2, slug="article-1"), key="incoming/b.json"))


def test_an_article_may_go_back_to_a_slug_it_held_before(feed: Any) -> None:
    first = saved(feed, make_article(1))
    renamed = saved(feed, make_article(1, slug="renamed"), old=first)
    back = saved(feed, make_article(1), old=renamed)
    assert back.stored.article.slug == "article-1" and feed.get_by_slug("article-1") == back.stored


def test_an_article_too_large_to_store_is_refused_before_anything_is_written(feed: Any) -> None:
    huge = random.Random(1).randbytes(400_000).hex()
    with pytest.raises(ArticleTooLarge):
        feed.save(write(make_article(1, body=f"<p>{huge}</p>")))
    assert feed.get_record("a-1") is None
    assert feed.slug_owner("article-1") is None
    assert feed.article_id_for_key(KEY) is None
    assert everything(feed, FEED_INDEX) == []


def test_an_index_is_newest_first_in_pages_and_hides_what_is_scheduled_after_now(feed: Any) -> None:
    for n in range(7):
        saved(feed, make_article(n), key=f"incoming/{n}.json")
    now = T0 + timedelta(minutes=5)  # a-5 is published at exactly ``now``; a-6 is scheduled
    first = feed.list_index(FEED_INDEX, limit=2, after=None, now=now)
    assert [a.id for a in first.items] == ["a-5", "a-4"] and first.last_position is not None
    second = feed.list_index(FEED_INDEX, limit=2, after=first.last_position, now=now)
    assert [a.id for a in second.items] == ["a-3", "a-2"]
    third = feed.list_index(FEED_INDEX, limit=2, after=second.last_position, now=now)
    assert [a.id for a in third.items] == ["a-1", "a-0"] and third.last_position is None
    exact = feed.list_index(FEED_INDEX, limit=6, after=None, now=now)
    assert len(exact.items) == 6 and exact.last_position is None
    assert everything(feed, FEED_INDEX, now=now, limit=4) == [f"a-{n}" for n in range(5, -1, -1)]
    assert everything(feed, tag_index("portmere")) == [f"a-{n}" for n in range(6, -1, -1)]
    assert everything(feed, section_index("entertainment"), now=T0) == ["a-0"]
    assert everything(feed, tag_index("nobody")) == []
    assert first.items[0] == make_article(5).summary_view()


def test_a_position_from_a_later_now_never_shows_what_is_scheduled(feed: Any) -> None:
    for n in range(4):
        saved(feed, make_article(n), key=f"incoming/{n}.json")
    later = feed.list_index(FEED_INDEX, limit=1, after=None, now=T0 + timedelta(days=1))
    assert [a.id for a in later.items] == ["a-3"]
    assert [a.id for a in feed.list_index(FEED_INDEX, limit=5, after=later.last_position, now=T0).items] == ["a-0"]


def test_recent_headlines_include_scheduled_entries_and_tag_neighbours_do_not(feed: Any) -> None:
    for n in range(4):
        saved(feed, make_article(n), key=f"incoming/{n}.json")
    published = f"{T0 + timedelta(minutes=3):%Y-%m-%dT%H:%M:%S.%fZ}"
    assert feed.recent_headlines(2) == [
        IndexHit("a-3", "article-3", "Article 3", published),
        IndexHit("a-2", "article-2", "Article 2", published.replace("03:00", "02:00")),
    ]
    hits = feed.tag_neighbours("portmere", limit=10, now=T0 + timedelta(minutes=1))
    assert [h.article_id for h in hits] == ["a-1", "a-0"]
    assert feed.tag_neighbours("nobody", limit=10, now=T0) == []


def test_a_new_version_moves_its_index_entries_and_drops_the_stale_ones(feed: Any) -> None:
    first = saved(feed, make_article(1, tags=[Tag(name="Old", slug="old", kind="topic", score=1)]))
    later = T0 + timedelta(days=2)
    tags = [Tag(name="New", slug="new", kind="topic", score=1)]
    moved = saved(feed, make_article(1, published_at=later, tags=tags, section=None), old=first)
    names = (FEED_INDEX, "TAG#new", author_index("ada-byron"))
    assert moved.index_keys == tuple(sorted((n, sort_key(moved.stored.article)) for n in names))
    assert everything(feed, tag_index("old")) == [] and everything(feed, section_index("entertainment")) == []
    assert everything(feed, tag_index("new")) == ["a-1"]
    assert feed.list_index(FEED_INDEX, limit=5, after=None, now=later).items == [moved.stored.article.summary_view()]
    assert feed.list_index(FEED_INDEX, limit=5, after=None, now=later - timedelta(seconds=1)).items == []


def test_a_draft_or_withdrawn_version_leaves_every_index(feed: Any) -> None:
    first = saved(feed, make_article(1))
    draft = saved(feed, make_article(1, status="draft"), old=first, status="draft")
    assert draft.index_keys == () and draft.stored.status == "draft"
    assert everything(feed, FEED_INDEX) == everything(feed, tag_index("portmere")) == []
    back = saved(feed, make_article(1), old=draft)
    assert everything(feed, FEED_INDEX) == ["a-1"]
    withdrawn = saved(feed, make_article(1, status="withdrawn"), old=back, status="withdrawn")
    assert withdrawn.stored.status == "withdrawn" and withdrawn.index_keys == ()
    assert everything(feed, FEED_INDEX) == everything(feed, section_index("entertainment")) == []


def test_a_deleted_article_is_marked_and_still_known_by_its_slug(feed: Any) -> None:
    first = saved(feed, make_article(1))
    gone = make_article(1, status="withdrawn")
    record = saved(feed, gone, old=first, status="withdrawn", deleted_at="2029-11-02T00:00:00Z")
    assert record.stored.deleted and record.deleted_at == "2029-11-02T00:00:00Z" and record.rev == 2
    assert feed.get_by_slug("article-1") == record.stored
    assert everything(feed, FEED_INDEX) == []
    back = saved(feed, make_article(1), old=record)
    assert not back.stored.deleted and back.deleted_at is None


def test_pending_promos_are_stored_replaced_and_resolved(feed: Any) -> None:
    first = saved(feed, make_article(1), promos=("One headline", "Two headline", "Three headline"))
    assert first.pending_promos == ("a-1#00", "a-1#01", "a-1#02")
    saved(feed, make_article(2), key="incoming/b.json", promos=("Other headline",))
    assert feed.pending_promos(10) == [
        PendingPromo("a-1", "a-1#00", "One headline"),
        PendingPromo("a-1", "a-1#01", "Two headline"),
        PendingPromo("a-1", "a-1#02", "Three headline"),
        PendingPromo("a-2", "a-2#00", "Other headline"),
    ]
    assert len(feed.pending_promos(2)) == 2
    fewer = saved(feed, make_article(1, title="Fewer"), old=first, promos=("One headline", "Two headline"))
    assert fewer.pending_promos == ("a-1#00", "a-1#01")
    assert [p.position for p in feed.pending_promos(10)] == ["a-1#00", "a-1#01", "a-2#00"]

    link = RelatedLink(title="Two headline", url=None, slug="two", source="promo")
    resolved = fewer.stored.article.model_copy(update={"related": [link]})
    assert feed.resolve_promos([(fewer, resolved, ("a-1#01",))]) == 1
    record = feed.get_record("a-1")
    assert record is not None and record.rev == fewer.rev + 1 and record.stored.article.related == [link]
    assert record.pending_promos == ("a-1#00",) and record.index_keys == fewer.index_keys
    assert [p.position for p in feed.pending_promos(10)] == ["a-1#00", "a-2#00"]


def test_promos_resolved_on_a_moved_revision_change_nothing_of_it(feed: Any) -> None:
    """Each resolution is conditional on its own article's revision: the moved one is skipped, the other lands."""
    first = saved(feed, make_article(1), promos=("One headline",))
    other = saved(feed, make_article(2), key="incoming/b.json", promos=("Other headline",))
    moved = saved(feed, make_article(1, title="Moved"), old=first, promos=("One headline",))
    updated = [
        (other, other.stored.article.model_copy(update={"summary": "changed"}), ("a-2#00",)),
        (first, first.stored.article.model_copy(update={"summary": "changed"}), ("a-1#00",)),
    ]
    assert feed.resolve_promos(updated) == 1
    assert feed.get_record("a-1") == moved
    resolved = feed.get_record("a-2")
    assert resolved is not None and resolved.rev == other.rev + 1 and resolved.pending_promos == ()
    assert resolved.stored.article.summary == "changed"
    assert [p.position for p in feed.pending_promos(10)] == ["a-1#00"]
    assert feed.resolve_promos([]) == 0


@pytest.mark.parametrize("base_url", ["https://news.example.com/", ""])
def test_the_event_of_a_save_is_pending_until_marked_sent_and_a_late_mark_hides_no_newer_one(
    feed: Any, base_url: str
) -> None:
    def event(article: Article, version: str, *, before: bool) -> ArticleEvent:
        made = change_event(
            article, served_before=before, served_now=True, version=version, source_key=KEY, base_url=base_url
        )
        assert made is not None
        return made

    article = make_article(1)
    published = event(article, "v1", before=False)
    first = saved(feed, article, event=published)
    assert feed.pending_event("a-1") == published and feed.pending_event("nobody") is None
    feed.event_sent("a-1", published.event_id)
    assert feed.pending_event("a-1") is None
    updated_article = make_article(1, title="Updated")
    updated = event(updated_article, "v2", before=True)
    saved(feed, updated_article, old=first, version="v2", event=updated)
    feed.event_sent("a-1", published.event_id)  # a late mark of the earlier event
    assert feed.pending_event("a-1") == updated
    feed.event_sent("a-1", updated.event_id)
    feed.event_sent("a-1", updated.event_id)
    assert feed.pending_event("a-1") is None


def test_an_event_the_stored_article_does_not_rebuild_is_kept_whole(feed: Any) -> None:
    odd = ArticleEvent("ArticlePublished", {"schema_version": "1", "event_id": "e-1", "id": "a-1", "note": "hand-made"})
    saved(feed, make_article(1), event=odd)
    assert feed.pending_event("a-1") == odd
