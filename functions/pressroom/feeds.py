"""Feed rendering: JSON Feed 1.1, RSS 2.0 and Atom 1.0 (RFC 4287) from the newest articles of an index.

RSS and Atom are built with feedgen (lxml), never string templates, so every title and text is XML-escaped;
feedgen is imported inside the renderers to keep it off the API's cold-start path. JSON Feed is a pydantic model.

Contracts shared by the three formats:
- ids are stable and independent of the public URL: ``urn:pressroom:article:<id>`` (RSS ``guid``
  with ``isPermaLink="false"``, Atom ``id``, JSON Feed ``id``); the article URL is the link;
- titles and summaries are plain text, and each format says so or makes them inert: Atom ``<title>`` and
  ``<summary>`` are text constructs, JSON Feed ``title`` and ``summary`` are plain text by definition, and RSS
  ``<description>``, which readers render as HTML, holds the summary HTML-escaped (then XML-escaped), so a summary
  such as ``<img src=x onerror=…>`` shows as those characters and never becomes an element (the channel's
  ``<description>`` likewise);
- the content is the article's sanitised HTML body as escaped text (never CDATA, so a ``]]>`` in an article cannot
  end a section), or the escaped summary and a link to the article when the body is not at hand or does not fit;
- every document weighs at most ``max_bytes`` by :func:`~pressroom.api_models.payload_bytes` (Lambda's response
  limit): when the bodies would not fit, the newest entries keep their bodies as long as they fit and the others
  carry their summary and a link; if even the summaries do not fit, the oldest entries are left out;
- characters XML 1.0 forbids (control characters, lone surrogates) are dropped from every string;
- RSS dates are RFC 822, Atom and JSON Feed dates RFC 3339; tags are categories (term = slug, label = name);
- links lead to HTML pages: each entry to its article's page, the feed to its list's page (``home_url``);
- authors: each entry names its article's authors; an Atom feed also names the publication as the feed's author,
  so every entry has one (RFC 4287 4.1.1) whether or not its article has; JSON Feed leaves out what is empty
  (``authors``, ``tags``, ``summary``), as JSON Feed 1.1 asks;
- the lead image is an RSS ``<enclosure>`` (when its URL names an image type) and ``<media:content>``, an Atom
  ``<link rel="enclosure">`` and ``<media:content>``, and JSON Feed's ``image``;
- the output is a pure function of the articles and ``FeedMeta`` (build dates come from the newest article; an empty
  feed is dated ``FeedMeta.built_at``), so ETags are stable.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from pressroom.api_models import (
    MAX_RESPONSE_BYTES,
    JsonFeed,
    JsonFeedAuthor,
    JsonFeedItem,
    payload_bytes,
    payload_fits,
)
from pressroom.links import SITE_NAME, Listing
from pressroom.models import ArticleSummary, article_url
from pressroom.reading import FeedEntry, named

if TYPE_CHECKING:
    from pressroom.pages import Site

RSS_CONTENT_TYPE = "application/rss+xml; charset=utf-8"
ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8"
JSON_FEED_CONTENT_TYPE = "application/feed+json; charset=utf-8"

_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BODY_SHARE = (3, 5)
_IMAGE_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "avif": "image/avif",
    "svg": "image/svg+xml",
}

_Render = Callable[[Sequence[FeedEntry], Sequence[bool]], str]


@dataclass(frozen=True)
class FeedMeta:
    """What a feed says about itself. ``base_url`` is the public base URL of articles; ``self_url`` is the URL of
    this very document and ``home_url`` the HTML page of the same list (e.g. ``…/`` or ``…/tags/x``). ``built_at``
    dates a feed that has no entries; ``author`` is the publication, the feed's own author."""

    title: str
    description: str
    feed_id: str
    base_url: str
    self_url: str
    home_url: str
    built_at: datetime
    language: str = "en"
    author: str = SITE_NAME


def entry_id(article_id: str) -> str:
    """The stable id of an article in every feed format."""
    return f"urn:pressroom:article:{article_id}"


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry at all (escaping is lxml's job)."""
    return _XML_FORBIDDEN.sub("", text)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _title(summary: ArticleSummary) -> str:
    return xml_safe(summary.title).strip() or summary.slug


def _summary_text(summary: ArticleSummary) -> str:
    return xml_safe(summary.summary).strip() or _title(summary)


def _content_html(meta: FeedMeta, entry: FeedEntry, full: bool) -> str:
    """The body when ``full`` and at hand, else the summary (plain text, so escaped) and a link to the article."""
    if full and entry.article is not None and entry.article.body.strip():
        return entry.article.body
    url = html.escape(article_url(meta.base_url, entry.summary.slug))
    return f'<p>{html.escape(_summary_text(entry.summary))}</p><p><a href="{url}">Read the article</a></p>'


def _last_modified(meta: FeedMeta, entries: Sequence[FeedEntry]) -> datetime:
    return max((e.summary.updated_at for e in entries), default=meta.built_at)


def image_type(url: str) -> str | None:
    """The media type an image URL names by its extension (``…/a.JPG?w=2`` -> ``image/jpeg``), or None."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    name = path.rsplit("/", 1)[-1]
    return _IMAGE_TYPES.get(name.rsplit(".", 1)[-1].lower()) if "." in name else None


def _xml_cost(body: str) -> int:
    return payload_bytes(body) + 4 * body.count("&") + 3 * (body.count("<") + body.count(">") + body.count("\r"))


def _json_cost(body: str) -> int:
    return payload_bytes(json.dumps(body))


def _fitted(render: _Render, entries: Sequence[FeedEntry], cost: Callable[[str], int], max_bytes: int) -> str:
    """``render(entries, full)`` within ``max_bytes``, measured: usually every body fits and one render does. Else
    the newest entries whose summaries fit stay, and bodies go to the newest of them while their ``cost`` (what a
    body weighs in the document) fits in the room the summaries leave, the oldest going first if still too heavy.
    A pure function of the entries, so the ETag of a feed changes only with its articles."""
    chars = sum(len(e.article.body) for e in entries if e.article is not None)
    if chars <= max_bytes * _BODY_SHARE[0] // _BODY_SHARE[1]:
        document = render(entries, [True] * len(entries))
        if payload_fits(document, max_bytes):
            return document
    costs = [cost(e.article.body) if e.article is not None else 0 for e in entries]
    count = len(entries)
    while True:
        summaries = render(entries[:count], [False] * count)
        size = payload_bytes(summaries)
        if size <= max_bytes or count == 0:
            break
        count -= min(count, 1 + (size - max_bytes) * count // size)
    room = max_bytes - size
    full: list[bool] = []
    for c in costs[:count]:
        full.append(0 < c <= room)
        room -= c if full[-1] else 0
    while any(full):
        document = render(entries[:count], full)
        if payload_fits(document, max_bytes):
            return document
        full[max(i for i, keep in enumerate(full) if keep)] = False
    return summaries


def _json_document(meta: FeedMeta, entries: Sequence[FeedEntry], full: Sequence[bool]) -> str:
    items = [
        JsonFeedItem(
            id=entry_id(e.summary.id),
            url=article_url(meta.base_url, e.summary.slug),
            title=e.summary.title,
            content_html=_content_html(meta, e, keep),
            summary=e.summary.summary or None,
            date_published=rfc3339(e.summary.published_at),
            date_modified=rfc3339(e.summary.updated_at),
            authors=[JsonFeedAuthor(name=name) for name in e.summary.author] or None,
            tags=[t.name for t in e.summary.tags] or None,
            language=e.summary.language,
            image=e.summary.image.url if e.summary.image else None,
        )
        for e, keep in zip(entries, full, strict=True)
    ]
    document = JsonFeed(
        title=meta.title,
        home_page_url=meta.home_url,
        feed_url=meta.self_url,
        description=meta.description,
        language=meta.language,
        items=items,
    )
    return json.dumps(document.to_json_dict(), separators=(",", ":"))


def render_json_feed(meta: FeedMeta, entries: Sequence[FeedEntry], *, max_bytes: int = MAX_RESPONSE_BYTES) -> str:
    """The JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/), as compact JSON."""
    return _fitted(lambda es, full: _json_document(meta, es, full), entries, _json_cost, max_bytes)


@cache
def _atom_links() -> tuple[type, type]:
    """A feedgen extension that writes an Atom entry's links with their ``rel`` and ``type``: feedgen 1.0 drops
    both (``FeedEntry.atom_entry`` reads them from the element it has just made), which would make an image
    enclosure a second ``alternate`` link, against RFC 4287 4.1.1."""
    from feedgen.ext.base import BaseEntryExtension, BaseExtension

    class AtomLinks(BaseEntryExtension):
        def __init__(self) -> None:
            self.links: list[dict[str, str]] = []

        def extend_atom(self, entry: Any) -> Any:
            from lxml import etree

            for old in entry.findall("link"):
                entry.remove(old)
            for attributes in self.links:
                etree.SubElement(entry, "link", **attributes)
            return entry

    return BaseExtension, AtomLinks


def _generator(meta: FeedMeta, entries: Sequence[FeedEntry], full: Sequence[bool], *, rss: bool) -> Any:
    from feedgen.feed import FeedGenerator  # lazy: lxml and feedgen stay off the cold-start path

    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.load_extension("media")
    fg.register_extension("links", *_atom_links(), atom=True, rss=False)
    fg.id(xml_safe(meta.feed_id))
    fg.title(xml_safe(meta.title))
    fg.description(html.escape(xml_safe(meta.description)) if rss else xml_safe(meta.description))
    fg.link(href=meta.self_url, rel="self", type="application/rss+xml" if rss else "application/atom+xml")
    fg.link(href=meta.home_url, rel="alternate", type="text/html")  # the last link is RSS's channel <link>
    if not rss:
        fg.author(name=xml_safe(meta.author))
    fg.language(meta.language)
    fg.generator(SITE_NAME)
    updated = _last_modified(meta, entries)
    fg.updated(updated)
    fg.lastBuildDate(updated)
    for e, keep in zip(entries, full, strict=True):
        s = e.summary
        fe = fg.add_entry(order="append")
        fe.id(entry_id(s.id))
        fe.guid(entry_id(s.id), permalink=False)
        fe.title(_title(s))
        page = article_url(meta.base_url, s.slug)
        fe.link(href=page, rel="alternate", type="text/html")
        fe.links.links.append({"href": page, "rel": "alternate", "type": "text/html"})
        fe.published(s.published_at)
        fe.updated(s.updated_at)
        fe.summary(html.escape(_summary_text(s)) if rss else _summary_text(s))  # RSS description is HTML
        fe.content(xml_safe(_content_html(meta, e, keep)), type="html")
        for name in s.author:
            fe.author(name=xml_safe(name))
            fe.dc.dc_creator(xml_safe(name))
        for tag in s.tags:
            fe.category(term=xml_safe(tag.slug), label=xml_safe(tag.name))
        if s.image is not None:
            kind = {"type": image_type(s.image.url) or ""}
            if not kind["type"]:  # an RSS enclosure must name its type; an Atom link need not
                kind = {}
            elif rss:
                fe.link(href=s.image.url, rel="enclosure", **kind)
            fe.links.links.append({"href": s.image.url, "rel": "enclosure", **kind})
            fe.media.content(url=s.image.url, medium="image", group=None, **kind)
    return fg


def render_rss(meta: FeedMeta, entries: Sequence[FeedEntry], *, max_bytes: int = MAX_RESPONSE_BYTES) -> str:
    """The RSS 2.0 document, UTF-8, with ``atom:link rel="self"`` and ``content:encoded``."""

    def render(es: Sequence[FeedEntry], full: Sequence[bool]) -> str:
        document = _generator(meta, es, full, rss=True).rss_str(pretty=False, encoding="UTF-8", xml_declaration=True)
        return str(document.decode("utf-8"))

    return _fitted(render, entries, _xml_cost, max_bytes)


def render_atom(meta: FeedMeta, entries: Sequence[FeedEntry], *, max_bytes: int = MAX_RESPONSE_BYTES) -> str:
    """The Atom 1.0 document, UTF-8, with ``link rel="self"``."""

    def render(es: Sequence[FeedEntry], full: Sequence[bool]) -> str:
        document = _generator(meta, es, full, rss=False).atom_str(pretty=False, encoding="UTF-8", xml_declaration=True)
        return str(document.decode("utf-8"))

    return _fitted(render, entries, _xml_cost, max_bytes)


def render_feed(
    fmt: str, listing: Listing, entries: Sequence[FeedEntry], site: Site, built_at: datetime
) -> tuple[str, str]:
    """The feed of ``listing`` in ``fmt`` (``feed.xml``, ``atom.xml`` or ``feed.json``, as in
    :data:`pressroom.links.FEED_FORMATS`) and its content type. The feed names the list as its articles do; it is
    served under ``site.feeds_url`` (its self link), its articles and pages are under ``site.base_url``."""
    listing = named(listing, [e.summary for e in entries])
    meta = FeedMeta(
        title=listing.title,
        description=listing.description,
        feed_id=listing.feed_id,
        base_url=site.base_url,
        self_url=listing.feed_url(site.feeds_url, fmt),
        home_url=listing.page_url(site.base_url),
        built_at=built_at.replace(microsecond=0),
    )
    render, content_type = _FORMATS[fmt]
    return render(meta, entries), content_type


_FORMATS: dict[str, tuple[Callable[[FeedMeta, Sequence[FeedEntry]], str], str]] = {
    "feed.xml": (render_rss, RSS_CONTENT_TYPE),
    "atom.xml": (render_atom, ATOM_CONTENT_TYPE),
    "feed.json": (render_json_feed, JSON_FEED_CONTENT_TYPE),
}
