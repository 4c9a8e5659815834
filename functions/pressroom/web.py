"""The HTTP behaviour every route of the read API shares, on Powertools' own hooks (no routing of its own):

- :class:`ReadApiResolver`: Powertools' ``APIGatewayRestResolver`` with this deployment's ``CORSConfig`` (origins
  from ``CORS_ALLOW_ORIGINS``, preflight included; the preflight of a path no route serves is a 404), the global
  middleware (``app.use``) :func:`conditional_get`, ``HEAD`` answered as ``GET`` without the body, Powertools'
  Swagger UI (``enable_swagger``) registered by the first request for ``/docs``, the error mapping (below), and an
  OpenAPI document that states what the API does: errors are ``400 ErrorOut`` (Powertools documents a 422 the API
  never sends), every 200 has ``ETag`` and ``Cache-Control`` and ``If-None-Match`` may give 304, and the server is
  the API's own URL (:func:`api_url`). The document is built once per resolver, whatever the Host;
- :func:`conditional_get`: a strong ``ETag`` (a hash of the exact body) on every 200 and 304 for a matching
  ``If-None-Match`` (same ``ETag`` and ``Cache-Control``, no body); a response without ``Cache-Control`` gets
  ``no-store``;
- the caching policy of every kind of response, in one place (the ``*_CACHE`` constants; the README's CDN section
  says why): the CDN in front of the API honours them, and freshness after a publish or a withdrawal comes from
  them, not from invalidations;
- responses: :func:`ok`, :func:`page` (HTML with the pages' security headers), :func:`see_other`, :func:`json_error`;
- content negotiation: :func:`prefers_html` (a browser's ``Accept``), :func:`api_url` and :func:`header`.

Errors are ``{"error", "message"}`` JSON with a 4xx status for every client mistake (``invalid_limit``,
``invalid_cursor``, ``invalid_filter``, ``not_found``, ``method_not_allowed`` with ``Allow``, ``gone``), never a 5xx;
on a reader page's route (tagged ``pages``) they are an HTML page with the same status. An AWS throttling error is
``503`` with ``Retry-After``; anything else unexpected is a logged ``500``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler.api_gateway import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.metrics import MetricUnit

from pressroom.api_models import ErrorCode, ErrorOut, JsonFeed
from pressroom.cursor import InvalidCursor
from pressroom.observability import logger, metrics
from pressroom.pages import CSP, HTML_CONTENT_TYPE, Site, render_error
from pressroom.reading import (
    MAX_FILTER_CHARS,
    MAX_LIMIT,
    ArticleGone,
    ArticleNotFound,
    InvalidFilter,
    TagMoved,
    UnknownName,
)
from pressroom.sitemaps import NoSuchSitemap

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.models import OpenAPI
    from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent
    from aws_lambda_powertools.utilities.typing import LambdaContext

JSON = "application/json"
ERROR_CACHE = "no-store"
CONTENT_CACHE = "public, max-age=60, s-maxage=60, stale-while-revalidate=30, stale-if-error=86400"
"""Articles (JSON and pages), lists, list pages and feeds: what readers see of an edit, a publish or a withdrawal.
The CDN keeps a copy fresh for a minute, then answers from it at most once more while it revalidates (the ETag makes
that a 304 when nothing changed), so a change reaches every reader within about 90 s, with no invalidation; an
origin in trouble (5xx) is covered by the last good copy for a day. Browsers keep a copy for as long as the CDN."""
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
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_HTML_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}
_THROTTLING = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}


# ---------------------------------------------------------------------------------------------- requests


def header(event: BaseProxyEvent, name: str) -> str | None:
    """The request header ``name`` (any case); repeated headers joined with commas as HTTP does."""
    value = event.resolved_headers_field.get(name.lower())
    if isinstance(value, list):
        return ",".join(str(v) for v in value) if value else None
    return value if isinstance(value, str) else None


def api_url(event: BaseProxyEvent) -> str:
    """The API's own base URL, from the request: scheme, Host and the path prefix (the stage on execute-api, the
    base path mapping on a custom domain: what ``requestContext.path`` has in front of ``path``; none locally)."""
    context = event.get("requestContext") or {}
    host = header(event, "host") or ""
    if not _HOST.match(host):
        host = str(context.get("domainName") or "localhost")
    hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
    proto = (header(event, "x-forwarded-proto") or "").split(",")[0].strip().lower()
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


def _quality(accept: str, media_type: str) -> float:
    """The ``q`` an ``Accept`` header gives ``media_type``, from its most specific matching range."""
    best, specificity = 0.0, -1
    kind = media_type.split("/", 1)[0]
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        rank = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(fields[0].lower(), -1)
        if rank <= specificity:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        best, specificity = q, rank
    return best


def prefers_html(event: BaseProxyEvent) -> bool:
    """Whether the client asks for HTML before JSON (a browser's ``Accept``; not ``*/*`` or no ``Accept``)."""
    accept = header(event, "accept")
    if not accept:
        return False
    html = max(_quality(accept, t) for t in _HTML_TYPES)
    return html > 0 and html > _quality(accept, JSON)


# ---------------------------------------------------------------------------------------------- responses


def ok(body: str, cache_control: str, content_type: str = JSON, **headers: str) -> Response[str]:
    """A 200 with ``body`` and its caching policy (one of the ``*_CACHE`` constants)."""
    headers = {"Cache-Control": cache_control, **headers}
    return Response(status_code=200, content_type=content_type, body=body, headers=headers)


def page(body: str, cache_control: str, status: int = 200) -> Response[str]:
    """An HTML page with the pages' Content-Security-Policy (:data:`pressroom.pages.CSP`) and security headers;
    ``cache_control`` applies to a 200, an error page is never cached."""
    cache_control = cache_control if status == 200 else ERROR_CACHE
    headers = {**_HTML_HEADERS, "Content-Security-Policy": CSP, "Cache-Control": cache_control}
    return Response(status_code=status, content_type=HTML_CONTENT_TYPE, body=body, headers=headers)


def see_other(url: str, **headers: str) -> Response[str]:
    """``303`` to ``url``: a browser asked a JSON route for HTML, and this page has the same content."""
    return Response(status_code=303, body="", headers={"Location": url, "Cache-Control": ERROR_CACHE, **headers})


def json_error(status: int, code: ErrorCode, message: str, **headers: str) -> Response[Any]:
    """The JSON error every client mistake gets (``ErrorOut``), never cached."""
    body = ErrorOut(error=code, message=message).model_dump()
    return Response(status_code=status, content_type=JSON, body=body, headers={"Cache-Control": ERROR_CACHE, **headers})


def without_body(response: dict[str, Any]) -> dict[str, Any]:
    """The answer to ``HEAD``: the GET's status and headers, its body's ``Content-Length``, no body."""
    body = response.get("body") or ""
    size = len(base64.b64decode(body)) if response.get("isBase64Encoded") else len(body.encode("utf-8"))
    response.setdefault("multiValueHeaders", {})["Content-Length"] = [str(size)]
    response.update(body="", isBase64Encoded=False)
    return response


# ---------------------------------------------------------------------------------------------- middleware


def etag(body: str | bytes) -> str:
    raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
    return '"' + hashlib.sha256(raw).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, tag: str) -> bool:
    if not if_none_match:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or any(t.removeprefix("W/") == tag for t in tags)


def conditional_get(app: APIGatewayRestResolver, next_middleware: Callable[..., Response[Any]]) -> Response[Any]:
    """Global middleware: ETag on every 200, 304 for a matching ``If-None-Match``, ``no-store`` by default."""
    response = next_middleware(app)
    if response.status_code == 200 and isinstance(response.body, str | bytes):
        tag = etag(response.body)
        response.headers["ETag"] = tag
        if _matches(header(app.current_event, "if-none-match"), tag):
            response.status_code, response.body = 304, ""
            response.headers.pop("Content-Type", None)
    response.headers.setdefault("Cache-Control", ERROR_CACHE)
    return response


def _known_preflight(app: ReadApiResolver, next_middleware: Callable[..., Response[Any]]) -> Response[Any]:
    """Powertools answers a preflight of any path; the API's of a path it does not serve is a 404."""
    response = next_middleware(app)
    path = app.current_event.path or "/"
    if app.current_event.http_method.upper() == "OPTIONS" and response.status_code == 204 and not app.serves(path):
        return app.error(404, "not_found", f"there is no route {path[:200]!r}; see /openapi.json")
    if response.status_code == 204:
        response.headers.update({"Allow": ALLOWED_METHODS, **app.vary()})
    return response


def _swagger_page(app: ReadApiResolver, next_middleware: Callable[..., Response[Any]]) -> Response[Any]:
    """``enable_swagger``'s page with the API's title and language (Powertools titles it "Swagger UI")."""
    response = next_middleware(app)
    if isinstance(response.body, str) and str(response.headers.get("Content-Type")).startswith("text/html"):
        response.body = response.body.replace("<html>", '<html lang="en">', 1).replace(
            "<title>Swagger UI</title>", f"<title>{API_TITLE}</title>", 1
        )
        response.headers["Content-Type"] = HTML_CONTENT_TYPE
    response.headers["Cache-Control"] = DOC_CACHE
    return response


# ---------------------------------------------------------------------------------------------- errors

ERRORS: dict[type[Exception], tuple[int, ErrorCode]] = {
    InvalidCursor: (400, "invalid_cursor"),
    InvalidFilter: (400, "invalid_filter"),
    ArticleNotFound: (404, "not_found"),
    UnknownName: (404, "not_found"),
    NoSuchSitemap: (404, "not_found"),
    ArticleGone: (410, "gone"),
}
"""What each error of the read use-cases answers; its message says what to fix."""

TAG_MOVED: dict[int, Any] = {
    301: {"description": "The tag was merged into another or renamed: `Location` is the canonical tag's"}
}

_PARAM_ERRORS: dict[str, tuple[ErrorCode, str]] = {
    "limit": ("invalid_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}"),
    "cursor": ("invalid_cursor", "cursor must be the next_cursor of the previous page, exactly as received"),
    "tag": ("invalid_filter", f"tag must be at most {MAX_FILTER_CHARS} characters"),
    "section": ("invalid_filter", f"section must be at most {MAX_FILTER_CHARS} characters"),
}
_READER_MESSAGES = {
    400: "The address of this page is not valid (an old or altered link?).",
    404: "There is no page at this address.",
    410: "The article that was here has been withdrawn.",
}


def _is_throttling(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    return code in _THROTTLING


# ---------------------------------------------------------------------------------------------- OpenAPI


def _documented(document: dict[str, Any]) -> dict[str, Any]:
    """Powertools' generated document with what the API does instead of its defaults (see the module)."""
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
    for name in _VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return document


_ERROR_DOCS = {
    400: "Bad parameter (`invalid_limit`, `invalid_cursor`, `invalid_filter`)",
    404: "Unknown article or route, or a tag, section or author segment that cannot name one (`not_found`); drafts "
    "and scheduled articles are not found",
    410: "The article was withdrawn (`gone`)",
}
_SEE_OTHER = "`Accept` prefers `text/html`: `Location` is the reader page with the same content"


def _errors_doc(*errors: int) -> dict[int, Any]:
    return {s: {"description": _ERROR_DOCS[s], "content": {JSON: {"model": ErrorOut}}} for s in errors}


def json_doc(model: type, *errors: int) -> dict[int, Any]:
    """The documented responses of a JSON route: ``model``, the ``303`` a browser gets, and ``errors``."""
    return {200: {"description": "OK", "content": {JSON: {"model": model}}}, 303: {"description": _SEE_OTHER}} | (
        _errors_doc(*errors)
    )


def text_doc(media_type: str, description: str, *errors: int, model: type | None = None) -> dict[int, Any]:
    """The documented responses of a document route (a feed, a sitemap, ``robots.txt``)."""
    content = {media_type: {"model": model} if model else {"schema": {"type": "string"}}}
    return {200: {"description": description, "content": content}} | _errors_doc(*errors)


def feed_doc(media_type: str, *errors: int) -> dict[int, Any]:
    """The documented responses of a feed route (JSON Feed's with its model)."""
    model = JsonFeed if "json" in media_type else None
    return text_doc(media_type, "The feed, newest 50 articles", *errors, model=model)


def page_doc(*errors: int) -> dict[int, Any]:
    """The documented responses of a reader page: HTML, errors as HTML pages too (but a segment no route can match
    is the API's own 404, in JSON unless the client prefers HTML)."""
    html = {"text/html": {"schema": {"type": "string"}}}
    docs: dict[int, Any] = {200: {"description": "HTML", "content": html}}
    for status in errors:
        docs[status] = {"description": f"{_ERROR_DOCS[status]}, as an HTML page", "content": html}
    if 404 in errors:
        docs[404]["content"] = {**html, JSON: {"model": ErrorOut}}
    return docs


# ---------------------------------------------------------------------------------------------- the resolver


def _origins(value: str) -> list[str]:
    return [o.strip().rstrip("/") for o in value.split(",") if o.strip()] or ["*"]


class ReadApiResolver(APIGatewayRestResolver):
    """Powertools' REST resolver with the read API's HTTP behaviour (see the module). ``origins`` is
    ``CORS_ALLOW_ORIGINS`` (comma-separated, ``*`` for any); ``public_base_url`` is where pages and articles are
    (``PUBLIC_BASE_URL``; empty: the API's own URL, from each request)."""

    _document: OpenAPI | None = None

    def __init__(self, *, origins: str = "*", public_base_url: str = "") -> None:
        allowed = _origins(origins)
        cors = CORSConfig(
            allow_origin="*" if "*" in allowed else allowed[0],
            extra_origins=allowed[1:],
            allow_headers=CORS_ALLOW_HEADERS,
            expose_headers=["ETag"],
            max_age=CORS_MAX_AGE,
        )
        super().__init__(cors=cors, enable_validation=True)
        self.public_base_url = public_base_url.strip().rstrip("/")
        self.vary_origin = "*" not in allowed
        self._swagger = False
        self.configure_openapi(title=API_TITLE, version=API_VERSION, description=API_DESCRIPTION)
        self.use([_known_preflight, conditional_get])
        self.exception_handler(RequestValidationError)(self._bad_parameter)
        self.exception_handler(list(ERRORS))(self._read_error)
        self.exception_handler(NotFoundError)(self._no_route)
        self.exception_handler(TagMoved)(self._tag_moved)
        self.exception_handler(Exception)(self._unexpected)

    # -- where and how to answer this request

    def api_url(self) -> str:
        return api_url(self.current_event)

    def base_url(self) -> str:
        """The public base URL of pages and articles: ``public_base_url`` or else the API's own URL."""
        return self.public_base_url or self.api_url()

    def site(self) -> Site:
        return Site(base_url=self.base_url(), feeds_url=self.api_url())

    def vary(self, *tokens: str) -> dict[str, str]:
        """The ``Vary`` header of a response that depends on ``tokens`` (and ``Origin`` with a list of origins)."""
        tokens = (*tokens, "Origin") if self.vary_origin else tokens
        return {"Vary": ", ".join(tokens)} if tokens else {}

    def browser(self) -> bool:
        return prefers_html(self.current_event)

    def serves(self, path: str) -> bool:
        """Whether a GET route serves ``path`` (Powertools' own route table)."""
        return any(r.method == "GET" and r.rule.match(path) for r in self._static_routes + self._dynamic_routes)

    # -- errors

    def error(self, status: int, code: ErrorCode, message: str, **headers: str) -> Response[Any]:
        """The error as JSON, or as an HTML page on a reader page's route."""
        route = self.context.get("_route")
        if route is not None and "pages" in route.tags and status in _READER_MESSAGES:
            return self.error_page(status, **self.vary(), **headers)
        return json_error(status, code, message, **self.vary(), **headers)

    def error_page(self, status: int, **headers: str) -> Response[str]:
        response = page(render_error(self.site(), status, _READER_MESSAGES[status]), ERROR_CACHE, status)
        response.headers.update(headers)
        return response

    def _bad_parameter(self, exc: RequestValidationError) -> Response[Any]:
        for detail in exc.errors():
            loc: tuple[Any, ...] = tuple(detail.get("loc") or ())
            name = str(loc[1]) if len(loc) >= 2 else ""
            if name in _PARAM_ERRORS:
                code, message = _PARAM_ERRORS[name]
                return self.error(400, code, message)
        return self.error(400, "invalid_request", "the request parameters are not valid")

    def _read_error(self, exc: Exception) -> Response[Any]:
        status, code = next(answer for kind, answer in ERRORS.items() if isinstance(exc, kind))
        return self.error(status, code, str(exc))

    def _tag_moved(self, moved: TagMoved) -> Response[Any]:
        """``301`` to the same route of the canonical tag, with the same query."""
        event = self.current_event
        rest = "".join(f"/{part}" for part in (event.path or "").split("/")[3:])
        query = urlencode(event.query_string_parameters or {})
        location = f"{self.api_url()}{moved.listing.path}{rest}" + (f"?{query}" if query else "")
        headers = {"Location": location, "Cache-Control": CONTENT_CACHE, **self.vary()}
        return Response(status_code=301, body="", headers=headers)

    def _no_route(self, _: NotFoundError) -> Response[Any]:
        event = self.current_event
        path = event.path or "/"
        if event.http_method.upper() in ("GET", "HEAD") or not self.serves(path):
            if prefers_html(event):
                return self.error_page(404)
            return self.error(404, "not_found", f"there is no route {path[:200]!r}; see /openapi.json")
        message = f"{event.http_method} is not allowed on {path[:200]!r}; use GET"
        return self.error(405, "method_not_allowed", message, Allow=ALLOWED_METHODS)

    def _unexpected(self, exc: Exception) -> Response[Any]:
        logger.exception("unhandled error")
        if _is_throttling(exc):
            return self.error(503, "internal_error", "the feed is busy; retry shortly", **{"Retry-After": "1"})
        return self.error(500, "internal_error", "something went wrong on our side; it has been logged")

    # -- Powertools' hooks

    def resolve(self, event: Any, context: LambdaContext) -> dict[str, Any]:
        """One REST proxy event: ``HEAD`` as ``GET``, then without the body; Swagger UI registered by the first
        request for it (it imports Powertools' OpenAPI models, about 60 ms no other cold start should wait for).
        Counts ``Requests``, ``ClientErrors`` (4xx) and ``ServerErrors`` (5xx)."""
        method = str(event.get("httpMethod") or "GET").upper()
        if not self._swagger and event.get("path") == SWAGGER_PATH:
            self.enable_swagger(path=SWAGGER_PATH, middlewares=[_swagger_page])
            self._swagger = True
        response = super().resolve({**event, "httpMethod": "GET"} if method == "HEAD" else event, context)
        metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        if response["statusCode"] >= 500:
            metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
        elif response["statusCode"] >= 400:
            metrics.add_metric(name="ClientErrors", unit=MetricUnit.Count, value=1)
        return without_body(response) if method == "HEAD" else response

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPI:
        from aws_lambda_powertools.event_handler.openapi.models import OpenAPI, Server

        if self._document is None:
            generated = super().get_openapi_schema(**{**kwargs, "servers": None})
            raw = json.loads(generated.model_dump_json(by_alias=True, exclude_none=True))
            self._document = OpenAPI.model_validate(_documented(raw))
        return self._document.model_copy(update={"servers": [Server(url=api_url(self.current_event))]})
