"""Reader pages: server-rendered HTML of the front page, an article, and a tag's, section's or author's articles.

Pure functions of the articles (no I/O, no clock), rendered with the standard library: small f-string templates in
which every value from an article goes through :func:`html.escape` (attributes quoted), except the article body,
which the pipeline has already sanitised to a safe subset of HTML (``pressroom.cleaning``). JSON-LD is
``json.dumps`` with ``<``, ``>`` and ``&`` escaped, so no text can end its ``<script>`` element.

Every page has ``lang``, a canonical URL, ``<link rel="alternate">`` to its feeds (and the site's), Open Graph and
Twitter card tags, and schema.org JSON-LD: ``NewsArticle`` (headline, datePublished, dateModified, author, image,
publisher) for an article, a ``CollectionPage`` of them for a list. Pages are semantic HTML (``header``, ``main``,
``article``, ``time``, ``nav``), readable without JavaScript (there is none) and without the style sheet, which is
inline, small, and meets WCAG AA contrast in light and dark schemes. :data:`CSP` is the page's
Content-Security-Policy: no script runs, the one style element is allowed by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import quote

from pressroom.links import (
    FEED_FORMATS,
    FEED_LABELS,
    FEED_TYPES,
    FRONT,
    SITE_NAME,
    Listing,
    author_url,
    section_url,
    tag_url,
)
from pressroom.models import Article, ArticleSummary, article_url
from pressroom.reading import DEFAULT_LIMIT, Page, named
from pressroom.text import slugify

HTML_CONTENT_TYPE = "text/html; charset=utf-8"
PAGE_SIZE = DEFAULT_LIMIT
HEADLINE_CHARS = 110  # what Google shows of a NewsArticle headline
DESCRIPTION_CHARS = 300

CSS = (
    ":root{color-scheme:light dark;--fg:#1b1b1b;--muted:#4f4f4f;--bg:#fff;--accent:#0b57d0;--rule:#d6d6d6;"
    "--soft:#f3f4f6}"
    "@media (prefers-color-scheme:dark){:root{--fg:#ececec;--muted:#b4b4b4;--bg:#121212;--accent:#8ab4f8;"
    "--rule:#3a3a3a;--soft:#1e1e1e}}"
    "*{box-sizing:border-box}html{-webkit-text-size-adjust:100%}"
    "body{margin:0;background:var(--bg);color:var(--fg);font:1.125rem/1.65 Georgia,'Times New Roman',serif}"
    "a{color:var(--accent)}:focus-visible{outline:3px solid var(--accent);outline-offset:2px}"
    ".skip{position:absolute;left:-100vw}.skip:focus{left:1rem;top:1rem;padding:.5rem 1rem;background:var(--bg)}"
    ".bar,main,.foot{max-width:44rem;margin:0 auto;padding:0 1.25rem}"
    ".top{border-bottom:1px solid var(--rule)}"
    ".bar{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.5rem;"
    "padding-top:1rem;padding-bottom:1rem}"
    ".brand{font:800 1.5rem/1 system-ui,-apple-system,'Segoe UI',sans-serif;letter-spacing:-.02em;"
    "color:var(--fg);text-decoration:none}"
    ".ui,.meta,.kicker,.byline,.feeds,nav,.foot{font-family:system-ui,-apple-system,'Segoe UI',"
    "sans-serif}"
    "h1,h2{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;line-height:1.2;letter-spacing:-.01em}"
    "h1{font-size:2.1rem;margin:1.75rem 0 .75rem}h2{font-size:1.3rem}"
    ".kicker{margin:1.75rem 0 0;font-size:.8rem;font-weight:700;text-transform:uppercase;letter-spacing:.06em}"
    ".kicker+h1{margin-top:.25rem}.kicker a{text-decoration:none}"
    ".standfirst{font-size:1.25rem;color:var(--muted);margin:0 0 1rem}"
    ".byline,.meta,.feeds{font-size:.9rem;color:var(--muted)}.byline{margin:0 0 1.5rem}"
    "figure{margin:0 0 1.5rem}img{max-width:100%;height:auto}figure img{display:block;width:100%;"
    "border-radius:4px;background:var(--soft)}"
    ".body p{margin:0 0 1.1rem}.body blockquote{margin:1.25rem 0;padding-left:1rem;"
    "border-left:4px solid var(--rule)}"
    ".articles{list-style:none;margin:0;padding:0}.articles li{padding:1.25rem 0;border-bottom:1px solid var(--rule)}"
    ".articles h2{margin:0 0 .35rem}.articles h2 a{color:var(--fg);text-decoration:none}"
    ".articles h2 a:hover,.articles h2 a:focus{text-decoration:underline}.articles p{margin:0 0 .35rem}"
    ".tags{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.5rem}"
    ".tags a{display:inline-block;padding:.2rem .75rem;border:1px solid var(--rule);border-radius:999px;"
    "background:var(--soft);font:.85rem/1.5 system-ui,sans-serif;text-decoration:none}"
    ".related{padding-left:1.2rem}.more{margin:1.5rem 0;font-size:1rem}"
    "aside{margin-top:2rem;border-top:1px solid var(--rule)}aside h2{font-size:1rem;margin:1.25rem 0 .6rem}"
    ".foot{margin-top:3rem;padding-bottom:2rem;font-size:.85rem;color:var(--muted)}"
    ".foot p{margin:0;padding-top:1rem;border-top:1px solid var(--rule)}"
    ".articles li{display:flow-root}.thumb{float:right;width:8.5rem;height:6.4rem;object-fit:cover;"
    "margin:.2rem 0 .5rem 1rem;border-radius:4px;background:var(--soft)}"
)
CSP = (
    "default-src 'none'; img-src https: http: data:; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()}'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
ICON = (  # inline, so browsers ask for no /favicon.ico
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' "
    "height='32' rx='6' fill='%230b57d0'/%3E%3Cpath d='M11 24V8h6.5a5 5 0 0 1 0 10H11' fill='none' stroke='%23fff' "
    "stroke-width='3.2'/%3E%3C/svg%3E"
)
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")  # fmt: skip


@dataclass(frozen=True)
class Site:
    """Where a page's links go: ``base_url`` is the public base URL of the pages and articles, ``feeds_url`` the
    base URL the feeds are served at (the API's own)."""

    base_url: str
    feeds_url: str


def _e(text: str) -> str:
    return escape(text, quote=True)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _day(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def _time(moment: datetime, *, clock: bool = False) -> str:
    shown = f"{_day(moment)}, {moment.astimezone(UTC):%H:%M} UTC" if clock else _day(moment)
    return f'<time datetime="{_iso(moment)}">{shown}</time>'


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _json_ld(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">{text}</script>'


def _meta(attribute: str, key: str, value: str) -> str:
    return f'<meta {attribute}="{key}" content="{_e(value)}">'


def _alternates(site: Site, listings: Sequence[Listing]) -> str:
    return "".join(
        f'<link rel="alternate" type="{FEED_TYPES[fmt]}" title="{_e(f"{listing.title} ({FEED_LABELS[fmt]})")}" '
        f'href="{_e(listing.feed_url(site.feeds_url, fmt))}">'
        for listing in dict.fromkeys(listings)
        for fmt in FEED_FORMATS
    )


def _feed_links(site: Site, listing: Listing) -> str:
    links = " · ".join(
        f'<a href="{_e(listing.feed_url(site.feeds_url, fmt))}" type="{FEED_TYPES[fmt]}">{FEED_LABELS[fmt]}</a>'
        for fmt in FEED_FORMATS
    )
    return f'<p class="feeds">Follow {_e(listing.name or SITE_NAME)}: {links}</p>'


def _document(site: Site, *, lang: str, title: str, head: str, main: str) -> str:
    front = FRONT.page_url(site.base_url)
    return (
        f'<!DOCTYPE html><html lang="{_e(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{_e(title)}</title><link rel="icon" href="{ICON}">{head}<style>{CSS}</style></head><body>'
        '<a class="skip" href="#main">Skip to the content</a>'
        f'<header class="top"><div class="bar"><a class="brand" href="{_e(front)}">{_e(SITE_NAME)}</a>'
        '<span class="ui meta">News, as it is published</span></div></header>'
        f'<main id="main">{main}</main>'
        f'<footer class="foot"><p>{_e(SITE_NAME)} · '
        + " · ".join(
            f'<a href="{_e(FRONT.feed_url(site.feeds_url, fmt))}" type="{FEED_TYPES[fmt]}">{FEED_LABELS[fmt]}</a>'
            for fmt in FEED_FORMATS
        )
        + "</p></footer></body></html>"
    )


def _social(*, kind: str, title: str, description: str, url: str, image: tuple[str, str] | None) -> str:
    tags = [
        _meta("property", "og:type", kind),
        _meta("property", "og:site_name", SITE_NAME),
        _meta("property", "og:title", title),
        _meta("property", "og:description", description),
        _meta("property", "og:url", url),
        _meta("name", "twitter:card", "summary_large_image" if image else "summary"),
        _meta("name", "twitter:title", title),
        _meta("name", "twitter:description", description),
    ]
    if image:
        tags += [
            _meta("property", "og:image", image[0]),
            _meta("property", "og:image:alt", image[1]),
            _meta("name", "twitter:image", image[0]),
            _meta("name", "twitter:image:alt", image[1]),
        ]
    return "".join(tags)


def _publisher(site: Site) -> dict[str, Any]:
    return {"@type": "Organization", "name": SITE_NAME, "url": FRONT.page_url(site.base_url)}


def _people(site: Site, names: Sequence[str]) -> list[dict[str, Any]]:
    people: list[dict[str, Any]] = []
    for name in names:
        slug = slugify(name)
        people.append({"@type": "Person", "name": name, **({"url": author_url(site.base_url, slug)} if slug else {})})
    return people


def news_article(site: Site, summary: ArticleSummary, *, url: str) -> dict[str, Any]:
    """The schema.org ``NewsArticle`` of an article (Google's required and recommended properties)."""
    data: dict[str, Any] = {
        "@type": "NewsArticle",
        "headline": _cut(summary.title, HEADLINE_CHARS),
        "url": url,
        "datePublished": _iso(summary.published_at),
        "dateModified": _iso(summary.updated_at),
        "author": _people(site, summary.author) or [_publisher(site)],
        "publisher": _publisher(site),
        "inLanguage": summary.language,
    }
    if summary.image:
        data["image"] = [summary.image.url]
    if summary.summary:
        data["description"] = _cut(summary.summary, DESCRIPTION_CHARS)
    if summary.section:
        data["articleSection"] = summary.section
    if summary.tags:
        data["keywords"] = [t.name for t in summary.tags]
    return data


def _names(site: Site, names: Sequence[str]) -> str:
    links = [
        f'<a href="{_e(author_url(site.base_url, slugify(name)))}" rel="author">{_e(name)}</a>'
        if slugify(name)
        else _e(name)
        for name in names
    ]
    return links[0] if len(links) == 1 else ", ".join(links[:-1]) + " and " + links[-1]


def _section_link(site: Site, section: str | None) -> str:
    if not section:
        return ""
    return f'<a href="{_e(section_url(site.base_url, slugify(section)))}">{_e(section)}</a>' if slugify(section) else ""


def render_article(site: Site, article: Article) -> str:
    """The article's page. ``article`` as stored: its URLs are built here from ``site.base_url``."""
    article = article.with_urls(site.base_url)
    url = article.url
    canonical = article.canonical_url or url
    description = _cut(article.summary or article.title, DESCRIPTION_CHARS)
    image = (article.image.url, article.image.alt) if article.image else None
    section = Listing("section", slugify(article.section or ""), article.section or "")
    listings = [FRONT, *([section] if section.slug else [])]
    head = (
        f'<meta name="description" content="{_e(description)}"><link rel="canonical" href="{_e(canonical)}">'
        + _alternates(site, listings)
        + _social(kind="article", title=article.title, description=description, url=canonical, image=image)
        + _meta("property", "article:published_time", _iso(article.published_at))
        + _meta("property", "article:modified_time", _iso(article.updated_at))
        + (_meta("property", "article:section", article.section) if article.section else "")
        + "".join(_meta("property", "article:tag", t.name) for t in article.tags)
        + _json_ld(
            {"@context": "https://schema.org", **news_article(site, article, url=canonical), "mainEntityOfPage": url}
        )
    )
    byline = []
    if article.author:
        byline.append(f"By {_names(site, article.author)}")
    byline.append(_time(article.published_at, clock=True))
    if article.updated_at > article.published_at:
        byline.append(f"Updated {_time(article.updated_at, clock=True)}")
    if article.reading_time_minutes:
        byline.append(f"{article.reading_time_minutes} min read")
    figure = ""
    if article.image:
        figure = f'<figure><img src="{_e(article.image.url)}" alt="{_e(article.image.alt)}"></figure>'
    aside = ""
    if article.tags:
        tags = "".join(
            f'<li><a href="{_e(tag_url(site.base_url, t.slug))}" rel="tag">{_e(t.name)}</a></li>' for t in article.tags
        )
        aside += f'<h2 id="tags">Tags</h2><ul class="tags" aria-labelledby="tags">{tags}</ul>'
    related = [link for link in article.related if link.url]
    if related:
        items = "".join(f'<li><a href="{_e(link.url or "")}">{_e(link.title)}</a></li>' for link in related)
        aside += f'<h2 id="related">Related</h2><ul class="related" aria-labelledby="related">{items}</ul>'
    kicker = _section_link(site, article.section)
    main = (
        "<article>"
        + (f'<p class="kicker">{kicker}</p>' if kicker else "")
        + f"<h1>{_e(article.title)}</h1>"
        + (f'<p class="standfirst">{_e(article.summary)}</p>' if article.summary else "")
        + f'<p class="byline">{" · ".join(byline)}</p>'
        + figure
        + f'<div class="body">{article.body}</div>'
        + (f"<aside>{aside}</aside>" if aside else "")
        + "</article>"
    )
    return _document(site, lang=article.language, title=f"{article.title} · {SITE_NAME}", head=head, main=main)


_HEADINGS = {"front": "The newest articles", "tag": "Tag", "section": "Section", "author": "Author"}


def page_url(site: Site, listing: Listing, cursor: str | None = None) -> str:
    url = listing.page_url(site.base_url)
    return f"{url}?cursor={quote(cursor, safe='')}" if cursor else url


def render_listing(
    site: Site, listing: Listing, items: Sequence[ArticleSummary], *, cursor: str | None, next_cursor: str | None
) -> str:
    """A page of a list, newest first: ``items`` after ``cursor`` (None: the first page), with a link to the next
    page when ``next_cursor`` is set."""
    url = page_url(site, listing, cursor)
    name = listing.name or listing.slug
    description = f"{listing.description} on {SITE_NAME}."
    parts = [
        {**news_article(site, s, url=article_url(site.base_url, s.slug)), "description": _cut(s.summary, 200)}
        if s.summary
        else news_article(site, s, url=article_url(site.base_url, s.slug))
        for s in items
    ]
    head = (
        ("" if items else '<meta name="robots" content="noindex">')
        + f'<meta name="description" content="{_e(description)}"><link rel="canonical" href="{_e(url)}">'
        + _alternates(site, [listing, FRONT])
        + _social(kind="website", title=listing.title, description=description, url=url, image=None)
        + _json_ld(
            {
                "@context": "https://schema.org",
                "@type": "CollectionPage",
                "name": listing.title,
                "url": url,
                "publisher": _publisher(site),
                **({"hasPart": parts} if parts else {}),
            }
        )
    )
    entries = []
    for s in items:
        meta = [_time(s.published_at)]
        if s.author:
            meta.append(f"By {_names(site, s.author)}")
        section = _section_link(site, s.section)
        if section and listing.kind != "section":
            meta.append(section)
        thumb = f'<img class="thumb" src="{_e(s.image.url)}" alt="" loading="lazy">' if s.image else ""
        entries.append(
            f'<li><article>{thumb}<h2><a href="{_e(article_url(site.base_url, s.slug))}">{_e(s.title)}</a></h2>'
            + (f"<p>{_e(s.summary)}</p>" if s.summary else "")
            + f'<p class="meta">{" · ".join(meta)}</p></article></li>'
        )
    listed = f'<ol class="articles">{"".join(entries)}</ol>' if entries else "<p>No articles yet.</p>"
    more = ""
    if next_cursor:
        more = (
            '<nav class="more" aria-label="More articles">'
            f'<a rel="next" href="{_e(page_url(site, listing, next_cursor))}">Older articles</a></nav>'
        )
    if listing.kind == "front":
        heading = f"<h1>{_HEADINGS['front']}</h1>"
    else:
        heading = f'<p class="kicker">{_HEADINGS[listing.kind]}</p><h1>{_e(name)}</h1>'
    main = heading + _feed_links(site, listing) + listed + more
    title = listing.title if not cursor else f"{listing.title} (older articles)"
    return _document(site, lang="en", title=title, head=head, main=main)


def listing_page(site: Site, listing: Listing, page: Page, *, cursor: str | None) -> tuple[int, str]:
    """The status and page of ``listing``'s ``page`` (read after ``cursor``), named as its articles name it. A tag,
    section or author without any article is a 404 (its page says so), so that crawlers do not keep empty pages."""
    listing = named(listing, page.items)
    body = render_listing(site, listing, page.items, cursor=cursor, next_cursor=page.next_cursor)
    return (404 if not page.items and cursor is None and listing.kind != "front" else 200), body


def render_error(site: Site, status: int, message: str) -> str:
    """The page of a reader's error: what happened and the way back to the front page."""
    heading = {404: "Page not found", 410: "This article has been withdrawn", 400: "That link does not work"}.get(
        status, "Something went wrong"
    )
    main = (
        f"<h1>{_e(heading)}</h1><p>{_e(message)}</p>"
        f'<p><a href="{_e(FRONT.page_url(site.base_url))}">Go to the newest articles</a></p>'
    )
    head = '<meta name="robots" content="noindex">'
    return _document(site, lang="en", title=f"{heading} · {SITE_NAME}", head=head, main=main)
