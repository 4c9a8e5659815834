"""JSON Feed 1.1, RSS 2.0 and Atom 1.0 rendering: valid for a real client, stable, escaped, inert."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import feedparser
import pytest

from pressroom.cursor import CursorCodec
from pressroom.feeds import FeedMeta, entry_id, render_atom, render_json_feed, render_rss
from pressroom.models import Image, Tag
from pressroom.ports import FEED_INDEX
from pressroom.reading import FeedEntry, ReadService
from tests.fakes_api import T0, InMemoryFeed, make_article

META = FeedMeta(
    title="Pressroom",
    description="The newest articles",
    feed_id="urn:pressroom:feed",
    base_url="https://news.example.com",
    self_url="https://api.example.com/prod/feed.xml",
    home_url="https://news.example.com/articles",
)
NOW = T0 + timedelta(days=30)
HOSTILE_TITLE = 'Tom & Jerry <script>alert("x")</script> ]]> 🎉 שלום עולם'
HOSTILE_BODY = "<p>Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt; ]]&gt; 🎉 שלום עולם</p>"
HOSTILE_SUMMARY = "Tom & Jerry <b>bold</b> ]]> 🎉 שלום"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} [+-]\d{4}$"
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def entries_of(feed: InMemoryFeed) -> list[FeedEntry]:
    return ReadService(feed, CursorCodec(b"k"), clock=lambda: NOW).feed(FEED_INDEX)


@pytest.fixture
def feed() -> InMemoryFeed:
    store = InMemoryFeed()
    for n in range(3):
        store.publish(make_article(n))
    store.publish(
        make_article(
            10,
            title=HOSTILE_TITLE,
            body=HOSTILE_BODY,
            summary=HOSTILE_SUMMARY,
            author=["Zoë Saldaña", "אבי כהן"],
            tags=[
                Tag(name="Zoë Saldaña", slug="zoe-saldana", kind="person", score=0.9),
                Tag(name="Tom & Jerry", slug="tom-jerry", kind="work", score=0.5),
            ],
            image=Image(url="https://img.example.com/a.jpg", alt="a"),
        )
    )
    return store


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_xml_feeds_parse_without_bozo_newest_first(feed: InMemoryFeed, render) -> None:  # type: ignore[no-untyped-def]
    parsed = feedparser.parse(render(META, entries_of(feed)))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.id for e in parsed.entries] == [entry_id(i) for i in ("a-10", "a-2", "a-1", "a-0")]
    assert parsed.feed.title == "Pressroom"
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links["self"] == META.self_url
    assert parsed.entries[1].link == "https://news.example.com/articles/article-2"


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_hostile_article_survives_intact_and_inert(feed: InMemoryFeed, render) -> None:  # type: ignore[no-untyped-def]
    document = render(META, entries_of(feed))
    assert "<script" not in document
    parsed = feedparser.parse(document)
    assert not parsed.bozo
    entry = parsed.entries[0]
    assert entry.title == HOSTILE_TITLE
    assert entry.content[0].value == HOSTILE_BODY
    assert [t.term for t in entry.tags] in (["zoe-saldana", "tom-jerry"], ["Zoë Saldaña", "Tom & Jerry"])


def test_hostile_article_in_json_feed_is_intact_and_the_json_is_script_safe(feed: InMemoryFeed) -> None:
    document = render_json_feed(META, entries_of(feed)).to_json_dict()
    item = document["items"][0]
    assert item["title"] == HOSTILE_TITLE
    assert item["content_html"] == HOSTILE_BODY
    assert item["summary"] == HOSTILE_SUMMARY
    assert "<script" not in item["content_html"]
    assert [a["name"] for a in item["authors"]] == ["Zoë Saldaña", "אבי כהן"]


def test_rss_uses_rfc822_dates_non_permalink_guids_and_categories(feed: InMemoryFeed) -> None:
    document = render_rss(META, entries_of(feed))
    dates = re.findall(r"<pubDate>([^<]+)</pubDate>", document)
    assert dates and all(RFC822.match(d) for d in dates)
    assert RFC822.match(re.search(r"<lastBuildDate>([^<]+)</lastBuildDate>", document).group(1))  # type: ignore[union-attr]
    assert '<guid isPermaLink="false">urn:pressroom:article:a-10</guid>' in document
    assert "<category>Zoë Saldaña</category>" in document
    assert "<dc:creator>Zoë Saldaña</dc:creator>" in document
    parsed = feedparser.parse(document)
    assert parsed.version == "rss20"
    assert parsed.entries[0].description == HOSTILE_SUMMARY or parsed.entries[0].summary


def test_atom_uses_rfc3339_dates_and_is_atom10(feed: InMemoryFeed) -> None:
    document = render_atom(META, entries_of(feed))
    parsed = feedparser.parse(document)
    assert parsed.version == "atom10"
    for tag in ("updated", "published"):
        values = re.findall(rf"<{tag}>([^<]+)</{tag}>", document)
        assert values and all(RFC3339.match(v) for v in values)
    assert parsed.feed.id == "urn:pressroom:feed"
    assert parsed.entries[0].summary == HOSTILE_SUMMARY


def test_json_feed_follows_the_json_feed_1_1_rules(feed: InMemoryFeed) -> None:
    document = json.loads(json.dumps(render_json_feed(META, entries_of(feed)).to_json_dict()))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(document["title"], str) and document["title"]
    assert document["feed_url"] == META.self_url
    assert document["home_page_url"].startswith("https://")
    assert isinstance(document["items"], list) and len(document["items"]) == 4
    ids = [item["id"] for item in document["items"]]
    assert len(set(ids)) == len(ids)
    for item in document["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert "content_html" in item or "content_text" in item
        assert RFC3339.match(item["date_published"]) and RFC3339.match(item["date_modified"])
        assert item["url"].startswith("https://news.example.com/articles/")
        assert all(isinstance(t, str) for t in item.get("tags", []))
        assert all(set(a) <= {"name", "url", "avatar"} for a in item.get("authors", []))
        assert set(item) <= {
            "id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
            "banner_image", "date_published", "date_modified", "authors", "tags", "language", "attachments",
        }  # fmt: skip
    assert document["items"][0]["image"] == "https://img.example.com/a.jpg"
    dates = [datetime.fromisoformat(i["date_published"]) for i in document["items"]]
    assert dates == sorted(dates, reverse=True)


def test_control_characters_are_dropped_from_xml_but_text_survives(feed: InMemoryFeed) -> None:
    feed.publish(make_article(20, title="Bell\x07 and NUL\x00 end", summary="vertical\x0btab"))
    for render in (render_rss, render_atom):
        parsed = feedparser.parse(render(META, entries_of(feed)))
        assert not parsed.bozo
        assert parsed.entries[0].title == "Bell and NUL end"


def test_rendering_is_deterministic_so_etags_are_stable(feed: InMemoryFeed) -> None:
    for render in (render_rss, render_atom):
        assert render(META, entries_of(feed)) == render(META, entries_of(feed))


def test_empty_feed_is_still_valid() -> None:
    for render in (render_rss, render_atom):
        parsed = feedparser.parse(render(META, []))
        assert not parsed.bozo and parsed.entries == []
    assert render_json_feed(META, []).to_json_dict()["items"] == []


def test_feed_holds_the_newest_fifty_with_their_bodies() -> None:
    store = InMemoryFeed()
    for n in range(60):
        store.publish(make_article(n))
    entries = entries_of(store)
    assert len(entries) == 50
    assert entries[0].summary.id == "a-59" and entries[-1].summary.id == "a-10"
    assert all(e.article is not None for e in entries)
    assert store.calls == [f"list_index:{FEED_INDEX}", "get_articles"]


def test_an_article_missing_from_the_batch_read_falls_back_to_its_summary() -> None:
    class SummariesOnly:
        def __init__(self, inner: InMemoryFeed) -> None:
            self.inner = inner

        def get_by_slug(self, slug):  # type: ignore[no-untyped-def]
            return self.inner.get_by_slug(slug)

        def list_index(self, index, **kwargs):  # type: ignore[no-untyped-def]
            return self.inner.list_index(index, **kwargs)

        def get_articles(self, ids):  # type: ignore[no-untyped-def]
            return []

    store = InMemoryFeed()
    store.publish(make_article(1, summary="A & B"))
    entries = ReadService(SummariesOnly(store), CursorCodec(b"k"), clock=lambda: NOW).feed(FEED_INDEX)
    parsed = feedparser.parse(render_atom(META, entries))
    assert parsed.entries[0].content[0].value == "<p>A &amp; B</p>"
