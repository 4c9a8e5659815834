"""Every feed checked against its specification's required elements, as a validator would, in the cases that broke
them: an article without authors (Atom's feed author, RFC 4287 4.1.1), an article with a lead image (RSS
``enclosure``, Atom ``link rel="enclosure"``, Media RSS), empty optional members (JSON Feed 1.1 wants them left
out), an empty feed (dated when built, not 1970), and links that lead to HTML pages.

RSS 2.0: https://www.rssboard.org/rss-specification; Atom: RFC 4287; JSON Feed: https://www.jsonfeed.org/version/1.1/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from lxml import etree

from pressroom.feeds import FeedMeta, render_atom, render_json_feed, render_rss
from pressroom.models import Article, Image, Tag
from pressroom.reading import FeedEntry
from tests.fakes_api import T0, make_article

ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
BUILT = T0 + timedelta(days=40, seconds=7)
META = FeedMeta(
    title="Pressroom: Portmere",
    description="The newest articles tagged Portmere",
    feed_id="urn:pressroom:feed:tag:portmere",
    base_url="https://news.example.com",
    self_url="https://api.example.com/prod/tags/portmere/atom.xml",
    home_url="https://news.example.com/tags/portmere",
    built_at=BUILT,
)
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
IMAGE = Image(url="https://img.example.com/lead.jpg", alt="The harbour at night")


def entry(article: Article) -> FeedEntry:
    return FeedEntry(summary=article.summary_view(), article=article)


CASES: dict[str, list[FeedEntry]] = {
    "no article has an author": [entry(make_article(n, author=[])) for n in range(3)],
    "some articles have no author": [entry(make_article(1, author=[])), entry(make_article(2))],
    "every article has authors": [entry(make_article(1, author=["Ada Byron", "Zoë Saldaña"]))],
    "lead images": [
        entry(make_article(1, image=IMAGE)),
        entry(make_article(2, image=Image(url="https://img.example.com/render?id=9", alt=""))),
    ],
    "nothing optional": [entry(make_article(1, author=[], tags=[], summary="", section=None))],
    "summaries only": [FeedEntry(summary=make_article(1, author=[]).summary_view(), article=None)],
    "empty": [],
}


def cases() -> Iterator[Any]:
    for name, entries in CASES.items():
        yield pytest.param(entries, id=name)


# ------------------------------------------------------------------------------------------------ RSS 2.0


@pytest.mark.parametrize("entries", cases())
def test_rss_has_what_rss_2_0_requires(entries: list[FeedEntry]) -> None:
    root = etree.fromstring(render_rss(META, entries).encode())
    assert root.tag == "rss" and root.get("version") == "2.0"
    (channel,) = root.findall("channel")
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), name
    assert channel.findtext("link") == META.home_url
    assert parsedate_to_datetime(channel.findtext("lastBuildDate") or "") == newest(entries, BUILT)
    items = channel.findall("item")
    assert len(items) == len(entries)
    for item, source in zip(items, entries, strict=True):
        assert item.findtext("title") or item.findtext("description")
        assert item.findtext("link") == f"https://news.example.com/news/{source.summary.slug}"
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false"
        parsedate_to_datetime(item.findtext("pubDate") or "")
        enclosures = item.findall("enclosure")
        assert len(enclosures) <= 1
        image = source.summary.image
        if image is not None and image.url.endswith(".jpg"):
            (enclosure,) = enclosures
            assert enclosure.attrib == {"url": image.url, "length": "0", "type": "image/jpeg"}
        else:
            assert enclosures == []  # an enclosure must name a type; an image URL that names none has media only
        media = item.findall(f"{MEDIA}content")
        assert [m.get("url") for m in media] == ([image.url] if image else [])
        assert all(m.get("medium") == "image" for m in media)


# ------------------------------------------------------------------------------------------------ Atom


@pytest.mark.parametrize("entries", cases())
def test_atom_has_what_rfc_4287_requires(entries: list[FeedEntry]) -> None:
    root = etree.fromstring(render_atom(META, entries).encode())
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{name}")) == 1, name  # 4.1.1: exactly one
    assert datetime.fromisoformat(root.findtext(f"{ATOM}updated") or "") == newest(entries, BUILT)
    feed_authors = [a.findtext(f"{ATOM}name") for a in root.findall(f"{ATOM}author")]
    assert all(feed_authors)
    links = [(link.get("rel", "alternate"), link.get("type"), link.get("href")) for link in root.findall(f"{ATOM}link")]
    assert ("self", "application/atom+xml", META.self_url) in links
    assert ("alternate", "text/html", META.home_url) in links
    entry_elements = root.findall(f"{ATOM}entry")
    assert len(entry_elements) == len(entries)
    for element, source in zip(entry_elements, entries, strict=True):
        for name in ("id", "title", "updated"):
            assert len(element.findall(f"{ATOM}{name}")) == 1, name  # 4.1.2: exactly one
        assert RFC3339.match(element.findtext(f"{ATOM}updated") or "")
        entry_authors = [a.findtext(f"{ATOM}name") for a in element.findall(f"{ATOM}author")]
        assert entry_authors == source.summary.author
        assert entry_authors or feed_authors, "4.1.1: an entry without author needs the feed's author"
        assert element.find(f"{ATOM}content") is not None or element.find(f"{ATOM}summary") is not None
        entry_links = [(link.get("rel", "alternate"), link.get("type"), link.get("href"))
                       for link in element.findall(f"{ATOM}link")]  # fmt: skip
        alternates = [(t, h) for rel, t, h in entry_links if rel == "alternate"]
        assert alternates == [("text/html", f"https://news.example.com/news/{source.summary.slug}")]
        enclosures = [(t, h) for rel, t, h in entry_links if rel == "enclosure"]
        image = source.summary.image
        if image is None:
            assert enclosures == []
        else:
            assert enclosures == [("image/jpeg" if image.url.endswith(".jpg") else None, image.url)]


def test_an_atom_feed_names_the_publication_as_its_author() -> None:
    root = etree.fromstring(render_atom(META, CASES["no article has an author"]).encode())
    assert [a.findtext(f"{ATOM}name") for a in root.findall(f"{ATOM}author")] == ["Pressroom"]


# ------------------------------------------------------------------------------------------------ JSON Feed 1.1

JSON_FEED_TOP = {
    "version", "title", "home_page_url", "feed_url", "description", "user_comment", "next_url", "icon", "favicon",
    "authors", "language", "expired", "hubs", "items",
}  # fmt: skip
JSON_FEED_ITEM = {
    "id", "url", "external_url", "title", "content_html", "content_text", "summary", "image", "banner_image",
    "date_published", "date_modified", "authors", "tags", "language", "attachments",
}  # fmt: skip


def empty_members(value: Any, path: str = "") -> Iterator[str]:
    """Where a JSON document holds an empty array, object or string, or a null."""
    if value is None or value in ("", [], {}):
        yield path or "/"
    elif isinstance(value, dict):
        for key, member in value.items():
            yield from empty_members(member, f"{path}/{key}")
    elif isinstance(value, list):
        for index, member in enumerate(value):
            yield from empty_members(member, f"{path}/{index}")


@pytest.mark.parametrize("entries", cases())
def test_json_feed_has_what_json_feed_1_1_requires_and_no_empty_member(entries: list[FeedEntry]) -> None:
    document = json.loads(render_json_feed(META, entries))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] and isinstance(document["items"], list)
    assert set(document) <= JSON_FEED_TOP
    assert document["home_page_url"] == META.home_url and document["feed_url"] == META.self_url
    assert [p for p in empty_members(document) if p != "/items"] == []  # items is required, even when empty
    assert len(document["items"]) == len(entries)
    for item, source in zip(document["items"], entries, strict=True):
        assert set(item) <= JSON_FEED_ITEM
        assert isinstance(item["id"], str) and item["id"]
        assert "content_html" in item or "content_text" in item
        assert item["url"] == f"https://news.example.com/news/{source.summary.slug}"
        assert RFC3339.match(item["date_published"]) and RFC3339.match(item["date_modified"])
        assert [a["name"] for a in item.get("authors", [])] == source.summary.author
        assert all(set(a) <= {"name", "url", "avatar"} and a for a in item.get("authors", []))
        assert item.get("image") == (source.summary.image.url if source.summary.image else None)


# ------------------------------------------------------------------------------------------------ empty feeds


def newest(entries: list[FeedEntry], built: datetime) -> datetime:
    return max((e.summary.updated_at for e in entries), default=built)


@pytest.mark.parametrize("render", [render_rss, render_atom])
def test_an_empty_feed_is_dated_when_it_was_built_never_1970(render: Callable[..., str]) -> None:
    document = render(META, [])
    assert "1970" not in document
    assert BUILT.strftime("%d %b %Y %H:%M:%S") in document or BUILT.isoformat() in document
    assert render(META, []) == document


def test_feed_dates_come_from_the_articles_not_from_the_build_time() -> None:
    entries = [entry(make_article(1, tags=[Tag(name="Portmere", slug="portmere", kind="place", score=1)]))]
    later = FeedMeta(**{**META.__dict__, "built_at": BUILT + timedelta(days=3)})
    for render in (render_rss, render_atom, render_json_feed):
        assert render(META, entries) == render(later, entries)  # so the ETag changes only with the articles
