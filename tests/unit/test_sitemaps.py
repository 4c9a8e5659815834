"""Discovery through the read API: ``/sitemap.xml`` (a sitemap index of monthly sitemaps once one would be too
long), ``/news-sitemap.xml`` (Google News: 48 hours, at most 1,000 URLs) and ``/robots.txt``, each validated against
its XML schema (tests/schemas, written from the sitemaps.org 0.9 and Google News schemas)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from pressroom.api_models import MAX_RESPONSE_BYTES, payload_bytes
from pressroom.config import ApiSettings
from pressroom.handlers import api
from pressroom.models import Article
from pressroom.ports import FEED_INDEX
from pressroom.sitemaps import MAX_URLS, capacity, news_language, render_sitemap
from tests.conftest import LambdaContext
from tests.fakes_api import T0, InMemoryFeed, make_article, rest_event

NOW = T0 + timedelta(days=1)
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "n": "http://www.google.com/schemas/sitemap-news/0.9"}
API = "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev"


@cache
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def valid(document: str, name: str) -> etree._Element:
    root = etree.fromstring(document.encode())
    xsd = schema(name)
    assert xsd.validate(root), xsd.error_log
    return root


def serve(root: api.ApiRoot, path: str) -> dict[str, Any]:
    response = api.serve(rest_event("GET", path), LambdaContext(), root)  # type: ignore[arg-type]
    headers = {k: ",".join(v) for k, v in response["multiValueHeaders"].items()}
    return {"status": response["statusCode"], "headers": headers, "body": response["body"]}


def root_of(articles: list[Article], *, max_urls: int | None = None, **settings: str) -> tuple[api.ApiRoot, Any]:
    feed = InMemoryFeed()
    for article in articles:
        feed.publish(article)
    config = ApiSettings.model_validate({"TABLE_NAME": "pressroom-feed-test", **settings})
    return api.build_root(feed, config, clock=lambda: NOW, sitemap_max_urls=max_urls), feed


def locs(root: etree._Element) -> list[str]:
    return [str(loc) for loc in root.xpath("//s:loc/text()", namespaces=NS)]


# ------------------------------------------------------------------------------------------------ sitemap


def test_the_sitemap_lists_the_front_page_and_every_visible_article_with_its_last_update() -> None:
    articles = [make_article(n, updated_at=T0 + timedelta(hours=n)) for n in range(3)]
    hidden = [make_article("draft", status="draft"), make_article("later", published_at=NOW + timedelta(hours=1))]
    root, feed = root_of([*articles, *hidden])
    feed.publish(make_article("gone"))
    feed.withdraw("a-gone")
    reply = serve(root, "/sitemap.xml")
    assert reply["status"] == 200 and reply["headers"]["Content-Type"] == "application/xml; charset=utf-8"
    assert reply["headers"]["ETag"] and reply["headers"]["Cache-Control"].startswith("public")
    document = valid(reply["body"], "sitemap.xsd")
    assert locs(document) == [f"{API}/", *(f"{API}/news/article-{n}" for n in (2, 1, 0))]
    lastmods = document.xpath("//s:lastmod/text()", namespaces=NS)
    assert lastmods == ["2029-11-01T14:00:00Z", "2029-11-01T14:00:00Z", "2029-11-01T13:00:00Z", "2029-11-01T12:00:00Z"]


def test_an_empty_site_still_has_a_valid_sitemap() -> None:
    root, _ = root_of([])
    assert locs(valid(serve(root, "/sitemap.xml")["body"], "sitemap.xsd")) == [f"{API}/"]


def test_the_sitemap_uses_the_public_base_url() -> None:
    root, _ = root_of([make_article(1)], PUBLIC_BASE_URL="https://news.example.com")
    assert locs(valid(serve(root, "/sitemap.xml")["body"], "sitemap.xsd")) == [
        "https://news.example.com/",
        "https://news.example.com/news/article-1",
    ]


def months_of_articles() -> list[Article]:
    """Articles in January and March 2020 and in November 2026 (none in between): 2 + 3 + 4."""
    moments = [datetime(2020, 1, 5, tzinfo=UTC), datetime(2020, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)]
    moments += [datetime(2020, 3, d, tzinfo=UTC) for d in (1, 15, 31)]
    moments += [T0 + timedelta(minutes=n) for n in range(4)]
    return [make_article(n, published_at=moment) for n, moment in enumerate(moments)]


def test_past_its_capacity_the_sitemap_is_an_index_of_the_months_that_have_articles() -> None:
    root, feed = root_of(months_of_articles(), max_urls=5)
    feed.calls.clear()
    index = valid(serve(root, "/sitemap.xml")["body"], "siteindex.xsd")
    assert etree.QName(index).localname == "sitemapindex"
    assert locs(index) == [f"{API}/sitemaps/2029-11.xml", f"{API}/sitemaps/2020-03.xml", f"{API}/sitemaps/2020-01.xml"]
    assert feed.calls == [f"list_index:{FEED_INDEX}"] * 5  # the first page, one Query per month, one that finds none
    listed: list[str] = []
    for month in locs(index):
        reply = serve(root, month.removeprefix(API))
        assert reply["status"] == 200
        listed += locs(valid(reply["body"], "sitemap.xsd"))
    assert sorted(listed) == sorted(f"{API}/news/article-{n}" for n in range(9))


def test_a_month_sitemap_lists_that_month_only() -> None:
    root, _ = root_of(months_of_articles(), max_urls=5)
    assert locs(valid(serve(root, "/sitemaps/2020-01.xml")["body"], "sitemap.xsd")) == [
        f"{API}/news/article-1",
        f"{API}/news/article-0",
    ]


@pytest.mark.parametrize("name", ["2020-02.xml", "2030-01.xml", "2020-13.xml", "1899-01.xml", "2020-1.xml", "x"])
def test_a_month_without_articles_or_a_name_that_is_no_month_is_404(name: str) -> None:
    root, _ = root_of(months_of_articles(), max_urls=5)
    reply = serve(root, f"/sitemaps/{name}")
    assert reply["status"] == 404 and json.loads(reply["body"])["error"] == "not_found"


def test_a_full_sitemap_of_the_longest_slugs_fits_in_one_response() -> None:
    for base in ("https://news.example.com", "https://" + "x" * 200 + ".example.com/a/b/c"):
        count = capacity(base)
        assert 1_000 < count <= MAX_URLS
        summary = make_article(1).summary_view()
        summaries = [summary.model_copy(update={"slug": f"{n:06d}" + "x" * 114}) for n in range(count)]
        document = render_sitemap(base, summaries, home=f"{base}/")
        assert payload_bytes(document) <= MAX_RESPONSE_BYTES
        assert len(etree.fromstring(document.encode())) == count + 1
    assert capacity("https://news.example.com", max_bytes=60 * MAX_RESPONSE_BYTES) == MAX_URLS


# ------------------------------------------------------------------------------------------------ Google News


def test_the_news_sitemap_lists_the_last_48_hours_with_the_news_tags() -> None:
    recent = [make_article(n, published_at=NOW - timedelta(hours=47, minutes=59 - n)) for n in range(3)]
    old = make_article("old", published_at=NOW - timedelta(hours=48, seconds=1))
    hostile = make_article("hostile", title='Tom & Jerry <b>"live"</b>', language="en-GB", published_at=NOW)
    root, _ = root_of([*recent, old, hostile])
    reply = serve(root, "/news-sitemap.xml")
    assert reply["status"] == 200 and reply["headers"]["Content-Type"] == "application/xml; charset=utf-8"
    document = valid(reply["body"], "news-sitemap.xsd")
    assert locs(document) == [f"{API}/news/article-hostile", *(f"{API}/news/article-{n}" for n in (2, 1, 0))]
    first = document.find("s:url/n:news", NS)
    assert first is not None
    assert first.findtext("n:publication/n:name", namespaces=NS) == "Pressroom"
    assert first.findtext("n:publication/n:language", namespaces=NS) == "en"
    assert first.findtext("n:publication_date", namespaces=NS) == "2029-11-02T12:00:00Z"
    assert first.findtext("n:title", namespaces=NS) == 'Tom & Jerry <b>"live"</b>'


def test_the_news_sitemap_holds_at_most_1000_urls_the_newest() -> None:
    articles = [make_article(n, published_at=NOW - timedelta(seconds=n)) for n in range(1003)]
    root, _ = root_of(articles)
    document = valid(serve(root, "/news-sitemap.xml")["body"], "news-sitemap.xsd")
    assert locs(document) == [f"{API}/news/article-{n}" for n in range(1000)]


def test_an_empty_news_sitemap_is_still_valid() -> None:
    root, _ = root_of([make_article(1, published_at=NOW - timedelta(days=3))])
    document = valid(serve(root, "/news-sitemap.xml")["body"], "news-sitemap.xsd")
    assert locs(document) == [f"{API}/"] and document.find("s:url/n:news", NS) is None


@pytest.mark.parametrize(
    ("language", "google"),
    [
        ("en", "en"),
        ("en-GB", "en"),
        ("FR", "fr"),
        ("zh-TW", "zh-tw"),
        ("zh-Hans", "zh-cn"),
        ("zh", "zh-cn"),
        ("haw", "haw"),
    ],  # fmt: skip
)
def test_languages_are_named_as_google_news_names_them(language: str, google: str) -> None:
    assert news_language(language) == google


# ------------------------------------------------------------------------------------------------ robots.txt


def test_robots_txt_allows_crawling_and_points_at_both_sitemaps() -> None:
    root, _ = root_of([])
    reply = serve(root, "/robots.txt")
    assert reply["status"] == 200 and reply["headers"]["Content-Type"] == "text/plain; charset=utf-8"
    lines = reply["body"].splitlines()
    assert lines[0] == "User-agent: *" and "Disallow: /" not in lines
    assert [line for line in lines if line.startswith("Sitemap: ")] == [
        f"Sitemap: {API}/sitemap.xml",
        f"Sitemap: {API}/news-sitemap.xml",
    ]
