"""Discovery documents: the sitemap (sitemaps.org 0.9), the Google News sitemap and ``robots.txt``.

Pure functions of the articles. URLs (``loc``) are the articles' public URLs; text is XML-escaped; dates are W3C
date-times in UTC. The limits are the protocols' and Lambda's:

- a sitemap lists at most :data:`MAX_URLS` (50,000) URLs and, here, no more than fit in one response
  (:func:`capacity`: about 23,000 with a 30-character base URL, since 50,000 would pass Lambda's 6 MB). Past that,
  ``/sitemap.xml`` is a sitemap index of one sitemap per month (``/sitemaps/YYYY-MM.xml``), newest first, each
  listing that month's articles (the newest ``capacity`` of them, should one month ever hold more);
- the Google News sitemap lists the articles published in the last 48 hours, at most 1,000, each with
  ``news:publication`` (name, language), ``news:publication_date`` and ``news:title``. With none it lists the front
  page alone, without news tags (a ``urlset`` needs one ``url``), which Google News ignores.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from html import escape
from typing import TYPE_CHECKING

from pressroom.api_models import MAX_RESPONSE_BYTES, payload_bytes
from pressroom.links import FRONT, SITE_NAME
from pressroom.models import MAX_YEAR, MIN_YEAR, ArticleSummary, article_url

if TYPE_CHECKING:
    from pressroom.reading import SiteMap

SITEMAP_CONTENT_TYPE = "application/xml; charset=utf-8"
ROBOTS_CONTENT_TYPE = "text/plain; charset=utf-8"
MAX_URLS = 50_000
NEWS_WINDOW = timedelta(hours=48)
NEWS_MAX_URLS = 1_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
_WORST_SLUG = "x" * 120
_WORST_DATE = datetime(2000, 12, 31, 23, 59, 59, tzinfo=UTC)
_MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])\.xml")


class NoSuchSitemap(LookupError):
    """No sitemap has that name: not ``YYYY-MM.xml``, or a month without articles."""


def _x(text: str) -> str:
    return escape(text, quote=False)


def w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _entry(loc: str, lastmod: datetime | None) -> str:
    return f"<url><loc>{_x(loc)}</loc>" + (f"<lastmod>{w3c(lastmod)}</lastmod>" if lastmod else "") + "</url>"


def capacity(base_url: str, *, max_bytes: int = MAX_RESPONSE_BYTES) -> int:
    """How many article URLs a sitemap under ``base_url`` lists at most: :data:`MAX_URLS`, or fewer so that the
    document fits in ``max_bytes`` whatever the slugs (counted at the longest slug)."""
    worst = payload_bytes(_entry(article_url(base_url, _WORST_SLUG), _WORST_DATE))
    room = max_bytes - payload_bytes(_HEAD + f'<urlset xmlns="{SITEMAP_NS}"></urlset>' + _entry(base_url, None))
    return max(1, min(MAX_URLS, room // worst))


def render_sitemap(base_url: str, articles: Sequence[ArticleSummary], *, home: str | None) -> str:
    """A ``urlset`` of ``home`` (the front page, listed first when given) and each article's page, with the time it
    was last updated."""
    urls = ([_entry(home, max((a.updated_at for a in articles), default=None))] if home else []) + [
        _entry(article_url(base_url, a.slug), a.updated_at) for a in articles
    ]
    return f'{_HEAD}<urlset xmlns="{SITEMAP_NS}">{"".join(urls)}</urlset>'


def render_sitemap_index(sitemaps: Sequence[str]) -> str:
    """A ``sitemapindex`` of the sitemaps at these URLs."""
    entries = "".join(f"<sitemap><loc>{_x(loc)}</loc></sitemap>" for loc in sitemaps)
    return f'{_HEAD}<sitemapindex xmlns="{SITEMAP_NS}">{entries}</sitemapindex>'


def render_site_map(plan: SiteMap, base_url: str, api_url: str) -> str:
    """``/sitemap.xml``: the front page and every article when they fit in one sitemap, else the index of the
    monthly sitemaps, ``<api_url>/sitemaps/YYYY-MM.xml``."""
    if plan.complete:
        return render_sitemap(base_url, plan.articles, home=FRONT.page_url(base_url))
    return render_sitemap_index([f"{api_url}/sitemaps/{m:%Y-%m}.xml" for m in plan.months])


def month_named(name: str) -> datetime:
    """The first day (UTC) of the month that a monthly sitemap's name (``YYYY-MM.xml``) names; raises
    :class:`NoSuchSitemap` for any other name."""
    found = _MONTH.fullmatch(name)
    if found is None or not MIN_YEAR <= int(found["year"]) <= MAX_YEAR:
        raise NoSuchSitemap("monthly sitemaps are named YYYY-MM.xml; see /sitemap.xml")
    return datetime(int(found["year"]), int(found["month"]), 1, tzinfo=UTC)


def render_month(base_url: str, start: datetime, articles: Sequence[ArticleSummary]) -> str:
    """The sitemap of the month that begins at ``start``; raises :class:`NoSuchSitemap` when it has no article."""
    if not articles:
        raise NoSuchSitemap(f"no article was published in {start:%Y-%m}; see /sitemap.xml")
    return render_sitemap(base_url, articles, home=None)


def news_language(language: str) -> str:
    """The language as Google News names it: the ISO 639 code (``en`` for ``en-GB``), but ``zh-cn``/``zh-tw``."""
    primary, _, rest = language.lower().partition("-")
    if primary == "zh":
        return "zh-tw" if rest.split("-")[0] in ("tw", "hk", "mo", "hant") else "zh-cn"
    return primary


def render_news_sitemap(base_url: str, articles: Sequence[ArticleSummary], *, home: str) -> str:
    """The Google News sitemap of ``articles`` (the caller keeps to the last 48 hours and 1,000 URLs)."""
    urls = [
        f"<url><loc>{_x(article_url(base_url, a.slug))}</loc><news:news><news:publication>"
        f"<news:name>{_x(SITE_NAME)}</news:name><news:language>{news_language(a.language)}</news:language>"
        f"</news:publication><news:publication_date>{w3c(a.published_at)}</news:publication_date>"
        f"<news:title>{_x(a.title)}</news:title></news:news></url>"
        for a in articles
    ] or [_entry(home, None)]
    return f'{_HEAD}<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">{"".join(urls)}</urlset>'


def render_robots(sitemaps: Sequence[str]) -> str:
    """``robots.txt``: everything may be crawled; where the sitemaps are."""
    return "User-agent: *\nAllow: /\n\n" + "".join(f"Sitemap: {url}\n" for url in sitemaps)


def robots_of(api_url: str) -> str:
    """The API's ``robots.txt``: its sitemap and its Google News sitemap."""
    return render_robots([f"{api_url}/sitemap.xml", f"{api_url}/news-sitemap.xml"])
