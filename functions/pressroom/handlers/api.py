"""ApiFunction: the routes of the read API and the reader pages (DESIGN.md), behind API Gateway (REST proxy events).

Each route validates its parameters (Powertools + pydantic, which document them in the OpenAPI document), calls one
``ReadService`` use-case and renders the result: JSON (:mod:`pressroom.api_models`; a browser is sent to the page with
``303``), pages (:mod:`pressroom.pages`), feeds (:mod:`pressroom.feeds`) or discovery (:mod:`pressroom.sitemaps`).
What every route shares (CORS, ETag/304, HEAD, errors, caching) is :class:`pressroom.web.ReadApiResolver`'s. The
composition root reaches the routes through Powertools' ``append_context`` and ``Depends``.
"""

from __future__ import annotations

import gc

# What these imports make (modules, classes, pydantic models, Powertools) lives as long as the process, so the
# collector would only walk it again and again while they run and at every later collection (the first request's
# boto3 import included: about 25 ms of a cold start in all): it is paused meanwhile, and what they made is frozen
# out of its generations once they are done.
_COLLECTING = gc.isenabled()
gc.disable()
try:
    from collections.abc import Callable
    from dataclasses import dataclass
    from datetime import datetime
    from functools import lru_cache
    from typing import TYPE_CHECKING, Annotated, Any, TypeVar
    from urllib.parse import quote

    from aws_lambda_powertools.event_handler import Depends, Request
    from aws_lambda_powertools.event_handler.api_gateway import Response, Router
    from aws_lambda_powertools.logging import correlation_paths

    from pressroom import api_models, pages, sitemaps, web
    from pressroom.api_models import Cursor, Limit, PageCursor, SectionFilter, TagFilter
    from pressroom.config import ApiSettings
    from pressroom.cursor import CursorCodec, fallback_secret
    from pressroom.links import FEED_FORMATS, FEED_TYPES, FRONT, Listing, ListingKind
    from pressroom.models import article_url
    from pressroom.observability import logger, metrics, tracer
    from pressroom.ports import FeedReader, TagRulesSource
    from pressroom.reading import DEFAULT_LIMIT, ReadService, listing_for, utc_now
    from pressroom.text import slugify
finally:
    gc.freeze()
    if _COLLECTING:
        gc.enable()

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

_F = TypeVar("_F", bound=Callable[..., Any])


@dataclass
class ApiRoot:
    """Everything the API needs, built once per cold start (or by tests with fakes): the use-cases and the
    Powertools resolver of this deployment; ``sitemap_max_urls`` overrides how many URLs one sitemap lists before
    ``/sitemap.xml`` becomes an index (default: :func:`pressroom.sitemaps.capacity`)."""

    reading: ReadService
    app: web.ReadApiResolver
    sitemap_max_urls: int | None = None

    def sitemap_urls(self) -> int:
        return self.sitemap_max_urls or sitemaps.capacity(self.app.base_url())


def build_root(
    reader: FeedReader,
    settings: ApiSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
    sitemap_max_urls: int | None = None,
    tags: TagRulesSource | None = None,
) -> ApiRoot:
    """The API's composition root over any ``FeedReader`` (and the tag registry's rules, for merged tags)."""
    secret = settings.cursor_secret.encode() if settings.cursor_secret else fallback_secret(settings.table_name)
    app = web.ReadApiResolver(origins=settings.cors_allow_origins, public_base_url=settings.public_base_url)
    app.include_router(router)
    return ApiRoot(ReadService(reader, CursorCodec(secret), clock=clock, tags=tags), app, sitemap_max_urls)


@lru_cache(maxsize=1)
def default_root() -> ApiRoot:
    """The production root: settings from the environment, the DynamoDB feed table (first call only)."""
    from pressroom.adapters.dynamodb_feed import DynamoDBFeed
    from pressroom.adapters.dynamodb_registry import DynamoDBRegistry

    settings = ApiSettings.from_env()
    tags = DynamoDBRegistry(settings.table_name, consistent=False)
    return build_root(DynamoDBFeed(settings.table_name), settings, tags=tags)


def _current_root(request: Request) -> ApiRoot:
    root: ApiRoot = request.context["root"]
    return root


Root = Annotated[ApiRoot, Depends(_current_root)]
router = Router()


def _json_route(path: str, summary: str, model: type, *errors: int, moves: bool = False) -> Callable[[_F], _F]:
    docs = web.json_doc(model, *errors) | (web.TAG_MOVED if moves else {})
    return router.get(path, tags=["articles"], summary=summary, responses=docs)


def _page_route(path: str, summary: str, *errors: int, moves: bool = False) -> Callable[[_F], _F]:
    docs = web.page_doc(*errors) | (web.TAG_MOVED if moves else {})
    return router.get(path, tags=["pages"], summary=summary, responses=docs)


def _discovery_route(path: str, summary: str, returns: str, *errors: int, media: str = "application/xml") -> Any:
    return router.get(path, tags=["discovery"], summary=summary, responses=web.text_doc(media, returns, *errors))


# ---------------------------------------------------------------------------------------------- JSON for apps


def _list(root: ApiRoot, index: str | None, listing: Listing, limit: int, cursor: str | None) -> Response[str]:
    app = root.app
    if app.browser() and (listing.kind == "front" or listing.slug):
        return web.see_other(pages.page_url(app.site(), listing, cursor), **app.vary("Accept"))
    body = api_models.list_json(
        lambda n: root.reading.list_articles(index, limit=n, cursor=cursor), limit, app.base_url()
    )
    return web.ok(body, web.CONTENT_CACHE, **app.vary("Accept"))


@_json_route("/articles", "Published articles, newest first", api_models.ArticleList, 400)
def list_articles(
    root: Root,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    tag: TagFilter = None,
    section: SectionFilter = None,
) -> Response[str]:
    index = root.reading.index_for(tag=tag or None, section=section or None)
    listing = Listing("tag", slugify(tag)) if tag else Listing("section", slugify(section)) if section else FRONT
    return _list(root, index, listing, limit, cursor)


@_json_route("/articles/<slug>", "One article", api_models.ArticleOut, 404, 410)
def get_article(root: Root, slug: str) -> Response[str]:
    app = root.app
    if app.browser():
        return web.see_other(article_url(app.base_url(), quote(slug, safe="")), **app.vary("Accept"))
    body = api_models.article_json(root.reading.get_article(slug), app.base_url())
    return web.ok(body, web.CONTENT_CACHE, **app.vary("Accept"))


@_json_route(
    "/tags/<tag>/articles", "Published articles with a tag, newest first", api_models.ArticleList, 400, 404, moves=True
)
def list_tag_articles(root: Root, tag: str, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None) -> Response[str]:
    listing = root.reading.tag_listing(tag)
    return _list(root, listing.index, listing, limit, cursor)


# ---------------------------------------------------------------------------------------------- pages for readers


def _listing_page(root: ApiRoot, listing: Listing, cursor: str | None) -> Response[str]:
    page = root.reading.list_articles(listing.index, limit=pages.PAGE_SIZE, cursor=cursor)
    status, body = pages.listing_page(root.app.site(), listing, page, cursor=cursor)
    return web.page(body, web.CONTENT_CACHE, status)


@_page_route("/", "The front page: the newest articles", 400)
def front_page(root: Root, cursor: PageCursor = None) -> Response[str]:
    return _listing_page(root, FRONT, cursor)


@_page_route("/news/<slug>", "An article's page", 404, 410)
def article_page(root: Root, slug: str) -> Response[str]:
    return web.page(pages.render_article(root.app.site(), root.reading.get_article(slug)), web.CONTENT_CACHE)


@_page_route("/tags/<tag>", "A tag's articles", 400, 404, moves=True)
def tag_page(root: Root, tag: str, cursor: PageCursor = None) -> Response[str]:
    return _listing_page(root, root.reading.tag_listing(tag), cursor)


@_page_route("/sections/<section>", "A section's articles", 400, 404)
def section_page(root: Root, section: str, cursor: PageCursor = None) -> Response[str]:
    return _listing_page(root, listing_for("section", section), cursor)


@_page_route("/authors/<author>", "An author's articles", 400, 404)
def author_page(root: Root, author: str, cursor: PageCursor = None) -> Response[str]:
    return _listing_page(root, listing_for("author", author), cursor)


# ---------------------------------------------------------------------------------------------- feeds


def _feed(root: ApiRoot, fmt: str, listing: Listing) -> Response[str]:
    from pressroom.feeds import render_feed  # feedgen and lxml stay off the cold-start path of the other routes

    body, content_type = render_feed(
        fmt, listing, root.reading.feed(listing.index), root.app.site(), root.reading.now()
    )
    return web.ok(body, web.CONTENT_CACHE, content_type)


def _feed_route(fmt: str, kind: ListingKind) -> Callable[..., Response[str]]:
    """The route of a ``kind``'s feed in ``fmt``, whose path parameter is named after the kind (``/tags/<tag>/…``)."""

    def front_feed(root: Root) -> Response[str]:
        return _feed(root, fmt, FRONT)

    def tag_feed(root: Root, tag: str) -> Response[str]:
        return _feed(root, fmt, root.reading.tag_listing(tag))

    def section_feed(root: Root, section: str) -> Response[str]:
        return _feed(root, fmt, listing_for("section", section))

    def author_feed(root: Root, author: str) -> Response[str]:
        return _feed(root, fmt, listing_for("author", author))

    routes: dict[ListingKind, Callable[..., Response[str]]] = {
        "front": front_feed, "tag": tag_feed, "section": section_feed, "author": author_feed
    }  # fmt: skip
    return routes[kind]


_FEED_SUMMARIES = {"feed.xml": "RSS 2.0 feed", "atom.xml": "Atom 1.0 feed", "feed.json": "JSON Feed 1.1"}
_FEED_PREFIXES: dict[ListingKind, str] = {"front": "", "tag": "/tags/<tag>", "section": "/sections/<section>",
                                          "author": "/authors/<author>"}  # fmt: skip
for _kind, _prefix in _FEED_PREFIXES.items():
    for _fmt in FEED_FORMATS:
        router.get(
            f"{_prefix}/{_fmt}",
            tags=["feeds"],
            summary=_FEED_SUMMARIES[_fmt] + ("" if _kind == "front" else f" of a {_kind}"),
            responses=web.feed_doc(FEED_TYPES[_fmt], *([] if _kind == "front" else [404]))
            | (web.TAG_MOVED if _kind == "tag" else {}),
        )(_feed_route(_fmt, _kind))


# ---------------------------------------------------------------------------------------------- discovery


@_discovery_route(
    "/sitemap.xml",
    "The sitemap: every article's page, or an index of monthly sitemaps once that is too long",
    "A sitemaps.org 0.9 `urlset` or `sitemapindex`",
)
def sitemap(root: Root) -> Response[str]:
    plan = root.reading.site_map(max_articles=root.sitemap_urls() - 1)
    body = sitemaps.render_site_map(plan, root.app.base_url(), root.app.api_url())
    return web.ok(body, web.SITEMAP_CACHE, sitemaps.SITEMAP_CONTENT_TYPE)


@_discovery_route(
    "/sitemaps/<month>",
    "The sitemap of one month (`YYYY-MM.xml`), listed by the sitemap index",
    "A sitemaps.org 0.9 `urlset`",
    404,
)
def month_sitemap(root: Root, month: str) -> Response[str]:
    start = sitemaps.month_named(month)
    articles = root.reading.month(start, max_articles=root.sitemap_urls())
    body = sitemaps.render_month(root.app.base_url(), start, articles)
    return web.ok(body, web.SITEMAP_CACHE, sitemaps.SITEMAP_CONTENT_TYPE)


@_discovery_route(
    "/news-sitemap.xml",
    "The Google News sitemap: articles of the last 48 hours, at most 1,000",
    "A sitemaps.org `urlset` with Google News tags",
)
def news_sitemap(root: Root) -> Response[str]:
    base, articles = root.app.base_url(), root.reading.recent(within=sitemaps.NEWS_WINDOW, limit=sitemaps.NEWS_MAX_URLS)
    body = sitemaps.render_news_sitemap(base, articles, home=FRONT.page_url(base))
    return web.ok(body, web.NEWS_SITEMAP_CACHE, sitemaps.SITEMAP_CONTENT_TYPE)


@_discovery_route(
    "/robots.txt", "robots.txt: everything may be crawled; where the sitemaps are", "robots.txt", media="text/plain"
)
def robots(root: Root) -> Response[str]:
    return web.ok(sitemaps.robots_of(root.app.api_url()), web.DOC_CACHE, sitemaps.ROBOTS_CONTENT_TYPE)


@router.get("/openapi.json", include_in_schema=False)
def openapi_document(root: Root) -> Response[str]:
    return web.ok(root.app.get_openapi_json_schema(), web.DOC_CACHE)


# ---------------------------------------------------------------------------------------------- entry point


def serve(event: dict[str, Any], context: LambdaContext, root: ApiRoot) -> dict[str, Any]:
    """Resolve one REST proxy event against ``root``."""
    root.app.append_context(root=root)
    return root.app.resolve(event, context)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Lambda entry point of ApiFunction."""
    return serve(event, context, default_root())
