"""Where readers find things: the paths of the reader pages, of the feeds and of the sitemaps, in one place.

Pages (HTML) and their feeds, under the public base URL (``PUBLIC_BASE_URL``, else the API's own URL):

====================================  ==================================================================
``/``                                 the front page: the newest articles (``?cursor=`` for older ones)
``/news/{slug}``                      an article (``pressroom.models.article_url``)
``/tags/{tag}``                       a tag's articles (``/tags/{tag}/articles`` is the JSON list)
``/sections/{section}``               a section's articles
``/authors/{author}``                 an author's articles (the author's name as a slug: ``ada-byron``)
``<list>/feed.xml`` · ``atom.xml`` ·  RSS 2.0 · Atom 1.0 · JSON Feed 1.1 of each of these lists (``<list>`` is
``feed.json``                         empty for the front page, e.g. ``/sections/sport/atom.xml``)
====================================  ==================================================================

Discovery, at the API's own URL: ``/sitemap.xml``, ``/sitemaps/{YYYY-MM}.xml`` (once the sitemap is an index),
``/news-sitemap.xml`` (Google News) and ``/robots.txt``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pressroom.ports import FEED_INDEX, author_index, section_index, tag_index

SITE_NAME = "Pressroom"
FEED_FORMATS = ("feed.xml", "atom.xml", "feed.json")
FEED_TYPES = {
    "feed.xml": "application/rss+xml",
    "atom.xml": "application/atom+xml",
    "feed.json": "application/feed+json",
}
FEED_LABELS = {"feed.xml": "RSS", "atom.xml": "Atom", "feed.json": "JSON Feed"}

ListingKind = Literal["front", "tag", "section", "author"]
_PREFIX = {"front": "", "tag": "/tags", "section": "/sections", "author": "/authors"}
_INDEX = {"tag": tag_index, "section": section_index, "author": author_index}


@dataclass(frozen=True)
class Listing:
    """A list of articles readers can open and follow: the front page, or one tag, section or author (by slug).
    ``name`` is what readers see (``Zoë Saldaña``); the slug when no article tells the name."""

    kind: ListingKind
    slug: str = ""
    name: str = ""

    @property
    def path(self) -> str:
        """The page's path without the trailing ``/`` of the front page (``""``, ``/tags/portmere`` …)."""
        return f"{_PREFIX[self.kind]}/{self.slug}" if self.kind != "front" else ""

    @property
    def index(self) -> str:
        return FEED_INDEX if self.kind == "front" else _INDEX[self.kind](self.slug)

    def page_url(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}{self.path or '/'}"

    def feed_url(self, base_url: str, fmt: str) -> str:
        return f"{base_url.rstrip('/')}{self.path}/{fmt}"

    @property
    def title(self) -> str:
        """The page's and the feeds' title."""
        return SITE_NAME if self.kind == "front" else f"{SITE_NAME}: {self.name or self.slug}"

    @property
    def description(self) -> str:
        name = self.name or self.slug
        return {
            "front": "The newest articles",
            "tag": f"The newest articles tagged {name}",
            "section": f"The newest articles in {name}",
            "author": f"The newest articles by {name}",
        }[self.kind]

    @property
    def feed_id(self) -> str:
        return "urn:pressroom:feed" if self.kind == "front" else f"urn:pressroom:feed:{self.kind}:{self.slug}"


FRONT = Listing("front")


def tag_url(base_url: str, slug: str) -> str:
    return Listing("tag", slug).page_url(base_url)


def section_url(base_url: str, slug: str) -> str:
    return Listing("section", slug).page_url(base_url)


def author_url(base_url: str, slug: str) -> str:
    return Listing("author", slug).page_url(base_url)
