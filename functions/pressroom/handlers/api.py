"""ApiFunction: the read API behind API Gateway (REST proxy events). See DESIGN.md "Read API".

Routes are thin: validate parameters (Powertools + pydantic, which also generate the OpenAPI document), call one
``ReadService`` use-case, convert to a response model. HTTP concerns shared by every route live in :func:`serve`:

- errors are ``{"error", "message"}`` JSON with a 4xx status for every client mistake (``invalid_limit``,
  ``invalid_cursor``, ``invalid_filter``, ``not_found``, ``method_not_allowed``, ``gone``), never a 5xx;
- every 200 carries a strong ``ETag`` (a hash of the exact body) and a matching ``If-None-Match`` gets ``304``;
- ``Cache-Control`` per route (lists and feeds short, articles longer, ``s-maxage`` for CDNs; errors ``no-store``);
- CORS for the origins in ``CORS_ALLOW_ORIGINS`` (comma-separated, default ``*``), preflight ``OPTIONS`` included;
- ``HEAD`` is ``GET`` without the body.

Filters: ``/articles?tag=`` reads the tag index, ``?section=`` the section index; both together are refused with
``400 invalid_filter`` (an intersection would cost more as the feed grows). Tags and sections match by slug.

Article URLs use ``PUBLIC_BASE_URL``; when it is empty, the API's own URL derived from the request
(``https://<Host>/<stage>``; ``http`` for localhost; no stage prefix for the local stack).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver, Response
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
from pressroom.feeds import ATOM_CONTENT_TYPE, JSON_FEED_CONTENT_TYPE, RSS_CONTENT_TYPE, FeedMeta
from pressroom.observability import logger, metrics, tracer
from pressroom.ports import FEED_INDEX, FeedReader
from pressroom.reading import (
    DEFAULT_LIMIT,
    MAX_FILTER_CHARS,
    MAX_LIMIT,
    ArticleGone,
    ArticleNotFound,
    FeedEntry,
    InvalidFilter,
    Page,
    ReadService,
    UnknownTag,
    list_index_for,
    tag_route_index,
    utc_now,
)
from pressroom.text import slugify

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
    from aws_lambda_powertools.utilities.typing import LambdaContext

JSON = "application/json"
LIST_CACHE = "public, max-age=60, s-maxage=60"
FEED_CACHE = "public, max-age=60, s-maxage=60"
ARTICLE_CACHE = "public, max-age=300, s-maxage=3600"
DOC_CACHE = "public, max-age=3600, s-maxage=3600"
ERROR_CACHE = "no-store"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
CORS_ALLOW_HEADERS = "Content-Type, If-None-Match, Authorization, X-Api-Key, X-Amz-Date, X-Amz-Security-Token"
CORS_EXPOSE_HEADERS = "ETag"
CORS_MAX_AGE = "600"
API_TITLE = "Pressroom read API"
API_VERSION = "1.0.0"

_SERVER_PLACEHOLDER = "https://server.pressroom.invalid"
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}


# ---------------------------------------------------------------------------------------------- composition root


@dataclass(frozen=True)
class Cors:
    """Allowed origins (``*`` allows any)."""

    origins: frozenset[str]

    @classmethod
    def parse(cls, value: str) -> Cors:
        origins = frozenset(o.strip().rstrip("/") for o in value.split(",") if o.strip())
        return cls(origins or frozenset({"*"}))

    def allow_origin(self, origin: str | None) -> str | None:
        if not origin:
            return None
        if "*" in self.origins:
            return "*"
        return origin if origin.rstrip("/") in self.origins else None


@dataclass
class ApiRoot:
    """Everything the API needs, built once per cold start (or by tests with fakes)."""

    reading: ReadService
    public_base_url: str = ""
    cors: Cors = field(default_factory=lambda: Cors(frozenset({"*"})))
    _documents: dict[str, str] = field(default_factory=dict)  # built once, whatever the Host: see _with_server


def build_root(
    reader: FeedReader,
    settings: ApiSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
) -> ApiRoot:
    """The API's composition root over any ``FeedReader``."""
    secret = settings.cursor_secret.encode() if settings.cursor_secret else fallback_secret(settings.table_name)
    return ApiRoot(
        reading=ReadService(reader, CursorCodec(secret), clock=clock),
        public_base_url=settings.public_base_url.strip().rstrip("/"),
        cors=Cors.parse(settings.cors_allow_origins),
    )


@lru_cache(maxsize=1)
def default_root() -> ApiRoot:
    """The production root: settings from the environment, the DynamoDB feed table (first call only)."""
    from pressroom.adapters.dynamodb_feed import DynamoDBFeed

    settings = ApiSettings.from_env()
    return build_root(DynamoDBFeed(settings.table_name), settings)


_root: ContextVar[ApiRoot] = ContextVar("pressroom_api_root")


# ---------------------------------------------------------------------------------------------- app and routes

app = APIGatewayRestResolver(enable_validation=True)
_RULES: list[re.Pattern[str]] = []


def _get(rule: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    _RULES.append(re.compile("^" + re.sub(r"<\w+>", "[^/]+", re.escape(rule)) + "$"))
    return app.get(rule, **kwargs)


def _json_doc(model: type, *errors: int) -> dict[int, OpenAPIResponse]:
    docs: dict[int, OpenAPIResponse] = {200: {"description": "OK", "content": {JSON: {"model": model}}}}
    for status in errors:
        docs[status] = {"description": _ERROR_DOCS[status], "content": {JSON: {"model": ErrorOut}}}
    return docs


def _feed_doc(media_type: str, *errors: int, model: type | None = None) -> dict[int, OpenAPIResponse]:
    content: dict[str, Any] = {media_type: {"model": model} if model else {"schema": {"type": "string"}}}
    docs: dict[int, OpenAPIResponse] = {200: {"description": "The feed, newest 50 articles", "content": content}}
    for status in errors:
        docs[status] = {"description": _ERROR_DOCS[status], "content": {JSON: {"model": ErrorOut}}}
    return docs


_ERROR_DOCS = {
    400: "Bad parameter (`invalid_limit`, `invalid_cursor`, `invalid_filter`)",
    404: "Unknown article or route, or a tag segment that cannot name a tag (`not_found`); drafts and scheduled"
    " articles are not found",
    410: "The article was withdrawn (`gone`)",
}
_LIMIT = Query(ge=1, le=MAX_LIMIT, description=f"Page size, 1-{MAX_LIMIT}.")
_CURSOR = Query(
    min_length=1,
    max_length=MAX_CURSOR_CHARS,
    description="`next_cursor` of the previous page, exactly as received. Only valid on the list that issued it.",
)
_TAG = Query(
    max_length=MAX_FILTER_CHARS,
    description="Only articles with this tag (matched by slug, e.g. `zoe-saldana`). Not combinable with `section`.",
)
_SECTION = Query(
    max_length=MAX_FILTER_CHARS,
    description="Only articles of this section (e.g. `entertainment`). Not combinable with `tag`.",
)


def _ok(body: Any, cache_control: str, content_type: str = JSON) -> Response[Any]:
    return Response(status_code=200, content_type=content_type, body=body, headers={"Cache-Control": cache_control})


def _json(model: ArticleList | ArticleSummaryOut) -> str:
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
    return _ok(body, LIST_CACHE)


@_get("/articles", tags=["articles"], summary="Published articles, newest first", responses=_json_doc(ArticleList, 400))
def list_articles(
    limit: Annotated[int, _LIMIT] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, _CURSOR] = None,
    tag: Annotated[str | None, _TAG] = None,
    section: Annotated[str | None, _SECTION] = None,
) -> Response[str]:
    return _list(list_index_for(tag=tag or None, section=section or None), limit, cursor)


@_get("/articles/<slug>", tags=["articles"], summary="One article", responses=_json_doc(ArticleOut, 404, 410))
def get_article(slug: str) -> Response[ArticleOut]:
    return _ok(ArticleOut.from_article(_root.get().reading.get_article(slug), _base_url()), ARTICLE_CACHE)


@_get(
    "/tags/<tag>/articles",
    tags=["articles"],
    summary="Published articles with a tag, newest first",
    responses=_json_doc(ArticleList, 400, 404),
)
def list_tag_articles(
    tag: str,
    limit: Annotated[int, _LIMIT] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, _CURSOR] = None,
) -> Response[str]:
    return _list(tag_route_index(tag), limit, cursor)


def _feed_meta(kind: str, tag: str | None, entries: list[FeedEntry]) -> FeedMeta:
    api, base = _api_url(), _base_url()
    slug = slugify(tag) if tag is not None else None
    prefix = f"/tags/{slug}" if tag is not None else ""
    name = next((t.name for e in entries for t in e.summary.tags if t.slug == slug), slug)  # never the raw segment
    return FeedMeta(
        title=f"Pressroom: {name}" if tag is not None else "Pressroom",
        description=f"The newest articles tagged {name}" if tag is not None else "The newest articles",
        feed_id=f"urn:pressroom:feed:tag:{slug}" if tag is not None else "urn:pressroom:feed",
        base_url=base,
        self_url=f"{api}{prefix}/{kind}",
        home_url=f"{base}{prefix}/articles",
    )


def _feed_index(tag: str | None) -> str:
    return FEED_INDEX if tag is None else tag_route_index(tag)


def _json_feed(tag: str | None) -> Response[str]:
    from pressroom.feeds import render_json_feed

    entries = _root.get().reading.feed(_feed_index(tag))
    return _ok(render_json_feed(_feed_meta("feed.json", tag, entries), entries), FEED_CACHE, JSON_FEED_CONTENT_TYPE)


def _rss(tag: str | None) -> Response[str]:
    from pressroom.feeds import render_rss

    entries = _root.get().reading.feed(_feed_index(tag))
    return _ok(render_rss(_feed_meta("feed.xml", tag, entries), entries), FEED_CACHE, RSS_CONTENT_TYPE)


def _atom(tag: str | None) -> Response[str]:
    from pressroom.feeds import render_atom

    entries = _root.get().reading.feed(_feed_index(tag))
    return _ok(render_atom(_feed_meta("atom.xml", tag, entries), entries), FEED_CACHE, ATOM_CONTENT_TYPE)


_JSON_FEED_DOC = _feed_doc("application/feed+json", model=JsonFeed)
_RSS_DOC = _feed_doc("application/rss+xml")
_ATOM_DOC = _feed_doc("application/atom+xml")


@_get("/feed.json", tags=["feeds"], summary="JSON Feed 1.1", responses=_JSON_FEED_DOC)
def json_feed() -> Response[str]:
    return _json_feed(None)


@_get("/feed.xml", tags=["feeds"], summary="RSS 2.0 feed", responses=_RSS_DOC)
def rss_feed() -> Response[str]:
    return _rss(None)


@_get("/atom.xml", tags=["feeds"], summary="Atom 1.0 feed", responses=_ATOM_DOC)
def atom_feed() -> Response[str]:
    return _atom(None)


@_get(
    "/tags/<tag>/feed.json",
    tags=["feeds"],
    summary="JSON Feed 1.1 of a tag",
    responses=_feed_doc("application/feed+json", 404, model=JsonFeed),
)
def tag_json_feed(tag: str) -> Response[str]:
    return _json_feed(tag)


@_get(
    "/tags/<tag>/feed.xml",
    tags=["feeds"],
    summary="RSS 2.0 feed of a tag",
    responses=_feed_doc("application/rss+xml", 404),
)
def tag_rss_feed(tag: str) -> Response[str]:
    return _rss(tag)


@_get(
    "/tags/<tag>/atom.xml",
    tags=["feeds"],
    summary="Atom 1.0 feed of a tag",
    responses=_feed_doc("application/atom+xml", 404),
)
def tag_atom_feed(tag: str) -> Response[str]:
    return _atom(tag)


@_get("/openapi.json", include_in_schema=False)
def openapi_document() -> Response[str]:
    return _ok(_openapi_json(_api_url()), DOC_CACHE)


@_get("/docs", include_in_schema=False)
def swagger_ui() -> Response[str]:
    return _ok(_swagger_html(_api_url()), DOC_CACHE, "text/html; charset=utf-8")


# ---------------------------------------------------------------------------------------------- errors


def _error(status: int, code: ErrorCode, message: str, headers: Mapping[str, str] | None = None) -> Response[Any]:
    return Response(
        status_code=status,
        content_type=JSON,
        body=ErrorOut(error=code, message=message).model_dump(),
        headers=dict(headers or {}),
    )


_PARAM_ERRORS: dict[str, tuple[ErrorCode, str]] = {
    "limit": ("invalid_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}"),
    "cursor": ("invalid_cursor", "cursor must be the next_cursor of the previous page, exactly as received"),
    "tag": ("invalid_filter", f"tag must be at most {MAX_FILTER_CHARS} characters"),
    "section": ("invalid_filter", f"section must be at most {MAX_FILTER_CHARS} characters"),
}


@app.exception_handler(RequestValidationError)
def _bad_parameter(error: RequestValidationError) -> Response[Any]:
    for detail in error.errors():
        loc: tuple[Any, ...] = tuple(detail.get("loc") or ())
        name = str(loc[1]) if len(loc) >= 2 else ""
        if name in _PARAM_ERRORS:
            code, message = _PARAM_ERRORS[name]
            return _error(400, code, message)
    return _error(400, "invalid_request", "the request parameters are not valid")


@app.exception_handler(InvalidCursor)
def _bad_cursor(error: InvalidCursor) -> Response[Any]:
    return _error(400, "invalid_cursor", str(error))


@app.exception_handler(InvalidFilter)
def _bad_filter(error: InvalidFilter) -> Response[Any]:
    return _error(400, "invalid_filter", str(error))


@app.exception_handler(ArticleNotFound)
def _no_article(error: ArticleNotFound) -> Response[Any]:
    return _error(404, "not_found", str(error))


@app.exception_handler(UnknownTag)
def _no_tag(error: UnknownTag) -> Response[Any]:
    return _error(404, "not_found", str(error))


@app.exception_handler(ArticleGone)
def _gone(error: ArticleGone) -> Response[Any]:
    return _error(410, "gone", str(error))


@app.not_found
def _no_route(_: NotFoundError) -> Response[Any]:
    event = app.current_event
    path = event.path or "/"
    method = event.http_method.upper()
    if method in ("GET", "HEAD") or not any(rule.match(path) for rule in _RULES):
        return _error(404, "not_found", f"there is no route {path[:200]!r}; see /openapi.json")
    if method == "OPTIONS":
        return Response(
            status_code=204,
            body="",
            headers={
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
                "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
                "Access-Control-Max-Age": CORS_MAX_AGE,
                "Allow": ALLOWED_METHODS,
            },
        )
    return _error(
        405,
        "method_not_allowed",
        f"{event.http_method} is not allowed on {path[:200]!r}; use GET",
        {"Allow": ALLOWED_METHODS},
    )


@app.exception_handler(Exception)
def _unexpected(error: Exception) -> Response[Any]:
    logger.exception("unhandled error")
    if _is_throttling(error):
        return _error(503, "internal_error", "the feed is busy; retry shortly", {"Retry-After": "1"})
    return _error(500, "internal_error", "something went wrong on our side; it has been logged")


def _is_throttling(error: Exception) -> bool:
    response = getattr(error, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code in {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}


# ---------------------------------------------------------------------------------------------- URLs and documents


def _header(name: str) -> str | None:
    value = app.current_event.get_header_value(name, case_sensitive=False)
    return value if isinstance(value, str) else None


def _api_url() -> str:
    """The API's own base URL, from the request: scheme, Host and the path prefix (the stage on execute-api, the
    base path mapping on a custom domain: what ``requestContext.path`` has in front of ``path``; none locally)."""
    event = app.current_event
    context = event.get("requestContext") or {}
    host = _header("host") or ""
    if not _HOST.match(host):
        host = str(context.get("domainName") or "localhost")
    hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
    proto = (_header("x-forwarded-proto") or "").split(",")[0].strip().lower()
    scheme = proto if proto in ("http", "https") else ("http" if hostname in _LOCAL_HOSTS else "https")
    path = event.get("path") or "/"
    full_path = context.get("path")
    if hostname in _LOCAL_HOSTS:  # the local stack serves every stage at its root
        prefix = ""
    elif isinstance(full_path, str) and full_path.endswith(path) and full_path != path:
        prefix = full_path[: -len(path)].rstrip("/")
    else:
        stage = context.get("stage")
        prefix = f"/{stage}" if stage and stage not in ("local", "$default") and full_path != path else ""
    return f"{scheme}://{host}{prefix}"


def _base_url() -> str:
    """The public base URL of articles: ``PUBLIC_BASE_URL`` or else the API's own URL."""
    return _root.get().public_base_url or _api_url()


def openapi_schema(server_url: str) -> dict[str, Any]:
    """The OpenAPI document as served: Powertools' generated document, with errors documented as 400 ``ErrorOut``
    (not Powertools' 422), conditional requests documented, and the API's own URL as server."""
    from aws_lambda_powertools.event_handler.openapi.models import Server

    document = json.loads(
        app.get_openapi_json_schema(
            title=API_TITLE,
            version=API_VERSION,
            description=(__doc__ or "").split("\n\n", 1)[0],
            servers=[Server(url=server_url)],
        )
    )
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)
            if "200" in responses:
                responses["200"]["headers"] = {
                    "ETag": {"description": "Strong validator of the body", "schema": {"type": "string"}},
                    "Cache-Control": {"description": "Caching policy of the route", "schema": {"type": "string"}},
                }
                responses["304"] = {"description": "Not modified: `If-None-Match` matched the current `ETag`"}
            operation["parameters"] = [
                *operation.get("parameters", []),
                {
                    "name": "If-None-Match",
                    "in": "header",
                    "required": False,
                    "description": "ETag(s) of a cached copy; a match returns 304 without a body.",
                    "schema": {"type": "string"},
                },
            ]
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(name, None)
    return document


def _with_server(document: str, server_url: str, *, in_html: bool = False) -> str:
    """A cached document for ``server_url``: its placeholder replaced by the URL as a JSON string's content
    (with ``<`` escaped inside the HTML page's script)."""
    value = json.dumps(server_url)[1:-1]
    return document.replace(_SERVER_PLACEHOLDER, value.replace("<", "\\u003c") if in_html else value)


def _openapi_json(server_url: str) -> str:
    documents = _root.get()._documents
    if "openapi" not in documents:
        documents["openapi"] = json.dumps(openapi_schema(_SERVER_PLACEHOLDER), separators=(",", ":"))
    return _with_server(documents["openapi"], server_url)


def _swagger_html(server_url: str) -> str:
    from importlib.resources import files

    from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

    documents = _root.get()._documents
    if "docs" not in documents:
        assets = files("aws_lambda_powertools.event_handler.openapi") / "swagger_ui"
        documents["docs"] = generate_swagger_html(
            _openapi_json(_SERVER_PLACEHOLDER).replace("</", "<\\/"),
            (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
            (assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
            "",
            None,
        )
    return _with_server(documents["docs"], server_url, in_html=True)


# ---------------------------------------------------------------------------------------------- HTTP finishing


def _etag(body: str | None, base64_encoded: bool) -> str:
    raw = base64.b64decode(body or "") if base64_encoded else (body or "").encode("utf-8", "surrogatepass")
    return '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)


def _request_header(event: Mapping[str, Any], name: str) -> str | None:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name and isinstance(value, str):
            return value
    for key, values in (event.get("multiValueHeaders") or {}).items():
        if key.lower() == name and values:
            return ",".join(str(v) for v in values)
    return None


def _finish(response: dict[str, Any], event: Mapping[str, Any], method: str, root: ApiRoot) -> dict[str, Any]:
    headers: dict[str, list[str]] = response.setdefault("multiValueHeaders", {})
    for key, value in (response.pop("headers", None) or {}).items():
        headers.setdefault(key, [value])
    status = response["statusCode"]
    if status == 200:
        etag = _etag(response.get("body"), response.get("isBase64Encoded", False))
        headers["ETag"] = [etag]
        if _matches(_request_header(event, "if-none-match"), etag):
            response.update(statusCode=304, body="", isBase64Encoded=False)
            headers.pop("Content-Type", None)
    elif status >= 400 or "Cache-Control" not in headers:
        headers["Cache-Control"] = [ERROR_CACHE]
    allowed = root.cors.allow_origin(_request_header(event, "origin"))
    if allowed:
        headers["Access-Control-Allow-Origin"] = [allowed]
        headers["Access-Control-Expose-Headers"] = [CORS_EXPOSE_HEADERS]
    if "*" not in root.cors.origins:
        headers["Vary"] = ["Origin"]
    if method == "HEAD":
        response.update(body="", isBase64Encoded=False)
    return response


def serve(event: dict[str, Any], context: LambdaContext, root: ApiRoot) -> dict[str, Any]:
    """Resolve one REST proxy event against ``root`` and apply the shared HTTP behaviour."""
    method = str(event.get("httpMethod") or "GET").upper()
    request = {**event, "httpMethod": "GET"} if method == "HEAD" else event
    token = _root.set(root)
    try:
        response = app.resolve(request, context)
    finally:
        _root.reset(token)
    response = _finish(response, event, method, root)
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
