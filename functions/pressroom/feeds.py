"""Feed rendering: JSON Feed 1.1, RSS 2.0 and Atom 1.0 (RFC 4287) from the newest articles of an index.

RSS and Atom are built with feedgen (lxml), never string templates, so every title and text is XML-escaped;
feedgen is imported inside the renderers to keep it off the API's cold-start path. JSON Feed is a pydantic model.

Contracts shared by the three formats:
- ids are stable and independent of the public URL: ``urn:pressroom:article:<id>`` (RSS ``guid``
  with ``isPermaLink="false"``, Atom ``id``, JSON Feed ``id``); the article URL is the link;
- titles and summaries are plain text (escaped); the content is the article's sanitised HTML body as escaped text
  (never CDATA, so a ``]]>`` in an article cannot end a section), or the escaped summary when no body is at hand;
- characters XML 1.0 forbids (control characters, lone surrogates) are dropped from every string;
- RSS dates are RFC 822, Atom and JSON Feed dates RFC 3339; tags are categories (term = slug, label = name);
- the output is a pure function of the articles (build dates come from the newest article), so ETags are stable.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pressroom.api_models import JsonFeed, JsonFeedAuthor, JsonFeedItem
from pressroom.models import article_url
from pressroom.reading import FeedEntry

RSS_CONTENT_TYPE = "application/rss+xml; charset=utf-8"
ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8"
JSON_FEED_CONTENT_TYPE = "application/feed+json; charset=utf-8"

_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedMeta:
    """What a feed says about itself. ``base_url`` is the public base URL of articles; ``self_url`` is the URL of
    this very document and ``home_url`` the matching list (e.g. ``…/articles`` or ``…/tags/x/articles``)."""

    title: str
    description: str
    feed_id: str
    base_url: str
    self_url: str
    home_url: str
    language: str = "en"


def entry_id(article_id: str) -> str:
    """The stable id of an article in every feed format."""
    return f"urn:pressroom:article:{article_id}"


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry at all (escaping is lxml's job)."""
    return _XML_FORBIDDEN.sub("", text)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _content_html(entry: FeedEntry) -> str:
    if entry.article is not None:
        return entry.article.body
    return f"<p>{html.escape(entry.summary.summary)}</p>"


def _last_modified(entries: Sequence[FeedEntry]) -> datetime:
    return max((e.summary.updated_at for e in entries), default=_EPOCH)


def render_json_feed(meta: FeedMeta, entries: Sequence[FeedEntry]) -> JsonFeed:
    """The JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/)."""
    items = [
        JsonFeedItem(
            id=entry_id(e.summary.id),
            url=article_url(meta.base_url, e.summary.slug),
            title=e.summary.title,
            content_html=_content_html(e),
            summary=e.summary.summary,
            date_published=rfc3339(e.summary.published_at),
            date_modified=rfc3339(e.summary.updated_at),
            authors=[JsonFeedAuthor(name=name) for name in e.summary.author],
            tags=[t.name for t in e.summary.tags],
            language=e.summary.language,
            image=e.summary.image.url if e.summary.image else None,
        )
        for e in entries
    ]
    return JsonFeed(
        title=meta.title,
        home_page_url=meta.home_url,
        feed_url=meta.self_url,
        description=meta.description,
        language=meta.language,
        items=items,
    )


def _generator(meta: FeedMeta, entries: Sequence[FeedEntry], *, self_type: str) -> Any:
    from feedgen.feed import FeedGenerator  # lazy: lxml and feedgen stay off the cold-start path

    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.id(xml_safe(meta.feed_id))
    fg.title(xml_safe(meta.title))
    fg.description(xml_safe(meta.description))
    fg.link(href=meta.self_url, rel="self", type=self_type)
    fg.link(href=meta.home_url, rel="alternate")  # the last link is RSS's channel <link>
    fg.language(meta.language)
    fg.generator("Pressroom")
    updated = _last_modified(entries)
    fg.updated(updated)
    fg.lastBuildDate(updated)
    for e in entries:
        s = e.summary
        fe = fg.add_entry(order="append")
        fe.id(entry_id(s.id))
        fe.guid(entry_id(s.id), permalink=False)
        fe.title(xml_safe(s.title))
        fe.link(href=article_url(meta.base_url, s.slug), rel="alternate")
        fe.published(s.published_at)
        fe.updated(s.updated_at)
        fe.summary(xml_safe(s.summary) or xml_safe(s.title))
        fe.content(xml_safe(_content_html(e)), type="html")
        for name in s.author:
            fe.author(name=xml_safe(name))
            fe.dc.dc_creator(xml_safe(name))
        for tag in s.tags:
            fe.category(term=xml_safe(tag.slug), label=xml_safe(tag.name))
    return fg


def render_rss(meta: FeedMeta, entries: Sequence[FeedEntry]) -> str:
    """The RSS 2.0 document, UTF-8, with ``atom:link rel="self"`` and ``content:encoded``."""
    fg = _generator(meta, entries, self_type="application/rss+xml")
    return fg.rss_str(pretty=False, encoding="UTF-8", xml_declaration=True).decode("utf-8")


def render_atom(meta: FeedMeta, entries: Sequence[FeedEntry]) -> str:
    """The Atom 1.0 document, UTF-8, with ``link rel="self"``."""
    fg = _generator(meta, entries, self_type="application/atom+xml")
    return fg.atom_str(pretty=False, encoding="UTF-8", xml_declaration=True).decode("utf-8")
