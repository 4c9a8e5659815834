"""The reader pages through the read API's entry point: what a browser, a search engine and a link preview read in
them (language, title, canonical URL, feeds, Open Graph and Twitter cards, schema.org JSON-LD), that every link the
API and the feeds hand out opens one, that hostile text stays text, and their HTTP behaviour (errors as pages,
ETag/304, HEAD, the browser's way from the JSON routes)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from pressroom.config import ApiSettings
from pressroom.handlers import api
from pressroom.models import Image, RelatedLink, Tag
from pressroom.text import slugify
from tests.conftest import LambdaContext
from tests.fakes_api import T0, InMemoryFeed, make_article, rest_event

NOW = T0 + timedelta(days=1)
READER_CACHE = "public, max-age=60, s-maxage=60, stale-while-revalidate=30, stale-if-error=86400"
API = "https://abc123defg.execute-api.us-east-1.amazonaws.com/dev"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
HOSTILE = 'Tom & Jerry <script>alert("x")</script> "quoted" </title><b>'


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def page(self) -> Any:
        return lxml_html.fromstring(self.body)


class Client:
    def __init__(self, feed: InMemoryFeed, **settings: str) -> None:
        config = ApiSettings.model_validate({"TABLE_NAME": "pressroom-feed-test", **settings})
        self.root = api.build_root(feed, config, clock=lambda: NOW)

    def request(self, method: str, path: str, *, query: dict[str, str] | None = None, **headers: str) -> Reply:
        event = rest_event(method, path, query=query, headers={k.replace("_", "-"): v for k, v in headers.items()})
        response = api.serve(event, LambdaContext(), self.root)  # type: ignore[arg-type]
        return Reply(
            response["statusCode"],
            {k: ",".join(v) for k, v in response["multiValueHeaders"].items()},
            response["body"] or "",
        )

    def get(self, path: str, **query: str) -> Reply:
        return self.request("GET", path, query=query or None)


@pytest.fixture
def feed() -> InMemoryFeed:
    store = InMemoryFeed()
    for n in range(25):
        store.publish(make_article(n, author=["Ada Byron"] if n % 2 else ["Zoë Saldaña", "Ada Byron"]))
    store.publish(
        make_article(
            30,
            title="Kestrel Rovers knock out the cup holders",
            summary="A late winner.",
            body="<p>Kestrel Rovers beat Portmere City 2-1.</p><p>The winner came late.</p>",
            section="Sport",
            author=["Ada Byron"],
            tags=[Tag(name="Kestrel Rovers", slug="kestrel-rovers", kind="organisation", score=1)],
            image=Image(url="https://img.example.com/cup.jpg", alt="Players celebrate"),
            related=[RelatedLink(title="Article 3", url=None, slug="article-3", source="computed")],
            updated_at=T0 + timedelta(minutes=45),
        )
    )
    return store


@pytest.fixture
def client(feed: InMemoryFeed) -> Client:
    return Client(feed)


def meta(page: Any, key: str) -> list[str]:
    return [str(m.get("content")) for m in page.xpath(f'//meta[@property="{key}" or @name="{key}"]')]


def json_ld(page: Any) -> dict[str, Any]:
    (script,) = page.xpath('//script[@type="application/ld+json"]')
    return json.loads(script.text)


def alternates(page: Any) -> dict[str, str]:
    return {str(link.get("href")): str(link.get("type")) for link in page.xpath('//link[@rel="alternate"]')}


# ------------------------------------------------------------------------------------------------ the article page


def test_an_article_page_shows_the_article_with_everything_a_crawler_and_a_preview_read(client: Client) -> None:
    reply = client.get("/news/article-30")
    assert reply.status == 200 and reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.headers["Cache-Control"] == READER_CACHE
    page = reply.page
    url = f"{API}/news/article-30"
    assert page.get("lang") == "en"
    assert page.findtext(".//title") == "Kestrel Rovers knock out the cup holders · Pressroom"
    assert page.xpath("//h1/text()") == ["Kestrel Rovers knock out the cup holders"]
    assert page.xpath('//div[@class="body"]/p/text()') == [
        "Kestrel Rovers beat Portmere City 2-1.",
        "The winner came late.",
    ]
    assert page.xpath('//link[@rel="canonical"]/@href') == [url]
    assert meta(page, "description") == ["A late winner."]
    assert {f"{API}/feed.xml", f"{API}/atom.xml", f"{API}/feed.json", f"{API}/sections/sport/atom.xml"} <= set(
        alternates(page)
    )
    assert alternates(page)[f"{API}/feed.json"] == "application/feed+json"
    assert meta(page, "og:type") == ["article"] and meta(page, "og:url") == [url]
    assert meta(page, "og:title") == ["Kestrel Rovers knock out the cup holders"]
    assert meta(page, "og:image") == ["https://img.example.com/cup.jpg"]
    assert meta(page, "og:image:alt") == ["Players celebrate"]
    assert meta(page, "article:published_time") == ["2029-11-01T12:30:00Z"]
    assert meta(page, "article:modified_time") == ["2029-11-01T12:45:00Z"]
    assert meta(page, "article:section") == ["Sport"] and meta(page, "article:tag") == ["Kestrel Rovers"]
    assert meta(page, "twitter:card") == ["summary_large_image"]
    assert meta(page, "twitter:image") == ["https://img.example.com/cup.jpg"]
    data = json_ld(page)
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    assert data["headline"] == "Kestrel Rovers knock out the cup holders"
    assert (data["datePublished"], data["dateModified"]) == ("2029-11-01T12:30:00Z", "2029-11-01T12:45:00Z")
    assert data["author"] == [{"@type": "Person", "name": "Ada Byron", "url": f"{API}/authors/ada-byron"}]
    assert data["image"] == ["https://img.example.com/cup.jpg"]
    assert data["publisher"] == {"@type": "Organization", "name": "Pressroom", "url": f"{API}/"}
    assert data["mainEntityOfPage"] == url
    assert page.xpath("//figure/img/@alt") == ["Players celebrate"]
    assert page.xpath('//a[@rel="author"]/@href') == [f"{API}/authors/ada-byron"]
    assert page.xpath('//a[@rel="tag"]/@href') == [f"{API}/tags/kestrel-rovers"]
    assert page.xpath('//ul[@class="related"]//a/@href') == [f"{API}/news/article-3"]
    assert page.xpath("//time/@datetime")[:2] == ["2029-11-01T12:30:00Z", "2029-11-01T12:45:00Z"]
    assert page.xpath("//script[not(@type='application/ld+json')]") == []


def test_an_article_without_image_or_author_still_has_its_cards_and_json_ld(feed: InMemoryFeed) -> None:
    feed.publish(make_article(40, author=[], canonical_url="https://origin.example.org/story"))
    page = Client(feed).get("/news/article-40").page
    assert meta(page, "twitter:card") == ["summary"] and meta(page, "og:image") == []
    assert page.xpath('//link[@rel="canonical"]/@href') == ["https://origin.example.org/story"]
    data = json_ld(page)
    assert data["author"] == [{"@type": "Organization", "name": "Pressroom", "url": f"{API}/"}]
    assert "image" not in data and data["url"] == "https://origin.example.org/story"


def test_the_headline_in_json_ld_is_cut_to_what_google_shows(feed: InMemoryFeed) -> None:
    feed.publish(make_article(41, title="Word " * 40))
    data = json_ld(Client(feed).get("/news/article-41").page)
    assert len(data["headline"]) <= 110 and data["headline"].endswith("…")


def test_hostile_text_stays_text_on_every_page(feed: InMemoryFeed) -> None:
    tag = Tag(name=HOSTILE, slug="tom-jerry-script", kind="work", score=1)
    feed.publish(make_article(50, title=HOSTILE, summary=HOSTILE, author=[HOSTILE], section=HOSTILE, tags=[tag],
                              image=Image(url='https://img.example.com/a.jpg?"><script>', alt=HOSTILE)))  # fmt: skip
    client = Client(feed)
    slug = slugify(HOSTILE)
    for path in ("/news/article-50", "/", "/tags/tom-jerry-script", f"/sections/{slug}", f"/authors/{slug}"):
        reply = client.get(path)
        assert reply.status == 200, path
        page = reply.page
        assert page.xpath("//script[not(@type='application/ld+json')]") == [], path
        assert page.xpath("//b") == [], path
        assert HOSTILE not in reply.body  # only ever escaped
        json_ld(page)  # the JSON-LD is one intact script, whatever the text holds
    page = client.get("/news/article-50").page
    assert page.xpath("//h1/text()") == [HOSTILE]
    assert page.findtext(".//title") == f"{HOSTILE} · Pressroom"
    assert json_ld(page)["headline"].startswith("Tom & Jerry <script>")


def test_the_content_security_policy_allows_the_pages_style_and_no_script(client: Client) -> None:
    reply = client.get("/news/article-30")
    policy = dict(part.strip().split(" ", 1) for part in reply.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'" and "script-src" not in policy
    (style,) = reply.page.xpath("//style/text()")
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert policy["style-src"] == f"'sha256-{digest}'"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


# ------------------------------------------------------------------------------------------------ list pages


def test_the_front_page_lists_the_newest_and_links_to_older_pages_until_every_article_is_seen(client: Client) -> None:
    seen: list[str] = []
    path, query = "/", {}
    for _ in range(10):
        reply = client.get(path, **query)
        assert reply.status == 200
        page = reply.page
        seen += [urlsplit(href).path for href in page.xpath('//ol[@class="articles"]//h2/a/@href')]
        older = page.xpath('//a[@rel="next"]/@href')
        if not older:
            break
        link = urlsplit(older[0])
        path, query = link.path.removeprefix("/dev") or "/", dict([link.query.split("=", 1)])
        query = {k: v.replace("%3D", "=") for k, v in query.items()}
    assert seen[:2] == ["/dev/news/article-30", "/dev/news/article-24"]
    assert sorted(seen) == sorted(f"/dev/news/article-{n}" for n in [*range(25), 30])


def test_the_front_page_has_its_feeds_canonical_url_cards_and_json_ld(client: Client) -> None:
    page = client.get("/").page
    assert page.get("lang") == "en" and page.findtext(".//title") == "Pressroom"
    assert page.xpath('//link[@rel="canonical"]/@href') == [f"{API}/"]
    assert alternates(page) == {
        f"{API}/feed.xml": "application/rss+xml",
        f"{API}/atom.xml": "application/atom+xml",
        f"{API}/feed.json": "application/feed+json",
    }
    assert meta(page, "og:type") == ["website"] and meta(page, "twitter:card") == ["summary"]
    data = json_ld(page)
    assert data["@type"] == "CollectionPage" and len(data["hasPart"]) == 20
    first = data["hasPart"][0]
    assert first["@type"] == "NewsArticle" and first["url"] == f"{API}/news/article-30"
    assert {"headline", "datePublished", "dateModified", "author", "image", "publisher"} <= set(first)


@pytest.mark.parametrize(
    ("path", "heading", "feed_path"),
    [
        ("/tags/kestrel-rovers", "Kestrel Rovers", "/tags/kestrel-rovers/atom.xml"),
        ("/tags/Kestrel%20Rovers", "Kestrel Rovers", "/tags/kestrel-rovers/atom.xml"),
        ("/sections/sport", "Sport", "/sections/sport/atom.xml"),
        ("/authors/zoe-saldana", "Zoë Saldaña", "/authors/zoe-saldana/atom.xml"),
    ],
)
def test_tag_section_and_author_pages_list_their_articles(
    client: Client, path: str, heading: str, feed_path: str
) -> None:
    reply = client.get(path.replace("%20", " "))
    assert reply.status == 200
    page = reply.page
    assert page.xpath("//h1/text()") == [heading]
    assert f"{API}{feed_path}" in alternates(page)
    listed = [urlsplit(href).path for href in page.xpath('//ol[@class="articles"]//h2/a/@href')]
    expected = {
        "Kestrel Rovers": ["/dev/news/article-30"],
        "Sport": ["/dev/news/article-30"],
        "Zoë Saldaña": [f"/dev/news/article-{n}" for n in range(24, -1, -2)][:20],
    }[heading]
    assert listed == expected
    assert page.xpath('//link[@rel="canonical"]/@href') == [f"{API}{feed_path.removesuffix('/atom.xml')}"]


def test_a_list_nobody_has_published_in_yet_is_a_404_page_that_says_so(client: Client) -> None:
    for path in ("/tags/unknown-tag", "/sections/unknown-tag", "/authors/unknown-tag"):
        reply = client.get(path)
        assert (reply.status, reply.headers["Cache-Control"]) == (404, "no-store"), path
        assert "No articles yet." in reply.body and reply.page.xpath("//h1/text()") == ["unknown-tag"]
        assert reply.page.xpath('//meta[@name="robots"]/@content') == ["noindex"]
    empty = Client(InMemoryFeed()).get("/")
    assert empty.status == 200 and "No articles yet." in empty.body


# ------------------------------------------------------------------------------------------------ errors as pages


def test_readers_get_their_errors_as_pages_with_the_status(client: Client, feed: InMemoryFeed) -> None:
    feed.publish(make_article("draft", status="draft"))
    feed.publish(make_article("later", published_at=NOW + timedelta(hours=1)))
    feed.publish(make_article("gone"))
    feed.withdraw("a-gone")
    cases = {
        "/news/article-draft": 404,
        "/news/article-later": 404,
        "/news/nope": 404,
        "/news/article-gone": 410,
        "/tags/!!!": 404,
        "/authors/" + "a" * 300: 404,
    }
    for path, status in cases.items():
        reply = client.get(path)
        assert (reply.status, reply.headers["Content-Type"]) == (status, "text/html; charset=utf-8"), path
        assert reply.headers["Cache-Control"] == "no-store" and "ETag" not in reply.headers
        assert reply.page.xpath('//meta[@name="robots"]/@content') == ["noindex"]
        assert reply.page.xpath("//a/@href")[-4] == f"{API}/"  # the way back to the front page
    bad_cursor = client.get("/", cursor="not-a-cursor")
    assert bad_cursor.status == 400 and bad_cursor.headers["Content-Type"].startswith("text/html")
    foreign = client.get("/articles", limit="1").body
    cursor = json.loads(foreign)["next_cursor"]
    assert client.get("/tags/kestrel-rovers", cursor=cursor).status == 400  # a cursor belongs to its list


def test_a_browser_on_an_unknown_path_reads_a_page_an_app_reads_json(client: Client) -> None:
    as_browser = client.request("GET", "/no/such/page", Accept=BROWSER)
    assert as_browser.status == 404 and as_browser.headers["Content-Type"].startswith("text/html")
    assert client.request("GET", "/no/such/page").headers["Content-Type"] == "application/json"


# ------------------------------------------------------------------------------------------------ links lead to pages


def test_every_url_the_api_and_the_feeds_hand_out_opens_an_html_page(client: Client) -> None:
    urls = [item["url"] for item in json.loads(client.get("/articles", limit="100").body)["items"]]
    urls += [item["url"] for item in json.loads(client.get("/feed.json").body)["items"]]
    urls += [json.loads(client.get("/feed.json").body)["home_page_url"]]
    urls += [json.loads(client.get("/tags/portmere/feed.json").body)["home_page_url"]]
    urls += [link["url"] for link in json.loads(client.get("/articles/article-30").body)["related"]]
    assert len(urls) == 26 + 26 + 3
    for url in set(urls):
        assert url.startswith(API), url
        reply = client.get(urlsplit(url).path.removeprefix("/dev") or "/")
        assert (reply.status, reply.headers["Content-Type"]) == (200, "text/html; charset=utf-8"), url


def test_a_browser_asking_a_json_route_is_sent_to_its_page(client: Client) -> None:
    cursor = json.loads(client.get("/articles", limit="2").body)["next_cursor"]
    cases = {
        ("/articles", None): f"{API}/",
        ("/articles", (("tag", "Kestrel Rovers"),)): f"{API}/tags/kestrel-rovers",
        ("/articles", (("section", "sport"),)): f"{API}/sections/sport",
        ("/articles", (("cursor", cursor),)): f"{API}/?cursor={cursor}",
        ("/tags/portmere/articles", None): f"{API}/tags/portmere",
        ("/articles/article-30", None): f"{API}/news/article-30",
    }
    for (path, query), location in cases.items():
        reply = client.request("GET", path, query=dict(query) if query else None, Accept=BROWSER)
        assert (reply.status, reply.headers["Location"]) == (303, location), path
        assert reply.headers["Cache-Control"] == "no-store" and reply.headers["Vary"] == "Accept"
        as_app = client.request("GET", path, query=dict(query) if query else None, Accept="application/json")
        assert as_app.status == 200 and as_app.headers["Content-Type"] == "application/json"
        assert as_app.headers["Vary"] == "Accept"
    for accept in ("*/*", "application/json, text/html", "text/html;q=0.5, application/json", ""):
        assert client.request("GET", "/articles/article-30", Accept=accept).status == 200, accept


# ------------------------------------------------------------------------------------------------ HTTP behaviour


@pytest.mark.parametrize("path", ["/", "/news/article-30", "/tags/kestrel-rovers", "/authors/ada-byron"])
def test_pages_have_a_strong_etag_and_if_none_match_gets_304(client: Client, path: str) -> None:
    first = client.get(path)
    etag = first.headers["ETag"]
    again = client.request("GET", path, If_None_Match=etag)
    assert again.status == 304 and again.body == "" and again.headers["Cache-Control"] == first.headers["Cache-Control"]


@pytest.mark.parametrize(
    "path", ["/", "/news/article-30", "/articles", "/feed.xml", "/sitemap.xml", "/robots.txt", "/news/nope", "/nope"]
)
def test_head_answers_the_gets_status_headers_and_content_length_without_a_body(client: Client, path: str) -> None:
    get, head = client.get(path), client.request("HEAD", path)
    assert head.status == get.status and head.body == ""
    assert head.headers["Content-Length"] == str(len(get.body.encode("utf-8"))) != "0"
    assert {k: v for k, v in head.headers.items() if k != "Content-Length"} == get.headers
