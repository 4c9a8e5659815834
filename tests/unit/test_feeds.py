"""JSON Feed 1.1, RSS 2.0 and Atom 1.0 rendering: valid for a real client, stable, escaped, inert."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pressroom.api_models import payload_bytes
from pressroom.cleaning import clean_body, derive_summary
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
    home_url="https://news.example.com/",
    built_at=T0 + timedelta(days=30),
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
    assert parsed.entries[1].link == "https://news.example.com/news/article-2"


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
    document = json.loads(render_json_feed(META, entries_of(feed)))
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
    document = json.loads(render_json_feed(META, entries_of(feed)))
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
        assert item["url"].startswith("https://news.example.com/news/")
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
    assert json.loads(render_json_feed(META, []))["items"] == []


def test_feed_holds_the_newest_fifty_with_their_bodies() -> None:
    store = InMemoryFeed()
    for n in range(60):
        store.publish(make_article(n))
    entries = entries_of(store)
    assert len(entries) == 50
    assert entries[0].summary.id == "a-59" and entries[-1].summary.id == "a-10"
    assert all(e.article is not None for e in entries)
    assert store.calls == [f"list_index:{FEED_INDEX}", "get_articles"]


def test_an_article_missing_from_the_batch_read_falls_back_to_its_summary_and_link() -> None:
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
    assert parsed.entries[0].content[0].value == (
        '<p>A &amp; B</p><p><a href="https://news.example.com/news/article-1">Read the article</a></p>'
    )


# ------------------------------------------------------------------------------------------------ inert markup

_ACTIVE_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "link", "style"}
_ACTIVE_TAGS |= {"form", "svg", "math", "template"}
_SCRIPT_URL = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20]+")


class _ActiveContent(HTMLParser):
    """What a browser rendering an HTML fragment could execute: script-capable elements, event handler attributes
    and ``javascript:``/``vbscript:``/``data:`` URLs in any attribute. Also collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in ("srcdoc", "formaction"):
                self.found.append(f"{tag}[{name}]")
            elif value and _SCRIPT_URL.match(_IGNORED_IN_URLS.sub("", value)):
                self.found.append(f"{tag}[{name}={value[:40]}]")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def active_content(fragment: str) -> list[str]:
    parser = _ActiveContent()
    parser.feed(fragment)
    parser.close()
    return parser.found


def visible_text(fragment: str) -> str:
    parser = _ActiveContent()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.text)


def as_rendered_html(detail: Any) -> str:
    """The HTML a reader renders for a feedparser text construct: HTML as is, plain text escaped."""
    return detail.value if detail.type in ("text/html", "application/xhtml+xml") else html.escape(detail.value)


def parse_raw(document: str) -> Any:
    """The feed as a reader sees it before any sanitising of its own (feedparser sanitises by default)."""
    parsed = feedparser.parse(document, sanitize_html=False)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_a_body_that_shows_markup_gives_a_summary_that_stays_text_in_rss() -> None:
    body = clean_body("<p>Look: &lt;img src=x onerror=alert(1)&gt; and &lt;script&gt;alert(2)&lt;/script&gt; here.</p>")
    summary = derive_summary(body.text)
    assert summary == "Look: <img src=x onerror=alert(1)> and <script>alert(2)</script> here."
    entries = [FeedEntry(summary=make_article(1, summary=summary, body=body.html).summary_view(), article=None)]
    document = render_rss(META, entries)
    entry = parse_raw(document).entries[0]
    assert entry.summary_detail.type == "text/html"
    assert active_content(entry.summary) == []
    assert visible_text(entry.summary) == summary
    assert active_content(entry.content[0].value) == []


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_summaries_read_the_same_in_every_format(feed: InMemoryFeed, render) -> None:  # type: ignore[no-untyped-def]
    entry = parse_raw(render(META, entries_of(feed))).entries[0]
    assert visible_text(as_rendered_html(entry.summary_detail)) == HOSTILE_SUMMARY
    item = json.loads(render_json_feed(META, entries_of(feed)))["items"][0]
    assert item["summary"] == HOSTILE_SUMMARY


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_the_feed_title_and_description_are_text_too(render) -> None:  # type: ignore[no-untyped-def]
    meta = FeedMeta(**{**META.__dict__, "title": "T <img src=x onerror=alert(1)>", "description": HOSTILE_SUMMARY})
    parsed = parse_raw(render(meta, []))
    assert parsed.feed.title == "T <img src=x onerror=alert(1)>"
    assert active_content(as_rendered_html(parsed.feed.subtitle_detail)) == []
    assert visible_text(as_rendered_html(parsed.feed.subtitle_detail)) == HOSTILE_SUMMARY


HOSTILE_FRAGMENTS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&lt;img src=x onerror=alert(1)&gt;",
    "&amp;lt;svg onload=alert(1)&amp;gt;",
    '<a href="javascript:alert(1)">x</a>',
    "&lt;a href=&quot;jav&#x09;ascript:alert(1)&quot;&gt;",
    "<svg/onload=alert(1)>",
    "&#60;iframe srcdoc=x&#62;",
    "javascript:alert(1)",
    "]]>",
    "<![CDATA[",
    "<!--",
    "-->",
    '"',
    "'",
    "&",
    "<",
    ">",
    "\n\n",
    " ",
    "Word and more words. ",
]
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE_FRAGMENTS), st.text(max_size=12)), max_size=10).map("".join)


@settings(max_examples=150, deadline=None)
@given(title=hostile_text, raw_body=hostile_text, editorial=st.none() | hostile_text, author=hostile_text)
def test_no_title_summary_or_body_becomes_active_markup_in_any_feed(
    title: str, raw_body: str, editorial: str | None, author: str
) -> None:
    body = clean_body(raw_body)
    summary = (editorial or "").strip() or derive_summary(body.text)
    article = make_article(
        1, title=title.strip() or "t", summary=summary, body=body.html, author=[author] if author.strip() else []
    )
    entries = [
        FeedEntry(summary=article.summary_view(), article=article),
        FeedEntry(summary=make_article(0, title=title, summary=summary).summary_view(), article=None),
    ]  # the second title may be empty once XML drops the characters it cannot carry
    for render, kind in ((render_rss, "rss20"), (render_atom, "atom10")):
        parsed = parse_raw(render(META, entries))
        assert parsed.version == kind and len(parsed.entries) == 2
        for entry in parsed.entries:
            texts = [entry.summary_detail, *entry.get("content", [])]
            for detail in texts + ([entry.title_detail] if kind == "atom10" else []):
                assert active_content(as_rendered_html(detail)) == [], (kind, detail.value)
    for item in json.loads(render_json_feed(META, entries))["items"]:
        assert active_content(item["content_html"]) == [], item["content_html"]


# ------------------------------------------------------------------------------------------------ size bound

RENDERERS = [render_rss, render_atom, render_json_feed]


def body_of(chars: int) -> str:
    return "<p>" + ("Zoë &amp; “Jerry” &lt;b&gt; 🎉 " * (chars // 20 + 1))[: chars - 7] + "</p>"


def contents_of(render, document: str) -> list[str]:  # type: ignore[no-untyped-def]
    if render is render_json_feed:
        return [item["content_html"] for item in json.loads(document)["items"]]
    return [entry.content[0].value for entry in parse_raw(document).entries]


@pytest.mark.parametrize("render", RENDERERS)
def test_bodies_beyond_the_budget_give_way_to_summary_and_link(render) -> None:  # type: ignore[no-untyped-def]
    store = InMemoryFeed()
    for n in range(10):
        store.publish(make_article(n, body=body_of(4_000)))
    document = render(META, entries_of(store), max_bytes=40_000)
    assert payload_bytes(document) <= 40_000
    contents = contents_of(render, document)
    assert len(contents) == 10
    full = [c == body_of(4_000) for c in contents]
    assert full[0] and not full[-1] and full == sorted(full, reverse=True), full
    assert contents[-1] == (
        '<p>Summary of article 0.</p><p><a href="https://news.example.com/news/article-0">Read the article</a></p>'
    )
    assert all(c == body_of(4_000) or c.endswith("Read the article</a></p>") for c in contents)


@pytest.mark.parametrize("render", RENDERERS)
def test_a_huge_body_gives_way_but_smaller_older_bodies_stay(render) -> None:  # type: ignore[no-untyped-def]
    store = InMemoryFeed()
    for n in range(3):
        store.publish(make_article(n, body=body_of(1_000)))
    store.publish(make_article(9, body=body_of(60_000)))
    contents = contents_of(render, render(META, entries_of(store), max_bytes=50_000))
    assert contents[0].endswith("Read the article</a></p>")
    assert contents[1:] == [body_of(1_000)] * 3


@pytest.mark.parametrize("render", RENDERERS)
def test_when_even_summaries_are_too_heavy_the_newest_entries_stay(render) -> None:  # type: ignore[no-untyped-def]
    store = InMemoryFeed()
    for n in range(20):
        store.publish(make_article(n, summary="🎉" * 1000, body=body_of(2_000)))
    document = render(META, entries_of(store), max_bytes=60_000)
    assert payload_bytes(document) <= 60_000
    ids = (
        [i["id"] for i in json.loads(document)["items"]]
        if render is render_json_feed
        else [e.id for e in parse_raw(document).entries]
    )
    assert 0 < len(ids) < 20
    assert ids == [entry_id(f"a-{n}") for n in range(19, 19 - len(ids), -1)]


def test_a_feed_within_the_budget_is_untouched(feed: InMemoryFeed) -> None:
    for render in RENDERERS:
        assert render(META, entries_of(feed)) == render(META, entries_of(feed), max_bytes=10**9)
