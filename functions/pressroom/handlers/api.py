"""ApiFunction: the read API and the reader pages behind API Gateway (REST proxy events).

Routes are thin: validate parameters (Powertools + pydantic, which also generate the OpenAPI document), call one
``ReadService`` use-case, render or convert the result. What every route shares is Powertools' own: ``CORSConfig``
(origins from ``CORS_ALLOW_ORIGINS``, preflight included), the global middleware of :mod:`pressroom.web` (strong
``ETag`` on every 200, ``304`` for a matching ``If-None-Match``, ``no-store`` unless a route says otherwise),
``enable_swagger`` (Swagger UI at ``/docs``, its document at ``/docs?format=json`` and ``/openapi.json``). ``HEAD``
is ``GET`` without the body, with the GET's ``Content-Length``.

- JSON for apps: ``/articles``, ``/articles/{slug}``, ``/tags/{tag}/articles`` (DESIGN.md "Read API"); a browser
  (``Accept`` preferring ``text/html``) is sent to the matching page with ``303``;
- pages for readers (:mod:`pressroom.pages`, paths in :mod:`pressroom.links`): ``/``, ``/news/{slug}``,
  ``/tags/{tag}``, ``/sections/{section}``, ``/authors/{author}``;
- feeds of the front page and of each tag, section and author in RSS, Atom and JSON Feed (:mod:`pressroom.feeds`);
- discovery: ``/sitemap.xml`` (an index of monthly sitemaps once too long), ``/news-sitemap.xml``, ``/robots.txt``.

Errors are ``{"error", "message"}`` JSON with a 4xx status for every client mistake (``invalid_limit``,
``invalid_cursor``, ``invalid_filter``, ``not_found``, ``method_not_allowed`` with ``Allow``, ``gone``), never a 5xx;
on a page they are an HTML page with the same status. Tags, sections and authors match by slug; ``?tag=`` and
``?section=`` together are ``400 invalid_filter``. Links use ``PUBLIC_BASE_URL``, else the API's own URL derived from
the request (``https://<Host>/<stage>``; ``http`` for localhost; no stage prefix for the local stack).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote, urlencode

from aws_lambda_powertools.event_handler.api_gateway import CORSConfig, Response, Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from pressroom.api_models import (
    MAX_RESPONSE_BYTES,
    ArticleList,
    ArticleOut,
    ArticleSummaryOut,
    ErrorCode,
    ErrorOut,
    JsonFeed,
    payload_bytes,
    payload_fits,
)
from pressroom.config import ApiSettings
from pressroom.cursor import MAX_CURSOR_CHARS, CursorCodec, InvalidCursor, fallback_secret
from pressroom.links import FEED_FORMATS, FEED_TYPES, FRONT, Listing, ListingKind
from pressroom.models import MAX_YEAR, MIN_YEAR
from pressroom.observability import logger, metrics, tracer
from pressroom.ports import FeedReader, TagRulesSource
from pressroom.reading import (
    DEFAULT_LIMIT,
    MAX_FILTER_CHARS,
    MAX_LIMIT,
    ArticleGone,
    ArticleNotFound,
    InvalidFilter,
    Page,
    ReadService,
    TagMoved,
    UnknownName,
    listing_for,
    named,
    utc_now,
)
from pressroom.sitemaps import NoSuchSitemap
from pressroom.text import slugify
from pressroom.web import (
    ERROR_CACHE,
    JSON,
    ReadApiResolver,
    api_url,
    conditional_get,
    prefers_html,
    without_body,
)

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from pressroom.pages import Site

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
LIST_CACHE = "public, max-age=60, s-maxage=60"
FEED_CACHE = "public, max-age=60, s-maxage=60"
ARTICLE_CACHE = "public, max-age=300, s-maxage=3600"
SITEMAP_CACHE = "public, max-age=900, s-maxage=900"
NEWS_SITEMAP_CACHE = "public, max-age=300, s-maxage=300"
DOC_CACHE = "public, max-age=3600, s-maxage=3600"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
CORS_ALLOW_HEADERS = ["If-None-Match"]  # besides Powertools' Authorization, Content-Type, X-Amz-*, X-Api-Key
CORS_MAX_AGE = 600
SWAGGER_PATH = "/docs"
API_TITLE = "Pressroom read API"
API_VERSION = "1.0.0"
API_DESCRIPTION = (
    "Published articles of Pressroom as JSON (lists, articles by slug), RSS 2.0, Atom 1.0 and JSON Feed 1.1 feeds, "
    "HTML pages for readers and sitemaps. Every 200 has a strong `ETag` and a `Cache-Control`; `If-None-Match` gets "
    '304. Errors are `{"error", "message"}` JSON with a 4xx status (HTML on the reader pages). Lists are '
    "newest first and paged with opaque `next_cursor`s, valid only on the list that issued them."
)
PAGE_SIZE = DEFAULT_LIMIT
_HTML_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}
_MONTH = re.compile(r"(?P<year>\d{4})-(?P<month>0[1-9]|1[0-2])\.xml")


# ---------------------------------------------------------------------------------------------- composition root


@dataclass
class ApiRoot:
    """Everything the API needs, built once per cold start (or by tests with fakes): the use-cases, the Powertools
    resolver with this deployment's CORS, and where links lead."""

    reading: ReadService
    app: ReadApiResolver
    public_base_url: str = ""
    vary_origin: bool = False
    sitemap_max_urls: int | None = None
    _swagger: bool = False

    def with_swagger(self, path: str) -> None:
        """Powertools' Swagger UI (``enable_swagger``) at ``/docs``, registered by the first request for it: it
        imports Powertools' OpenAPI models (about 60 ms), which no other cold start should wait for."""
        if not self._swagger and path == SWAGGER_PATH:
            self.app.enable_swagger(path=SWAGGER_PATH, middlewares=[_swagger_page])
            self._swagger = True


def _origins(value: str) -> list[str]:
    return [o.strip().rstrip("/") for o in value.split(",") if o.strip()] or ["*"]


def _cors(origins: list[str]) -> CORSConfig:
    return CORSConfig(
        allow_origin="*" if "*" in origins else origins[0],
        extra_origins=origins[1:],
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=["ETag"],
        max_age=CORS_MAX_AGE,
    )


def build_root(
    reader: FeedReader,
    settings: ApiSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
    sitemap_max_urls: int | None = None,
    tags: TagRulesSource | None = None,
) -> ApiRoot:
    """The API's composition root over any ``FeedReader`` (and the tag registry's rules, for merged tags);
    ``sitemap_max_urls`` overrides how many URLs one sitemap lists before ``/sitemap.xml`` becomes an index
    (default: :func:`pressroom.sitemaps.capacity`)."""
    secret = settings.cursor_secret.encode() if settings.cursor_secret else fallback_secret(settings.table_name)
    origins = _origins(settings.cors_allow_origins)
    app = ReadApiResolver(cors=_cors(origins), enable_validation=True)
    app.include_router(router)
    app.use([conditional_get])
    app.configure_openapi(title=API_TITLE, version=API_VERSION, description=API_DESCRIPTION)
    return ApiRoot(
        reading=ReadService(reader, CursorCodec(secret), clock=clock, tags=tags),
        app=app,
        public_base_url=settings.public_base_url.strip().rstrip("/"),
        vary_origin="*" not in origins,
        sitemap_max_urls=sitemap_max_urls,
    )


@lru_cache(maxsize=1)
def default_root() -> ApiRoot:
    """The production root: settings from the environment, the DynamoDB feed table (first call only)."""
    from pressroom.adapters.dynamodb_feed import DynamoDBFeed
    from pressroom.adapters.dynamodb_registry import DynamoDBRegistry

    settings = ApiSettings.from_env()
    tags = DynamoDBRegistry(settings.table_name, consistent=False)
    return build_root(DynamoDBFeed(settings.table_name), settings, tags=tags)


_root: ContextVar[ApiRoot] = ContextVar("pressroom_api_root")
router = Router()


def _api_url() -> str:
    return api_url(router.current_event)


def _base_url() -> str:
    """The public base URL of pages and articles: ``PUBLIC_BASE_URL`` or else the API's own URL."""
    return _root.get().public_base_url or _api_url()


def _site() -> Site:
    from pressroom.pages import Site

    return Site(base_url=_base_url(), feeds_url=_api_url())


# ---------------------------------------------------------------------------------------------- responses


def _ok(body: str, cache_control: str, content_type: str = JSON, **headers: str) -> Response[str]:
    headers = {"Cache-Control": cache_control, **headers}
    return Response(status_code=200, content_type=content_type, body=body, headers=headers)


def _html(body: str, cache_control: str, status: int = 200) -> Response[str]:
    from pressroom.pages import CSP

    headers = {**_HTML_HEADERS, "Content-Security-Policy": CSP, "Cache-Control": cache_control}
    return Response(status_code=status, content_type=HTML, body=body, headers=headers)


def _vary(*tokens: str) -> dict[str, str]:
    tokens = (*tokens, "Origin") if _root.get().vary_origin else tokens
    return {"Vary": ", ".join(tokens)} if tokens else {}


def _see_other(url: str) -> Response[str]:
    """A browser asked a JSON route for HTML: the page with the same content."""
    headers = {"Location": url, "Cache-Control": ERROR_CACHE, **_vary("Accept")}
    return Response(status_code=303, body="", headers=headers)


def _json(model: ArticleList | ArticleSummaryOut | ArticleOut) -> str:
    return json.dumps(model.model_dump(mode="json"), separators=(",", ":"))


def _page_json(page: Page, base: str) -> str:
    items = [ArticleSummaryOut.from_summary(s, base) for s in page.items]
    return _json(ArticleList(items=items, next_cursor=page.next_cursor))


def _list(index: str | None, limit: int, cursor: str | None) -> Response[str]:
    """A page of ``index`` within ``MAX_RESPONSE_BYTES``: a page whose items would weigh more is read again with as
    many items as fit (at least one), so its ``next_cursor`` goes on right after the last one shown."""
    reading, base = _root.get().reading, _base_url()
    page = reading.list_articles(index, limit=limit, cursor=cursor)
    body = _page_json(page, base)
    if not payload_fits(body):
        room, fitting = MAX_RESPONSE_BYTES - 2 * MAX_CURSOR_CHARS, 0
        for summary in page.items:
            room -= payload_bytes(_json(ArticleSummaryOut.from_summary(summary, base))) + 1
            if room < 0:
                break
            fitting += 1
        page = reading.list_articles(index, limit=max(fitting, 1), cursor=cursor)
        body = _page_json(page, base)
    return _ok(body, LIST_CACHE, **_vary("Accept"))


def _html_instead(listing: Listing, cursor: str | None) -> Response[str] | None:
    """The ``303`` to ``listing``'s page when a browser asks a JSON list for HTML, else None."""
    if not prefers_html(router.current_event):
        return None
    from pressroom.pages import page_url

    return _see_other(page_url(_site(), listing, cursor))


# ---------------------------------------------------------------------------------------------- OpenAPI pieces

_ERROR_DOCS = {
    400: "Bad parameter (`invalid_limit`, `invalid_cursor`, `invalid_filter`)",
    404: "Unknown article or route, or a tag, section or author segment that cannot name one (`not_found`); drafts "
    "and scheduled articles are not found",
    410: "The article was withdrawn (`gone`)",
}
_SEE_OTHER = "`Accept` prefers `text/html`: `Location` is the reader page with the same content"
_TAG_MOVED: dict[int, OpenAPIResponse] = {
    301: {"description": "The tag was merged into another or renamed: `Location` is the canonical tag's"}
}


def _json_doc(model: type, *errors: int) -> dict[int, OpenAPIResponse]:
    docs: dict[int, OpenAPIResponse] = {200: {"description": "OK", "content": {JSON: {"model": model}}}}
    docs[303] = {"description": _SEE_OTHER}
    for status in errors:
        docs[status] = {"description": _ERROR_DOCS[status], "content": {JSON: {"model": ErrorOut}}}
    return docs


def _text_doc(media_type: str, description: str, *errors: int, model: type | None = None) -> dict[int, Any]:
    content: dict[str, Any] = {media_type: {"model": model} if model else {"schema": {"type": "string"}}}
    docs: dict[int, Any] = {200: {"description": description, "content": content}}
    for status in errors:
        docs[status] = {"description": _ERROR_DOCS[status], "content": {JSON: {"model": ErrorOut}}}
    return docs


def _page_doc(description: str, *errors: int) -> dict[int, Any]:
    html = {"text/html": {"schema": {"type": "string"}}}
    docs: dict[int, Any] = {200: {"description": description, "content": html}}
    for status in errors:
        docs[status] = {"description": f"{_ERROR_DOCS[status]}, as an HTML page", "content": html}
    if 404 in errors:  # a segment no route can match is the API's own 404, in JSON unless the client prefers HTML
        docs[404]["content"] = {**html, JSON: {"model": ErrorOut}}
    return docs


def _feed_doc(fmt: str, *errors: int) -> dict[int, Any]:
    model = JsonFeed if fmt == "feed.json" else None
    return _text_doc(FEED_TYPES[fmt], "The feed, newest 50 articles", *errors, model=model)


_LIMIT = Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1-{MAX_LIMIT}.")
_CURSOR = Query(
    min_length=1,
    max_length=MAX_CURSOR_CHARS,
    description="`next_cursor` of the previous page, exactly as received. Only valid on the list that issued it.",
)
_PAGE_CURSOR = Query(
    min_length=1,
    max_length=MAX_CURSOR_CHARS,
    description="Where the previous page ended (the page's own `Older articles` link). Only valid on that list.",
)
_TAG = Query(
    max_length=MAX_FILTER_CHARS,
    description="Only articles with this tag (matched by slug, e.g. `zoe-saldana`). Not combinable with `section`.",
)
_SECTION = Query(
    max_length=MAX_FILTER_CHARS,
    description="Only articles of this section (e.g. `entertainment`). Not combinable with `tag`.",
)


# ---------------------------------------------------------------------------------------------- JSON for apps


@router.get(
    "/articles", tags=["articles"], summary="Published articles, newest first", responses=_json_doc(ArticleList, 400)
)
def list_articles(
    limit: Annotated[int, _LIMIT] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, _CURSOR] = None,
    tag: Annotated[str | None, _TAG] = None,
    section: Annotated[str | None, _SECTION] = None,
) -> Response[str]:
    index = _root.get().reading.index_for(tag=tag or None, section=section or None)
    listing = Listing("tag", slugify(tag)) if tag else Listing("section", slugify(section)) if section else FRONT
    if listing.kind == "front" or listing.slug:
        redirect = _html_instead(listing, cursor)
        if redirect:
            return redirect
    return _list(index, limit, cursor)


@router.get("/articles/<slug>", tags=["articles"], summary="One article", responses=_json_doc(ArticleOut, 404, 410))
def get_article(slug: str) -> Response[str]:
    if prefers_html(router.current_event):
        from pressroom.models import article_url

        return _see_other(article_url(_base_url(), quote(slug, safe="")))
    article = ArticleOut.from_article(_root.get().reading.get_article(slug), _base_url())
    return _ok(_json(article), ARTICLE_CACHE, **_vary("Accept"))


@router.get(
    "/tags/<tag>/articles",
    tags=["articles"],
    summary="Published articles with a tag, newest first",
    responses=_json_doc(ArticleList, 400, 404) | _TAG_MOVED,
)
def list_tag_articles(
    tag: str,
    limit: Annotated[int, _LIMIT] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, _CURSOR] = None,
) -> Response[str]:
    listing = _root.get().reading.tag_listing(tag)
    return _html_instead(listing, cursor) or _list(listing.index, limit, cursor)


# ---------------------------------------------------------------------------------------------- pages for readers


def _listing_page(listing: Listing, cursor: str | None) -> Response[str]:
    """A page of the list; a tag, section or author without any article is a 404 (its page says so), so that
    crawlers do not keep empty pages."""
    from pressroom.pages import render_listing

    page = _root.get().reading.list_articles(listing.index, limit=PAGE_SIZE, cursor=cursor)
    listing = named(listing, page.items)
    body = render_listing(_site(), listing, page.items, cursor=cursor, next_cursor=page.next_cursor)
    if not page.items and cursor is None and listing.kind != "front":
        return _html(body, ERROR_CACHE, 404)
    return _html(body, LIST_CACHE)


@router.get("/", tags=["pages"], summary="The front page: the newest articles", responses=_page_doc("HTML", 400))
def front_page(cursor: Annotated[str | None, _PAGE_CURSOR] = None) -> Response[str]:
    return _listing_page(FRONT, cursor)


@router.get("/news/<slug>", tags=["pages"], summary="An article's page", responses=_page_doc("HTML", 404, 410))
def article_page(slug: str) -> Response[str]:
    from pressroom.pages import render_article

    return _html(render_article(_site(), _root.get().reading.get_article(slug)), ARTICLE_CACHE)


@router.get(
    "/tags/<tag>", tags=["pages"], summary="A tag's articles", responses=_page_doc("HTML", 400, 404) | _TAG_MOVED
)
def tag_page(tag: str, cursor: Annotated[str | None, _PAGE_CURSOR] = None) -> Response[str]:
    return _listing_page(_root.get().reading.tag_listing(tag), cursor)


@router.get(
    "/sections/<section>", tags=["pages"], summary="A section's articles", responses=_page_doc("HTML", 400, 404)
)
def section_page(section: str, cursor: Annotated[str | None, _PAGE_CURSOR] = None) -> Response[str]:
    return _listing_page(listing_for("section", section), cursor)


@router.get("/authors/<author>", tags=["pages"], summary="An author's articles", responses=_page_doc("HTML", 400, 404))
def author_page(author: str, cursor: Annotated[str | None, _PAGE_CURSOR] = None) -> Response[str]:
    return _listing_page(listing_for("author", author), cursor)


# ---------------------------------------------------------------------------------------------- feeds


def _feed(fmt: str, listing: Listing) -> Response[str]:
    from pressroom import feeds

    reading = _root.get().reading
    entries = reading.feed(listing.index)
    listing = named(listing, [e.summary for e in entries])
    base = _base_url()
    meta = feeds.FeedMeta(
        title=listing.title,
        description=listing.description,
        feed_id=listing.feed_id,
        base_url=base,
        self_url=listing.feed_url(_api_url(), fmt),
        home_url=listing.page_url(base),
        built_at=reading.now().replace(microsecond=0),
    )
    render, content_type = {
        "feed.xml": (feeds.render_rss, feeds.RSS_CONTENT_TYPE),
        "atom.xml": (feeds.render_atom, feeds.ATOM_CONTENT_TYPE),
        "feed.json": (feeds.render_json_feed, feeds.JSON_FEED_CONTENT_TYPE),
    }[fmt]
    return _ok(render(meta, entries), FEED_CACHE, content_type)


_FEED_SUMMARIES = {"feed.xml": "RSS 2.0 feed", "atom.xml": "Atom 1.0 feed", "feed.json": "JSON Feed 1.1"}


def _front_feed(fmt: str) -> Callable[[], Response[str]]:
    def front_feed() -> Response[str]:
        return _feed(fmt, FRONT)

    return front_feed


def _tag_feed(fmt: str) -> Callable[[str], Response[str]]:
    def tag_feed(tag: str) -> Response[str]:
        return _feed(fmt, _root.get().reading.tag_listing(tag))

    return tag_feed


def _section_feed(fmt: str) -> Callable[[str], Response[str]]:
    def section_feed(section: str) -> Response[str]:
        return _feed(fmt, listing_for("section", section))

    return section_feed


def _author_feed(fmt: str) -> Callable[[str], Response[str]]:
    def author_feed(author: str) -> Response[str]:
        return _feed(fmt, listing_for("author", author))

    return author_feed


_LISTING_FEEDS: list[tuple[ListingKind, str, Callable[[str], Callable[[str], Response[str]]]]] = [
    ("tag", "/tags/<tag>", _tag_feed),
    ("section", "/sections/<section>", _section_feed),
    ("author", "/authors/<author>", _author_feed),
]
for _fmt in FEED_FORMATS:
    router.get(f"/{_fmt}", tags=["feeds"], summary=_FEED_SUMMARIES[_fmt], responses=_feed_doc(_fmt))(_front_feed(_fmt))
for _kind, _prefix, _factory in _LISTING_FEEDS:
    for _fmt in FEED_FORMATS:
        router.get(
            f"{_prefix}/{_fmt}",
            tags=["feeds"],
            summary=f"{_FEED_SUMMARIES[_fmt]} of a {_kind}",
            responses=_feed_doc(_fmt, 404) | (_TAG_MOVED if _kind == "tag" else {}),
        )(_factory(_fmt))


# ---------------------------------------------------------------------------------------------- discovery


def _sitemap_urls() -> int:
    from pressroom.sitemaps import capacity

    return _root.get().sitemap_max_urls or capacity(_base_url())


@router.get(
    "/sitemap.xml",
    tags=["discovery"],
    summary="The sitemap: every article's page, or an index of monthly sitemaps once that is too long",
    responses=_text_doc("application/xml", "A sitemaps.org 0.9 `urlset` or `sitemapindex`"),
)
def sitemap() -> Response[str]:
    from pressroom.sitemaps import render_sitemap, render_sitemap_index

    base = _base_url()
    plan = _root.get().reading.site_map(max_articles=_sitemap_urls() - 1)
    if plan.complete:
        body = render_sitemap(base, plan.articles, home=FRONT.page_url(base))
    else:
        body = render_sitemap_index([f"{_api_url()}/sitemaps/{m:%Y-%m}.xml" for m in plan.months])
    return _ok(body, SITEMAP_CACHE, XML)


@router.get(
    "/sitemaps/<month>",
    tags=["discovery"],
    summary="The sitemap of one month (`YYYY-MM.xml`), listed by the sitemap index",
    responses=_text_doc("application/xml", "A sitemaps.org 0.9 `urlset`", 404),
)
def month_sitemap(month: str) -> Response[str]:
    from pressroom.sitemaps import render_sitemap

    found = _MONTH.fullmatch(month)
    if found is None or not MIN_YEAR <= int(found["year"]) <= MAX_YEAR:
        raise NoSuchSitemap("monthly sitemaps are named YYYY-MM.xml; see /sitemap.xml")
    start = datetime(int(found["year"]), int(found["month"]), 1, tzinfo=UTC)
    articles = _root.get().reading.month(start, max_articles=_sitemap_urls())
    if not articles:
        raise NoSuchSitemap(f"no article was published in {start:%Y-%m}; see /sitemap.xml")
    return _ok(render_sitemap(_base_url(), articles, home=None), SITEMAP_CACHE, XML)


@router.get(
    "/news-sitemap.xml",
    tags=["discovery"],
    summary="The Google News sitemap: articles of the last 48 hours, at most 1,000",
    responses=_text_doc("application/xml", "A sitemaps.org `urlset` with Google News tags"),
)
def news_sitemap() -> Response[str]:
    from pressroom.sitemaps import NEWS_MAX_URLS, NEWS_WINDOW, render_news_sitemap

    base = _base_url()
    articles = _root.get().reading.recent(within=NEWS_WINDOW, limit=NEWS_MAX_URLS)
    return _ok(render_news_sitemap(base, articles, home=FRONT.page_url(base)), NEWS_SITEMAP_CACHE, XML)


@router.get(
    "/robots.txt",
    tags=["discovery"],
    summary="robots.txt: everything may be crawled; where the sitemaps are",
    responses=_text_doc("text/plain", "robots.txt"),
)
def robots() -> Response[str]:
    from pressroom.sitemaps import ROBOTS_CONTENT_TYPE, render_robots

    api = _api_url()
    return _ok(render_robots([f"{api}/sitemap.xml", f"{api}/news-sitemap.xml"]), DOC_CACHE, ROBOTS_CONTENT_TYPE)


# ---------------------------------------------------------------------------------------------- documents


@router.get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    return _ok(_root.get().app.get_openapi_json_schema(), DOC_CACHE)


def _swagger_page(app: ReadApiResolver, next_middleware: Callable[..., Response[Any]]) -> Response[Any]:
    """``enable_swagger``'s page with the API's title and language (Powertools titles it "Swagger UI")."""
    response = next_middleware(app)
    if isinstance(response.body, str) and str(response.headers.get("Content-Type")).startswith("text/html"):
        response.body = response.body.replace("<html>", '<html lang="en">', 1).replace(
            "<title>Swagger UI</title>", f"<title>{API_TITLE}</title>", 1
        )
        response.headers["Content-Type"] = HTML
    response.headers["Cache-Control"] = DOC_CACHE
    return response


# ---------------------------------------------------------------------------------------------- errors

_READER_MESSAGES = {
    400: "The address of this page is not valid (an old or altered link?).",
    404: "There is no page at this address.",
    410: "The article that was here has been withdrawn.",
}


def _error(status: int, code: ErrorCode, message: str, headers: dict[str, str] | None = None) -> Response[Any]:
    """The error as JSON, or as an HTML page on a reader page's route."""
    headers = {"Cache-Control": ERROR_CACHE, **_vary(), **(headers or {})}
    route = _root.get().app.context.get("_route")
    if route is not None and "pages" in route.tags and status in _READER_MESSAGES:
        from pressroom.pages import render_error

        response = _html(render_error(_site(), status, _READER_MESSAGES[status]), ERROR_CACHE, status)
        response.headers.update(headers)
        return response
    return Response(
        status_code=status,
        content_type=JSON,
        body=ErrorOut(error=code, message=message).model_dump(),
        headers=headers,
    )


_PARAM_ERRORS: dict[str, tuple[ErrorCode, str]] = {
    "limit": ("invalid_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}"),
    "cursor": ("invalid_cursor", "cursor must be the next_cursor of the previous page, exactly as received"),
    "tag": ("invalid_filter", f"tag must be at most {MAX_FILTER_CHARS} characters"),
    "section": ("invalid_filter", f"section must be at most {MAX_FILTER_CHARS} characters"),
}


@router.exception_handler(RequestValidationError)
def _bad_parameter(error: RequestValidationError) -> Response[Any]:
    for detail in error.errors():
        loc: tuple[Any, ...] = tuple(detail.get("loc") or ())
        name = str(loc[1]) if len(loc) >= 2 else ""
        if name in _PARAM_ERRORS:
            code, message = _PARAM_ERRORS[name]
            return _error(400, code, message)
    return _error(400, "invalid_request", "the request parameters are not valid")


@router.exception_handler(InvalidCursor)
def _bad_cursor(error: InvalidCursor) -> Response[Any]:
    return _error(400, "invalid_cursor", str(error))


@router.exception_handler(InvalidFilter)
def _bad_filter(error: InvalidFilter) -> Response[Any]:
    return _error(400, "invalid_filter", str(error))


@router.exception_handler([ArticleNotFound, UnknownName, NoSuchSitemap])
def _not_found(error: LookupError) -> Response[Any]:
    return _error(404, "not_found", str(error))


@router.exception_handler(TagMoved)
def _tag_moved(moved: TagMoved) -> Response[Any]:
    """``301`` to the same route of the canonical tag, with the same query."""
    event = router.current_event
    rest = "".join(f"/{part}" for part in (event.path or "").split("/")[3:])
    query = urlencode(event.query_string_parameters or {})
    location = f"{_api_url()}{moved.listing.path}{rest}" + (f"?{query}" if query else "")
    return Response(status_code=301, body="", headers={"Location": location, "Cache-Control": LIST_CACHE, **_vary()})


@router.exception_handler(ArticleGone)
def _gone(error: ArticleGone) -> Response[Any]:
    return _error(410, "gone", str(error))


def _is_route(path: str) -> bool:
    """Whether a GET route serves ``path`` (Powertools' own route table of the resolver)."""
    app = _root.get().app
    return any(r.method == "GET" and r.rule.match(path) for r in app._static_routes + app._dynamic_routes)


@router.exception_handler(NotFoundError)
def _no_route(_: NotFoundError) -> Response[Any]:
    event = router.current_event
    path = event.path or "/"
    if event.http_method.upper() in ("GET", "HEAD") or not _is_route(path):
        if prefers_html(event):
            from pressroom.pages import render_error

            return _html(render_error(_site(), 404, _READER_MESSAGES[404]), ERROR_CACHE, 404)
        return _error(404, "not_found", f"there is no route {path[:200]!r}; see /openapi.json")
    return _error(
        405,
        "method_not_allowed",
        f"{event.http_method} is not allowed on {path[:200]!r}; use GET",
        {"Allow": ALLOWED_METHODS},
    )


def _known_preflight(app: ReadApiResolver, next_middleware: Callable[..., Response[Any]]) -> Response[Any]:
    """Powertools answers a preflight of any path; the API's of a path it does not serve is a 404."""
    response = next_middleware(app)
    event = app.current_event
    if event.http_method.upper() == "OPTIONS" and response.status_code == 204 and not _is_route(event.path or "/"):
        return _error(404, "not_found", f"there is no route {(event.path or '/')[:200]!r}; see /openapi.json")
    if response.status_code == 204:
        response.headers.update({"Allow": ALLOWED_METHODS, **_vary()})
    return response


router.use([_known_preflight])


@router.exception_handler(Exception)
def _unexpected(error: Exception) -> Response[Any]:
    logger.exception("unhandled error")
    if _is_throttling(error):
        return _error(503, "internal_error", "the feed is busy; retry shortly", {"Retry-After": "1"})
    return _error(500, "internal_error", "something went wrong on our side; it has been logged")


def _is_throttling(error: Exception) -> bool:
    response = getattr(error, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code in {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}


# ---------------------------------------------------------------------------------------------- entry point


def serve(event: dict[str, Any], context: LambdaContext, root: ApiRoot) -> dict[str, Any]:
    """Resolve one REST proxy event against ``root`` (``HEAD`` as ``GET``, then without the body)."""
    method = str(event.get("httpMethod") or "GET").upper()
    root.with_swagger(str(event.get("path") or "/"))
    token = _root.set(root)
    try:
        response = root.app.resolve({**event, "httpMethod": "GET"} if method == "HEAD" else event, context)
    finally:
        _root.reset(token)
    if method == "HEAD":
        response = without_body(response)
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    if response["statusCode"] >= 500:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    elif response["statusCode"] >= 400:
        metrics.add_metric(name="ClientErrors", unit=MetricUnit.Count, value=1)
    return response


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point of ApiFunction."""
    return serve(event, context, default_root())
